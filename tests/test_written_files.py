"""A build from hostile text: every file it writes reads back, as its users' tools read it.

Names, institutions, titles and DOIs carry CR, LF, NUL, vertical tab, ESC, a bidi
override, spreadsheet formulas, markup, quotes and CJK, in OpenAlex Work JSON Lines.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import networkx as nx
import pytest
from export_checks import csv_problems, read_gexf_with_graphology, vosviewer_errors
from openalex_fixtures import authorship, institution, work, write_jsonl

from collabnet.cli import main

HOSTILE = [
    "Jan\r=SUM(1+1)",
    "=SUM(1+1)",
    "+1",
    "-1",
    "@x",
    "Line\nbreak",
    "nul\x00byte",
    "vt\x0bchar",
    "esc\x1b[31mred",
    "bidi \u202eevil\u202c",
    '<img src=x onerror="alert(1)"></script><script>alert(2)</script>',
    '"quoted", comma; semi',
    "\tTab start",
    "\r=cr start",
    "公安部物证鉴定中心",
    "next\x85line\u2028sep\x1cfs",
]


def _hostile_corpus() -> list[dict]:
    countries = ["NL", "CN", "US", "DE"]
    insts = [
        institution(f"I{k + 1}", name, countries[k % 4], type_="education")
        for k, name in enumerate(HOSTILE)
    ]
    records = []
    for k, name in enumerate(HOSTILE):
        # each work: two or three authors of neighbouring institutions (a ring of ties)
        members = [k, (k + 1) % len(HOSTILE), (k + 5) % len(HOSTILE)][: 2 + k % 2]
        authorships = [
            authorship(f"A{m + 1}", HOSTILE[m], [insts[m]], raw=[HOSTILE[m]]) for m in members
        ]
        records.append(
            work(
                f"W{k + 1}",
                2010 + k % 10,
                authorships,
                title="[synthetic] " + name,
                doi=HOSTILE[(k + 3) % len(HOSTILE)],
            )
        )
    return records


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    works = write_jsonl(tmp / "works.jsonl", _hostile_corpus())
    out = tmp / "out"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["build", str(works), "--out", str(out)]) == 0
    return out, caught


def _files(out: Path, pattern: str) -> list[Path]:
    found = sorted(out.rglob(pattern))
    assert found, f"the build wrote no {pattern}"
    return found


def test_every_csv_has_whole_rows_and_no_formula(hostile_build):
    out, _ = hostile_build
    problems = [p for path in _files(out, "*.csv") for p in csv_problems(path)]
    assert problems == []


def test_csv_cells_keep_the_text_guarded_and_marked(hostile_build):
    import csv

    out, _ = hostile_build
    for path in _files(out, "*.csv"):
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        assert rows[0][-1] == "data_source", path.name
        assert {row[-1] for row in rows[1:]} <= {"synthetic-demo"}, path.name
    with open(out / "centrality_authors.csv", encoding="utf-8", newline="") as fh:
        cells = {cell for row in csv.reader(fh) for cell in row}
    assert "Jan\r=SUM(1+1)" in cells  # CR kept inside its cell
    assert {"'=SUM(1+1)", "'+1", "'-1", "'@x", "'\tTab start", "'\r=cr start"} <= cells


def test_every_xlsx_opens_and_holds_no_formula(hostile_build):
    openpyxl = pytest.importorskip("openpyxl")
    out, caught = hostile_build
    for path in _files(out, "*.xlsx"):
        book = openpyxl.load_workbook(path)
        for sheet in book.worksheets:
            rows = list(sheet.iter_rows())
            widths = {len(row) for row in rows}
            assert len(widths) == 1, path.name
            formulas = [c.value for row in rows for c in row if c.data_type == "f"]
            assert formulas == [], path.name
            text = [c.value for row in rows for c in row if isinstance(c.value, str)]
            assert any("\ufffd" in t for t in text)  # NUL, ESC, VT: replaced, visibly
    graphs = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["graphs"]
    counts = {
        name: n
        for level in ("institutions", "authors", "countries")
        for name, n in graphs[level]["characters_replaced"].items()
    }
    assert counts.get("edges_institutions.xlsx", 0) > 0  # the manifest says how many
    assert all(n > 0 for n in counts.values())


def test_every_json_file_parses(hostile_build):
    out, _ = hostile_build
    for path in _files(out, "*.json"):
        json.loads(path.read_text(encoding="utf-8"))


def test_graphml_and_gexf_read_back_with_networkx(hostile_build):
    out, _ = hostile_build
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for level, info in manifest["graphs"].items():
        if not isinstance(info, dict) or "nodes" not in info:
            continue
        for reader, suffix in ((nx.read_graphml, "graphml"), (nx.read_gexf, "gexf")):
            G = reader(out / f"graph_{level}.{suffix}")
            assert (G.number_of_nodes(), G.number_of_edges()) == (
                info["nodes"],
                info["edges"],
            ), f"graph_{level}.{suffix}"


def test_gexf_is_accepted_by_graphology(hostile_build):
    out, _ = hostile_build
    for path in _files(out, "*.gexf"):
        strict = read_gexf_with_graphology(path)
        G = nx.read_gexf(path)
        assert len(strict["nodes"]) == G.number_of_nodes()
        assert len(strict["edges"]) == G.number_of_edges()
        labels = {n["attributes"].get("label") for n in strict["nodes"]}
        # xmldom reads NEL and LINE SEPARATOR in an attribute as a space (XML 1.1 rules)
        expected = {_nel_as_space(d.get("label", n)) for n, d in G.nodes(data=True)}
        assert labels == expected


def _nel_as_space(text: str) -> str:
    return text.replace("\x85", " ").replace("\u2028", " ")


def test_vosviewer_files_pass_vosviewers_checks(hostile_build):
    out, _ = hostile_build
    maps = _files(out, "vosviewer_*_map.txt")
    for map_path in maps:
        level = map_path.name.removeprefix("vosviewer_").removesuffix("_map.txt")
        json_path = out / f"vosviewer_{level}.json"
        errors = vosviewer_errors(
            map_path,
            out / f"vosviewer_{level}_network.txt",
            json_path if json_path.is_file() else None,
        )
        assert errors == [], level
    assert len(maps) == 3  # institutions, authors and (four) countries


def test_vosviewer_json_descriptions_are_escaped_text(hostile_build):
    out, _ = hostile_build
    data = json.loads((out / "vosviewer_institutions.json").read_text(encoding="utf-8"))
    text = " ".join(item.get("description", "") for item in data["network"]["items"])
    assert "[synthetic]" in text
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;" in text
    assert "\x00" not in text and "\x1b" not in text
