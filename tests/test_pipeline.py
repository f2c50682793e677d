"""`collabnet build` end to end on hand-made corpora: files, counts, errors, markings."""

import json
import re
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from html_checks import resource_references
from openalex_fixtures import authorship, small_corpus, write_jsonl

from collabnet import pipeline
from collabnet.cli import main

EXPECTED_FILES = [
    "works.parquet",
    "authorships.parquet",
    "institutions.parquet",
    "authors.parquet",
    "classification_review.csv",
    "graph_institutions.graphml",
    "graph_authors.graphml",
    "graph_countries.graphml",
    "centrality_institutions.csv",
    "centrality_authors.csv",
    "network_institutions.html",
    "network_authors.html",
    "collaborations_per_year.csv",
    "graph_institutions.gexf",
    "vosviewer_institutions_map.txt",
    "vosviewer_institutions_network.txt",
    "edges_institutions.csv",
    "edges_institutions.xlsx",
    "manifest.json",
    "figures/network_institutions.png",
    "figures/network_institutions.svg",
    "figures/centrality_institutions.png",
    "figures/centrality_authors.svg",
    "figures/collaborations_per_year.png",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("build")
    works = write_jsonl(tmp / "works.jsonl", small_corpus())
    out = tmp / "out"
    assert main(["build", str(works), "--out", str(out)]) == 0
    return works, out


def test_build_writes_every_output(built):
    _, out = built
    missing = [f for f in EXPECTED_FILES if not (out / f).is_file()]
    assert missing == []


def test_manifest_reconciles_counts_and_hashes_inputs(built):
    works, out = built
    m = json.loads((out / "manifest.json").read_text())
    assert m["data_source"] == "synthetic-demo"  # every title is marked [synthetic]
    t = m["tables"]
    assert t["inputs"][0]["path"] == str(works)
    assert len(t["inputs"][0]["sha256"]) == 64
    assert t["counts"]["records_read"] == 3 and t["counts"]["works"] == 3
    assert t["counts"]["authorships"] == 8
    assert t["counts"]["authorships_without_institution"] == 2
    assert m["graphs"]["institutions"]["nodes"] == 4  # Erasmus, Leiden, SYSU, MPS IFS (from text)
    assert m["graphs"]["authors"] == {**m["graphs"]["authors"], "nodes": 4, "edges": 4}
    assert m["versions"]["networkx"] == nx.__version__


def test_institution_graph_keeps_the_text_matched_police_lab_with_its_works(built):
    _, out = built
    G = pipeline.load_graph(out, "institutions")
    police = [n for n, c in G.nodes(data="category") if c == "cn_police"]
    assert len(police) == 1 and police[0].startswith("entry:")
    assert G.nodes[police[0]]["matched_by"] == "raw affiliation text"
    assert G.edges["I3", police[0]]["works"] == ["W1", "W3"]
    assert G.edges["I1", police[0]]["works"] == ["W1"]
    assert G.edges["I1", "I2"]["works"] == ["W2"]


def test_centrality_csv_has_the_stated_columns_and_marks_synthetic_data(built):
    _, out = built
    table = pd.read_csv(out / "centrality_institutions.csv")
    assert list(table.columns[:9]) == [
        "node",
        "label",
        "category",
        "degree",
        "strength",
        "betweenness",
        "closeness",
        "eigenvector",
        "pagerank",
    ]
    assert set(table["data_source"]) == {"synthetic-demo"}
    assert len(table) == 4


def test_html_outputs_are_offline_and_bannered(built):
    _, out = built
    for name in ("network_institutions.html", "network_authors.html"):
        html = (out / name).read_text()
        assert resource_references(html) == []
        assert "Synthetic demo data" in html


def test_edges_csv_lists_the_dois_behind_each_tie_and_marks_synthetic_data(built):
    _, out = built
    edges = pd.read_csv(out / "edges_institutions.csv").set_index(["source", "target"])
    assert edges.loc[("I1", "I2"), "dois"] == "10.5555/test.w2"
    assert set(edges["data_source"]) == {"synthetic-demo"}


def test_centrality_csv_names_the_rule_behind_each_category(built):
    _, out = built
    table = pd.read_csv(out / "centrality_institutions.csv").set_index("node")
    assert table.loc["I1", "category_rule"] == "ror"
    police = table[table["category"] == "cn_police"].iloc[0]
    assert police["matched_by"] == "raw affiliation text"
    assert "Entity List" in police["category_source"] or "85 FR" in police["category_source"]


def test_graphml_joins_evidence_lists(built):
    _, out = built
    G = nx.read_graphml(out / "graph_institutions.graphml")
    assert G.edges["I1", "I2"]["works"] == "W2"


def test_malformed_line_stops_build_with_file_and_line(tmp_path, capsys):
    works = write_jsonl(tmp_path / "w.jsonl", [small_corpus()[0], "{not json"])
    assert main(["build", str(works), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{works}, line 2: not valid JSON" in err
    assert "Traceback" not in err


def test_skip_bad_records_counts_them_in_the_manifest(tmp_path):
    works = write_jsonl(tmp_path / "w.jsonl", [*small_corpus(), "{not json"])
    out = tmp_path / "out"
    assert main(["build", str(works), "--out", str(out), "--skip-bad-records", "--no-views"]) == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["tables"]["counts"]["bad_records_skipped"] == 1
    assert m["tables"]["bad_records"][0]["line"] == 4


def test_real_data_gets_no_synthetic_banner(tmp_path):
    records = small_corpus()
    for r in records:
        r["title"] = r["title"].replace("[synthetic] ", "")
    works = write_jsonl(tmp_path / "w.jsonl", records)
    out = tmp_path / "out"
    assert main(["build", str(works), "--out", str(out)]) == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["data_source"] == "openalex-snapshot"
    assert "Synthetic demo data" not in (out / "network_institutions.html").read_text()


def test_paths_command_on_a_build_folder_names_the_works_on_every_hop(built, capsys):
    _, out = built
    # Leiden University -> Erasmus MC (W2) -> the MPS Institute of Forensic Science (W1, text match)
    code = main(
        [
            "paths",
            "--tables",
            str(out),
            "--from",
            "027bh9e22",
            "--to-category",
            "cn_police",
            "--json",
        ]
    )
    assert code == 0
    paths = json.loads(capsys.readouterr().out)
    assert paths[0]["nodes"] == ["I2", "I1", "entry:mps-institute-of-forensic-science"]
    assert [[w["doi"] for w in hop["works"]] for hop in paths[0]["hops"]] == [
        ["10.5555/test.w2"],
        ["10.5555/test.w1"],
    ]


def test_paths_command_says_clearly_when_a_node_is_unknown(built, capsys):
    _, out = built
    code = main(["paths", "--tables", str(out), "--from", "Nowhere University", "--to", "I1"])
    err = capsys.readouterr().err
    assert code == 2 and "Nowhere University" in err and "Traceback" not in err


def _harvest(folder, unique_works, status="complete"):
    write_jsonl(folder / "works" / "q001" / "page-000001.jsonl", small_corpus())
    manifest = {
        "data_source": "openalex-api",
        "status": status,
        "unique_works": unique_works,
        "count_mismatches": [],
        "queries": [{"n": 1, "meta_count": unique_works}],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_a_harvest_folder_is_read_and_reconciled_with_its_own_log(tmp_path):
    harvest = _harvest(tmp_path / "raw", unique_works=3)
    out = tmp_path / "out"
    assert main(["build", str(harvest), "--out", str(out), "--no-views"]) == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["data_source"] == "openalex-api"
    assert m["tables"]["harvests"]["reconciled"] is True
    assert m["tables"]["harvests"]["folders"][str(harvest)]["queries"][0]["meta_count"] == 3


def test_an_unfinished_or_unreconciled_harvest_is_reported_not_hidden(tmp_path, caplog):
    harvest = _harvest(tmp_path / "raw", unique_works=5, status="stopped")
    out = tmp_path / "out"
    assert main(["build", str(harvest), "--out", str(out), "--no-views"]) == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["tables"]["harvests"]["reconciled"] is False
    assert m["tables"]["harvests"]["works_in_tables"] == 3
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "is stopped: run the same `collabnet fetch` again" in messages
    assert "logged 5 unique works but the tables hold 3" in messages


@pytest.mark.parametrize("content", ["", "\n\n"])
def test_an_empty_works_file_is_a_clear_error(tmp_path, capsys, content):
    works = tmp_path / "empty.jsonl"
    works.write_text(content)
    assert main(["build", str(works), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{works}: holds no works (the file is empty)" in err and "Traceback" not in err


def test_works_without_authorships_still_build(tmp_path):
    works = write_jsonl(tmp_path / "w.jsonl", ['{"id": "https://openalex.org/W1", "title": "x"}'])
    out = tmp_path / "out"
    assert main(["build", str(works), "--out", str(out), "--no-views"]) == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["tables"]["counts"]["works"] == 1 and m["graphs"]["authors"]["nodes"] == 0


def test_out_must_be_a_folder(tmp_path, capsys):
    works = write_jsonl(tmp_path / "w.jsonl", small_corpus())
    (tmp_path / "taken.json").write_text("{}")
    assert main(["build", str(works), "--out", str(tmp_path / "taken.json")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_paths_rejects_an_unknown_category_instead_of_finding_no_path(built, capsys):
    _, out = built
    with pytest.raises(SystemExit) as exit_:
        main(["paths", "--tables", str(out), "--from", "I1", "--to-category", "cn_polce"])
    assert exit_.value.code == 2
    assert "invalid choice: 'cn_polce'" in capsys.readouterr().err


def test_an_override_keeps_the_institution_one_node_and_unused_ones_are_reported(tmp_path, caplog):
    records = small_corpus()
    # an author whom OpenAlex did not match, at the institution the override is about
    records[2]["authorships"].append(
        authorship("A5", "Eva Wu", [], raw=["Sun Yat-sen University, Guangzhou 510080, China"])
    )
    works = write_jsonl(tmp_path / "w.jsonl", records)
    overrides = tmp_path / "overrides.csv"
    overrides.write_text(
        "key,category,note\nI3,cn_police,checked by hand\nI0000000000,cn_police,a typo\n"
    )
    out = tmp_path / "out"
    assert (
        main(["build", str(works), "--out", str(out), "--overrides", str(overrides), "--no-views"])
        == 0
    )
    G = pipeline.load_graph(out, "institutions")
    assert G.nodes["I3"]["category"] == "cn_police"
    assert G.nodes["I3"]["category_rule"] == "override"
    assert not [n for n in G if n.startswith("entry:sun-yat-sen")]
    assert G.nodes["I3"]["n_works"] == 2 and "A5" in set(
        pipeline.load_tables(out)["authorships"].query("institution_key == 'I3'")["author_id"]
    )
    m = json.loads((out / "manifest.json").read_text())
    assert m["tables"]["overrides"]["unused"] == ["I0000000000"]
    assert "override 'I0000000000'" in " ".join(r.getMessage() for r in caplog.records)


def test_text_from_the_data_cannot_become_a_spreadsheet_formula(tmp_path):
    records = small_corpus()
    records[1]["authorships"][1]["author"]["display_name"] = '=HYPERLINK("x")'
    works = write_jsonl(tmp_path / "w.jsonl", records)
    out = tmp_path / "out"
    assert main(["build", str(works), "--out", str(out), "--no-views"]) == 0
    text = (out / "centrality_authors.csv").read_text()
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_author_attributes_count_works_per_category_and_name_top_institutions():
    rows = [  # (work, author, category, institution_name)
        ("W1", "A1", "nl", "Leiden University"),
        ("W2", "A1", "nl", "Leiden University"),
        ("W2", "A1", "nl", "LUMC"),  # two rows, one work: nl counts W2 once
        ("W3", "A1", "cn_police", "MPS Institute of Forensic Science"),
        ("W4", "A2", "cn_police", "B lab"),
        ("W5", "A2", "cn_other", "A lab"),  # tie 1-1: cn_police comes first in CATEGORIES
        ("W6", "A3", "other", None),
    ]
    for i in range(6):  # A4: six institutions, one row each
        rows.append((f"X{i}", "A4", "other", f"Inst {5 - i}"))
    a = pd.DataFrame(rows, columns=["work_id", "author_id", "category", "institution_name"])
    authors = pd.DataFrame(
        {
            "author_id": ["A1", "A2", "A3", "A4"],
            "display_name": ["Ann", "Bo", "Cy", "Di"],
            "orcid": [None] * 4,
        }
    )
    for order in (a.index, a.index[::-1]):
        nodes = pipeline.node_attributes(
            {"authorships": a.loc[order], "authors": authors}, "authors"
        )
        assert nodes.loc["A1", "category"] == "nl"
        assert nodes.loc["A1", "categories"] == "nl (2); cn_police (1)"
        assert nodes.loc["A1", "institutions"] == (
            "Leiden University; LUMC; MPS Institute of Forensic Science"
        )
        assert nodes.loc["A2", "category"] == "cn_police"
        assert nodes.loc["A2", "categories"] == "cn_police (1); cn_other (1)"
        assert nodes.loc["A2", "institutions"] == "A lab; B lab"
        assert pd.isna(nodes.loc["A3", "institutions"])
        assert nodes.loc["A4", "institutions"] == "Inst 0; Inst 1; Inst 2; Inst 3; Inst 4"
        assert nodes.loc["A3", "label"] == "Cy"


def test_a_large_graph_is_ranked_written_and_drawn_without_a_dict_per_tie(tmp_path, monkeypatch):
    """Above the GEXF/XLSX sizes, build never turns the author network's ties into dicts."""
    from collabnet import metrics
    from collabnet.network import Network

    monkeypatch.setattr(metrics, "IGRAPH_ABOVE", 0)  # as for a graph of thousands of nodes
    monkeypatch.setattr(pipeline, "GEXF_MAX_EDGES", 0)
    monkeypatch.setattr(pipeline, "XLSX_MAX_EDGES", 0)
    converted = []  # ties of each network turned into a networkx graph
    real = Network.to_networkx

    def spy(self):
        converted.append((self.graph["level"], self.number_of_edges()))
        return real(self)

    monkeypatch.setattr(Network, "to_networkx", spy)
    works = write_jsonl(tmp_path / "works.jsonl", small_corpus())
    out = tmp_path / "out"
    tables = pipeline.build_tables([works], out)
    graphs = {level: pipeline.build_network(tables, level) for level in pipeline.LEVELS}
    centrality = pipeline.rank_graphs(graphs, out)
    pipeline.write_graphs(graphs, out, options={})
    pipeline.render_views(graphs, tables, out, centrality=centrality, max_nodes=3)
    net = graphs["authors"]
    assert net.number_of_edges() > 3 and (out / "network_authors.html").is_file()
    drawn = [n for level, n in converted if level == "authors"]
    html = (out / "network_authors.html").read_text(encoding="utf-8")
    page = json.loads(re.search(r'id="cn-data">(.*?)</script>', html, re.S).group(1))
    assert page["shown"]["nodes"] == 3
    assert drawn and max(drawn) == len(page["ties"]["s"])  # the page's ties only
    assert "pagerank" in net.nodes.columns  # the measures went into the nodes table
    # and what was written is what the networkx graph gives
    edges = pd.read_csv(out / "edges_authors.csv")
    assert len(edges) == net.number_of_edges()
    m = json.loads((out / "manifest.json").read_text())
    G = real(net)
    assert m["graphs"]["authors"]["components"] == nx.number_connected_components(G)
    assert m["graphs"]["authors"]["isolates"] == nx.number_of_isolates(G)
    H = nx.read_graphml(out / "graph_authors.graphml")
    assert sorted(H.edges()) == sorted(G.edges())


def test_build_passes_pivots_to_the_centrality_table(tmp_path, monkeypatch):
    from collabnet import metrics

    seen = []
    real = metrics.centrality_table

    def spy(G, **kw):
        seen.append(kw.get("k"))
        return real(G, **{**kw, "exact_threshold": 2})  # estimate even on this small graph

    monkeypatch.setattr(metrics, "centrality_table", spy)
    works = write_jsonl(tmp_path / "works.jsonl", small_corpus())
    out = tmp_path / "out"
    assert main(["build", str(works), "--out", str(out), "--pivots", "3", "--no-views"]) == 0
    assert seen == [3, 3]
    m = json.loads((out / "manifest.json").read_text())
    assert m["centrality"]["authors"]["sample_size"] == 3
    assert m["centrality"]["authors"]["estimate"] is True


def test_exports_skipped_above_their_sizes_are_listed_and_logged(tmp_path, monkeypatch, caplog):
    works = write_jsonl(tmp_path / "works.jsonl", small_corpus())
    out = tmp_path / "out"
    assert main(["build", str(works), "--out", str(out), "--no-views", "--quiet"]) == 0
    assert (out / "graph_authors.graphml").is_file()  # an earlier build's: must not stay
    monkeypatch.setattr(pipeline, "GRAPHML_MAX_EDGES", 0)
    with caplog.at_level("WARNING"):
        assert main(["build", str(works), "--out", str(out), "--no-views"]) == 0
    assert not (out / "graph_authors.graphml").exists()
    assert (out / "edges_authors.csv").is_file()
    m = json.loads((out / "manifest.json").read_text())
    assert "graph_authors.graphml (more than 0 ties)" in m["graphs"]["authors"]["exports_skipped"]
    assert "graph_authors.graphml not written" in caplog.text


def test_build_rejects_a_number_of_pivots_below_one(tmp_path, capsys):
    works = write_jsonl(tmp_path / "works.jsonl", small_corpus())
    with pytest.raises(SystemExit) as exit_:
        main(["build", str(works), "--out", str(tmp_path / "out"), "--pivots", "0"])
    assert exit_.value.code == 2
    assert "argument --pivots: must be at least 1, got 0" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # nothing written


def test_a_snapshot_folder_with_its_own_manifest_is_not_taken_for_a_harvest(tmp_path, caplog):
    folder = tmp_path / "works"
    write_jsonl(folder / "updated_date=2026-01-01" / "part_0000.gz", small_corpus(), gz=True)
    entries = [{"url": "s3://openalex/data/jsonl/works/updated_date=2026-01-01/part_0000.gz"}]
    (folder / "manifest.json").write_text(json.dumps({"entries": entries, "meta": {}}))
    assert main(["build", str(folder), "--out", str(tmp_path / "out"), "--no-views"]) == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["tables"]["harvests"] is None
    skipped = {Path(k["path"]).name: k["reason"] for k in manifest["tables"]["inputs_skipped"]}
    assert "manifest.json" in skipped
    assert "harvest" not in caplog.text
