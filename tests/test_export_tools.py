"""Exports the tools themselves accept: the CSV writer, XLSX cells, GEXF read by
graphology-gexf, VOSviewer map, network and JSON files by VOSviewer's own checks."""

from __future__ import annotations

import csv
import json

import networkx as nx
import pandas as pd
import pytest
from export_checks import (
    csv_problems,
    read_gexf_with_graphology,
    vosviewer_errors,
    vosviewer_json_errors,
)

from collabnet import config
from collabnet.cli import main
from collabnet.export import (
    ReplacedCharactersWarning,
    write_edges_xlsx,
    write_gexf,
    write_table_csv,
    write_vosviewer,
    write_vosviewer_json,
)

NASTY = ["Jan\r=SUM(1+1)", "vt\x0bx", "nul\x00x", "esc\x1bx", "bidi\u202ex", "a\x85b", "=1+1"]


def test_table_csv_keeps_a_bare_carriage_return_inside_its_cell(tmp_path):
    t = pd.DataFrame(
        {"name": ["Jan\r=SUM(1+1)", "=1", "ok"], "n": [1, -2, 3], "works": [["W1", "W2"], [], None]}
    )
    path = write_table_csv(t, tmp_path / "t.csv", data_source="synthetic-demo")
    assert csv_problems(path) == []
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [
        ["name", "n", "works", "data_source"],
        ["Jan\r=SUM(1+1)", "1", "W1;W2", "synthetic-demo"],
        ["'=1", "-2", "", "synthetic-demo"],
        ["ok", "3", "", "synthetic-demo"],
    ]


@pytest.fixture
def nasty_graph():
    G = nx.Graph(data_source="synthetic-demo")
    for k, label in enumerate(NASTY):
        G.add_node(f"I{k + 1}", label=label, category=config.CATEGORIES[k % 6], n_works=k + 1)
    for k in range(len(NASTY)):
        G.add_edge(f"I{k + 1}", f"I{(k + 1) % len(NASTY) + 1}", weight=k + 1, works=[f"W{k}"])
    return G


def test_xlsx_replaces_characters_a_sheet_cannot_hold_and_counts_them(tmp_path, nasty_graph):
    openpyxl = pytest.importorskip("openpyxl")
    works = pd.DataFrame({"work_id": ["W0", "W1"], "doi": ["10.1/\x1b\x00", "10.1/ok"]})
    with pytest.warns(ReplacedCharactersWarning) as record:
        path = write_edges_xlsx(nasty_graph, tmp_path / "e.xlsx", works)
    assert record[0].message.count == 2 * 3 + 2  # vt, nul, esc labels (two ends) + DOI
    sheet = openpyxl.load_workbook(path)["edges"]
    text = {c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    assert "vt\ufffdx" in text and "10.1/\ufffd\ufffd" in text
    assert "'=1+1" in text


def test_vosviewer_files_pass_vosviewers_checks(tmp_path, nasty_graph):
    nasty_graph.add_edge("I1", "I3", weight=0, works=[])  # no link for VOSviewer
    with pytest.warns(UserWarning, match="1 tie"):
        m, n = write_vosviewer(nasty_graph, tmp_path / "m.txt", tmp_path / "n.txt")
    j = write_vosviewer_json(nasty_graph, tmp_path / "g.json")
    assert vosviewer_errors(m, n, j) == []
    assert len(n.read_text().splitlines()) == len(NASTY)
    data = json.loads(j.read_text(encoding="utf-8"))
    assert {link["strength"] for link in data["network"]["links"]} == set(range(1, len(NASTY) + 1))


def test_vosviewer_json_lists_works_as_escaped_text(tmp_path, render_graph, render_works):
    path = write_vosviewer_json(render_graph, tmp_path / "g.json", render_works)
    assert vosviewer_json_errors(path) == []
    items = json.loads(path.read_text(encoding="utf-8"))["network"]["items"]
    text = " ".join(item["description"] for item in items)
    assert "Face recognition &lt;img src=x" in text and "<img" not in text
    assert "说话人识别" in text


def test_fewer_than_three_items_are_refused_by_the_checks_and_warned_of(tmp_path):
    G = nx.Graph()
    G.add_edge("I1", "I2", weight=1)
    with pytest.warns(UserWarning, match="at least 3 items"):
        m, n = write_vosviewer(G, tmp_path / "m.txt", tmp_path / "n.txt")
    assert any("fewer than three" in e for e in vosviewer_errors(m, n))


def test_gexf_of_hostile_text_is_accepted_by_graphology(tmp_path, nasty_graph, render_graph):
    G = nx.compose(nx.relabel_nodes(nasty_graph, lambda n: "N" + n[1:]), render_graph)
    with pytest.warns(ReplacedCharactersWarning):
        path = write_gexf(G, tmp_path / "g.gexf")
    strict = read_gexf_with_graphology(path)
    assert len(strict["nodes"]) == G.number_of_nodes()
    assert len(strict["edges"]) == G.number_of_edges()
    labels = {n["key"]: n["attributes"]["label"] for n in strict["nodes"]}
    assert labels["N5"] == "bidi\u202ex" and labels["N3"] == "nul\ufffdx"
    assert labels["I1"] == render_graph.nodes["I1"]["label"]  # markup as text


@pytest.fixture(scope="module")
def demo_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    assert main(["build", str(config.DEMO_WORKS), "--out", str(out), "--no-views"]) == 0
    return out


def test_demo_build_exports_are_accepted_by_the_tools(demo_build):
    out = demo_build
    for level in ("institutions", "authors", "countries"):
        strict = read_gexf_with_graphology(out / f"graph_{level}.gexf")
        G = nx.read_gexf(out / f"graph_{level}.gexf")
        assert (len(strict["nodes"]), len(strict["edges"])) == (
            G.number_of_nodes(),
            G.number_of_edges(),
        )
        assert strict["type"] == "undirected"
        errors = vosviewer_errors(
            out / f"vosviewer_{level}_map.txt",
            out / f"vosviewer_{level}_network.txt",
            out / f"vosviewer_{level}.json",
        )
        assert errors == [], level
    for path in sorted(out.glob("*.csv")):
        assert csv_problems(path) == [], path.name
