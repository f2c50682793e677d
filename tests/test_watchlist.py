"""Tests of the watchlist registry, the classification rules and ``collabnet classify``."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from collabnet import cli, config
from collabnet.errors import InputError
from collabnet.watchlist import (
    REVIEW_COLUMNS,
    Classification,
    classify_tables,
    load_overrides,
    load_registry,
    normalize_text,
)

DATA = Path(__file__).parent / "data"
SMALL = DATA / "registry_small"


@pytest.fixture(scope="module")
def reg():
    return load_registry()


@pytest.fixture(scope="module")
def small():
    return load_registry(SMALL)


# --- the registry itself ------------------------------------------------------------------


def test_registry_loads_and_covers_every_category(reg):
    counts = reg.counts()
    assert set(counts) == set(config.CATEGORIES)
    assert counts["cn_police"] >= 10 and counts["cn_military"] >= 60 and counts["nl"] >= 15
    assert counts["cn_state_security"] >= 4 and counts["cn_other"] >= 7
    assert reg.last_reviewed


def test_registry_entries_are_well_formed(reg):
    for e in reg.entries.values():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", e.id), e.id
        assert e.category in config.CATEGORIES
        assert e.sources and all(s.strip() for s in e.sources), e.id
        for r in e.ror + e.ror_withdrawn:
            assert re.fullmatch(r"0[a-z0-9]{6}[0-9]{2}", r), (e.id, r)
        for o in e.openalex:
            assert re.fullmatch(r"I\d+", o), (e.id, o)
        for d in (e.valid_from, e.valid_to):
            assert d is None or re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", d)
        if e.category in ("cn_police", "cn_military", "cn_state_security", "cn_other"):
            assert e.country == "CN", e.id


def test_registry_has_no_shared_identifiers_or_names_across_categories(reg):
    rors = Counter(r for e in reg.entries.values() for r in e.ror + e.ror_withdrawn)
    assert [r for r, n in rors.items() if n > 1] == []
    by_name: dict[str, set[str]] = {}
    for e in reg.entries.values():
        for n in [e.name, e.name_zh or ""] + list(e.aliases):
            if n:
                by_name.setdefault(normalize_text(n) or n, set()).add(e.category)
    assert {n: c for n, c in by_name.items() if len(c) > 1} == {}


def test_registry_facts_of_the_story(reg):
    ifs = reg.entries["mps-institute-of-forensic-science"]
    assert ifs.category == "cn_police" and ifs.name_zh == "公安部物证鉴定中心"
    assert "Forensic Identification Center of the MPS" in ifs.aliases
    assert "Material Identification Center of the MPS" in ifs.aliases
    (listing,) = ifs.designations
    assert (listing.start, listing.end) == ("2020-06-05", "2023-11-16")
    cipuc = reg.entries["criminal-investigation-police-university-of-china"]
    assert cipuc.ror == ("04vnevw94",) and cipuc.ror_withdrawn == ("019p4xb90",)
    uir = reg.entries["university-of-international-relations"]
    assert uir.category == "cn_state_security"
    assert "unitracker.aspi.org.au" in uir.source
    assert reg.entries["peoples-public-security-university-of-china"].ror == ("05twya590",)
    assert {
        "00hvq0c10",
        "040nzs042",
        "02n2dfg29",
        "03bpcr835",
        "05gk6fr31",
        "01dkhme60",
        "00jzxnz73",
    } <= {r for e in reg.entries.values() if e.parent == "mps" for r in e.ror}


def test_find_by_ror_openalex_and_name(reg, small):
    assert [e.id for e in reg.find("https://ror.org/019p4xb90")] == [
        "criminal-investigation-police-university-of-china"
    ]
    assert [e.id for e in reg.find("018906E22")] == ["erasmus-mc"]
    assert [e.id for e in reg.find("中国人民公安大学")] == [
        "peoples-public-security-university-of-china"
    ]
    assert [e.id for e in reg.find("  leiden university MEDICAL center ")] == ["lumc"]
    assert [e.id for e in reg.find("PPSUC")] == ["peoples-public-security-university-of-china"]
    assert [e.id for e in small.find("https://openalex.org/I100")] == ["police-lab"]
    assert reg.find("no such institution anywhere") == []


# --- malformed registry and overrides ------------------------------------------------------


def _write(tmp_path, text, name="bad.yaml"):
    d = tmp_path / "wl"
    d.mkdir(exist_ok=True)
    (d / name).write_text(text, encoding="utf-8")
    return d


GOOD_ENTRY = """  - id: ok-entry
    name: OK Entry
    country: CN
    category: cn_other
    sources: [a source]
"""


@pytest.mark.parametrize(
    "entry, message",
    [
        ("  - id: x-1\n    name: X\n    country: CN\n    category: police\n    sources: [s]\n",
         "category 'police' is not one of"),
        ("  - id: x-1\n    name: X\n    country: CN\n    category: cn_police\n", "at least one source"),  # noqa: E501
        ("  - id: x-1\n    name: X\n    country: CN\n    category: nl\n    sources: [s]\n"
         "    ror: [https://ror.org/018906e22]\n", "is not a bare ROR id"),
        ("  - id: x-1\n    name: X\n    country: CN\n    category: nl\n    sources: [s]\n"
         "    openalex: [W123]\n", "is not a bare institution id"),
        ("  - id: x-1\n    name: X\n    country: CN\n    category: nl\n    sources: [s]\n"
         "    valid_from: 5 June\n", "is not a date"),
        ("  - id: X 1\n    name: X\n    country: CN\n    category: nl\n    sources: [s]\n", "slug"),
        ("  - id: x-1\n    name: X\n    country: CN\n    category: nl\n    sources: [s]\n"
         "    alias: [typo]\n", "unknown field"),
        ("  - id: ok-entry\n    name: Y\n    country: CN\n    category: cn_other\n    sources: [s]\n",  # noqa: E501
         "duplicate id"),
        ("  - id: x-1\n    name: OK Entry\n    country: CN\n    category: cn_police\n    sources: [s]\n",  # noqa: E501
         "a name may not point to two categories"),
    ],
)  # fmt: skip
def test_malformed_registry_names_file_line_and_entry(tmp_path, entry, message):
    d = _write(tmp_path, "last_reviewed: '2026-01-01'\nentries:\n" + GOOD_ENTRY + entry)
    with pytest.raises(InputError) as err:
        load_registry(d)
    text = str(err.value)
    assert message in text
    assert "bad.yaml" in text and "line 8" in text and "entry" in text


def test_registry_yaml_syntax_error_names_line(tmp_path):
    d = _write(tmp_path, "last_reviewed: '2026-01-01'\nentries:\n  - id: [unclosed\n")
    with pytest.raises(InputError, match=r"bad\.yaml, line \d+: not valid YAML"):
        load_registry(d)


def test_overrides_errors_name_file_and_line(tmp_path):
    with pytest.raises(InputError, match=r"overrides_bad\.csv, line 3 \(I301\): category 'police'"):
        load_overrides(DATA / "overrides_bad.csv")
    p = tmp_path / "o.csv"
    p.write_text("key,cat\nx,nl\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"o\.csv, line 1: missing column"):
        load_overrides(p)
    p.write_text("key,category,note\n,nl,empty\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 2: empty key"):
        load_overrides(p)


# --- rule families -------------------------------------------------------------------------


def test_rule_ror_and_withdrawn_ror(reg):
    c = reg.classify_institution(ror="05twya590")
    assert (c.category, c.rule, c.confidence) == ("cn_police", "ror", 1.0)
    c = reg.classify_institution(ror="https://ror.org/019p4xb90")
    assert (c.category, c.rule, c.entry_id) == (
        "cn_police",
        "ror-withdrawn",
        "criminal-investigation-police-university-of-china",
    )
    c = reg.classify_institution(ror="04vnevw94")
    assert c.rule == "ror" and c.entry_id == "criminal-investigation-police-university-of-china"
    # the institution's label is today's: the fire institutes left the MPS in 2018 (a
    # work's row is dated by its year: tests/test_dating.py)
    fire = reg.classify_institution(ror="03bpcr835")
    assert (fire.category, fire.entry_id) == ("cn_other", "mps-tianjin-fire-research-institute")


def test_rule_openalex_id_and_lineage(small):
    c = small.classify_institution(institution_id="I100")
    assert (c.category, c.rule, c.entry_id, c.confidence) == (
        "cn_police",
        "openalex-id",
        "police-lab",
        1.0,
    )
    c = small.classify_institution(
        institution_id="https://openalex.org/I999",
        lineage=["I999", "I100"],
        display_name="Some Sub Unit",
        country_code="CN",
    )
    assert (c.category, c.rule, c.entry_id, c.confidence) == (
        "cn_police",
        "lineage",
        "police-lab",
        0.95,
    )
    c = small.classify_institution(ror="0bbbbbb22")
    assert (c.rule, c.entry_id) == ("ror-withdrawn", "police-lab")


def test_rule_names_aliases_and_chinese_names(reg):
    c = reg.classify_affiliation("People's Public Security University of China")
    assert (c.rule, c.confidence) == ("name", 0.95)
    c = reg.classify_affiliation("China People's Public Security University, Beijing")
    assert (c.rule, c.confidence) == ("alias", 0.9)
    c = reg.classify_affiliation("中国人民公安大学")
    assert (c.category, c.rule, c.confidence) == ("cn_police", "name-zh", 0.95)
    c = reg.classify_affiliation("Institute of Forensic Science, MPS, Beijing")
    assert (c.entry_id, c.rule) == ("mps-institute-of-forensic-science", "name-parts")


def test_rule_patterns_need_prc_context(reg):
    assert reg.classify_affiliation("Wuxi Public Security Bureau, Wuxi").rule == (
        "pattern:public-security-bureau"
    )
    assert reg.classify_affiliation("Public Security Bureau").category == "other"
    assert (
        reg.classify_affiliation("Public Security Bureau", country_code="CN").category
        == "cn_police"
    )
    assert reg.classify_affiliation("Police College, Hangzhou").rule == "pattern:police-college"
    assert reg.classify_affiliation("Police College", country_code="GB").category == "other"
    assert (
        reg.classify_affiliation("Police College, Hong Kong", country_code="CN").category
        == "cn_other"
    )


def test_rule_negatives_beat_patterns_and_names(reg):
    c = reg.classify_affiliation("Central Police University, Taoyuan, Taiwan")
    assert (c.category, c.rule) == ("other", "negative:tw-central-police-university")
    c = reg.classify_affiliation("Institute of Forensic Science, Fudan University, Shanghai")
    assert (c.category, c.rule) == ("cn_other", "negative:fudan-institute-of-forensic-science")
    c = reg.classify_affiliation("Ministry of Public Security, Hanoi, Vietnam")
    assert c.rule == "negative:vn-ministry-of-public-security"
    c = reg.classify_affiliation("Zhejiang Judicial Police Vocational College, Hangzhou, China")
    assert c.category == "cn_other" and c.rule.startswith("negative:")


def test_rule_country_fallbacks(reg):
    assert (
        reg.classify_institution(display_name="Zhejiang University", country_code="CN").rule
        == "country:CN"
    )
    assert (
        reg.classify_institution(display_name="Hogeschool Utrecht", country_code="NL").rule
        == "country:NL"
    )
    for cc in ("TW", "HK", "MO", "VN", "DE"):
        c = reg.classify_institution(display_name="Some University", country_code=cc)
        assert (c.category, c.rule) == ("other", "none"), cc
    c = reg.classify_affiliation("Zhejiang University, Hangzhou, China")
    assert (c.category, c.rule, c.confidence) == ("cn_other", "country:CN", 0.4)
    assert (
        reg.classify_affiliation("").as_dict()
        == Classification("other", None, None, "none", None, 0.0).as_dict()
    )


def test_country_hint_outside_china_blocks_chinese_names(reg):
    assert (
        reg.classify_affiliation("Ministry of Public Security", country_code="VN").category
        == "other"
    )
    assert reg.classify_affiliation("Ministry of Public Security, Beijing").category == "cn_police"


# --- the labelled set: precision and recall per category -----------------------------------


def _labelled():
    with (DATA / "affiliations_labelled.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_labelled_set_precision_and_recall(reg, record_property, capsys):
    rows = _labelled()
    assert len(rows) >= 150
    tp, fp, fn = Counter(), Counter(), Counter()
    wrong_entry = []
    for r in rows:
        c = reg.classify_affiliation(r["text"], country_code=r["country"] or None)
        exp = r["expected_category"]
        if c.category == exp:
            tp[exp] += 1
            if r["expected_entry"] and c.entry_id != r["expected_entry"]:
                wrong_entry.append((r["text"], r["expected_entry"], c.entry_id))
        else:
            fp[c.category] += 1
            fn[exp] += 1
    lines = ["category            n  precision  recall"]
    stats = {}
    for cat in config.CATEGORIES:
        n = tp[cat] + fn[cat]
        p = tp[cat] / (tp[cat] + fp[cat]) if tp[cat] + fp[cat] else 1.0
        rc = tp[cat] / n if n else 1.0
        stats[cat] = (p, rc)
        lines.append(f"{cat:<17} {n:>3}  {p:9.3f}  {rc:6.3f}")
        record_property(f"precision_{cat}", round(p, 3))
        record_property(f"recall_{cat}", round(rc, 3))
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert Counter(r["expected_category"] for r in rows)["cn_police"] >= 50
    assert stats["cn_police"][0] == 1.0
    assert stats["cn_police"][1] >= 0.95
    for cat in ("nl", "cn_military", "cn_state_security", "cn_other", "other"):
        assert stats[cat][0] >= 0.9, cat
        assert stats[cat][1] >= 0.9, cat
    assert wrong_entry == []


# --- classify_tables -----------------------------------------------------------------------


def _tables():
    inst = pd.DataFrame(
        {
            "institution_id": ["I1", "I2", "I3", "I999"],
            "ror": ["05twya590", None, "0cccccc33", None],
            "display_name": ["China People's Public Security University", "Zhejiang University",
                             "Test University Leiden", "Some Lab of Test Police Laboratory"],
            "country_code": ["CN", "CN", "NL", "CN"],
            "type": ["education", "education", "education", "facility"],
            "lineage": [["I1"], ["I2"], ["I3"], ["I999", "I100"]],
        }
    )  # fmt: skip
    auth = pd.DataFrame(
        {
            "work_id": ["W1", "W1", "W1", "W2", "W2", "W2"],
            "author_position": ["first", "middle", "last", "first", "middle", "last"],
            "author_id": ["A1", "A2", "A3", "A4", "A5", "A6"],
            "author_name": ["a", "b", "c", "d", "e", "f"],
            "institution_id": ["I1", "I2", None, None, "I3", "I999"],
            "institution_name": ["China People's Public Security University", "Zhejiang University",
                                 None, None, "Test University Leiden", "Some Lab"],
            "ror": ["05twya590", None, None, None, "0cccccc33", None],
            "country_code": ["CN", "CN", "CN", None, "NL", "CN"],
            "raw_affiliation": ["PPSUC, Beijing", "Hangzhou Public Security Bureau, Hangzhou, China",  # noqa: E501
                                "Shanghai Police College, Shanghai", None,
                                "Some Forensic Centre, Beijing", None],
            "is_corresponding": [True, False, False, False, False, False],
        }
    )  # fmt: skip
    return inst, auth


def _vals(series) -> list:
    return [None if pd.isna(v) else v for v in series]


def test_classify_tables_exact_output(small):
    inst, auth = _tables()
    overrides = load_overrides(DATA / "overrides_ok.csv")
    i, a, review = classify_tables(inst, auth, registry=small, overrides=overrides)
    # I1's ROR is not in the small registry: its name still reads as a police university
    assert _vals(i["category"]) == ["cn_police", "cn_other", "other", "cn_police"]
    assert _vals(i["category_rule"]) == [
        "pattern:police-college",
        "country:CN",
        "override",
        "lineage",
    ]
    assert _vals(i["category_entry"]) == [None, None, None, "police-lab"]
    assert _vals(i["category_confidence"]) == [0.85, 0.5, 1.0, 0.95]
    assert _vals(a["category"]) == [
        "cn_police",
        "cn_other",
        "cn_police",
        "other",
        "other",
        "cn_police",
    ]
    assert _vals(a["category_rule"]) == [
        "pattern:police-college",
        "country:CN",
        "pattern:police-college",
        "none",
        "override",
        "lineage",
    ]
    assert _vals(a["raw_category"]) == [
        "cn_other",
        "cn_police",
        "cn_police",
        None,
        "cn_police",
        None,
    ]
    assert _vals(a["category_entry"]) == [None, None, None, None, None, "police-lab"]
    assert _vals(a["category_flag"]) == [
        "institution says cn_police (pattern:police-college); "
        "raw affiliation says cn_other (country:CN)",
        "institution says cn_other (country:CN); raw affiliation says cn_police "
        "(pattern:public-security-bureau)",
        "", "",
        "institution says other (override); raw affiliation says cn_police (override)",
        "",
    ]  # fmt: skip
    assert len(a) == len(auth) and a["work_id"].tolist() == auth["work_id"].tolist()
    assert list(review.columns) == REVIEW_COLUMNS
    assert _vals(review["key"]) == [
        "Hangzhou Public Security Bureau, Hangzhou, China", "I1",
        "Shanghai Police College, Shanghai", "Some Forensic Centre, Beijing", "I2",
        "PPSUC, Beijing"]  # fmt: skip
    assert _vals(review["kind"])[:2] == ["raw_affiliation", "institution"]
    assert "I999" not in set(review["key"])  # identifier-based labels are not listed


def test_classify_tables_with_real_registry_and_no_overrides():
    inst, auth = _tables()
    i, a, _ = classify_tables(inst, auth)
    assert i.loc[0, ["category", "category_rule", "category_entry"]].tolist() == [
        "cn_police",
        "ror",
        "peoples-public-security-university-of-china",
    ]
    assert "ASPI" in i.loc[0, "category_source"]
    assert a.loc[2, "category_entry"] == "shanghai-police-college"


def test_classify_tables_labels_many_rows_as_it_labels_each(small):
    inst, auth = _tables()
    big = pd.concat([auth] * 20000, ignore_index=True)  # 120,000 authorships
    _, a, _ = classify_tables(inst, big, registry=small)
    _, one, _ = classify_tables(inst, auth, registry=small)
    columns = ["category", "category_rule", "category_entry"]
    expected = pd.concat([one[columns]] * 20000, ignore_index=True)
    pd.testing.assert_frame_equal(a[columns].reset_index(drop=True), expected)


def test_classify_tables_labels_institutions_that_only_authorships_name(small):
    inst, auth = _tables()
    i, a, review = classify_tables(inst.iloc[:1], auth, registry=small)
    assert len(i) == 1  # the institutions table keeps its rows
    # I2, I3 and I999 are labelled from their authorships (name, ROR, country)
    assert _vals(a["category_rule"]) == [
        "pattern:police-college",
        "country:CN",
        "pattern:police-college",
        "none",
        "ror",  # I3, by the ROR its authorship gives
        "country:CN",  # I999 by name: the lineage is in the institutions table only
    ]
    # a label from a name is listed for review, with the authorships of the institution
    row = review.loc[review["key"] == "I999"].iloc[0]
    assert (row["kind"], row["rule"], row["n_authorships"]) == ("institution", "country:CN", 1)


def test_classify_tables_leaves_its_inputs_unchanged(small):
    inst, auth = _tables()
    before = (inst.copy(), auth.copy())
    classify_tables(inst, auth, registry=small, overrides=DATA / "overrides_ok.csv")
    pd.testing.assert_frame_equal(inst, before[0])
    pd.testing.assert_frame_equal(auth, before[1])


# --- the command line ----------------------------------------------------------------------


def test_cli_classify_one_json_line_per_input_line(monkeypatch, capsys):
    lines = ["Institute of Forensic Science, Ministry of Public Security, Beijing", "",
             "Central Police University, Taoyuan, Taiwan", "浙江警察学院"]  # fmt: skip
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert cli.main(["classify"]) == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [o["input"] for o in out] == lines
    assert [o["category"] for o in out] == ["cn_police", "other", "other", "cn_police"]
    assert out[1]["rule"] == "none"
    assert out[0]["entry"] == "mps-institute-of-forensic-science"
    assert {"input", "category", "entry", "rule", "confidence"} <= set(out[0])


def test_cli_classify_country_hint_and_registry(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("Some Lab\nTest Police Laboratory\n"))
    assert cli.main(["classify", "--country", "CN", "--registry", str(SMALL)]) == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(o["category"], o["rule"]) for o in out] == [
        ("cn_other", "country:CN"),
        ("cn_police", "name"),
    ]


def test_cli_classify_bad_registry_is_a_clear_error(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr("sys.stdin", io.StringIO("x\n"))
    assert cli.main(["classify", "--registry", str(tmp_path / "missing")]) == 2
    assert "watchlist registry not found" in capsys.readouterr().err


def test_classify_tables_without_institution_countries():
    inst = pd.DataFrame(
        {"institution_id": ["I1"], "ror": ["02e2c7k09"], "display_name": ["TU Delft"]}
    )
    auth = pd.DataFrame(
        {
            "work_id": ["W1", "W1"],
            "author_id": ["A1", "A2"],
            "institution_id": ["I1", None],
            "institution_name": ["TU Delft", None],
            "country_code": ["NL", "CN"],
            "raw_affiliation": ["TU Delft", "Institute of Forensic Science, Ministry of Public "
                                "Security, Beijing"],
        }
    )  # fmt: skip
    i, a, review = classify_tables(inst, auth)
    assert len(i) == 1 and len(a) == 2
    assert a.loc[1, "category"] == "cn_police"
    assert "raw_affiliation" in set(review["kind"])
