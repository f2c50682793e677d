"""The ``collabnet paths`` command, on a small build folder faked at the loading layer."""

from __future__ import annotations

import json
import sys
import types

import networkx as nx
import pandas as pd
import pytest

from collabnet.cli import main


@pytest.fixture
def fake_build(monkeypatch):
    G = nx.Graph()
    G.add_node("I1", label="Delft University of Technology", category="nl", ror="02e2c7k09")
    G.add_node("I2", label="Xidian University", category="other")
    G.add_node("I3", label="PPSUC", category="cn_police")
    G.add_node("I4", label="Lonely Institute", category="other")
    G.add_edge("I1", "I2", weight=1, works=["W1"])
    G.add_edge("I2", "I3", weight=2, works=["W2", "W3"])
    works = pd.DataFrame(
        {
            "work_id": ["W1", "W2", "W3"],
            "doi": ["https://doi.org/10.1/a", None, "https://doi.org/10.1/c"],
            "title": ["First", "Second", "Third"],
            "publication_year": [2019, 2020, None],
        }
    )
    seen = {}

    def load_graph(folder, level):
        seen["args"] = (str(folder), level)
        return G

    def load_tables(folder):
        return {"works": works}

    module = types.ModuleType("collabnet.pipeline")
    module.load_graph, module.load_tables = load_graph, load_tables
    monkeypatch.setitem(sys.modules, "collabnet.pipeline", module)
    return seen


def test_paths_text(fake_build, capsys):
    assert main(["paths", "--tables", "out", "--from", "02e2c7k09", "--to", "ppsuc"]) == 0
    out = capsys.readouterr().out
    assert "Path 1: Delft University of Technology -> Xidian University -> PPSUC" in out
    assert "W1  2019  https://doi.org/10.1/a  First" in out
    assert "W2  2020  (no DOI)  Second" in out and "W3  ----" in out
    assert fake_build["args"] == ("out", "institution")


def test_paths_json_to_category(fake_build, capsys):
    argv = ["paths", "--tables", "out", "--from", "I1", "--to-category", "cn_police"]
    assert main(argv + ["--json", "--level", "author"]) == 0
    paths = json.loads(capsys.readouterr().out)
    assert [p["nodes"] for p in paths] == [["I1", "I2", "I3"]]
    assert [w["work_id"] for w in paths[0]["hops"][1]["works"]] == ["W2", "W3"]
    assert paths[0]["hops"][0]["source"] == "I1"
    assert fake_build["args"][1] == "author"


def test_paths_no_path_and_unknown_node(fake_build, capsys):
    assert main(["paths", "--tables", "out", "--from", "I4", "--to", "I1"]) == 1
    assert "no path" in capsys.readouterr().out
    assert main(["paths", "--tables", "out", "--from", "Delft Univ", "--to", "I3"]) == 2
    err = capsys.readouterr().err
    assert "no node of the graph matches 'Delft Univ'" in err
    assert "Delft University of Technology" in err
