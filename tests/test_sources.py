"""OpenAlex Work data in every form users hold it, through `collabnet build` and read_corpus.

Each test writes its own small records in the shapes real OpenAlex data has (API pages saved as
they came, pyalex's JSON arrays, snapshot folders, 2022 and 2026 schemas, null author ids,
consortium papers) and checks that nothing is lost and nothing is read silently wrong.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import sys
import types
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from openalex_fixtures import (
    ERASMUS,
    LEIDEN,
    NWO,
    OA,
    SYSU,
    api_page,
    authorship,
    compress,
    institution,
    small_corpus,
    unmatched_authorship,
    work,
    work_2022,
    work_2026,
    write_bytes,
    write_jsonl,
)

from collabnet.cli import main
from collabnet.corpus import read_corpus

# --- helpers ------------------------------------------------------------------------------


def build(capsys, inputs, out, *options):
    """Run `collabnet build` as a user would; return (exit code, what it wrote to stderr).

    An error that is not a one-line message escapes ``main`` and fails the test."""
    inputs = [inputs] if isinstance(inputs, (str, Path)) else inputs
    code = main(["build", *map(str, inputs), "--out", str(out), "--no-views", *options])
    return code, capsys.readouterr().err


def manifest(out) -> dict:
    return json.loads((Path(out) / "manifest.json").read_text(encoding="utf-8"))


def table(out, name) -> pd.DataFrame:
    return pd.read_parquet(Path(out) / f"{name}.parquet")


def jsonl(records) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def pretty(value) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False).encode()


def names_in(records) -> set[str]:
    return {a["author"]["display_name"] for w in records for a in w["authorships"]}


# --- (1) an API page of real shapes: every work and every author name reaches the tables ---


def page_works() -> list[dict]:
    """A 2026 work with an organisation and an unmatched person as authors (null ids), a work
    without authorships, a work with [""] raw strings and no institutions, a 2022 work."""
    new = work_2026(
        "W101",
        2025,
        [
            authorship("A1", "Ann de Vries", [ERASMUS], position="first", corresponding=True),
            unmatched_authorship("J. Unmatched", [LEIDEN]),
            unmatched_authorship("Forensic Genomics Consortium", [], raw=[""], position="last"),
        ],
    )
    bare = work_2026("W102", 2024, [])
    blank = work(
        "W103",
        2023,
        [authorship("A2", "Bo Zhang", [], raw=[""]), authorship("A3", "Cai Li", [SYSU])],
    )
    del blank["is_authors_truncated"]
    old = work_2022(
        "W104",
        2021,
        [
            ("A4", "Dirk Jansen", [LEIDEN], "Leiden University, Leiden, The Netherlands"),
            ("A5", "Eva Wang", [SYSU], "Sun Yat-sen University, Guangzhou, China"),
        ],
    )
    return [new, bare, blank, old]


def test_an_api_page_keeps_every_work_and_every_author_name(tmp_path, capsys):
    records = page_works()
    page = write_bytes(tmp_path / "page.json", pretty(api_page(records)))
    code, err = build(capsys, page, tmp_path / "out")
    assert code == 0, err

    works = table(tmp_path / "out", "works").set_index("work_id")
    assert sorted(works.index) == ["W101", "W102", "W103", "W104"]  # works in == works out
    # the authors OpenAlex matched to nobody count as authors of their work
    assert works["n_authors"].to_dict() == {"W101": 3, "W102": 0, "W103": 2, "W104": 2}
    assert works.loc["W101", "funders"] == NWO
    assert not works["is_authors_truncated"].any()  # absent means not truncated

    rows = table(tmp_path / "out", "authorships")
    assert set(rows["author_name"]) == names_in(records)
    unmatched = rows[rows["author_id"].isna()].set_index("author_name")
    assert sorted(unmatched.index) == ["Forensic Genomics Consortium", "J. Unmatched"]
    assert unmatched.loc["J. Unmatched", "institution_id"] == "I2"
    assert unmatched.loc["J. Unmatched", "raw_affiliation"] == "Leiden University, Somewhere"
    assert pd.isna(unmatched.loc["Forensic Genomics Consortium", "raw_affiliation"])  # [""]
    assert unmatched.loc["Forensic Genomics Consortium", "author_position"] == "last"
    old = rows[rows["work_id"] == "W104"].set_index("author_id")
    assert old.loc["A4", "raw_affiliation"] == "Leiden University, Leiden, The Netherlands"
    assert old.loc["A5", "institution_id"] == "I3"

    assert sorted(table(tmp_path / "out", "authors")["author_id"]) == ["A1", "A2", "A3", "A4", "A5"]
    tables = manifest(tmp_path / "out")["tables"]
    assert tables["counts"]["works"] == tables["counts"]["records_read"] == 4
    assert tables["counts"]["authorships_without_author_id"] == 2
    assert tables["counts"]["works_without_authorships"] == 1
    assert [(i["form"], i["records"], i["compression"]) for i in tables["inputs"]] == [
        ("api-page", 4, None)
    ]
    assert tables["inputs_skipped"] == []

    # no node for an unmatched author, but the tie it makes between institutions is there
    authors = nx.read_graphml(tmp_path / "out" / "graph_authors.graphml")
    assert sorted(authors) == ["A1", "A2", "A3", "A4", "A5"]
    institutions = nx.read_graphml(tmp_path / "out" / "graph_institutions.graphml")
    assert institutions.has_edge("I1", "I2")  # Ann (Erasmus MC) with J. Unmatched (Leiden)
    assert institutions.has_edge("I2", "I3")  # the 2022 work


# --- (2) every form a file of works comes in, decided by content -------------------------


def form_works() -> list[dict]:
    return [
        *small_corpus(),
        work_2026("W4", 2026, [unmatched_authorship("ACME Consortium", [SYSU])]),
    ]


WORKS = form_works()
FORMS = {
    "pretty-printed JSON array": ("works.json", pretty(WORKS), None, "json-array"),
    "one-line JSON array": ("works.json", json.dumps(WORKS).encode(), None, "json-array"),
    "JSON array, one work a line": (
        "works.json",
        ("[\n" + ",\n".join(json.dumps(w) for w in WORKS) + "\n]\n").encode(),
        None,
        "json-array",
    ),
    "pretty-printed API page": ("page.json", pretty(api_page(WORKS)), None, "api-page"),
    "API page saved on one line": (
        "page.json",
        json.dumps(api_page(WORKS)).encode(),
        None,
        "api-page",
    ),
    "JSON Lines of API pages": (
        "pages.jsonl",
        jsonl([api_page(WORKS[:3], page=1), api_page(WORKS[3:], page=2)]),
        None,
        "json-lines (api pages)",
    ),
    ".ndjson": ("works.ndjson", jsonl(WORKS), None, "json-lines"),
    ".JSONL": ("WORKS.JSONL", jsonl(WORKS), None, "json-lines"),
    "JSON Lines named .json": ("works.json", jsonl(WORKS), None, "json-lines"),
    "JSON Lines with CRLF": (
        "works.jsonl",
        jsonl(WORKS).replace(b"\n", b"\r\n"),
        None,
        "json-lines",
    ),
    "JSON Lines with a byte order mark": (
        "works.jsonl",
        b"\xef\xbb\xbf" + jsonl(WORKS),
        None,
        "json-lines",
    ),
    "API page with a byte order mark": (
        "page.json",
        b"\xef\xbb\xbf" + pretty(api_page(WORKS)),
        None,
        "api-page",
    ),
    "bzip2 JSON Lines": ("works.jsonl.bz2", jsonl(WORKS), "bzip2", "json-lines"),
    "xz API page": ("page.json.xz", pretty(api_page(WORKS)), "xz", "api-page"),
    "gzip JSON array": ("works.json.gz", pretty(WORKS), "gzip", "json-array"),
    "gzip without .gz in its name": ("part_000", jsonl(WORKS), "gzip", "json-lines"),
}


@pytest.mark.parametrize("kind", FORMS)
def test_every_form_gives_the_same_tables(tmp_path, kind):
    name, data, compression, form = FORMS[kind]
    path = write_bytes(tmp_path / name, data, compression)
    c = read_corpus(path)
    assert c.works["work_id"].tolist() == ["W1", "W2", "W3", "W4"]
    assert c.works["n_authors"].tolist() == [3, 2, 2, 1]
    assert set(c.authorships["author_name"]) == names_in(WORKS)
    assert c.counts["authorships_without_author_id"] == 1
    [source] = c.sources
    assert (source.form, source.compression, source.records) == (form, compression, 4)


def test_files_of_several_forms_build_together_and_each_is_listed(tmp_path, capsys):
    files = [
        write_bytes(tmp_path / "a.json", pretty(WORKS[:1])),
        write_bytes(tmp_path / "b.jsonl.bz2", jsonl(WORKS[1:2]), "bzip2"),
        write_bytes(tmp_path / "c.json.xz", pretty(api_page(WORKS[2:])), "xz"),
    ]
    code, err = build(capsys, files, tmp_path / "out")
    assert code == 0, err
    assert table(tmp_path / "out", "works")["work_id"].tolist() == ["W1", "W2", "W3", "W4"]
    inputs = manifest(tmp_path / "out")["tables"]["inputs"]
    assert [(i["path"], i["form"], i["compression"], i["records"]) for i in inputs] == [
        (str(files[0]), "json-array", None, 1),
        (str(files[1]), "json-lines", "bzip2", 1),
        (str(files[2]), "api-page", "xz", 2),
    ]
    for i, path in zip(inputs, files, strict=True):
        assert i["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def fake_stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", types.SimpleNamespace(buffer=io.BytesIO(data)))


def test_standard_input_is_read_in_any_form(tmp_path, capsys, monkeypatch):
    data = gzip.compress(pretty(api_page(WORKS)))
    fake_stdin(monkeypatch, data)
    code, err = build(capsys, "-", tmp_path / "out")
    assert code == 0, err
    assert table(tmp_path / "out", "works")["work_id"].tolist() == ["W1", "W2", "W3", "W4"]
    [source] = manifest(tmp_path / "out")["tables"]["inputs"]
    assert source == {
        "path": "-",
        "form": "api-page",
        "compression": "gzip",
        "records": 4,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def test_standard_input_with_a_bad_line_names_it(tmp_path, capsys, monkeypatch):
    fake_stdin(monkeypatch, jsonl(WORKS[:2]) + b'{"id": "W9", "authorships": [\n')
    code, err = build(capsys, "-", tmp_path / "out")
    assert code == 2
    assert "-, line 3: not valid JSON" in err


# --- (3) folders: every works file read, every other file listed with its reason ----------


def test_a_folder_reads_every_works_file_and_lists_every_other_file(tmp_path, capsys):
    d = tmp_path / "mixed"
    ws = [work(f"W{i}", 2020, [authorship(f"A{i}", f"Person {i}", [LEIDEN])]) for i in range(1, 9)]
    works_files = [
        write_jsonl(d / "harvest.jsonl", ws[0:2]),
        write_bytes(d / "page.json", pretty(api_page([ws[2]]))),
        write_bytes(d / "pyalex.JSON", json.dumps([ws[3]]).encode()),
        write_bytes(d / "export.ndjson.gz", jsonl([ws[4]]), "gzip"),
        write_bytes(d / "data/works/updated_date=2024-01-01/part_000.gz", jsonl(ws[5:7]), "gzip"),
        write_bytes(
            d / "data/jsonl/works/updated_date=2026-01-05/part_0000.gz", jsonl([ws[7]]), "gzip"
        ),
    ]
    entries = [
        {
            "url": "s3://openalex/data/works/updated_date=2024-01-01/part_000.gz",
            "meta": {"content_length": 1234, "record_count": 2},
        }
    ]
    redshift = {"entries": entries, "meta": {"content_length": 1234, "record_count": 2}}
    other_files = {
        write_bytes(d / "README.txt", b"Works harvested for the NL-CN study.\n"): "not JSON",
        write_bytes(d / ".DS_Store", b"\x00\x00\x00\x01Bud1"): "hidden",
        write_bytes(d / ".cache/page.json", pretty(api_page([ws[0]]))): "hidden",
        write_bytes(d / "harvest.jsonl.tmp", jsonl([ws[0]])): "temporary",
        write_bytes(
            d / "manifest.json",
            pretty(
                {
                    "data_source": "openalex-api",
                    "status": "complete",
                    "unique_works": 8,
                    "queries": [],
                }
            ),
        ): "holds no works",
        write_bytes(d / "data/works/manifest", pretty(redshift)): "holds no works",
        write_bytes(
            d / "data/jsonl/works/manifest.json", json.dumps(redshift).encode()
        ): "holds no works",
        write_bytes(
            d / "authors.jsonl",
            jsonl([{"id": OA + "A5023888391", "display_name": "Jason Priem", "works_count": 60}]),
        ): "authors",
        write_bytes(d / "institutions.csv", b"ror,name\n018906e22,Erasmus MC\n"): "not JSON",
        write_bytes(d / "empty.jsonl", b""): "empty",
        write_bytes(d / "snapshot.parquet", b"PAR1\x15\x04"): "Parquet",
    }
    code, err = build(capsys, d, tmp_path / "out")
    assert code == 0, err
    assert sorted(table(tmp_path / "out", "works")["work_id"]) == [f"W{i}" for i in range(1, 9)]
    tables = manifest(tmp_path / "out")["tables"]
    read = [i["path"] for i in tables["inputs"]]
    skipped = {k["path"]: k["reason"] for k in tables["inputs_skipped"]}
    assert sorted(read) == sorted(map(str, works_files))
    assert sorted(skipped) == sorted(map(str, other_files))
    for path, words in other_files.items():
        assert words in skipped[str(path)], (path, skipped[str(path)])
    # nothing silently skipped: every file in the folder is either read or listed
    every_file = sorted(str(p) for p in d.rglob("*") if p.is_file())
    assert sorted(read + list(skipped)) == every_file
    assert tables["counts"]["files"] + tables["counts"]["files_skipped"] == len(every_file)
    assert sum(i["records"] for i in tables["inputs"]) == 8


@pytest.mark.parametrize("skip", [False, True])
def test_text_files_that_start_like_json_are_listed_not_read_as_broken_works(
    tmp_path, capsys, skip
):
    # A README whose first line is a badge link and a TOML query file start with "[".
    d = tmp_path / "harvest"
    works = write_jsonl(d / "works.jsonl", small_corpus())
    readme = write_bytes(d / "README.md", b"[![DOI](https://zenodo.org/badge/1.svg)](x)\n# Data\n")
    query = write_bytes(d / "query.toml", b'[query]\nrors = ["018906e22"]\nyears = "2010-2024"\n')
    code, err = build(capsys, d, tmp_path / "out", *(["--skip-bad-records"] if skip else []))
    assert code == 0, err
    tables = manifest(tmp_path / "out")["tables"]
    assert [i["path"] for i in tables["inputs"]] == [str(works)]
    skipped = {k["path"]: k["reason"] for k in tables["inputs_skipped"]}
    assert sorted(skipped) == sorted([str(readme), str(query)])
    assert skipped[str(query)] == "not JSON of OpenAlex works (it starts with b'[query]\\n')"
    assert tables["bad_records"] == []
    assert table(tmp_path / "out", "works")["work_id"].tolist() == ["W1", "W2", "W3"]


def test_a_works_file_in_a_folder_with_a_broken_first_line_is_read(tmp_path, capsys):
    d = tmp_path / "harvest"
    path = write_jsonl(
        d / "works.jsonl", ['{"id": "https://openalex.org/W9", "auth', *small_corpus()]
    )
    code, err = build(capsys, d, tmp_path / "out")
    assert code == 2
    assert f"{path}, line 1: not valid JSON" in err
    code, err = build(capsys, d, tmp_path / "out", "--skip-bad-records")
    assert code == 0, err
    tables = manifest(tmp_path / "out")["tables"]
    assert [(b["file"], b["line"]) for b in tables["bad_records"]] == [(str(path), 1)]
    assert tables["inputs"][0]["records"] == 4


def test_a_folder_without_any_works_is_an_error_naming_what_it_holds(tmp_path, capsys):
    d = tmp_path / "notes"
    write_bytes(d / "README.txt", b"nothing here\n")
    write_bytes(d / "authors.json", pretty([{"id": OA + "A1", "display_name": "Ann"}]))
    code, err = build(capsys, d, tmp_path / "out")
    assert code == 2
    assert str(d) in err and "no file holds OpenAlex works" in err
    assert "README.txt: not JSON" in err and "authors.json: holds OpenAlex authors" in err


# --- (4) wrong types: a record error naming file, line/item, record, field and value -------


def _set_author(w, value):
    w["authorships"][0]["author"] = value


def _set_author_id(w, value):
    w["authorships"][0]["author"]["id"] = value


WRONG = {
    "id is a number": (lambda w: w.update(id=12345), "field 'id' is 12345 (a number)"),
    "author is text": (
        lambda w: _set_author(w, "A1"),
        "field 'authorships[0].author' is 'A1' (text)",
    ),
    "author id is a number": (
        lambda w: _set_author_id(w, 5),
        "field 'authorships[0].author.id' is 5",
    ),
    "author id of a work": (
        lambda w: _set_author_id(w, OA + "W7"),
        "'authorships[0].author.id' is 'https://openalex.org/W7'",
    ),
    "is_retracted is text": (
        lambda w: w.update(is_retracted="false"),
        "field 'is_retracted' is 'false' (text)",
    ),
    "cited_by_count is text": (
        lambda w: w.update(cited_by_count="5"),
        "field 'cited_by_count' is '5' (text)",
    ),
    "year 999": (lambda w: w.update(publication_year=999), "field 'publication_year' is 999"),
    "year 2101": (lambda w: w.update(publication_year=2101), "field 'publication_year' is 2101"),
    "year 2**63-1": (  # would wrap to a negative year in int64 arithmetic
        lambda w: w.update(publication_year=2**63 - 1),
        "field 'publication_year' is 9223372036854775807",
    ),
    "year as text": (
        lambda w: w.update(publication_year="2019"),
        "field 'publication_year' is '2019'",
    ),
    "institutions is an object": (
        lambda w: w["authorships"][0].update(institutions={"id": OA + "I1"}),
        "field 'authorships[0].institutions' is {'id': 'https://openalex.org/I1'} (an object)",
    ),
}


def _container(kind: str, records: list[dict]) -> bytes:
    if kind == "JSON Lines":
        return jsonl(records)
    if kind == "JSON array":
        return pretty(records)
    if kind == "API page":
        return pretty(api_page(records))
    return jsonl([api_page(records[:1]), api_page(records[1:])])  # JSON Lines of pages


# where the second record of each container is, as the message names it
WHERE = {
    "JSON Lines": ", line 2",
    "JSON array": " (item 1",
    "API page": " (item 1",
    "JSON Lines of pages": ", line 2 (item 0",
}


def _bad_corpus(case):
    records = small_corpus()
    WRONG[case][0](records[1])
    return records


@pytest.mark.parametrize("container", WHERE)
@pytest.mark.parametrize("case", WRONG)
def test_a_wrong_type_names_file_place_field_and_value(tmp_path, capsys, case, container):
    path = write_bytes(tmp_path / "works.json", _container(container, _bad_corpus(case)))
    code, err = build(capsys, path, tmp_path / "out")
    assert code == 2
    message = err.strip().splitlines()[-1]
    assert message.startswith(f"collabnet build: error: {path}{WHERE[container]}")
    assert WRONG[case][1] in message
    if case != "id is a number":
        assert "W2)" in message  # the record, by its id
    assert not (tmp_path / "out" / "works.parquet").exists()


@pytest.mark.parametrize("container", WHERE)
@pytest.mark.parametrize("case", WRONG)
def test_skip_bad_records_drops_only_the_wrong_record(tmp_path, capsys, case, container):
    path = write_bytes(tmp_path / "works.json", _container(container, _bad_corpus(case)))
    code, err = build(capsys, path, tmp_path / "out", "--skip-bad-records")
    assert code == 0, err
    works = table(tmp_path / "out", "works")
    assert works["work_id"].tolist() == ["W1", "W3"]
    assert not works["is_retracted"].any()  # "false" is never read as true
    tables = manifest(tmp_path / "out")["tables"]
    [bad] = tables["bad_records"]
    assert bad["file"] == str(path)
    assert bad["line"] == (2 if container.startswith("JSON Lines") else None)
    assert WRONG[case][1] in bad["message"]
    assert tables["counts"]["bad_records_skipped"] == 1
    assert tables["counts"]["records_read"] == 3


def test_lower_case_ids_are_read_as_the_same_ids(tmp_path):
    lower = work("w1", 2015, [authorship("a1", "Ann de Vries", [institution("i1", "Erasmus MC")])])
    lower["id"] = "w1"  # bare and lower-case, as some exports write it
    upper = work("W1", 2015, small_corpus()[0]["authorships"], doi=lower["doi"])
    c = read_corpus(write_jsonl(tmp_path / "w.jsonl", [lower, upper]))
    assert c.works["work_id"].tolist() == ["W1"]
    assert c.counts["duplicates_same_id"] == 1
    c = read_corpus(write_jsonl(tmp_path / "lower.jsonl", [lower]))
    assert c.authorships[["work_id", "author_id", "institution_id"]].values.tolist() == [
        ["W1", "A1", "I1"]
    ]
    assert c.authors["author_id"].tolist() == ["A1"]
    assert c.institutions["institution_id"].tolist() == ["I1"]


# --- (5) invalid UTF-8 --------------------------------------------------------------------


def _with_invalid_utf8(records) -> tuple[bytes, int]:
    """JSON Lines with one byte 0xFF in the second line's author name; its byte in the line."""
    lines = jsonl(records).split(b"\n")
    lines[1] = lines[1].replace(b"Dirk Jansen", b"Dirk J\xffnsen")
    return b"\n".join(lines), lines[1].index(b"\xff") + 1


def test_invalid_utf8_in_a_gzip_file_names_the_line_and_byte(tmp_path, capsys):
    data, byte = _with_invalid_utf8(small_corpus())
    path = write_bytes(tmp_path / "part_000.gz", data, "gzip")
    code, err = build(capsys, path, tmp_path / "out")
    assert code == 2
    assert f"{path}, line 2: invalid UTF-8 at byte {byte} of the line (ff " in err

    code, err = build(capsys, path, tmp_path / "out", "--skip-bad-records")
    assert code == 0, err
    assert table(tmp_path / "out", "works")["work_id"].tolist() == ["W1", "W3"]
    [bad] = manifest(tmp_path / "out")["tables"]["bad_records"]
    assert (bad["file"], bad["line"]) == (str(path), 2)
    assert bad["message"].startswith(f"invalid UTF-8 at byte {byte} of the line")


def test_invalid_utf8_in_a_pretty_printed_page_names_the_line_and_byte(tmp_path, capsys):
    data = pretty(api_page(small_corpus())).replace(b'"Dirk Jansen"', b'"Dirk J\xffnsen"', 1)
    lineno = data[: data.index(b"\xff")].count(b"\n") + 1
    byte = data.split(b"\n")[lineno - 1].index(b"\xff") + 1
    path = write_bytes(tmp_path / "page.json", data)
    code, err = build(capsys, path, tmp_path / "out")
    assert code == 2
    assert f"{path}, line {lineno}: invalid UTF-8 at byte {byte} of the line" in err


# --- (6) files that hold no works, given directly ----------------------------------------

AUTHOR = {"id": OA + "A5023888391", "orcid": None, "display_name": "Jason Priem", "works_count": 60}


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(jsonl([AUTHOR]), id="JSON Lines"),
        pytest.param(pretty([AUTHOR]), id="JSON array"),
        pytest.param(pretty(api_page([AUTHOR])), id="API page"),
        pytest.param(json.dumps(api_page([AUTHOR])).encode(), id="API page on one line"),
        pytest.param(jsonl([api_page([AUTHOR])]), id="JSON Lines of pages"),
        pytest.param(compress(jsonl([AUTHOR]), "gzip"), id="gzip"),
    ],
)
def test_a_file_of_authors_is_refused_saying_it_holds_authors(tmp_path, capsys, data):
    path = write_bytes(tmp_path / "authors.json", data)
    code, err = build(capsys, path, tmp_path / "out")
    assert code == 2
    assert f"{path}: holds OpenAlex authors, not works" in err


@pytest.mark.parametrize(
    ("data", "says"),
    [
        pytest.param(b"", "holds no works (the file is empty)", id="empty"),
        pytest.param(b"\n  \n", "holds no works (the file is empty)", id="blank lines"),
        pytest.param(compress(b"", "gzip"), "holds no works (the file is empty)", id="empty gzip"),
        pytest.param(b"[]\n", "holds no works (an empty json-array)", id="empty array"),
        pytest.param(pretty(api_page([])), "holds no works (an empty api-page)", id="empty page"),
        pytest.param(
            json.dumps(api_page([])).encode(),
            "holds no works (an empty api-page)",
            id="empty page, one line",
        ),
        pytest.param(b"id,title\nW1,x\n", "not JSON", id="CSV"),
        pytest.param(
            pretty({"entries": [], "meta": {"record_count": 0}}),
            "holds no works",
            id="snapshot manifest",
        ),
        pytest.param(b"[1, 2, 3]", "not JSON of OpenAlex works", id="array of numbers"),
    ],
)
def test_a_file_without_works_is_an_error_naming_it(tmp_path, capsys, data, says):
    path = write_bytes(tmp_path / "works.json", data)
    code, err = build(capsys, path, tmp_path / "out")
    assert code == 2
    assert f"error: {path}: {says}" in err


# --- (7) consortium papers ----------------------------------------------------------------


def consortium(n: int) -> dict:
    insts = [
        institution(f"I{100 + k}", f"Institute {k}", ("NL", "CN", "DE")[k % 3]) for k in range(30)
    ]
    authorships = [authorship(f"A{1000 + k}", f"Member {k}", [insts[k % 30]]) for k in range(n)]
    authorships.append(unmatched_authorship("The Consortium", []))
    w = work_2026("W77", 2022, authorships)
    return w


def test_a_work_of_3000_authorships_keeps_them_all(tmp_path):
    path = write_bytes(tmp_path / "big.json", pretty([consortium(2999), *small_corpus()]))
    c = read_corpus(path)
    works = c.works.set_index("work_id")
    assert works.loc["W77", "n_authors"] == 3000
    assert not works.loc["W77", "is_authors_truncated"]
    assert (c.authorships["work_id"] == "W77").sum() == 3000
    assert c.counts["authorships_without_author_id"] == 1


def test_a_work_of_3000_authorships_builds(tmp_path, capsys):
    path = write_bytes(
        tmp_path / "big.jsonl.gz", jsonl([consortium(2999), *small_corpus()]), "gzip"
    )
    code, err = build(capsys, path, tmp_path / "out", "--pivots", "1")
    assert code == 0, err
    works = table(tmp_path / "out", "works").set_index("work_id")
    assert works.loc["W77", "n_authors"] == 3000
    graphs = manifest(tmp_path / "out")["graphs"]
    assert graphs["authors"]["nodes"] == 2999 + 4  # the unmatched one is no node
    if "W77" in graphs["authors"]["excluded_hyperauthored_work_ids"]:  # too big to tie everyone
        assert graphs["authors"]["edges"] == 4
    else:
        assert graphs["authors"]["edges"] == 2999 * 2998 // 2 + 4
    # 30 institutions all tied by the consortium paper, and the small corpus's 4 ties
    assert graphs["institutions"]["edges"] == 30 * 29 // 2 + 4


# --- damaged and appended files -----------------------------------------------------------


@pytest.mark.parametrize("joiner", [b"", b"\n"], ids=["on one line", "pretty, one after another"])
def test_pages_appended_to_one_file_are_all_read(tmp_path, capsys, joiner):
    # `curl ... >> pages.json` twice: two whole pages, one after the other
    works = small_corpus()
    if joiner:
        data = pretty(api_page(works[:2])) + joiner + pretty(api_page(works[2:]))
    else:
        data = json.dumps(api_page(works[:2])).encode() + json.dumps(api_page(works[2:])).encode()
    path = write_bytes(tmp_path / "pages.json", data)
    code, err = build(capsys, path, tmp_path / "out")
    assert code == 0, err
    assert table(tmp_path / "out", "works")["work_id"].tolist() == ["W1", "W2", "W3"]


def test_a_damaged_works_file_in_a_folder_is_an_error_not_a_skip(tmp_path, capsys):
    d = tmp_path / "downloads"
    write_jsonl(d / "a.jsonl", small_corpus()[:1])
    cut = json.dumps(api_page(small_corpus()[1:])).encode()[:-40]  # the download stopped
    path = write_bytes(d / "b.json", cut)
    code, err = build(capsys, d, tmp_path / "out")
    assert code == 2 and f"{path}, line 1: not valid JSON" in err


def test_a_long_text_file_that_starts_with_a_bracket_is_skipped(tmp_path, capsys):
    d = tmp_path / "harvest"
    write_jsonl(d / "works.jsonl", small_corpus())
    readme = b"[![DOI](https://zenodo.org/badge/1.svg)](x)\n" + b"A line of notes.\n" * 2200
    write_bytes(d / "README.md", readme)
    code, err = build(capsys, d, tmp_path / "out")
    assert code == 0, err
    skipped = manifest(tmp_path / "out")["tables"]["inputs_skipped"]
    assert [Path(k["path"]).name for k in skipped] == ["README.md"]


def test_an_error_names_the_items_own_position_when_null_items_come_before(tmp_path, capsys):
    bad = {"id": OA + "W2", "authorships": [None, {"author": "A1"}]}
    code, err = build(capsys, write_jsonl(tmp_path / "a.jsonl", [bad]), tmp_path / "out")
    assert code == 2 and "field 'authorships[1].author' is 'A1'" in err
    bad = {"id": OA + "W2", "funders": [None, {"id": 5}]}
    code, err = build(capsys, write_jsonl(tmp_path / "f.jsonl", [bad]), tmp_path / "out")
    assert code == 2 and "field 'funders[1].id' is 5" in err


def test_saved_api_pages_are_labelled_as_from_the_api(tmp_path, capsys):
    works = [work_2026("W5", 2024, [unmatched_authorship("GBD Collaborators")], title="A study")]
    path = write_bytes(tmp_path / "page.json", pretty(api_page(works)))
    code, err = build(capsys, path, tmp_path / "out")
    assert code == 0, err
    assert manifest(tmp_path / "out")["data_source"] == "openalex-api"
