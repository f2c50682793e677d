"""Centrality, communities, brokers and evidence paths on graphs with known answers."""

from __future__ import annotations

import sys

import networkx as nx
import pandas as pd
import pytest

from collabnet.errors import CollabnetError, InputError
from collabnet.metrics import (
    CENTRALITY_COLUMNS,
    add_distance,
    authors_bridging,
    bridging_edges,
    brokers,
    centrality_table,
    communities,
    ego_network,
    evidence_paths,
    joint_works_per_year,
    resolve_node,
    time_slices,
)
from collabnet.network import coauthorship_graph

# --- known graphs -------------------------------------------------------------------------


def _weighted(G):
    # Weights 1, 2, 4: distances 1, 0.5, 0.25 add up exactly in floating point, so
    # tied shortest paths stay tied in both libraries.
    G = G.copy()
    for i, (_, _, d) in enumerate(sorted(G.edges(data=True), key=lambda e: str(e[:2]))):
        d["weight"] = (1, 2, 4)[i % 3]
    return G


def _disconnected():
    G = nx.disjoint_union(nx.krackhardt_kite_graph(), nx.path_graph(3))
    G.add_node(99)
    return G


GRAPHS = {
    "florentine": nx.florentine_families_graph,
    "kite": nx.krackhardt_kite_graph,
    "disconnected": _disconnected,
}


def _inv(u, v, d):
    return 1 / d["weight"]


def _expected(G, weighted):
    w = "weight" if weighted else None
    dist = _inv if weighted else None
    if nx.is_connected(G):
        eig = nx.eigenvector_centrality(G, weight=w, max_iter=1000, tol=1e-9)
    else:
        lcc = max(nx.connected_components(G), key=len)
        eig = dict.fromkeys(G, 0.0)
        eig.update(nx.eigenvector_centrality(G.subgraph(lcc), weight=w, max_iter=1000, tol=1e-9))
    return {
        "degree": dict(G.degree()),
        "strength": dict(G.degree(weight=w)),
        "betweenness": nx.betweenness_centrality(G, weight=dist),
        "closeness": nx.closeness_centrality(G, distance=dist),
        "eigenvector": eig,
        "pagerank": nx.pagerank(G, weight=w, tol=1e-10, max_iter=1000),
    }


@pytest.mark.parametrize("engine", ["networkx", "igraph"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name", list(GRAPHS))
def test_centrality_matches_networkx(name, weighted, engine):
    G = GRAPHS[name]()
    if weighted:
        G = _weighted(G)
    df = centrality_table(G, engine=engine, weight="weight" if weighted else None)
    assert list(df.columns) == CENTRALITY_COLUMNS
    assert df.attrs["engine"] == engine and df.attrs["estimate"] is False
    assert df.attrs["distance"] == ("1/weight" if weighted else "hops")
    expected = _expected(G, weighted)
    got = df.set_index("node")
    for measure, values in expected.items():
        for v, x in values.items():
            assert got.loc[v, measure] == pytest.approx(x, abs=1e-6), (measure, v)


def test_known_values_kite_and_florentine():
    kite = centrality_table(nx.krackhardt_kite_graph(), weight=None).set_index("node")
    assert kite.loc[7, "betweenness"] == pytest.approx(14 / 36)  # Heather
    assert kite.loc[5, "closeness"] == pytest.approx(9 / 14)  # Fernando
    assert kite.loc[3, "degree"] == 6  # Diane
    flo = centrality_table(nx.florentine_families_graph(), weight=None, engine="igraph")
    assert flo.iloc[0]["node"] == "Medici"
    assert flo.set_index("node").loc["Medici", "betweenness"] == pytest.approx(47.5 / 91)


def test_sorting_and_attrs():
    df = centrality_table(nx.krackhardt_kite_graph(), sort_by="degree", seed=3)
    assert df["degree"].is_monotonic_decreasing
    assert df.attrs["sort_by"] == "degree" and df.attrs["seed"] == 3
    with pytest.raises(InputError, match="sort_by"):
        centrality_table(nx.krackhardt_kite_graph(), sort_by="fame")
    with pytest.raises(InputError, match="engine"):
        centrality_table(nx.krackhardt_kite_graph(), engine="gephi")
    assert centrality_table(nx.Graph()).empty


def test_estimates_agree_between_engines_and_are_labelled():
    G = _weighted(nx.florentine_families_graph())
    a = centrality_table(G, engine="networkx", exact_threshold=5, k=6, seed=7)
    b = centrality_table(G, engine="igraph", exact_threshold=5, k=6, seed=7)
    assert a.attrs["estimate"] and a.attrs["sample_size"] == 6
    a, b = a.set_index("node"), b.set_index("node")
    for measure in ("betweenness", "closeness"):
        for v in G:
            assert a.loc[v, measure] == pytest.approx(b.loc[v, measure], abs=1e-9)
    # With every node a pivot, the closeness estimate is exact.
    full = centrality_table(G, engine="igraph", exact_threshold=5, k=len(G)).set_index("node")
    exact = nx.closeness_centrality(G, distance=_inv)
    for v in G:
        assert full.loc[v, "closeness"] == pytest.approx(exact[v])


def test_auto_engine_switches_on_size():
    big = nx.connected_watts_strogatz_graph(600, 4, 0.1, seed=1)
    assert centrality_table(big, weight=None).attrs["engine"] == "igraph"
    assert centrality_table(nx.path_graph(5)).attrs["engine"] == "networkx"


def test_add_distance():
    G = nx.Graph([(1, 2, {"weight": 4}), (2, 3, {})])
    assert add_distance(G) is G
    assert G.edges[1, 2]["distance"] == 0.25 and G.edges[2, 3]["distance"] == 1.0
    assert G.graph["distance"] == "1/weight"
    with pytest.raises(InputError, match="positive"):
        add_distance(nx.Graph([(1, 2, {"weight": 0})]))


# --- communities --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["louvain", "leiden"])
def test_communities_seeded_and_reported(method):
    G = nx.barbell_graph(5, 1)
    nx.set_node_attributes(G, {v: ("nl" if v < 5 else "cn_police") for v in G}, "category")
    df, summary = communities(G, seed=42, method=method)
    df2, summary2 = communities(G, seed=42, method=method)
    assert df.equals(df2) and summary == summary2
    parts = [set(g["node"]) for _, g in df.groupby("community")]
    assert summary["modularity"] == pytest.approx(nx.community.modularity(G, parts))
    assert summary["n_communities"] == 2
    first = summary["communities"][0]
    assert first["size"] == 6 and first["label"].split(":")[0] in ("nl", "cn_police")
    assert summary["method"] == method and summary["seed"] == 42


def test_communities_bad_method():
    with pytest.raises(InputError, match="louvain"):
        communities(nx.path_graph(3), method="infomap")


# --- a hand-built corpus ------------------------------------------------------------------
#
#   NLA ── X ══ P1 ── P2          NLA, NLB: Dutch; P1, P2: police-linked; X, Y: other
#          │     │                X══P1 has two joint works (W5, W7)
#         NLB ── Y                Z: one single-institution work, no edges

INST = {
    "I_NLA": ("Delft University of Technology", "nl", "02e2c7k09"),
    "I_NLB": ("University of Amsterdam", "nl", "04dkp9463"),
    "I_X": ("Xidian University", "other", None),
    "I_Y": ("Yale University", "other", None),
    "I_P1": ("People's Public Security University of China", "cn_police", "03x1jna21"),
    "I_P2": ("Criminal Investigation Police University of China", "cn_police", None),
    "I_Z": ("Zurich University", "other", None),
}
#: The node attributes of the institution graph (as pipeline.node_attributes gives them).
INST_NODES = pd.DataFrame(
    {
        "label": [name for name, _, _ in INST.values()],
        "ror": [ror for _, _, ror in INST.values()],
        "category": [cat for _, cat, _ in INST.values()],
    },
    index=list(INST),
)
WORK_NODES = {
    "W1": ["I_NLA", "I_X"],
    "W2": ["I_NLB", "I_X"],
    "W3": ["I_NLB", "I_Y"],
    "W4": ["I_Y", "I_P1"],
    "W5": ["I_X", "I_P1"],
    "W6": ["I_P1", "I_P2"],
    "W7": ["I_X", "I_P1"],
    "W8": ["I_Z"],
}


@pytest.fixture
def corpus():
    rows = []
    for w, insts in WORK_NODES.items():
        for i, inst in enumerate(insts):
            name, cat, ror = INST[inst]
            rows.append(
                {
                    "work_id": w,
                    "author_id": f"A_{w}_{i}",
                    "author_name": f"Author {w} {i}",
                    "institution_id": inst,
                    "institution_name": name,
                    "ror": ror,
                    "category": cat,
                }
            )
    # One author with a Dutch and a police-linked affiliation on W9, and Dutch on W1.
    rows.append(dict(rows[0], work_id="W9", author_id="A_DUAL", author_name="Dual"))
    rows.append(dict(rows[0], work_id="W1", author_id="A_DUAL", author_name="Dual", category="nl"))
    rows.append(
        {
            "work_id": "W9",
            "author_id": "A_DUAL",
            "author_name": "Dual",
            "institution_id": "I_P2",
            "institution_name": INST["I_P2"][0],
            "ror": None,
            "category": "cn_police",
        }
    )
    authorships = pd.DataFrame(rows)
    works = pd.DataFrame(
        {
            "work_id": [f"W{i}" for i in range(1, 10)],
            "doi": [f"https://doi.org/10.1/{i}" for i in range(1, 10)],
            "title": [f"Paper {i}" for i in range(1, 10)],
            "publication_year": [2018, 2019, 2019, 2020, 2020, 2021, 2021, 2022, 2023],
        }
    )
    # W9 joins NLA and P2 directly; keep it out of the graph for the path tests.
    G = coauthorship_graph(
        authorships[authorships["work_id"] != "W9"],
        works,
        INST_NODES,
        node_column="institution_id",
    )
    return authorships, works, G


@pytest.mark.parametrize("engine", ["networkx", "igraph"])
def test_brokers_hops(corpus, engine):
    _, _, G = corpus
    df = brokers(G, weight=None, engine=engine)
    assert df[["node", "subset_betweenness", "is_cut_node", "pairs_separated"]].values.tolist() == [
        ["I_X", 3.0, True, 2],
        ["I_P1", 2.0, True, 2],
        ["I_Y", 1.0, False, 0],
    ]
    assert df["share_of_pairs"].tolist() == pytest.approx([0.75, 0.5, 0.25])
    assert df.attrs["n_connected_pairs"] == 4 and df.attrs["n_sources"] == 2


@pytest.mark.parametrize("engine", ["networkx", "igraph"])
def test_brokers_weighted(corpus, engine):
    _, _, G = corpus
    # With distance 1/weight, NLB reaches P1 via X (1 + 0.5) rather than via Y (1 + 1).
    df = brokers(G, engine=engine).set_index("node")
    assert df.loc["I_X", "subset_betweenness"] == pytest.approx(4.0)
    assert "I_Y" not in df.index or df.loc["I_Y", "subset_betweenness"] == 0


def test_bridging_edges(corpus):
    _, _, G = corpus
    df = bridging_edges(G, weight=None)
    got = {frozenset((r.source, r.target)): r for r in df.itertuples()}
    assert got[frozenset(("I_X", "I_P1"))].subset_betweenness == pytest.approx(3)
    assert got[frozenset(("I_X", "I_P1"))].works == ["W5", "W7"]
    assert got[frozenset(("I_NLA", "I_X"))].is_bridge
    assert got[frozenset(("I_NLA", "I_X"))].pairs_separated == 2
    assert got[frozenset(("I_P1", "I_P2"))].pairs_separated == 2
    assert not got[frozenset(("I_NLB", "I_Y"))].is_bridge


def test_authors_bridging(corpus):
    authorships, works, _ = corpus
    df = authors_bridging(authorships, works=works)
    assert df["author_id"].tolist() == ["A_DUAL"]
    row = df.iloc[0]
    assert row["works_nl"] == ["W1", "W9"] and row["works_cn_police"] == ["W9"]
    assert row["dual_affiliation_works"] == ["W9"]
    assert (row["first_year"], row["last_year"]) == (2018, 2023)


def test_evidence_paths_known_answer(corpus):
    _, works, G = corpus
    paths = evidence_paths(G, "I_NLA", "I_P2", works=works, weight=None)
    assert [p["nodes"] for p in paths] == [
        ["I_NLA", "I_X", "I_P1", "I_P2"],
        ["I_NLA", "I_X", "I_NLB", "I_Y", "I_P1", "I_P2"],
    ]
    first = paths[0]
    assert first["length"] == 3 and first["labels"][0] == "Delft University of Technology"
    hop = first["hops"][1]
    assert (hop["source"], hop["target"], hop["weight"]) == ("I_X", "I_P1", 2)
    assert hop["works"] == [
        {
            "work_id": "W5",
            "doi": "https://doi.org/10.1/5",
            "publication_year": 2020,
            "title": "Paper 5",
            "n_authors": None,
            "authors_truncated": False,
        },
        {
            "work_id": "W7",
            "doi": "https://doi.org/10.1/7",
            "publication_year": 2021,
            "title": "Paper 7",
            "n_authors": None,
            "authors_truncated": False,
        },
    ]


def test_evidence_paths_ties_in_stable_order(corpus):
    _, _, G = corpus
    paths = evidence_paths(G, "I_NLB", "I_P1", weight=None, k=3)
    assert [p["nodes"] for p in paths] == [["I_NLB", "I_X", "I_P1"], ["I_NLB", "I_Y", "I_P1"]]
    assert [p["tied"] for p in paths] == [2, 2]
    assert evidence_paths(G, "I_NLB", "I_P1", weight=None, k=1)[0]["nodes"][1] == "I_X"
    # Weighted, the double tie X══P1 is shorter: no tie any more.
    weighted = evidence_paths(G, "I_NLB", "I_P1", k=3)
    assert weighted[0]["nodes"] == ["I_NLB", "I_X", "I_P1"] and weighted[0]["tied"] == 1
    assert weighted[0]["distance"] == pytest.approx(1.5)


def test_evidence_paths_no_path_and_category(corpus):
    _, _, G = corpus
    assert evidence_paths(G, "I_Z", "I_P1") == []
    assert evidence_paths(G, "I_Z", target_category="cn_police") == []
    paths = evidence_paths(G, "I_NLA", target_category="cn_police", weight=None, k=3)
    # Paths stop at the first police-linked node: none runs through P1 to P2.
    assert [p["nodes"] for p in paths] == [
        ["I_NLA", "I_X", "I_P1"],
        ["I_NLA", "I_X", "I_NLB", "I_Y", "I_P1"],
    ]
    with pytest.raises(InputError, match="exactly one"):
        evidence_paths(G, "I_NLA")


def test_evidence_paths_by_ror_and_name(corpus):
    _, _, G = corpus
    by_ror = evidence_paths(G, "https://ror.org/02e2c7k09", "03x1jna21", weight=None)
    by_name = evidence_paths(
        G, "delft university of technology", "People's Public Security University of China"
    )
    assert by_ror[0]["nodes"] == ["I_NLA", "I_X", "I_P1"]
    assert by_name[0]["nodes"] == ["I_NLA", "I_X", "I_P1"]


class _Entry:
    def __init__(self, name, openalex=(), ror=()):
        self.name, self.openalex, self.ror = name, list(openalex), list(ror)


class _Registry:
    def find(self, q):
        if q.lower() == "ppsuc":
            return [_Entry("PPSUC", openalex=["https://openalex.org/I_P1"])]
        return []


def test_resolve_node(corpus):
    _, _, G = corpus
    assert resolve_node(G, "I_NLA") == "I_NLA"
    assert resolve_node(G, "ror.org/03x1jna21") == "I_P1"
    assert resolve_node(G, "  University   of amsterdam ") == "I_NLB"
    assert resolve_node(G, "PPSUC", registry=_Registry()) == "I_P1"
    with pytest.raises(CollabnetError, match="Close matches: .*Delft"):
        resolve_node(G, "Delft University of Technolgy")
    H = G.copy()
    H.nodes["I_Y"]["label"] = "University of Amsterdam"
    with pytest.raises(CollabnetError, match="ambiguous: 2 nodes"):
        resolve_node(H, "university of amsterdam")


def test_resolve_openalex_url():
    G = nx.Graph()
    G.add_node("I27837315", label="Utrecht University")
    assert resolve_node(G, "https://openalex.org/i27837315") == "I27837315"


def test_ego_network(corpus):
    _, _, G = corpus
    E = ego_network(G, "Xidian University")
    assert sorted(E) == ["I_NLA", "I_NLB", "I_P1", "I_X"]
    assert E.graph["ego"] == "I_X" and E.edges["I_X", "I_P1"]["works"] == ["W5", "W7"]
    assert sorted(ego_network(G, "I_X", radius=2)) == sorted(set(G) - {"I_Z"})


def test_time_slices_and_joint_works(corpus):
    authorships, works, _ = corpus
    df = time_slices(authorships, works, INST_NODES, node_column="institution_id")
    assert df["start_year"].tolist() == list(range(2018, 2024))
    row = df.set_index("start_year").loc[2020]
    assert (row["n_works"], row["nodes"], row["edges"]) == (2, 3, 2)
    assert row["cross_edges"] == 0
    # W9 (2023): NLA and P2 on one work, and one tie between them
    assert df.set_index("start_year").loc[2023, ["joint_works", "cross_edges"]].tolist() == [1, 1]
    wide = time_slices(authorships, works, INST_NODES, node_column="institution_id", window=3)
    assert wide["start_year"].tolist() == [2018, 2019, 2020, 2021]
    assert wide.set_index("start_year").loc[2019, "n_works"] == 6  # W2–W7
    joint = joint_works_per_year(authorships, works)
    assert joint.to_dict("records") == [{"year": 2023, "n_works": 1, "works": ["W9"]}]
    # nodes take the attributes given (the build's), not the rows' categories; the
    # joint works count the rows
    p2_other = INST_NODES.assign(category=INST_NODES["category"].mask(INST_NODES.index == "I_P2"))
    df = time_slices(authorships, works, p2_other, node_column="institution_id")
    assert df.set_index("start_year").loc[2023, ["joint_works", "cross_edges"]].tolist() == [1, 0]
    with pytest.raises(InputError, match="node_column"):
        time_slices(authorships, works, INST_NODES, node_column="planet")
    with pytest.raises(InputError, match="window"):
        time_slices(authorships, works, INST_NODES, node_column="institution_id", window=0)


def test_time_slices_with_team_size_and_weight_options(corpus):
    authorships, works, _ = corpus
    options = {"node_column": "institution_id", "window": 6}
    whole = time_slices(authorships, works, INST_NODES, **options).iloc[0]
    # 2018-2023: every tie; X–P1 is the one tie with two works
    assert (whole["nodes"], whole["edges"], whole["cross_edges"]) == (7, 7, 1)
    strong = time_slices(authorships, works, INST_NODES, min_weight=2, **options).iloc[0]
    assert (strong["nodes"], strong["edges"], strong["cross_edges"]) == (7, 1, 0)
    # a cap of one author leaves every tie out but W9's: one author, Dutch and police-linked
    capped = time_slices(authorships, works, INST_NODES, max_team_size=1, **options).iloc[0]
    assert (capped["nodes"], capped["edges"], capped["cross_edges"]) == (7, 1, 1)


def test_institution_time_slices_are_the_build_graph_of_each_window(tmp_path):
    from openalex_fixtures import small_corpus, write_jsonl

    from collabnet import pipeline

    works_file = write_jsonl(tmp_path / "works.jsonl", small_corpus())
    tables = pipeline.build_tables(works_file, tmp_path / "out")
    slices = pipeline.institution_time_slices(tables)
    a, w = tables["authorships"], tables["works"]
    assert slices["start_year"].tolist() == [2015, 2016, 2017]
    for row in slices.itertuples():
        ids = w.loc[w["publication_year"] == row.start_year, "work_id"]
        window = {
            **tables,
            "authorships": a[a["work_id"].isin(ids)],
            "works": w[w["work_id"].isin(ids)],
        }
        G = pipeline.build_graph(window, "institutions")
        cat = dict(G.nodes(data="category"))
        cross = sum({cat[u], cat[v]} == {"nl", "cn_police"} for u, v in G.edges())
        assert (row.nodes, row.edges, row.cross_edges) == (len(G), G.number_of_edges(), cross)
    # W1 (2015): Erasmus MC (nl) and the Ministry of Public Security, matched by its text
    assert slices["cross_edges"].tolist() == [1, 0, 0]
    assert slices["joint_works"].tolist() == [1, 0, 0]
    # the category is the build's (the institutions table, where an override would
    # change it), not the authorship rows': the rows still say nl
    inst = tables["institutions"]
    changed = {
        **tables,
        "institutions": inst.assign(category=inst["category"].replace("nl", "other")),
    }
    again = pipeline.institution_time_slices(changed)
    assert again["cross_edges"].tolist() == [0, 0, 0]
    assert again["joint_works"].tolist() == [1, 0, 0]


def test_igraph_estimate_on_components_without_pivots_matches_networkx():
    # A large component, a pivot alone in a small one, and components with no pivot:
    # igraph's closeness estimate takes exact values there, as the networkx engine does.
    G = _weighted(nx.florentine_families_graph())
    G.add_weighted_edges_from([("x1", "x2", 2), ("x2", "x3", 1), ("y1", "y2", 3)])
    G.add_node("z")
    nodes = list(G)
    for seed in range(6):
        a = centrality_table(G, engine="networkx", exact_threshold=5, k=4, seed=seed)
        b = centrality_table(G, engine="igraph", exact_threshold=5, k=4, seed=seed)
        a, b = a.set_index("node"), b.set_index("node")
        for measure in ("betweenness", "closeness"):
            for v in nodes:
                assert a.loc[v, measure] == pytest.approx(b.loc[v, measure], abs=1e-9)


# --- networks (ties as arrays) and their networkx graphs --------------------------------------


def _random_corpus(seed: int, n_works: int = 400, n_nodes: int = 80):
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = []
    for w in range(n_works):
        for n in rng.choice(n_nodes, size=int(rng.integers(1, 7)), replace=False):
            rows.append((f"W{w:04d}", f"n{n:02d}", f"A{w}-{n}"))
    m = pd.DataFrame(rows, columns=["work_id", "node", "author_id"])
    works = pd.DataFrame(
        {"work_id": sorted(set(m["work_id"])), "publication_year": 2020, "doi": None}
    )
    return m, works


@pytest.mark.parametrize("weight", ["weight", "weight_fractional", None])
@pytest.mark.parametrize("exact_threshold", [5000, 20])
def test_centrality_of_a_network_equals_centrality_of_its_networkx_graph(weight, exact_threshold):
    from collabnet.network import coauthorship_network

    m, works = _random_corpus(3)
    net = coauthorship_network(m, works)
    written = net.to_networkx()
    opts = {"engine": "igraph", "weight": weight, "exact_threshold": exact_threshold, "k": 15}
    a = centrality_table(net, **opts)  # from the arrays
    b = centrality_table(written, **opts)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)
    assert a["degree"].dtype.kind == b["degree"].dtype.kind == "i"
    if weight == "weight":
        assert a["strength"].dtype.kind == "i"
    # and with networkx; weighted, only on weights whose inverse distances add up exactly
    # (test_centrality_matches_networkx): networkx compares path lengths exactly, igraph
    # within a tolerance, so 1/3 + 1/6 and 1/2 tie in one and not the other.
    if weight is None:
        c = centrality_table(written, **{**opts, "engine": "networkx"})
        pd.testing.assert_frame_equal(a, c, check_exact=False, rtol=1e-6, atol=1e-9)
        d = centrality_table(net, **{**opts, "engine": "networkx"})  # converted
        pd.testing.assert_frame_equal(c, d)


def test_leiden_of_a_network_equals_leiden_of_its_networkx_graph():
    from collabnet.network import coauthorship_network

    m, works = _random_corpus(4)
    net = coauthorship_network(m, works)
    written = net.to_networkx()
    a = communities(net, seed=3, method="leiden")  # from the arrays
    b = communities(written, seed=3, method="leiden")
    assert a[0].equals(b[0])
    assert a[1]["modularity"] == pytest.approx(b[1]["modularity"])
    assert a[1]["communities"] == b[1]["communities"]
    parts = [set(g["node"]) for _, g in a[0].groupby("community")]
    assert a[1]["modularity"] == pytest.approx(nx.community.modularity(written, parts))


def test_igraph_closeness_estimate_takes_the_shortest_of_parallel_ties():
    G = _weighted(nx.florentine_families_graph())
    M = nx.MultiGraph(G)
    for u, v, w in list(G.edges(data="weight"))[::2]:
        M.add_edge(u, v, weight=w / 2)  # a weaker parallel tie: a longer distance
    M.add_edge("Medici", "Medici", weight=5)  # a self-loop shortens nothing
    a = centrality_table(G, engine="igraph", exact_threshold=5, k=6, seed=1).set_index("node")
    b = centrality_table(M, engine="igraph", exact_threshold=5, k=6, seed=1).set_index("node")
    for v in G:
        assert b.loc[v, "closeness"] == pytest.approx(a.loc[v, "closeness"], abs=1e-12)


# --- estimates on several cores ---------------------------------------------------------------


@pytest.mark.parametrize("weight", ["weight", None])
def test_estimated_betweenness_is_the_same_on_any_number_of_processes(monkeypatch, weight):
    import collabnet._helper as helper
    from collabnet.network import coauthorship_graph

    m, works = _random_corpus(5)
    G = coauthorship_graph(m, works)
    opts = {"engine": "igraph", "weight": weight, "exact_threshold": 10, "k": 30, "seed": 2}
    monkeypatch.setattr(helper, "cores", lambda: 1)
    alone = centrality_table(G, **opts)
    monkeypatch.setattr(helper, "cores", lambda: 3)  # this process and two helpers
    monkeypatch.setattr(helper, "MIN_WORK", 0)
    started = []
    real = helper._start_helpers

    def spy(*args):
        helpers = real(*args)
        started.extend(helpers)
        return helpers

    monkeypatch.setattr(helper, "_start_helpers", spy)
    shared = centrality_table(G, **opts)
    assert len(started) == 2 and all(p.returncode == 0 for p, _, _ in started)
    _same_estimates(alone, shared)
    # and the estimate is networkx's (same pivots, same rescaling)
    if weight is None:
        nx_table = centrality_table(G, **{**opts, "engine": "networkx"}).set_index("node")
        ours = shared.set_index("node")
        for v in G:
            assert ours.loc[v, "betweenness"] == pytest.approx(
                nx_table.loc[v, "betweenness"], abs=1e-9
            )


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ([sys.executable, "-c", "raise SystemExit('no memory')"], "failed (exit 1: no memory)"),
        (["/nonexistent/python"], "could not start a helper process"),
        ([sys.executable, "-c", "pass"], "left no result"),  # exits 0, writes nothing
    ],
    ids=["fails", "cannot-start", "no-result"],
)
def test_a_failing_helper_process_is_replaced_by_this_one(monkeypatch, caplog, command, message):
    import collabnet._helper as helper
    from collabnet.network import coauthorship_graph

    m, works = _random_corpus(6)
    G = coauthorship_graph(m, works)
    opts = {"engine": "igraph", "exact_threshold": 10, "k": 30, "seed": 1}
    monkeypatch.setattr(helper, "cores", lambda: 1)
    alone = centrality_table(G, **opts)
    monkeypatch.setattr(helper, "cores", lambda: 2)
    monkeypatch.setattr(helper, "MIN_WORK", 0)
    monkeypatch.setattr(helper, "_command", lambda out: command)
    with caplog.at_level("WARNING", logger="collabnet.metrics"):
        shared = centrality_table(G, **opts)
    assert message in caplog.text
    _same_estimates(alone, shared)


def _same_estimates(a, b):
    """Betweenness and closeness equal bit for bit; the rest within rounding (igraph's
    eigenvector solver starts from a random vector)."""
    for column in ("betweenness", "closeness"):
        assert a[column].tolist() == b[column].tolist(), column
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)


def test_processes_can_be_limited_by_the_environment(monkeypatch):
    from collabnet._helper import cores

    monkeypatch.setenv("COLLABNET_PROCESSES", "1")
    assert cores() == 1
    monkeypatch.setenv("COLLABNET_PROCESSES", "not a number")
    assert cores() >= 1


def test_helpers_are_as_many_as_memory_allows(monkeypatch):
    import collabnet._helper as helper
    from collabnet.network import coauthorship_graph

    m, works = _random_corpus(5)
    G = coauthorship_graph(m, works)
    n_edges = G.number_of_edges()
    monkeypatch.setattr(helper, "cores", lambda: 4)
    monkeypatch.setattr(helper, "MIN_WORK", 0)
    started = []
    real = helper._start_helpers

    def spy(*args):
        helpers = real(*args)
        started.append(len(helpers))
        return helpers

    monkeypatch.setattr(helper, "_start_helpers", spy)
    # room for one copy of the graph in half the available memory: one helper, not three
    one_copy = 2 * helper.HELPER_BYTES_PER_TIE * n_edges + 2 * helper.HELPER_BYTES_PER_NODE * len(G)
    monkeypatch.setattr(helper, "_available_memory", lambda: int(one_copy * 1.5))
    opts = {"engine": "igraph", "exact_threshold": 10, "k": 40, "seed": 4}
    shared = centrality_table(G, **opts)
    assert started == [1]
    monkeypatch.setattr(helper, "_available_memory", lambda: 0)  # no room: this process only
    alone = centrality_table(G, **opts)
    assert started == [1]  # no helper was started the second time
    _same_estimates(alone, shared)
