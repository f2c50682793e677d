"""Tests of GraphML, GEXF, VOSviewer and CSV exports."""

from __future__ import annotations

import copy

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from collabnet.export import (
    _mixed_types,
    edges_table,
    exportable_graph,
    spreadsheet_safe,
    write_edges_csv,
    write_edges_xlsx,
    write_gexf,
    write_graphml,
    write_vosviewer,
)


def _snapshot(G):
    return (
        copy.deepcopy(dict(G.graph)),
        {n: copy.deepcopy(dict(d)) for n, d in G.nodes(data=True)},
        {(u, v): copy.deepcopy(dict(d)) for u, v, d in G.edges(data=True)},
    )


@pytest.fixture
def messy_graph(render_graph):
    """The render graph plus the awkward values real pipelines produce."""
    G = render_graph.copy()
    G.nodes["I1"]["betweenness"] = np.float64(0.25)
    G.nodes["I2"]["betweenness"] = float("nan")
    G.nodes["I3"]["n_works"] = np.int64(1)
    G.edges["I1", "I2"]["note"] = None
    return G


@pytest.mark.parametrize(
    ("writer", "reader"),
    [(write_graphml, nx.read_graphml), (write_gexf, nx.read_gexf)],
    ids=["graphml", "gexf"],
)
def test_round_trip_joins_works_and_leaves_graph_alone(tmp_path, messy_graph, writer, reader):
    before = _snapshot(messy_graph)
    path = writer(messy_graph, tmp_path / "g.out")
    assert _snapshot(messy_graph) == before
    H = reader(path)
    assert set(H.nodes) == set(messy_graph.nodes)
    assert H.number_of_edges() == messy_graph.number_of_edges()
    assert H.edges["I1", "I2"]["works"] == "W1;W2"
    assert float(H.edges["I1", "I2"]["weight"]) == 2
    assert H.nodes["I1"]["label"] == messy_graph.nodes["I1"]["label"]  # payload kept as text
    assert H.nodes["I2"]["category"] == "cn_police"
    assert float(H.nodes["I1"]["betweenness"]) == 0.25
    assert "betweenness" not in H.nodes["I2"]  # NaN dropped
    assert "note" not in H.edges["I1", "I2"]  # None dropped
    assert "country_code" not in H.nodes["I4"]


def test_exportable_graph_is_a_copy(render_graph):
    H = exportable_graph(render_graph)
    assert H is not render_graph
    assert render_graph.edges["I1", "I2"]["works"] == ["W1", "W2"]
    assert H.edges["I1", "I2"]["works"] == "W1;W2"


def test_vosviewer_files(tmp_path, messy_graph):
    map_path, net_path = write_vosviewer(messy_graph, tmp_path / "map.txt", tmp_path / "net.txt")
    lines = map_path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    assert header[:7] == [
        "id",
        "label",
        "url",
        "cluster",
        "weight<Links>",
        "weight<Total link strength>",
        "weight<Documents>",
    ]
    assert "score<pagerank>" in header and "score<betweenness>" in header
    rows = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    by_url = {r["url"]: r for r in rows}
    i2 = by_url["https://openalex.org/I2"]
    assert i2["cluster"] == "2"  # cn_police is the second category
    assert i2["weight<Links>"] == "2" and i2["weight<Total link strength>"] == "3"
    # Labels with , ; or " are quoted as the VOSviewer manual asks.
    assert i2["label"] == '"Institute of Forensic Science, MPS 公安部物证鉴定中心"'
    assert by_url["https://openalex.org/I3"]["label"] == '"Delft ""Vision"" Group"'
    assert by_url["https://openalex.org/I4"]["score<pagerank>"] == ""
    net = [line.split("\t") for line in net_path.read_text(encoding="utf-8").splitlines()]
    assert net == [["1", "2", "2"], ["1", "4", "1"], ["2", "3", "1"]]
    _, frac = write_vosviewer(
        messy_graph, tmp_path / "m2.txt", tmp_path / "n2.txt", weight="weight_fractional"
    )
    assert frac.read_text(encoding="utf-8").splitlines()[0] == "1\t2\t1.5"


def test_edges_csv(tmp_path, render_graph, render_works):
    path = write_edges_csv(render_graph, tmp_path / "edges.csv", works=render_works)
    table = pd.read_csv(path, keep_default_na=False)
    assert list(table.columns[:12]) == [
        "source",
        "target",
        "source_label",
        "target_label",
        "source_category",
        "target_category",
        "weight",
        "weight_fractional",
        "first_year",
        "last_year",
        "work_ids",
        "dois",
    ]
    assert len(table) == render_graph.number_of_edges()
    row = table.set_index(["source", "target"]).loc[("I1", "I2")]
    assert row["work_ids"] == "W1;W2"
    assert row["dois"] == "https://doi.org/10.1234/abc;"
    assert row["first_year"] == 2019 and row["weight_fractional"] == 1.5
    assert (table["data_source"] == "synthetic-demo").all()


def test_edges_csv_defuses_spreadsheet_formulas(tmp_path):
    G = nx.Graph()
    G.add_node("I1", label='=HYPERLINK("x")')
    G.add_node("I2", label="Normal")
    G.add_edge("I1", "I2", works=["W1"])
    table = pd.read_csv(write_edges_csv(G, tmp_path / "e.csv"))
    assert table.loc[0, "source_label"] == '\'=HYPERLINK("x")'
    assert edges_table(G).loc[0, "source_label"] == '=HYPERLINK("x")'  # table itself exact


def test_edges_xlsx_when_openpyxl_is_present(tmp_path, render_graph, render_works):
    pytest.importorskip("openpyxl", reason="openpyxl is optional")
    path = write_edges_xlsx(render_graph, tmp_path / "edges.xlsx", works=render_works)
    table = pd.read_excel(path)
    assert len(table) == render_graph.number_of_edges()


# --- a Network is written from its arrays, with the bytes of its networkx graph --------------


def _corpus_graphs():
    """The same co-authorship network twice: a Network (arrays), and its networkx graph."""
    from collabnet.network import coauthorship_network

    rng = np.random.default_rng(11)
    rows = []
    for w in range(300):
        for n in rng.choice(40, size=int(rng.integers(1, 6)), replace=False):
            rows.append((f"W{w:03d}", f"I{n:02d}"))
    m = pd.DataFrame(rows, columns=["work_id", "node"])
    works = pd.DataFrame({"work_id": [f"W{w:03d}" for w in range(300)]})
    works["publication_year"] = [None if w % 17 == 0 else 2000 + w % 20 for w in range(300)]
    works["doi"] = [None if w % 5 == 0 else f"https://doi.org/10.1/{w}" for w in range(300)]
    net = coauthorship_network(m, works)
    net.graph["data_source"] = "synthetic-demo"
    net.nodes.loc["I03", "label"] = '=HYPERLINK("x") <b>&</b>'
    net.set_node_values("pagerank", {"I07": 0.125, "I08": 1})  # int and float: as floats
    return net, net.to_networkx(), works


@pytest.mark.parametrize(
    "write",
    [
        lambda G, d, w: write_graphml(G, d / "g.graphml"),
        lambda G, d, w: write_edges_csv(G, d / "e.csv", w),
        lambda G, d, w: write_vosviewer(G, d / "map.txt", d / "net.txt"),
        lambda G, d, w: write_vosviewer(
            G, d / "map.txt", d / "net.txt", weight="weight_fractional"
        ),
    ],
)
def test_files_of_a_network_equal_files_of_its_networkx_graph(tmp_path, monkeypatch, write):
    import collabnet.export as export

    monkeypatch.setattr(export, "TIE_CHUNK", 7)  # many chunks
    net, written, works = _corpus_graphs()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write(net, tmp_path / "a", works)
    write(written, tmp_path / "b", works)
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files and files == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_edges_table_from_arrays_equals_edges_table_from_dicts():
    net, written, works = _corpus_graphs()
    a, b = edges_table(net, works), edges_table(written, works)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == written.number_of_edges() and a["data_source"].eq("synthetic-demo").all()
    row = a[(a["source"] == "I03") | (a["target"] == "I03")].iloc[0]
    assert "<b>" in (row["source_label"] if row["source"] == "I03" else row["target_label"])


def test_graphml_from_arrays_reads_back_as_the_graph():
    import tempfile
    from pathlib import Path

    net, written, _ = _corpus_graphs()
    path = write_graphml(net, Path(tempfile.mkdtemp()) / "g.graphml")
    H = nx.read_graphml(path)
    assert sorted(H.edges()) == sorted(written.edges())
    for u, v, d in written.edges(data=True):
        assert H.edges[u, v]["works"] == ";".join(d["works"])
        assert H.edges[u, v]["weight"] == d["weight"]
        assert H.edges[u, v].get("first_year") == d["first_year"]
    assert H.nodes["I03"]["label"] == '=HYPERLINK("x") <b>&</b>'
    assert H.nodes["I08"]["pagerank"] == 1.0


def test_ties_are_written_in_chunks(monkeypatch):
    import collabnet.export as export

    seen = []
    real = export._arrow_edge_chunks

    def spy(G, doi, team, chunk=None):
        for table in real(G, doi, team, chunk):
            seen.append(table.num_rows)
            yield table

    monkeypatch.setattr(export, "TIE_CHUNK", 7)
    monkeypatch.setattr(export, "_arrow_edge_chunks", spy)
    net, written, works = _corpus_graphs()
    pd.testing.assert_frame_equal(edges_table(net, works), edges_table(written, works))
    assert len(seen) > 10 and max(seen) == 7 and sum(seen) == written.number_of_edges()
    table = edges_table(net, works)
    assert str(table["weight"].dtype) == "Int64" and str(table["first_year"].dtype) == "Int64"


def test_xlsx_cells_too_long_for_excel_are_shortened_visibly(tmp_path):
    import openpyxl

    G = nx.Graph()
    works = [f"W{i:07d}" for i in range(5000)]  # 5000 x 9 characters: over 32,767
    G.add_edge("NL", "CN", weight=len(works), works=works)
    path = tmp_path / "e.xlsx"
    with pytest.warns(UserWarning, match=r"e\.xlsx: 1 cell\(s\) longer than Excel"):
        write_edges_xlsx(G, path)
    sheet = openpyxl.load_workbook(path)["edges"]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("work_ids") + 1).value
    assert len(cell) <= 32_767
    kept = cell.split(" … and ")[0].split(";")
    assert kept == works[: len(kept)]
    assert cell.endswith(f" … and {len(works) - len(kept):,} more (see the CSV)")


def test_spreadsheet_safe_escapes_categorical_cells_instead_of_blanking_them():
    from collabnet.export import spreadsheet_safe

    t = pd.DataFrame({"c": pd.Categorical(["=1+1", "ok", "@a"])})
    assert spreadsheet_safe(t)["c"].tolist() == ["'=1+1", "ok", "'@a"]


def test_edges_csv_takes_labels_of_any_type_and_defuses_formulas_in_every_text_column(tmp_path):
    net, written, works = _corpus_graphs()
    net.set_node_values("label", {"I05": 1234, "I06": None})
    written.nodes["I05"]["label"] = 1234  # not text: written as its str()
    written.nodes["I06"]["label"] = None  # missing: an empty field
    a = write_edges_csv(net, tmp_path / "a.csv", works).read_bytes()
    b = write_edges_csv(written, tmp_path / "b.csv", works).read_bytes()
    assert a == b
    table = pd.read_csv(tmp_path / "a.csv", dtype=str, keep_default_na=False)
    labels = set(table["source_label"]) | set(table["target_label"])
    assert "1234" in labels and "" in labels
    assert '\'=HYPERLINK("x") <b>&</b>' in labels and '=HYPERLINK("x") <b>&</b>' not in labels
    cells = table.drop(columns=["weight", "weight_fractional", "first_year", "last_year"])
    assert not cells.apply(lambda c: c.str.match(r"^[=+\-@]")).any().any()


def test_edges_csv_keeps_a_non_number_set_on_a_tie_as_defused_text(tmp_path):
    G = nx.Graph()
    G.add_edge("a", "b", weight=1, weight_fractional="=1+1", works=["W1"])
    G.add_edge("b", "c", weight=2, weight_fractional=0.5, works=["W1", "W2"])
    table = pd.read_csv(write_edges_csv(G, tmp_path / "e.csv"), dtype=str)
    assert table["weight_fractional"].tolist() == ["'=1+1", "0.5"]


def test_edges_table_of_a_network_is_that_of_its_networkx_graph():
    net, written, works = _corpus_graphs()
    net.set_node_values("label", {"I05": 1234})  # a label that is not text keeps its value
    written.nodes["I05"]["label"] = 1234
    a, b = edges_table(net, works), edges_table(written, works)
    pd.testing.assert_frame_equal(a, b)
    assert 1234 in set(a["source_label"]) | set(a["target_label"])


def test_tab_and_carriage_return_starts_are_defused_too(tmp_path):
    G = nx.Graph()
    G.add_node("I1", label="\t=cmd")
    G.add_node("I2", label="\r=cmd")
    G.add_edge("I1", "I2", works=["W1"])
    table = pd.read_csv(write_edges_csv(G, tmp_path / "e.csv"), dtype=str)
    assert table.loc[0, "source_label"] == "'\t=cmd"
    assert spreadsheet_safe(pd.DataFrame({"x": ["\r=cmd"]}))["x"].tolist() == ["'\r=cmd"]


# --- GraphML written by collabnet, read by networkx -----------------------------------------


def _random_text(rng):
    # no CR: networkx's writer without lxml writes it raw, and XML readers turn it into LF
    # (collabnet keeps it; see test_graphml_keeps_carriage_returns)
    pieces = list("ab<>&\"' \t\n;=é中") + ["]]>", "&amp;", "\u2028", "--"]
    return "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))


def test_graphml_reads_back_as_networkx_writes_it(tmp_path):
    """Hostile text (markup, quotes, entities, tabs, newlines, CR) in ids and values, and
    every attribute type: networkx reads collabnet's file as it reads its own."""
    import random

    rng = random.Random(0)
    for _ in range(60):
        G = nx.Graph()
        G.graph.update(name=_random_text(rng), n=rng.randint(0, 9), flag=rng.random() < 0.5)
        nodes = list({_random_text(rng) or "x" for _ in range(rng.randint(1, 10))}) + [7]
        for n in nodes:
            choices = {
                "label": _random_text(rng),
                "score": rng.random() * 1e6,
                "count": rng.randint(-5, 10**12),
                "flag": rng.random() < 0.5,
                "mixed": rng.choice([1, 2.5, "t"]),
                "gone": float("nan"),
            }
            G.add_node(n, **{k: v for k, v in choices.items() if rng.random() < 0.7})
        for _ in range(rng.randint(0, 15)):
            G.add_edge(
                rng.choice(nodes),
                rng.choice(nodes),
                weight=rng.randint(1, 9),
                works=[_random_text(rng), _random_text(rng)],
                share=np.float64(rng.random()),
            )
        ours = nx.read_graphml(write_graphml(G, tmp_path / "ours.graphml"))
        theirs_path = tmp_path / "theirs.graphml"
        nx.write_graphml(_mixed_types(exportable_graph(G)), theirs_path)  # one type each
        theirs = nx.read_graphml(theirs_path)
        assert ours.graph == theirs.graph
        assert dict(ours.nodes(data=True)) == dict(theirs.nodes(data=True))
        assert {frozenset((u, v)): d for u, v, d in ours.edges(data=True)} == {
            frozenset((u, v)): d for u, v, d in theirs.edges(data=True)
        }


def test_graphml_keeps_carriage_returns(tmp_path):
    G = nx.Graph()
    G.add_node("a\r\nb", label="line\r\nbreak\r")
    G.add_edge("a\r\nb", "c", works=["W\r1"])
    H = nx.read_graphml(write_graphml(G, tmp_path / "g.graphml"))
    assert H.nodes["a\r\nb"]["label"] == "line\r\nbreak\r"
    assert H.edges["a\r\nb", "c"]["works"] == "W\r1"


def _memberships_with_control_characters():
    m = pd.DataFrame(
        {"work_id": ["W1\x0b", "W1\x0b", "W2", "W2"], "node": ["I\x01", "I2", "I\x01", "I2"]}
    )
    return m, pd.DataFrame({"work_id": ["W1\x0b", "W2"], "publication_year": [2020, 2021]})


@pytest.mark.parametrize("arrays", [True, False])
@pytest.mark.parametrize(
    ("writer", "reader"),
    [(write_graphml, nx.read_graphml), (write_gexf, nx.read_gexf)],
    ids=["graphml", "gexf"],
)
def test_characters_xml_cannot_hold_become_replacement_characters(tmp_path, writer, reader, arrays):
    from collabnet.network import coauthorship_network

    G = coauthorship_network(*_memberships_with_control_characters())
    G.set_node_values("label", {"I2": "tab\tbell\x07 nul\x00"})
    if not arrays:
        G = G.to_networkx()  # ties as dicts
    with pytest.warns(UserWarning, match="U\\+FFFD"):
        path = writer(G, tmp_path / "g.xml")
    H = reader(path)  # a well-formed file
    assert set(H) == {"I\ufffd", "I2"}
    assert H.nodes["I2"]["label"] == "tab\tbell\ufffd nul\ufffd"
    assert H.edges["I\ufffd", "I2"]["works"] == "W1\ufffd;W2"


@pytest.mark.parametrize("kind", [nx.MultiGraph, nx.DiGraph])
def test_graphml_keeps_parallel_and_directed_ties(tmp_path, kind):
    G = kind()
    G.add_edge("a", "b", weight=1, works=["W1"])
    G.add_edge("a", "b", weight=2, works=["W2"])
    G.add_edge("c", "a", weight=3, works=["W3"])
    H = nx.read_graphml(write_graphml(G, tmp_path / "g.graphml"), force_multigraph=False)
    assert H.is_multigraph() == G.is_multigraph() and H.is_directed() == G.is_directed()
    assert H.number_of_edges() == G.number_of_edges()
    if G.is_directed():
        assert H.has_edge("c", "a") and not H.has_edge("a", "c")


def test_graphml_writes_integers_beyond_64_bits(tmp_path):
    G = nx.Graph()
    G.add_node("x", big=2**70)
    G.add_node("y", big=5)
    H = nx.read_graphml(write_graphml(G, tmp_path / "g.graphml"))
    assert H.nodes["x"]["big"] == 2**70 and H.nodes["y"]["big"] == 5


@pytest.mark.parametrize(
    ("writer", "reader"),
    [(write_graphml, nx.read_graphml), (write_gexf, nx.read_gexf)],
    ids=["graphml", "gexf"],
)
def test_ids_and_names_that_clash_once_cleaned_stay_apart(tmp_path, writer, reader):
    G = nx.Graph()
    G.add_edge("a\x01", "a\x02", weight=1)
    G.add_edge("a\x02", "b", weight=1)
    G.nodes["b"]["odd\x03name"] = "v"
    with pytest.warns(UserWarning, match="U\\+FFFD"):
        H = reader(writer(G, tmp_path / "g.xml"))
    assert H.number_of_nodes() == 3 and H.number_of_edges() == 2  # no two nodes merged
    assert {"a\ufffd", "a\ufffd (2)", "b"} == set(H)
    assert H.nodes["b"]["odd\ufffdname"] == "v"
