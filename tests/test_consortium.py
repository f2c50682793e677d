"""Consortium papers: never mistaken for close collaboration, never a hang, always visible."""

import json

import networkx as nx
import pandas as pd
import pytest
from openalex_fixtures import institution, work, write_jsonl

from collabnet import metrics, network
from collabnet.cli import main
from collabnet.pipeline import load_graph, load_tables

OA = "https://openalex.org/"
NL = institution("I1", "Erasmus MC", "NL", ror="018906e22", type_="healthcare")
PPSUC = institution("I2", "People's Public Security University of China", "CN", ror="04vnevw94")
BRIDGE = institution("I3", "Bridge University", "DE")


def _authorship(aid, inst, position="middle"):
    return {
        "author_position": position,
        "author": {"id": OA + aid if aid else None, "display_name": f"Person {aid or '?'}"},
        "institutions": [inst] if inst else [],
        "countries": [inst["country_code"]] if inst else [],
        "raw_affiliation_strings": [inst["display_name"]] if inst else [""],
    }


def _consortium(wid, n, insts, year=2020):  # insts: three institutions
    """A work of `n` authorships spread over `insts`; every tenth has no author id."""
    return work(
        wid,
        year,
        [
            _authorship(None if i % 10 == 9 else f"A{int(wid[1:]) * 10_000 + i}", insts[i % 3])
            for i in range(n)
        ],
    )


def _corpus(tmp_path, consortium_authors=300):
    """NL and the police university share only one consortium paper; each also wrote one
    two-lab study with Bridge University."""
    works = [_consortium("W1", consortium_authors, [NL, PPSUC, BRIDGE]), *_studies()]
    return write_jsonl(tmp_path / "works.jsonl", works)


def _studies():
    return [
        work("W2", 2018, [_authorship("A1", NL, "first"), _authorship("A2", BRIDGE, "last")]),
        work("W3", 2019, [_authorship("A3", BRIDGE, "first"), _authorship("A4", PPSUC, "last")]),
    ]


@pytest.fixture(scope="module")
def consortium_build(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("consortium")
    out = tmp / "out"
    assert main(["build", str(_corpus(tmp)), "--out", str(out), "--no-views", "--quiet"]) == 0
    return out


def test_team_size_counts_authorships_without_an_openalex_id(consortium_build):
    works = load_tables(consortium_build)["works"].set_index("work_id")
    assert works.loc["W1", "n_authors"] == 300  # 30 of them have no author id
    manifest = json.loads((consortium_build / "manifest.json").read_text())
    assert manifest["tables"]["counts"]["authorships_without_author_id"] == 30


def test_the_author_graph_leaves_out_works_above_100_authors_and_says_so(consortium_build):
    G = load_graph(consortium_build, "authors")
    assert G.number_of_edges() == 2  # the two two-author studies only
    assert G.nodes["A10000"]["n_works"] == 1  # the work still counts for its authors
    manifest = json.loads((consortium_build / "manifest.json").read_text())
    authors = manifest["graphs"]["authors"]
    assert authors["excluded_hyperauthored_works"] == 1
    assert authors["excluded_hyperauthored_work_ids"] == ["W1"]
    assert manifest["graphs"]["options"]["author_max_team_size"] == 100
    institutions = load_graph(consortium_build, "institutions")
    assert institutions.has_edge("I1", "I2")  # the institution graph keeps it


def test_author_max_team_size_none_keeps_every_work(tmp_path):
    out = tmp_path / "out"
    argv = ["build", str(_corpus(tmp_path)), "--out", str(out), "--no-views", "--quiet"]
    assert main([*argv, "--author-max-team-size", "none"]) == 0
    G = load_graph(out, "authors")
    assert G.number_of_edges() == 270 * 269 // 2 + 2  # the 270 identified authors, pairwise


def test_a_consortium_paper_does_not_bring_two_labs_one_hop_close(consortium_build, capsys):
    # The direct NL -- PPSUC tie rests on the consortium paper alone: marked as such.
    argv = ["paths", "--tables", str(consortium_build), "--from", "I1", "--to", "I2", "--k", "2"]
    assert main([*argv, "--json"]) == 0
    paths = json.loads(capsys.readouterr().out)
    direct = next(p for p in paths if p["length"] == 1)
    hop = direct["hops"][0]
    assert hop["consortium_only"] is True
    assert [w["n_authors"] for w in hop["works"]] == [300]
    assert direct["consortium_only_hops"] == 1 and direct["counting"] == "fractional"
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "[consortium papers only]" in text and "300 authors" in text


def test_fractional_distances_rank_two_small_studies_above_one_consortium_paper():
    # a and b share one 100-node paper; a-x and x-b each share a two-node study.
    m = pd.DataFrame(
        {
            "work_id": ["W1"] * 100 + ["W2", "W2", "W3", "W3"],
            "node": ["a", "b", *[f"n{i}" for i in range(98)], "a", "x", "x", "b"],
        }
    )
    G = network.coauthorship_graph(m, pd.DataFrame(columns=["work_id", "publication_year"]))
    fractional = metrics.evidence_paths(G, "a", "b", k=1)[0]
    full = metrics.evidence_paths(G, "a", "b", k=1, counting="full")[0]
    assert fractional["nodes"] == ["a", "x", "b"]  # distance 2 against 99
    assert full["nodes"] == ["a", "b"]  # one joint work each way: the direct tie wins
    table = metrics.centrality_table(G)
    assert table.attrs["distance"] == "1/weight_fractional"
    assert table.set_index("node").loc["x", "betweenness"] > 0
    assert metrics.centrality_table(G, distance="weight").attrs["distance"] == "1/weight"


def test_estimation_follows_nodes_times_ties_not_nodes_alone():
    G = nx.complete_graph(300)  # 300 nodes, 44,850 ties
    nx.set_edge_attributes(G, 1, "weight")
    table = metrics.centrality_table(G, exact_max_work=1_000_000, k=50)
    assert table.attrs["estimate"] is True and table.attrs["sample_size"] == 50
    assert "300 nodes x 44,850 ties" in table.attrs["estimate_reason"]
    assert metrics.centrality_table(G).attrs["estimate"] is False  # 1.3e7 < 2e8


@pytest.mark.parametrize("arrays", [True, False])
def test_induced_subgraph_keeps_the_strongest_ties_by_fractional_weight(arrays):
    m = pd.DataFrame(
        {
            "work_id": ["W1"] * 10 + ["W2", "W2", "W3", "W3", "W4", "W4"],
            "node": [f"n{i}" for i in range(10)] + ["n0", "n1", "n0", "n1", "n2", "n3"],
        }
    )
    G = network.coauthorship_network(m, None)
    if not arrays:
        G = G.to_networkx()  # a networkx graph: the dict path
    H = network.induced_subgraph(G, G.nodes.index if arrays else list(G), max_ties=2)
    assert H.graph["ties_among_nodes"] == 45
    assert sorted(tuple(sorted(e)) for e in H.edges()) == [("n0", "n1"), ("n2", "n3")]
    assert H.edges["n0", "n1"]["works"] == ["W1", "W2", "W3"]


def test_build_reports_every_stage_and_quiet_silences_it(tmp_path, capsys):
    corpus = _corpus(tmp_path, consortium_authors=30)
    assert main(["build", str(corpus), "--out", str(tmp_path / "a"), "--no-views"]) == 0
    err = capsys.readouterr().err
    for stage in (
        "reading works ...",
        "3 works, 34 authorships from 1 file(s) (3 authorships without an OpenAlex author id)",
        "classifying institutions and affiliations ...",
        "building the author graph ...",
        "ranking the institution graph ...",
        "betweenness and closeness exact",
        "writing the country graph's files ...",
    ):
        assert stage in err, stage
    assert main(["build", str(corpus), "--out", str(tmp_path / "b"), "--no-views", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "wrote " in captured.out


def test_every_tie_in_the_edges_csv_lists_team_sizes_and_flags_consortium_only(
    consortium_build,
):
    import csv

    with open(consortium_build / "edges_institutions.csv", newline="", encoding="utf-8") as fh:
        rows = {(r["source"], r["target"]): r for r in csv.DictReader(fh)}
    direct = rows[("I1", "I2")]
    assert direct["work_ids"] == "W1" and direct["authors_per_work"] == "300"
    assert direct["consortium_only"] == "true"
    study = rows[("I1", "I3")]  # the consortium paper and a two-author study
    assert study["work_ids"] == "W1;W2" and study["authors_per_work"] == "300;2"
    assert study["consortium_only"] == "false"


def test_the_map_shows_each_works_team_size_and_marks_consortium_papers(tmp_path):
    import re

    out = tmp_path / "out"
    assert main(["build", str(_corpus(tmp_path)), "--out", str(out), "--quiet"]) == 0
    page = (out / "network_institutions.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="cn-data">(.*?)</script>', page, re.S).group(1))
    team = dict(zip(data["works"]["id"], data["works"]["team"], strict=True))
    assert team["W1"] == 300 and team["W2"] == 2
    assert data["consortium"] == 25  # above it, the page marks a work "[consortium paper]"
    assert "[consortium paper]" in page  # the script that shows the mark


def test_a_cut_author_list_counts_as_above_any_limit(tmp_path):
    # OpenAlex cut this list at 100 in a saved page: the team is larger than it shows
    cut = _consortium("W4", 100, [NL, PPSUC, BRIDGE])
    cut["is_authors_truncated"] = True
    path = write_jsonl(tmp_path / "works.jsonl", [cut, *_studies()])
    out = tmp_path / "out"
    assert main(["build", str(path), "--out", str(out), "--no-views", "--quiet"]) == 0
    assert load_graph(out, "authors").number_of_edges() == 2
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["graphs"]["authors"]["excluded_hyperauthored_work_ids"] == ["W4"]


def test_build_counting_full_ranks_on_joint_works(tmp_path):
    out = tmp_path / "out"
    argv = ["build", str(_corpus(tmp_path)), "--out", str(out), "--no-views", "--quiet"]
    assert main([*argv, "--counting", "full"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["centrality"]["institutions"]["distance"] == "1/weight"
    assert main([*argv]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["centrality"]["institutions"]["distance"] == "1/weight_fractional"


def test_the_author_map_says_which_works_add_no_ties(tmp_path):
    out = tmp_path / "out"
    assert main(["build", str(_corpus(tmp_path)), "--out", str(out), "--quiet"]) == 0
    page = (out / "network_authors.html").read_text(encoding="utf-8")
    assert "1 work(s) of more than 100 authors add no ties to this map" in page
    page = (out / "network_institutions.html").read_text(encoding="utf-8")
    assert "add no ties to this map" not in page


def test_a_stored_full_count_distance_does_not_pass_for_fractional_counting():
    m = pd.DataFrame(
        {
            "work_id": ["W1"] * 100 + ["W2", "W2", "W3", "W3"],
            "node": ["a", "b", *[f"n{i}" for i in range(98)], "a", "x", "x", "b"],
        }
    )
    G = network.coauthorship_graph(m, pd.DataFrame(columns=["work_id", "publication_year"]))
    metrics.add_distance(G)  # 1/joint works, stored on every tie
    assert metrics.evidence_paths(G, "a", "b", k=1)[0]["nodes"] == ["a", "x", "b"]
    assert metrics.evidence_paths(G, "a", "b", k=1, counting="full")[0]["nodes"] == ["a", "b"]


def test_paths_say_when_openalex_cut_an_author_list(tmp_path, capsys):
    cut = _consortium("W4", 100, [NL, PPSUC, BRIDGE])
    cut["is_authors_truncated"] = True
    out = tmp_path / "out"
    works = write_jsonl(tmp_path / "works.jsonl", [cut, *_studies()])
    assert main(["build", str(works), "--out", str(out), "--no-views", "--quiet"]) == 0
    capsys.readouterr()
    argv = ["paths", "--tables", str(out), "--from", "I1", "--to", "I2", "--k", "1"]
    assert main(argv) == 0
    assert "W4  2020  100+ authors (list cut by OpenAlex)" in capsys.readouterr().out
    assert main([*argv, "--json"]) == 0
    hops = json.loads(capsys.readouterr().out)[0]["hops"]
    teams = {
        w["work_id"]: (w["n_authors"], w["authors_truncated"]) for h in hops for w in h["works"]
    }
    assert teams["W4"] == (100, True) and teams["W2"] == (2, False)


def test_a_cut_author_list_reads_100_plus_in_the_edges_csv_and_the_map(tmp_path):
    import csv
    import re

    cut = _consortium("W4", 100, [NL, PPSUC, BRIDGE])
    cut["is_authors_truncated"] = True
    out = tmp_path / "out"
    works = write_jsonl(tmp_path / "works.jsonl", [cut, *_studies()])
    assert main(["build", str(works), "--out", str(out), "--quiet"]) == 0
    with open(out / "edges_institutions.csv", newline="", encoding="utf-8") as fh:
        rows = {(r["source"], r["target"]): r for r in csv.DictReader(fh)}
    assert rows[("I1", "I2")]["authors_per_work"] == "100+"
    assert rows[("I1", "I2")]["consortium_only"] == "true"
    page = (out / "network_institutions.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="cn-data">(.*?)</script>', page, re.S).group(1))
    w = data["works"]["id"].index("W4")
    assert data["works"]["team"][w] == 100 and data["works"]["cut"][w] is True  # "100+"
