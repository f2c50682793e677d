"""What `paths`, `classify` and `demo` do with hostile or mistaken input, as a user meets it."""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
import types
import warnings

import networkx as nx
import pandas as pd
import pytest
from openalex_fixtures import small_corpus, write_jsonl

from collabnet import cli, metrics
from collabnet.cli import main
from collabnet.errors import InputError

#: Escape sequences (ESC: set the window title, clear the screen; C1 CSI: red), NUL, BEL, a
#: bidi override, an isolate and a line separator.
HOSTILE = "\x1b]0;pwned\x07 \x1b[2J\x00\x9b31m\u202eevil\u2066\u2028end"
RAW_DANGER = ["\x1b", "\x00", "\x07", "\x9b", "\u202e", "\u2066", "\u2028"]

ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}


def run(*argv, stdin: bytes = b"", **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "collabnet", *argv],
        input=stdin,
        capture_output=True,
        env={**ENV, **env},
        timeout=120,
    )


# --- paths: a build whose titles and labels carry escape sequences ---------------------------


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    corpus = copy.deepcopy(small_corpus())
    corpus[0]["title"] = corpus[0]["display_name"] = "[synthetic] Face " + HOSTILE
    for a in corpus[0]["authorships"] + corpus[1]["authorships"]:
        for inst in a["institutions"]:
            if inst["display_name"] == "Erasmus MC":
                inst["display_name"] = "Erasmus MC " + HOSTILE
    works = write_jsonl(tmp / "works.jsonl", corpus)
    out = tmp / "out"
    with warnings.catch_warnings():  # GraphML cannot hold the control characters: it says so
        warnings.simplefilter("ignore")
        assert main(["build", str(works), "--out", str(out), "--no-views", "--quiet"]) == 0
    return out


def test_paths_shows_control_and_bidi_characters_escaped(hostile_build):
    r = run("paths", "--tables", str(hostile_build), "--from", "I1", "--to-category", "cn_police")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode("utf-8")
    assert "Face \\x1b]0;pwned\\x07 \\x1b[2J\\x00\\x9b31m\\u202eevil\\u2066\\u2028end" in out
    assert "Path 1: Erasmus MC \\x1b]0;pwned" in out
    assert [c for c in RAW_DANGER if c in out] == []


def test_paths_json_is_faithful_and_has_no_raw_control_characters(hostile_build):
    argv = ["paths", "--tables", str(hostile_build), "--from", "I1", "--to-category", "cn_police"]
    r = run(*argv, "--json")
    assert r.returncode == 0, r.stderr
    text = r.stdout.decode("utf-8")
    assert [c for c in RAW_DANGER if c in text] == []
    paths = json.loads(text)
    assert paths[0]["labels"][0] == "Erasmus MC " + HOSTILE
    titles = {w["title"] for hop in paths[0]["hops"] for w in hop["works"]}
    assert "[synthetic] Face " + HOSTILE in titles


def test_unknown_node_error_is_short_escaped_and_one_line(hostile_build):
    huge = "\x1b[31m" + "x" * 100_000
    r = run("paths", "--tables", str(hostile_build), "--from", huge, "--to", "I3")
    err = r.stderr.decode("utf-8")
    assert r.returncode == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert len(err) < 400
    assert "no node of the graph matches '\\x1b[31mxxx" in err
    assert "(100,005 characters)" in err
    r = run("paths", "--tables", str(hostile_build), "--from", "Erasmus", "--to", "I3")
    err = r.stderr.decode("utf-8")
    assert "Close matches: I1 (Erasmus MC \\x1b]0;pwned" in err  # labels escaped as well
    assert [c for c in RAW_DANGER if c in err] == []


# --- paths: the number of paths is bounded, and checked before any work ---------------------


@pytest.fixture
def dense_build(monkeypatch):
    """A 40-institution graph with many near-equal paths, faked at the loading layer."""
    B = nx.gnm_random_graph(40, 120, seed=1)
    G = nx.Graph()
    for i in B:
        G.add_node(f"I{i}", label=f"Institute {i}", category="other")
    for k, (u, v) in enumerate(B.edges()):
        G.add_edge(f"I{u}", f"I{v}", weight=1 + k % 3, works=[f"W{k}"])
    works = pd.DataFrame(
        {
            "work_id": [f"W{k}" for k in range(120)],
            "doi": [None] * 120,
            "title": ["T"] * 120,
            "publication_year": [2020] * 120,
        }
    )
    loads = []

    def load_graph(folder, level):
        loads.append(folder)
        return G

    load_graph.graph = G

    module = types.ModuleType("collabnet.pipeline")
    module.load_graph = load_graph
    module.load_tables = lambda folder: {"works": works}
    monkeypatch.setitem(sys.modules, "collabnet.pipeline", module)
    return loads


@pytest.mark.parametrize("k", ["0", "101", "5000", "1000000"])
def test_paths_k_out_of_range_is_refused_before_loading(dense_build, capsys, k):
    assert main(["paths", "--tables", "out", "--from", "I0", "--to", "I39", "--k", k]) == 2
    err = capsys.readouterr().err
    assert err == f"collabnet paths: error: --k must be from 1 to 100 paths, got {k}\n"
    assert dense_build == []  # nothing was loaded


def test_paths_at_the_limit_gives_that_many_paths(dense_build, capsys):
    assert main(["paths", "--tables", "out", "--from", "I0", "--to", "I39", "--k", "100"]) == 0
    assert capsys.readouterr().out.count("Path ") == 100


def test_paths_limit_is_the_library_limit_and_documented():
    assert cli._MAX_PATHS == metrics.MAX_PATHS == 100
    G = nx.path_graph(["a", "b", "c"])
    with pytest.raises(InputError, match="from 1 to 100, got 101"):
        metrics.evidence_paths(G, "a", "c", k=101, weight=None)
    help_text = run("paths", "--help").stdout.decode()
    assert "1 to 100" in " ".join(help_text.split())


def test_paths_empty_node_is_refused(dense_build, capsys):
    assert main(["paths", "--tables", "out", "--from", " ", "--to", "I39"]) == 2
    assert "--from is empty" in capsys.readouterr().err
    assert dense_build == []


def test_paths_text_on_a_terminal_that_cannot_show_every_character(dense_build, monkeypatch):
    G = sys.modules["collabnet.pipeline"].load_graph.graph
    G.nodes["I0"]["label"] = "公安部物证鉴定中心"
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    monkeypatch.setattr("sys.stdout", stdout)
    assert main(["paths", "--tables", "out", "--from", "I0", "--to", "I39", "--k", "1"]) == 0
    stdout.flush()
    assert "Path 1: \\u516c\\u5b89" in stdout.buffer.getvalue().decode("ascii")


# --- classify: always valid UTF-8 JSON Lines, one object per input line ---------------------


def test_classify_invalid_utf8_gives_an_error_object_and_valid_output():
    lines = [
        "Universit\xe4t Leiden".encode("latin-1"),  # Latin-1, not UTF-8
        b"People's Public Security University of China",
        b"\xff\xfe",
        ("Lab " + HOSTILE).encode(),
        "浙江警察学院".encode(),
    ]
    r = run("classify", stdin=b"\r\n".join(lines) + b"\n")
    assert r.returncode == 1
    text = r.stdout.decode("utf-8")  # strict: raises if the output is not UTF-8
    out = [json.loads(line) for line in text.splitlines()]
    assert len(out) == len(lines)
    assert out[0]["input"] == "Universit\\xe4t Leiden" and out[0]["category"] is None
    assert "line 1 is not valid UTF-8 (byte 0xe4 at byte 10)" in out[0]["error"]
    assert out[1]["category"] == "cn_police" and "error" not in out[1]
    assert out[2]["input"] == "\\xff\\xfe" and out[2]["error"].startswith("line 3 ")
    assert out[3]["input"] == "Lab " + HOSTILE  # faithful ...
    assert [c for c in RAW_DANGER if c in text] == []  # ... and escaped
    assert out[4]["category"] == "cn_police"
    err = r.stderr.decode()
    assert err == (
        "collabnet classify: 2 line(s) not valid UTF-8, not classified (first: line 1); "
        "their objects say so in 'error'\n"
    )


def test_classify_writes_utf8_whatever_the_terminal_encoding():
    r = run("classify", stdin="浙江警察学院\n".encode(), PYTHONIOENCODING="ascii")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout.decode("utf-8"))["input"] == "浙江警察学院"


# --- demo: a selection that matches nothing ---------------------------------------------------


def test_demo_only_matching_no_notebook_is_an_error_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--only", "99", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("collabnet demo: error: --only '99' matches no notebook;")
    assert "01-collect-works" in err and "05-how-close" in err and err.count("\n") == 1
    assert not out.exists()
    assert main(["demo", "--only", "05", "--only", "99", "--out", str(out)]) == 2
    assert "--only '99'" in capsys.readouterr().err and not out.exists()


def test_demo_out_that_is_a_file_is_an_error(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    assert main(["demo", "--only", "05", "--out", str(tmp_path / "file")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_an_error_naming_a_hostile_path_is_one_escaped_line(tmp_path, capsys):
    folder = tmp_path / "out\x1b]0;pwned\x07\u202e"
    assert main(["paths", "--tables", str(folder), "--from", "I1", "--to", "I2"]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\u202e" not in err and "\x07" not in err
    assert "\\x1b]0;pwned\\x07\\u202e" in err and len(err.strip().splitlines()) == 1
