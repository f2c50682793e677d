"""Labels that hold for the year of the work: periods, designations, the review queue."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from openalex_fixtures import authorship, institution, work, write_jsonl

from collabnet import dating, pipeline, watchlist
from collabnet.cli import main
from collabnet.errors import InputError

DATA = Path(__file__).parent / "data"
TIANJIN_FIRE = "03bpcr835"  # ROR of the Tianjin Fire Research Institute (child of the MPS)


@pytest.fixture(scope="module")
def reg():
    return watchlist.load_registry()


# --- the rules ----------------------------------------------------------------------------


def test_a_period_decides_the_category_by_the_middle_of_the_year():
    p = [dating.Period.of("cn_police", None, "2018-04-15", ["reform"])]
    assert [dating.label_for("cn_other", p, [], y).category for y in (2017, 2018, 2019)] == [
        "cn_police", "cn_other", "cn_other"
    ]  # fmt: skip
    # a change after 1 July leaves the year with the earlier category
    late = [dating.Period.of("cn_police", None, "2018-10-08", ["reform"])]
    assert dating.label_for("cn_other", late, [], 2018).category == "cn_police"
    # a year given as a year or a month covers all of it
    whole = dating.Period.of("cn_military", "2006", "2010-02", ["s"])
    assert (whole.start, whole.end) == ("2006-01-01", "2010-02-28")
    assert dating.timeline("cn_other", [whole]) == (
        "cn_other until 2005-12-31; cn_military 2006-01-01 – 2010-02-28; cn_other from 2010-03-01"
    )


def test_a_designation_is_listed_in_every_year_it_held_on_some_day():
    d = dating.Designation.of("US Entity List", "2020-06-05", "2023-11-16", "85 FR 34503", "src")
    years = [y for y in range(2018, 2026) if d.in_year(y)]
    assert years == [2020, 2021, 2022, 2023]
    label = dating.label_for("cn_police", [], [d], 2021)
    assert label.designations == "US Entity List (2020-06-05 – 2023-11-16): 85 FR 34503"
    assert dating.label_for("cn_police", [], [d], 2024).designations == ""
    assert dating.label_for("cn_police", [], [d], 2024).flag == (
        "within a year of a change on 2023-11-17"
    )
    assert dating.label_for("cn_police", [], [d], 2026).flag == ""
    # no year: today's category, no designation, and a flag
    none = dating.label_for("cn_police", [], [d], None)
    assert (none.category, none.designations) == ("cn_police", "")
    assert none.flag.startswith("no publication year")


# --- the registry -------------------------------------------------------------------------


def test_the_registry_dates_the_fire_institutes_and_the_ifs_listing(reg):
    for key in ("tianjin", "shanghai", "shenyang", "sichuan"):
        e = reg.entries[f"mps-{key}-fire-research-institute"]
        assert e.category == "cn_other"  # today: the Ministry of Emergency Management
        assert e.changes() == "cn_police until 2018-04-15; cn_other from 2018-04-16"
        assert all(p.sources for p in e.periods)
    ifs = reg.entries["mps-institute-of-forensic-science"]
    (d,) = ifs.designations
    assert (d.start, d.end) == ("2020-06-05", "2023-11-16")
    assert "85 FR" in d.citation and "2023-25557" in d.source


def _registry_file(tmp_path: Path, entry: str) -> Path:
    folder = tmp_path / "reg"
    folder.mkdir(exist_ok=True)
    head = "last_reviewed: '2026-12-01'\nentries:\n"
    (folder / "x.yaml").write_text(head + entry, encoding="utf-8")
    return folder


BASE = """- id: fire-lab
  name: Test Fire Lab
  country: CN
  category: cn_other
  sources: [a source]
"""


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        ("  periods:\n  - {category: cn_police, to: '2018-04-15'}\n", "needs its own sources"),
        ("  periods:\n  - {category: police, to: '2018', sources: [s]}\n", "is not one of"),
        ("  periods:\n  - {category: cn_police, sources: [s]}\n", "needs 'from' or 'to'"),
        (
            "  periods:\n  - {category: cn_police, from: '2019', to: '2018', sources: [s]}\n",
            "'from' 2019-01-01 is after 'to' 2018-12-31",
        ),
        (
            "  periods:\n  - {category: cn_police, to: '2018', sources: [s]}\n"
            "  - {category: cn_military, from: '2018-06', to: '2019', sources: [s]}\n",
            "period 1 and period 2 overlap",
        ),
        (
            "  periods:\n  - {category: cn_police, from: '2010', sources: [s]}\n",
            "holds today: the entry's category must be today's",
        ),
        ("  periods:\n  - {category: cn_police, to: '2018', sources: [s], by: x}\n", "unknown"),
        (
            "  listings:\n  - {list: US Entity List, from: '2020-13-01', source: s}\n",
            "is not a date",
        ),
    ],
)
def test_a_bad_period_or_listing_is_an_error_naming_file_entry_and_field(
    tmp_path, periods, message
):
    folder = _registry_file(tmp_path, BASE + periods)
    with pytest.raises(InputError, match=message) as err:
        watchlist.load_registry(folder)
    text = str(err.value)
    assert "x.yaml" in text and "fire-lab" in text


# --- the tables ---------------------------------------------------------------------------


def _corpus(tmp_path: Path) -> Path:
    """Dutch co-authors of the Tianjin fire institute in 2014 and 2021, of the MPS Institute
    of Forensic Science in 2019, 2021 and 2024, and a work without a year."""
    nl = institution("I1", "Erasmus MC", "NL", ror="018906e22")
    fire = institution("I2", "Tianjin Fire Research Institute", "CN", ror=TIANJIN_FIRE)
    ifs = institution("I3", "Institute of Forensic Science, Ministry of Public Security", "CN")
    ifs_raw = ["Institute of Forensic Science, Ministry of Public Security, Beijing 100038, China"]

    def pair(wid, year, other, raw=None):
        return work(
            wid, year,
            [authorship(f"A{wid[1:]}1", "Dutch author", [nl], position="first"),
             authorship(f"A{wid[1:]}2", "Chinese author", [other], raw=raw)],
        )  # fmt: skip

    records = [
        pair("W1", 2014, fire),
        pair("W2", 2021, fire),
        pair("W3", 2019, ifs, ifs_raw),
        pair("W4", 2021, ifs, ifs_raw),
        pair("W5", 2024, ifs, ifs_raw),
        pair("W6", None, fire),
    ]
    return write_jsonl(tmp_path / "works.jsonl", records)


def _row(a: pd.DataFrame, wid: str, iid: str) -> pd.Series:
    (i,) = a.index[(a["work_id"] == wid) & (a["institution_id"] == iid)]
    return a.loc[i]


def test_rows_either_side_of_a_date_get_different_categories(tmp_path):
    out = tmp_path / "out"
    assert main(["build", str(_corpus(tmp_path)), "--out", str(out), "--quiet"]) == 0
    t = pipeline.load_tables(out)
    a = t["authorships"]
    before, after = _row(a, "W1", "I2"), _row(a, "W2", "I2")
    assert (before["category"], before["category_dates"]) == ("cn_police", "until 2018-04-15")
    assert (after["category"], after["category_dates"]) == ("cn_other", "from 2018-04-16")
    assert "State Council Institutional Reform Plan" in before["category_source"]
    assert before["category_entry"] == after["category_entry"]
    assert before["category_date_flag"] == after["category_date_flag"] == ""
    # the institution keeps today's category and says when it changed
    inst = t["institutions"].set_index("institution_id")
    assert inst.loc["I2", "category"] == "cn_other"
    assert inst.loc["I2", "category_changes"] == (
        "cn_police until 2018-04-15; cn_other from 2018-04-16"
    )
    # a work without a year: today's category, flagged
    none = _row(a, "W6", "I2")
    assert none["category"] == "cn_other"
    assert none["category_date_flag"].startswith("no publication year")
    # the institution map: the institute before 2018 is a police node of its own, and the
    # path from the Dutch institution to it rests on the 2014 work alone
    G = pipeline.load_graph(out, "institutions")
    then = "I2@until-2018-04-15"
    assert G.nodes[then]["category"] == "cn_police" and G.nodes["I2"]["category"] == "cn_other"
    assert "(until 2018-04-15)" in G.nodes[then]["label"]
    assert sorted(G.edges["I1", then]["works"]) == ["W1"]
    assert "W2" in G.edges["I1", "I2"]["works"] and "W1" not in G.edges["I1", "I2"]["works"]
    without_ifs = G.subgraph([n for n in G if n != "I3"]).copy()
    paths = pipeline.map_paths(without_ifs, t["works"])
    ends = {p["nodes"][-1] for p in paths}
    assert then in ends and "I2" not in ends
    # per-year counts use the row's category
    counts = json.loads((out / "manifest.json").read_text())
    assert counts["tables"]["schema_version"] == 3
    pairs = pd.read_csv(out / "collaborations_per_year.csv", dtype={"year": "Int64"})
    got = {(y, p): n for y, p, n in pairs[["year", "category_pair", "n_works"]].itertuples(
        index=False)}  # fmt: skip
    assert got[(2014, "cn_police–nl")] == 1  # the fire institute, police-linked in 2014
    assert got[(2021, "cn_other–nl")] == 1  # the fire institute in 2021
    assert got[(2021, "cn_police–nl")] == 1  # the IFS in 2021, not the fire institute


def test_a_designation_appears_only_in_its_years_and_the_details_say_so(tmp_path):
    out = tmp_path / "out"
    assert main(["build", str(_corpus(tmp_path)), "--out", str(out), "--quiet"]) == 0
    t = pipeline.load_tables(out)
    a = t["authorships"]
    got = {w: _row(a, w, "I3")["designations"] for w in ("W3", "W4", "W5")}
    assert got["W3"] == "" and got["W5"] == ""
    assert got["W4"].startswith("US Entity List (2020-06-05 – 2023-11-16): 85 FR 34503")
    assert all(_row(a, w, "I3")["category"] == "cn_police" for w in ("W3", "W4", "W5"))
    inst = t["institutions"].set_index("institution_id")
    assert inst.loc["I3", "designations"].startswith("US Entity List (2020-06-05 – 2023-11-16)")
    # the explorer's details panel carries the designation with its dates
    page = (out / "network_institutions.html").read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="cn-data">(.*?)</script>', page, re.S)
    payload = json.loads(m.group(1))
    k = payload["nodes"]["id"].index("I3")
    assert payload["nodes"]["designations"][k].startswith("US Entity List (2020-06-05 – 2023-11-")
    k = payload["nodes"]["id"].index("I2")
    assert payload["nodes"]["changes"][k] == "cn_police until 2018-04-15; cn_other from 2018-04-16"


def test_the_how_close_table_shows_the_designations_on_the_path(tmp_path):
    out = tmp_path / "out"
    assert main(["build", str(_corpus(tmp_path)), "--out", str(out), "--quiet"]) == 0
    t = pipeline.load_tables(out)
    G = pipeline.load_graph(out, "institutions", tables=t)
    table = pipeline.how_close_table(pipeline.how_close(G, t["works"])).set_index("target")
    assert set(table.index) == {"I3", "I2@until-2018-04-15"}  # the police nodes
    assert table.loc["I3", "designations"].startswith(
        "Institute of Forensic Science, Ministry of Public Security: US Entity List (2020-06-05"
    )
    assert table.loc["I2@until-2018-04-15", "designations"] == ""
    assert table.loc["I2@until-2018-04-15", "evidence_dois"] == "10.5555/test.w1"


def test_the_review_queue_lists_every_label_that_depends_on_a_date(tmp_path):
    out = tmp_path / "out"
    assert main(["build", str(_corpus(tmp_path)), "--out", str(out), "--quiet"]) == 0
    review = pd.read_csv(out / "classification_review.csv", keep_default_na=False)
    dated = review[review["kind"] == "dated_label"]
    keys = set(dated["key"])
    # the IFS works of 2019, 2021 and 2024 are within a year of a listing change; the fire
    # institute's work without a year; not the fire institute's 2014 and 2021 works
    assert keys == {
        "mps-institute-of-forensic-science 2019",
        "mps-institute-of-forensic-science 2021",
        "mps-institute-of-forensic-science 2024",
        "mps-tianjin-fire-research-institute no year",
    }
    row = dated[dated["key"] == "mps-institute-of-forensic-science 2021"].iloc[0]
    assert "designations: US Entity List (2020-06-05 – 2023-11-16)" in row["flag"]
    assert row["source"]


# --- a labelled set with years ------------------------------------------------------------


def _dated_labelled() -> list[dict]:
    with (DATA / "affiliations_dated.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_the_dated_labelled_set_has_no_false_police_label(reg):
    rows = _dated_labelled()
    assert len(rows) >= 25
    auth = pd.DataFrame(
        {
            "work_id": [f"W{i}" for i in range(len(rows))],
            "author_position": "first",
            "author_id": [f"A{i}" for i in range(len(rows))],
            "author_name": "X",
            "institution_id": None,
            "institution_name": None,
            "ror": None,
            "country_code": [r["country"] or None for r in rows],
            "raw_affiliation": [r["text"] for r in rows],
            "is_corresponding": False,
        }
    )
    works = pd.DataFrame(
        {
            "work_id": auth["work_id"],
            "publication_year": pd.array(
                [int(r["year"]) if r["year"] else None for r in rows], dtype="Int64"
            ),
        }
    )
    inst = pd.DataFrame(columns=["institution_id", "ror", "display_name", "country_code",
                                 "type", "lineage"])  # fmt: skip
    _, a, review = watchlist.classify_tables(inst, auth, reg, works=works)
    wrong = [
        (r["text"], r["year"], r["expected_category"], got)
        for r, got in zip(rows, a["category"], strict=True)
        if got != r["expected_category"]
    ]
    false_police = [w for w in wrong if w[3] == "cn_police"]
    assert false_police == []
    assert wrong == []
    entries = [
        (r["text"], r["expected_entry"], got)
        for r, got in zip(rows, a["category_entry"], strict=True)
        if r["expected_entry"] and got != r["expected_entry"]
    ]
    assert entries == []
    for r, got in zip(rows, a["designations"], strict=True):
        want = r["expected_designation"]
        assert got.startswith(want) if want else got == "", (r["text"], r["year"], got)
    assert (a["category_date_flag"].str.startswith("no publication year")).sum() == 1


# --- the registry check: every entry has what matching needs ------------------------------


def test_every_entry_has_what_it_needs(reg):
    problems = []
    for e in reg.entries.values():
        if not e.sources:
            problems.append(f"{e.id}: no source")
        if e.country == "CN" and not e.negative and not e.name_zh:
            problems.append(f"{e.id}: no Chinese name")
        # papers write 国防科技大学, not 中国人民解放军国防科技大学: an ASPI entry needs a
        # Chinese name without the PLA prefix, as the form affiliations use
        zh = [n for n in (e.name_zh, *e.aliases) if n and re.search(r"[\u4e00-\u9fff]", n)]
        if e.aspi_category and not any(not n.startswith("中国人民解放军") for n in zh):
            problems.append(f"{e.id}: no short Chinese name")
        if not (e.ror or e.openalex or e.ids_note or e.negative):
            problems.append(f"{e.id}: no ROR or OpenAlex id and no note saying why")
        for p in e.periods:
            if not p.sources:
                problems.append(f"{e.id}: a period without sources")
        for d in e.designations:
            if not (d.start and d.citation and d.source):
                problems.append(f"{e.id}: a listing without a start, citation or source")
    assert problems == []


def test_the_short_names_reporters_meet_are_known(reg):
    for text, entry in [
        ("国防科技大学, 长沙 410073", "national-university-of-defense-technology"),
        ("College of Computer, National University of Defense Technology, Changsha",
         "national-university-of-defense-technology"),
    ]:  # fmt: skip
        c = reg.classify_affiliation(text, country_code="CN")
        assert c.entry_id == entry, (text, c)


def test_entries_were_checked_recently(reg):
    # a dated label is only as good as the review of its dates
    assert dt.date.fromisoformat(str(reg.last_reviewed)) >= dt.date(2026, 11, 1)


# --- OpenAlex ids by ROR ------------------------------------------------------------------


def test_watchlist_ids_says_which_openalex_ids_to_add_or_check(tmp_path, monkeypatch, capsys):
    from fake_openalex import FakeOpenAlex, make_institution

    from collabnet import config

    entries = """- id: erasmus-mc
  name: Erasmus MC
  ror: [018906e22]
  country: NL
  category: nl
  sources: [ROR record https://ror.org/018906e22]
- id: leiden-university
  name: Leiden University
  ror: [027bh9e22]
  openalex: [I9000003]
  country: NL
  category: nl
  sources: [ROR record https://ror.org/027bh9e22]
- id: lumc
  name: Leiden University Medical Center
  ror: [05xvt9f17]
  openalex: [I1]
  country: NL
  category: nl
  sources: [ROR record https://ror.org/05xvt9f17]
- id: unknown-lab
  name: A Lab OpenAlex Does Not Know
  ror: [0aaaaaa00]
  country: NL
  category: nl
  sources: [a source]
- id: no-ror-lab
  name: A Lab Without ROR
  ids_note: no ROR record
  country: NL
  category: nl
  sources: [a source]
"""
    folder = _registry_file(tmp_path, entries)
    institutions = [
        make_institution("I9000001", "Erasmus MC", "018906e22", "NL", "healthcare"),
        make_institution("I9000002", "Leiden University Medical Center", "05xvt9f17", "NL"),
        make_institution("I9000003", "Leiden University", "027bh9e22", "NL"),
    ]
    monkeypatch.setenv("OPENALEX_API_KEY", "oa-test-key")
    monkeypatch.setattr(config, "PROJECT_ROOT", tmp_path / "project")
    with FakeOpenAlex([], institutions=institutions) as s:
        monkeypatch.setenv("COLLABNET_OPENALEX_URL", s.url)
        out = tmp_path / "ids.csv"
        assert main(["watchlist-ids", "--registry", str(folder), "--out", str(out)]) == 0
        assert len([r for r in s.requests if r["path"] == "/institutions"]) == 1
    text = capsys.readouterr().out
    assert "1 agrees, 1 add, 1 differs, 1 not in OpenAlex, 1 no ROR" in text
    assert "erasmus-mc: openalex: [I9000001]  # Erasmus MC" in text
    assert "lumc: openalex: [I9000002]" in text and "registry has I1" in text
    report = pd.read_csv(out, keep_default_na=False).set_index("entry")
    assert report.loc["unknown-lab", "status"] == "not in OpenAlex"
    assert report.loc["leiden-university", "status"] == "agrees"
    # without a key: one line saying how to get one, no request
    monkeypatch.delenv("OPENALEX_API_KEY")
    assert main(["watchlist-ids", "--registry", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "OPENALEX_API_KEY" in err and "Traceback" not in err


# --- what a review found ------------------------------------------------------------------


def test_dates_written_loosely_in_the_registry_are_read_as_dates(tmp_path):
    # unquoted YAML dates and numbers, and dates without zero padding
    entry = BASE + (
        "  periods:\n  - {category: cn_police, to: 2018-4-15, sources: [s]}\n"
        "  listings:\n  - {list: US Entity List, from: 2020-06-05, to: 2023, source: s}\n"
        "  - {list: Another List, from: 2019, to: '2020-6-5', source: s}\n"
    )
    reg = watchlist.load_registry(_registry_file(tmp_path, entry))
    e = reg.entries["fire-lab"]
    assert e.periods[0].end == "2018-04-15"
    assert [(d.start, d.end) for d in e.designations] == [
        ("2020-06-05", "2023-12-31"), ("2019-01-01", "2020-06-05")
    ]  # fmt: skip
    assert e.label_for(2020).designations.count("(") == 2  # both in force in 2020
    assert e.label_for(2018).category == "cn_other" and e.label_for(2017).category == "cn_police"
    bad = BASE + "  listings:\n  - {list: [EL], from: '2020', source: s}\n"
    with pytest.raises(InputError, match="must be text"):
        watchlist.load_registry(_registry_file(tmp_path, bad))


def test_a_unit_named_in_the_text_is_dated_even_when_openalex_matched_its_ministry(reg):
    # OpenAlex often links "Shanghai Fire Research Institute of the MPS" to the MPS itself
    raw = "Shanghai Fire Research Institute of the Ministry of Public Security, Shanghai, China"
    inst = pd.DataFrame({"institution_id": ["I7"], "ror": ["00bt9we26"],
                         "display_name": ["Ministry of Public Security"], "country_code": ["CN"],
                         "type": ["government"], "lineage": [["I7"]]})  # fmt: skip
    auth = pd.DataFrame({"work_id": ["W1", "W2"], "author_position": "first",
                         "author_id": ["A1", "A2"], "author_name": "X",
                         "institution_id": "I7", "institution_name": "Ministry of Public Security",
                         "ror": "00bt9we26", "country_code": "CN", "raw_affiliation": raw,
                         "is_corresponding": False})  # fmt: skip
    works = pd.DataFrame({"work_id": ["W1", "W2"], "publication_year": [2014, 2021]})
    _, a, _ = watchlist.classify_tables(inst, auth, reg, works=works)
    assert a["category"].tolist() == ["cn_police", "cn_other"]
    assert set(a["category_entry"]) == {"mps-shanghai-fire-research-institute"}
    # the period's sources come first, then the entry's own (the ROR record of the unit)
    assert "State Council Institutional Reform Plan" in a.loc[0, "category_source"]
    assert "ROR record https://ror.org/00bt9we26" in a.loc[0, "category_source"]


def test_an_email_in_an_affiliation_is_not_a_date(tmp_path):
    raw = ("Institute of Forensic Science, Hubei Provincial Public Security Department, Wuhan "
           "430000, China. Electronic address: zhang@163.com")  # fmt: skip
    nl = institution("I1", "Erasmus MC", "NL", ror="018906e22")
    records = [work("W1", 2021, [authorship("A11", "Dutch author", [nl], position="first"),
                                 authorship("A12", "Chinese author", [], raw=[raw])])]  # fmt: skip
    out = tmp_path / "out"
    assert main(["build", str(write_jsonl(tmp_path / "w.jsonl", records)), "--out", str(out),
                 "--quiet", "--no-views"]) == 0  # fmt: skip
    G = pipeline.load_graph(out, "institutions")
    (police,) = [n for n, c in G.nodes(data="category") if c == "cn_police"]
    assert "@" not in police and police.startswith("text:")
    assert G.nodes[police]["label"].startswith("Institute of Forensic Science, Hubei")
    assert G.nodes[police]["matched_by"] == "raw affiliation text (pattern)"


def test_a_ror_finds_the_institution_of_today_and_exports_link_the_dated_node(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["build", str(_corpus(tmp_path)), "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["paths", "--tables", str(out), "--from", "I1", "--to", TIANJIN_FIRE]) == 0
    text = capsys.readouterr().out
    assert "ambiguous" not in text
    vos = pd.read_csv(out / "vosviewer_institutions_map.txt", sep="\t")
    row = vos[vos["label"].str.contains("until 2018-04-15", na=False)].iloc[0]
    assert row["url"] == "https://openalex.org/I2"


def test_classify_labels_a_string_for_a_year(monkeypatch, capsys):
    import io

    lines = "Tianjin Fire Research Institute of MPS, Tianjin\nLeiden University\n"

    def classify(*extra):
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(lines.encode())))
        assert main(["classify", *extra]) == 0
        return [json.loads(x) for x in capsys.readouterr().out.splitlines()]

    fire, leiden = classify("--year", "2014")
    assert (fire["category"], fire["category_dates"]) == ("cn_police", "until 2018-04-15")
    assert fire["category_changes"] == "cn_police until 2018-04-15; cn_other from 2018-04-16"
    assert fire["source"].count("State Council Institutional Reform Plan") == 1
    assert "ROR record https://ror.org/00bt9we26" in fire["source"]
    assert (leiden["category"], leiden["category_dates"], leiden["designations"]) == ("nl", "", "")
    fire, _ = classify("--year", "2021")
    assert (fire["category"], fire["category_dates"]) == ("cn_other", "from 2018-04-16")
    fire, _ = classify()  # no year: today's category, flagged
    assert fire["category"] == "cn_other"
    assert fire["category_date_flag"].startswith("no publication year")


def test_a_lab_known_only_from_its_text_lists_the_designations_of_its_years(tmp_path):
    nl = institution("I1", "Erasmus MC", "NL", ror="018906e22")
    raw = ["Institute of Forensic Science, Ministry of Public Security, Beijing 100038, China"]
    records = [
        work(f"W{n}", year, [authorship(f"A{n}1", "Dutch author", [nl], position="first"),
                             authorship(f"A{n}2", "Chinese author", [], raw=raw)])
        for n, year in ((1, 2019), (2, 2021), (3, 2022))
    ]  # fmt: skip
    out = tmp_path / "out"
    assert main(["build", str(write_jsonl(tmp_path / "w.jsonl", records)), "--out", str(out),
                 "--quiet", "--no-views"]) == 0  # fmt: skip
    G = pipeline.load_graph(out, "institutions")
    node = G.nodes["entry:mps-institute-of-forensic-science"]
    assert node["designations"] == (
        "US Entity List (2020-06-05 – 2023-11-16): 85 FR 34503, removed by FR Doc. 2023-25557"
    )
    bad = BASE + "  listings:\n  - {list: EL, from: '2020', citation: 'a; b', source: s}\n"
    with pytest.raises(InputError, match="may not hold"):
        watchlist.load_registry(_registry_file(tmp_path, bad))


def test_a_unit_openalex_linked_to_its_ministry_is_its_own_node_on_the_map(tmp_path):
    # OpenAlex links "Shanghai Fire Research Institute of the MPS" to the MPS itself: the
    # tie goes to the fire institute, police-linked in 2014 only, never to the ministry
    nl = institution("I1", "Erasmus MC", "NL", ror="018906e22")
    mps = institution("I7", "Ministry of Public Security", "CN", ror="00bt9we26")
    raw = ["Shanghai Fire Research Institute of the Ministry of Public Security, Shanghai"]
    records = [
        work(f"W{n}", year, [authorship(f"A{n}1", "Dutch author", [nl], position="first"),
                             authorship(f"A{n}2", "Chinese author", [mps], raw=raw)])
        for n, year in ((1, 2014), (2, 2021))
    ]  # fmt: skip
    out = tmp_path / "out"
    assert main(["build", str(write_jsonl(tmp_path / "w.jsonl", records)), "--out", str(out),
                 "--quiet", "--no-views"]) == 0  # fmt: skip
    G = pipeline.load_graph(out, "institutions")
    unit = "entry:mps-shanghai-fire-research-institute"
    assert "I7" not in G
    assert G.nodes[unit]["category"] == "cn_other"
    assert G.nodes[f"{unit}@until-2018-04-15"]["category"] == "cn_police"
    assert G.edges["I1", unit]["works"] == ["W2"]
    assert G.edges["I1", f"{unit}@until-2018-04-15"]["works"] == ["W1"]
