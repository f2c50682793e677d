"""Co-authorship graphs on hand-checkable corpora."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from collabnet.errors import InputError
from collabnet.network import (
    author_categories,
    category_pair_counts,
    coauthorship_graph,
    country_graph,
)

# W1: a b c (2019)   W2: a b (2021)   W3: a (single node, 2020)   W4: b d, d duplicated,
# null node row (no year)   W5: a b c d e (2022) — a 5-author work
MEMBERSHIPS = pd.DataFrame(
    {
        "work_id": ["W1", "W1", "W1", "W2", "W2", "W3", "W4", "W4", "W4", "W4"] + ["W5"] * 5,
        "node": ["a", "b", "c", "a", "b", "a", "b", "d", "d", None] + list("abcde"),
        "author_id": ["A1", "A2", "A3", "A1", "A2", "A1", "A2", "A4", "A5", "A6"]
        + ["A1", "A2", "A3", "A4", "A7"],
    }
)
WORKS = pd.DataFrame(
    {
        "work_id": ["W1", "W2", "W3", "W4", "W5"],
        "publication_year": [2019, 2021, 2020, None, 2022],
        "doi": [None] * 5,
    }
)


@pytest.fixture
def G():
    return coauthorship_graph(MEMBERSHIPS, WORKS)


def test_edges_weights_and_evidence(G):
    expected = {
        ("a", "b"): (3, 1 / 2 + 1 + 1 / 4, ["W1", "W2", "W5"], 2019, 2022),
        ("a", "c"): (2, 1 / 2 + 1 / 4, ["W1", "W5"], 2019, 2022),
        ("b", "c"): (2, 1 / 2 + 1 / 4, ["W1", "W5"], 2019, 2022),
        ("b", "d"): (2, 1 + 1 / 4, ["W4", "W5"], 2022, 2022),
    }
    for u, v in itertools.combinations("abcde", 2):
        if (u, v) in expected:
            continue
        if "e" in (u, v) or (u, v) in {("a", "d"), ("c", "d")}:
            expected[(u, v)] = (1, 1 / 4, ["W5"], 2022, 2022)
    assert G.number_of_edges() == len(expected) == 10
    for (u, v), (w, f, works, first, last) in expected.items():
        e = G.edges[u, v]
        assert e["weight"] == w and isinstance(e["weight"], int)
        assert e["weight_fractional"] == pytest.approx(f)
        assert e["works"] == works
        assert (e["first_year"], e["last_year"]) == (first, last)


def test_nodes_count_works_single_node_and_duplicates(G):
    n_works = dict(G.nodes(data="n_works"))
    # a: W1 W2 W3 W5; d: W4 (duplicated rows) and W5.
    assert n_works == {"a": 4, "b": 4, "c": 2, "d": 2, "e": 1}
    assert G.nodes["a"]["label"] == "a" and G.nodes["a"]["category"] == "other"
    assert G.graph["n_works"] == 5
    assert G.graph["counting"] == "full" and G.graph["level"] == "node"


def test_fractional_strength_is_one_per_multinode_work(G):
    # Newman: each node receives one unit per multi-node work it is on.
    strength = dict(G.degree(weight="weight_fractional"))
    assert strength["a"] == pytest.approx(3)  # W1 W2 W5 (W3 is single-node)
    assert strength["d"] == pytest.approx(2)


def test_max_team_size_excludes_from_edges_only():
    G = coauthorship_graph(MEMBERSHIPS, WORKS, max_team_size=4)
    # W5 has 5 distinct authors; W4 has 3 (A2, A4, A5) plus A6 on the null-node row = 4.
    assert G.graph["excluded_hyperauthored_works"] == ["W5"]
    assert G.graph["max_team_size"] == 4
    assert not G.has_edge("a", "e") and "e" in G
    assert G.nodes["e"]["n_works"] == 1
    assert G.edges["a", "b"]["works"] == ["W1", "W2"]
    assert G.edges["b", "d"]["weight_fractional"] == pytest.approx(1)
    G3 = coauthorship_graph(MEMBERSHIPS, WORKS, max_team_size=3)
    assert G3.graph["excluded_hyperauthored_works"] == ["W4", "W5"]


def test_team_size_without_author_column_counts_nodes():
    m = MEMBERSHIPS.drop(columns="author_id")
    G = coauthorship_graph(m, WORKS, max_team_size=3)
    assert G.graph["excluded_hyperauthored_works"] == ["W5"]


def test_min_weight():
    G = coauthorship_graph(MEMBERSHIPS, WORKS, min_weight=2)
    assert sorted(G.edges) == [("a", "b"), ("a", "c"), ("b", "c"), ("b", "d")]
    assert G.number_of_nodes() == 5  # nodes stay even without edges


def test_nodes_table_sets_attributes():
    nodes = pd.DataFrame(
        {"label": ["Alpha", None], "category": ["nl", "cn_police"], "x": [1, 2]},
        index=["a", "zz"],
    )
    G = coauthorship_graph(MEMBERSHIPS, WORKS, nodes)
    assert G.nodes["a"] == {"label": "Alpha", "category": "nl", "x": 1, "n_works": 4}
    assert G.nodes["b"]["label"] == "b"
    assert "zz" not in G
    # one key order for every node; a null value leaves its key out (label and category
    # are filled in instead)
    assert list(G.nodes["a"]) == ["label", "category", "x", "n_works"]
    assert list(G.nodes["b"]) == ["label", "category", "n_works"]
    assert G.nodes["b"]["category"] == "other"
    H = coauthorship_graph(MEMBERSHIPS, WORKS, nodes[["x"]])
    assert list(H.nodes["a"]) == ["x", "label", "category", "n_works"]


def test_empty_and_bad_input():
    G = coauthorship_graph(pd.DataFrame({"work_id": [], "node": []}), WORKS)
    assert G.number_of_nodes() == 0
    with pytest.raises(InputError, match="missing column"):
        coauthorship_graph(pd.DataFrame({"work_id": ["W1"]}), WORKS)
    with pytest.raises(InputError, match="min_weight"):
        coauthorship_graph(MEMBERSHIPS, WORKS, min_weight=0)


def test_a_works_table_without_work_ids_is_refused():
    m = pd.DataFrame({"work_id": ["W1", "W1"], "node": ["a", "b"]})
    bad = pd.DataFrame({"id": ["W1"], "publication_year": [2020]})
    with pytest.raises(InputError, match="work_id") as caught:
        coauthorship_graph(m, bad)
    assert "works" in str(caught.value)


def test_the_author_graph_of_the_build_carries_author_categories():
    # One definition of an author's category: the graph collabnet builds carries what
    # author_categories says, and an author with no categorised work reads "other".
    from collabnet import pipeline

    rng = np.random.default_rng(7)
    n = 400
    a = pd.DataFrame(
        {
            "work_id": rng.choice([f"W{i}" for i in range(60)], n),
            "author_id": rng.choice([f"A{i}" for i in range(80)] + [None], n),
            "institution_name": rng.choice(["Delft", "PPSUC", None], n),
            "category": rng.choice(["nl", "cn_police", "other", "cn_other", None], n),
        }
    )
    authors = pd.DataFrame(
        {"author_id": [f"A{i}" for i in range(80)], "display_name": "x", "orcid": None}
    )
    works = pd.DataFrame({"work_id": [f"W{i}" for i in range(0, 90, 2)], "publication_year": 2020})
    tables = {"authorships": a, "works": works, "authors": authors}
    G = pipeline.build_graph(tables, "authors")
    table = author_categories(a)
    assert table["category"].isna().any() and table["category"].notna().any()
    assert len(G) == a["author_id"].nunique()
    for node, attrs in G.nodes(data=True):
        if pd.isna(table.loc[node, "category"]):
            assert attrs["category"] == "other" and "categories" not in attrs
        else:
            assert attrs["category"] == table.loc[node, "category"]
            assert attrs["categories"] == table.loc[node, "categories"]


def _reference_graph(m, works, *, max_team_size=None, min_weight=1):
    """The co-authorship graph by hand: a Python loop over works (the definition in
    coauthorship_graph's docstring, without its arrays)."""
    year = {}
    for w, y in zip(works["work_id"], works["publication_year"], strict=True):
        if w not in year:  # the works table's first row of a work
            year[w] = None if pd.isna(y) else int(y)
    H = nx.Graph()
    excluded = []
    for w, rows in m.groupby("work_id"):
        team = sorted(set(rows["node"].dropna()))
        if not team:  # no node: not a work of the graph
            continue
        H.add_nodes_from(team)
        for v in team:
            H.nodes[v]["n_works"] = H.nodes[v].get("n_works", 0) + 1
        if max_team_size is not None and rows["author_id"].nunique() > max_team_size:
            excluded.append(w)
            continue
        for u, v in itertools.combinations(team, 2):
            d = H.get_edge_data(u, v) or {"weight": 0, "weight_fractional": 0.0, "works": []}
            H.add_edge(
                u,
                v,
                weight=d["weight"] + 1,
                weight_fractional=d["weight_fractional"] + 1 / (len(team) - 1),
                works=d["works"] + [w],
            )
    for u, v, d in list(H.edges(data=True)):
        if d["weight"] < min_weight:
            H.remove_edge(u, v)
            continue
        known = [year[w] for w in d["works"] if year.get(w) is not None]
        d["first_year"] = min(known) if known else None
        d["last_year"] = max(known) if known else None
    return H, sorted(excluded)


@pytest.mark.parametrize(
    "options", [{}, {"min_weight": 2}, {"max_team_size": 5}, {"max_team_size": 4, "min_weight": 2}]
)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_edge_table_equals_a_plain_projection_on_random_corpora(seed, options):
    m, works = _random_memberships(seed, n_works=300, n_nodes=40)
    # duplicated rows and null nodes (which still count as authors for the team size)
    m = pd.concat([m, m.sample(40, random_state=seed)], ignore_index=True)
    m.loc[m.sample(30, random_state=seed + 1).index, "node"] = None
    G = coauthorship_graph(m, works, **options)
    H, excluded = _reference_graph(m, works, **options)
    assert G.graph["excluded_hyperauthored_works"] == excluded
    assert ("max_team_size" not in options) == (not excluded)
    assert dict(G.nodes(data="n_works")) == dict(H.nodes(data="n_works"))
    assert G.number_of_edges() == H.number_of_edges() > 0
    assert {frozenset(e) for e in G.edges} == {frozenset(e) for e in H.edges}
    for u, v, d in H.edges(data=True):
        e = G.edges[u, v]
        assert (e["weight"], e["works"]) == (d["weight"], d["works"])
        assert e["weight_fractional"] == pytest.approx(d["weight_fractional"])
        assert (e["first_year"], e["last_year"]) == (d["first_year"], d["last_year"])


AUTHORSHIPS = pd.DataFrame(
    {
        "work_id": ["W1", "W1", "W1", "W2", "W2", "W3", "W3", "W3"],
        "author_position": ["first", "middle", "last", "first", "last", "first", "middle", "last"],
        "author_id": ["A1", "A2", "A3", "A1", "A4", "A2", "A3", "A5"],
        "author_name": ["Ann", "Bo", "Cy", "Ann", "Di", "Bo", "Cy", "Ed"],
        "institution_id": [
            "I_TUD",
            "I_PPSUC",
            "I_PPSUC",
            "I_TUD",
            "I_UVA",
            "I_PPSUC",
            None,
            "I_ZJU",
        ],
        "institution_name": ["TU Delft", "PPSUC", "PPSUC", "TU Delft", "UvA", "PPSUC", None, "ZJU"],
        "ror": [
            "02e2c7k09",
            "03x1jna21",
            "03x1jna21",
            "02e2c7k09",
            "04dkp9463",
            "03x1jna21",
            None,
            "00a2xv884",
        ],
        "country_code": ["NL", "CN", "CN", "NL", "NL", "CN", "CN", "CN"],
        "category": [
            "nl",
            "cn_police",
            "cn_police",
            "nl",
            "nl",
            "cn_police",
            "cn_police",
            "cn_other",
        ],
    }
)
AWORKS = pd.DataFrame({"work_id": ["W1", "W2", "W3"], "publication_year": [2020, 2020, 2021]})


def test_institution_and_author_ties_from_authorships():
    G = coauthorship_graph(AUTHORSHIPS, AWORKS, node_column="institution_id")
    # W3's row without an institution adds no node, and no tie
    assert sorted(G.edges) == [("I_PPSUC", "I_TUD"), ("I_PPSUC", "I_ZJU"), ("I_TUD", "I_UVA")]
    assert G.nodes["I_PPSUC"]["n_works"] == 2
    assert G.edges["I_PPSUC", "I_TUD"]["works"] == ["W1"]
    assert G.graph["level"] == "institution_id"
    A = coauthorship_graph(AUTHORSHIPS, AWORKS, node_column="author_id")
    assert A.edges["A2", "A3"]["weight"] == 2
    assert A.edges["A2", "A3"]["weight_fractional"] == pytest.approx(1 / 2 + 1 / 2)


def test_country_graph():
    C = country_graph(AUTHORSHIPS, AWORKS)
    assert sorted(C.edges) == [("CN", "NL")]
    assert C.edges["CN", "NL"]["works"] == ["W1"]
    assert C.nodes["NL"]["n_works"] == 2 and C.nodes["NL"]["category"] == "nl"
    assert C.nodes["CN"]["category"] == "cn_other" and C.nodes["CN"]["label"] == "CN"
    given = pd.DataFrame({"label": ["China"]}, index=["CN"])
    C = country_graph(AUTHORSHIPS, AWORKS, given)
    assert C.nodes["CN"]["label"] == "China" and C.nodes["CN"]["category"] == "cn_other"


def test_category_pair_counts_exact():
    a = pd.DataFrame(
        {
            "work_id": ["W1", "W1", "W1", "W2", "W2", "W3", "W3", "W4", "W5", "W5"],
            "institution_id": ["I1", "I2", "I3", "I1", "I4", "I1", "I1", "I1", "I2", None],
            "category": ["nl", "cn_police", "cn_other", "nl", "nl", "nl", "nl", "nl"]
            + ["cn_police", "nl"],
        }
    )
    w = pd.DataFrame(
        {
            "work_id": ["W1", "W2", "W3", "W4", "W5"],
            "publication_year": [2020, 2020, 2020, 2021, 2021],
        }
    )
    got = category_pair_counts(a, w)
    assert list(got.columns) == ["year", "category_pair", "n_works"]
    assert got.to_dict("records") == [
        {"year": 2020, "category_pair": "cn_other–cn_police", "n_works": 1},
        {"year": 2020, "category_pair": "cn_other–nl", "n_works": 1},
        {"year": 2020, "category_pair": "cn_police–nl", "n_works": 1},
        # W2 has two Dutch institutions; W3 has one institution twice: not counted.
        {"year": 2020, "category_pair": "nl–nl", "n_works": 1},
        # W5: the nl row has no institution_id but still counts for a cross pair.
        {"year": 2021, "category_pair": "cn_police–nl", "n_works": 1},
    ]


def test_category_pair_counts_empty():
    a = pd.DataFrame({"work_id": ["W1"], "institution_id": ["I1"], "category": ["nl"]})
    got = category_pair_counts(a, AWORKS)
    assert got.empty and list(got.columns) == ["year", "category_pair", "n_works"]


def _random_memberships(seed: int, n_works: int = 400, n_nodes: int = 60):
    rng = np.random.default_rng(seed)
    rows = []
    for w in range(n_works):
        k = int(rng.integers(1, 9))
        for n in rng.choice(n_nodes, size=k, replace=True):
            rows.append((f"W{w:04d}", f"n{n:02d}", f"A{rng.integers(0, 500)}"))
    m = pd.DataFrame(rows, columns=["work_id", "node", "author_id"])
    years = pd.Series(rng.integers(2000, 2025, n_works).astype(float))
    years[rng.random(n_works) < 0.1] = np.nan
    works = pd.DataFrame(
        {"work_id": [f"W{w:04d}" for w in range(n_works)], "publication_year": years}
    )
    return m, works


@pytest.mark.parametrize("options", [{}, {"max_team_size": 5, "min_weight": 2}])
def test_int64_overflow_fallback_gives_the_same_graph(monkeypatch, options):
    import collabnet.network as network

    m, works = _random_memberships(4)
    fast = coauthorship_graph(m, works, **options)
    monkeypatch.setattr(network, "_KEY_LIMIT", 1)  # every key "overflows": lexsort path
    slow = coauthorship_graph(m, works, **options)
    assert list(fast.nodes(data=True)) == list(slow.nodes(data=True))
    assert list(fast.edges(data=True)) == list(slow.edges(data=True))


@pytest.mark.parametrize("options", [{}, {"max_team_size": 5, "min_weight": 2}])
def test_small_chunks_and_scratch_buffers_give_the_same_edge_table(monkeypatch, options):
    import collabnet.network as network

    m, works = _random_memberships(6, n_works=300, n_nodes=12)  # ties resting on many works
    whole = network.edge_table(m, works, **options)
    assert whole.weight.max() > 5
    # pair rows made a few at a time (and a team larger than the scratch buffer), and
    # per-work values reduced over a handful of evidence rows at a time
    monkeypatch.setattr(network, "_PAIR_CHUNK", 4)
    monkeypatch.setattr(network, "_REDUCE_CHUNK", 3)
    # teams of 3 or more written in bands of 2 rows; keys sorted in 3 parts side by side
    monkeypatch.setattr(network, "_LARGE_TEAM", 3)
    monkeypatch.setattr(network, "_BAND_ROWS", 2)
    monkeypatch.setattr(network, "_SORT_PART", 8)
    monkeypatch.setattr(network, "_cores", lambda: 3)
    chunked = network.edge_table(m, works, **options)
    for name in whole._fields:
        a, b = getattr(whole, name), getattr(chunked, name)
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            assert np.array_equal(a, b, equal_nan=True), name  # bit for bit, NaN included
        else:
            assert np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object)), name


def test_keys_sorted_in_parts_equal_one_sort(monkeypatch):
    import collabnet.network as network

    monkeypatch.setattr(network, "_SORT_PART", 10)
    monkeypatch.setattr(network, "_cores", lambda: 4)
    rng = np.random.default_rng(0)
    for size in (0, 1, 25, 39, 40, 1000):
        keys = rng.integers(0, 30, size)  # many equal keys straddle the part bounds
        expected = np.sort(keys)
        network._sort_keys(keys)
        assert np.array_equal(keys, expected)


def test_edge_table_matches_graph_and_neighbours_are_in_id_order():
    from collabnet.network import edge_table

    m, works = _random_memberships(5)
    t = edge_table(m, works)
    G = coauthorship_graph(m, works)
    assert t.weight.size == G.number_of_edges()
    assert t.evidence_ptr[-1] == t.evidence.size == t.weight.sum()
    for i in range(t.weight.size):
        u, v = t.node_ids[t.source[i]], t.node_ids[t.target[i]]
        ev = t.work_ids[t.evidence[t.evidence_ptr[i] : t.evidence_ptr[i + 1]]].tolist()
        assert u < v and G[u][v]["works"] == ev and G[u][v]["weight"] == t.weight[i]
    for v in G:  # as add_edges_from on pairs sorted by id would leave them
        assert list(G[v]) == sorted(G[v])
    assert list(G.edges()) == sorted(G.edges())


def test_ties_and_category_lists_do_not_depend_on_row_order():
    a = pd.DataFrame(
        {
            "work_id": ["W1", "W2", "W3", "W4", "W5", "W1", "W2"],
            "author_id": ["A1", "A1", "A1", "A1", "A1", "A2", "A2"],
            "category": ["nl", "other", "cn_police", "nl", "other", "other", "cn_other"],
        }
    )
    works = pd.DataFrame(columns=["work_id", "publication_year"])
    for order in (a.index, a.index[::-1], [3, 0, 6, 2, 5, 1, 4]):
        table = author_categories(a.loc[order])
        G = coauthorship_graph(a.loc[order], works, table, node_column="author_id")
        assert list(G.edges(data="works")) == [("A1", "A2", ["W1", "W2"])]
        assert G.nodes["A1"]["category"] == "nl"  # nl and other tie at 2 works
        assert G.nodes["A1"]["categories"] == "nl (2); other (2); cn_police (1)"
        assert G.nodes["A2"]["category"] == "cn_other"  # 1-1: config.CATEGORIES order
        assert G.nodes["A2"]["categories"] == "cn_other (1); other (1)"


# --- the Network type and its networkx graph --------------------------------------------------


def _eager_copy(G):
    """The same graph built edge by edge with networkx's own methods."""
    H = nx.Graph()
    H.graph.update(G.graph)
    H.add_nodes_from(G.nodes(data=True))
    H.add_edges_from((u, v, dict(d)) for u, v, d in G.edges(data=True))
    return H


def test_network_is_a_nodes_table_and_read_only_tie_arrays_and_converts_to_networkx():
    from collabnet.network import Network, coauthorship_network

    net = coauthorship_network(MEMBERSHIPS, WORKS)
    assert isinstance(net, Network) and not isinstance(net, nx.Graph)
    assert net.number_of_nodes() == 5 and net.number_of_edges() == 10
    assert net.nodes.index.tolist() == net.node_ids.tolist() == list("abcde")
    assert net.nodes.loc["a", "n_works"] == 4
    assert list(net.nodes.columns) == ["label", "category", "n_works"]
    # the arrays are the ties: no reader can change them for the others
    t = net.ties
    for name in ("source", "target", "weight", "weight_fractional", "evidence", "node_ids"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(t, name)[0] = getattr(t, name)[-1]
    G = net.to_networkx()
    assert type(G) is nx.Graph and G.degree("a") == 4
    assert G.edges["a", "b"]["works"] == ["W1", "W2", "W5"]
    assert G.graph == net.graph and G.graph is not net.graph
    expected = _eager_copy(coauthorship_graph(MEMBERSHIPS, WORKS))
    assert list(G.nodes(data=True)) == list(expected.nodes(data=True))
    assert list(G.edges(data=True)) == list(expected.edges(data=True))
    # each conversion is a graph of its own: changing it leaves the network alone
    G.add_edge("a", "z")
    G.edges["a", "b"]["works"].append("X")
    G.nodes["a"]["label"] = "changed"
    H = net.to_networkx()
    assert "z" not in H and H.edges["a", "b"]["works"] == ["W1", "W2", "W5"]
    assert H.nodes["a"]["label"] == "a"


def test_node_attributes_of_a_network_are_its_table_without_nulls():
    from collabnet.network import coauthorship_network, node_data

    nodes = pd.DataFrame(
        {"label": ["A", None], "extra": [1.5, None], "category": pd.Categorical(["nl", None])},
        index=["a", "b"],
    )
    m = pd.DataFrame({"work_id": ["W1", "W1", "W2"], "node": ["a", "b", "c"]})
    net = coauthorship_network(m, None, nodes)
    assert list(net.nodes.columns) == ["label", "extra", "category", "n_works"]
    assert net.node_attrs() == [
        {"label": "A", "extra": 1.5, "category": "nl", "n_works": 1},
        {"label": "b", "category": "other", "n_works": 1},
        {"label": "c", "category": "other", "n_works": 1},
    ]
    assert node_data(net) == dict(net.to_networkx().nodes(data=True))
    assert net.column("extra") == [1.5, None, None] and net.node_values("extra") == {"a": 1.5}
    assert nodes["label"].isna().tolist() == [False, True]  # the table given is left as it was


def test_graph_copies_pickles_and_equals_an_eagerly_built_one():
    import copy
    import pickle

    m, works = _random_memberships(7)
    expected = _eager_copy(coauthorship_graph(m, works))
    for make in (
        lambda G: G,
        lambda G: pickle.loads(pickle.dumps(G)),
        copy.deepcopy,
        lambda G: G.copy(),
        lambda G: G.__class__(G),
    ):
        H = make(coauthorship_graph(m, works))
        assert list(H.nodes(data=True)) == list(expected.nodes(data=True))
        assert list(H.edges(data=True)) == list(expected.edges(data=True))
        assert H.graph == expected.graph
        assert nx.utils.graphs_equal(H, expected)
        assert type(H) is nx.Graph


def test_years_come_from_the_first_works_row_and_unknown_years_stay_unknown():
    m = pd.DataFrame({"work_id": ["W1", "W1", "W2", "W2", "W3", "W3"], "node": list("ababab")})
    works = pd.DataFrame(
        {
            # W2 listed twice (the first row wins), W9 has no authorship, W3 absent
            "work_id": ["W9", "W2", "W1", "W2"],
            "publication_year": ["1990", "2004", "not a year", "2010"],
        }
    )
    G = coauthorship_graph(m, works)
    e = G.edges["a", "b"]
    assert e["works"] == ["W1", "W2", "W3"]
    assert (e["first_year"], e["last_year"]) == (2004, 2004)
    assert G.graph["n_works"] == 3
    G2 = coauthorship_graph(m, works.assign(publication_year=[None] * 4))
    assert G2.edges["a", "b"]["first_year"] is None


def test_induced_subgraph_from_arrays_equals_networkx_subgraph():
    from collabnet.network import (
        coauthorship_network,
        count_isolates_and_components,
        induced_subgraph,
    )

    m, works = _random_memberships(8)
    net = coauthorship_network(m, works)
    written = coauthorship_graph(m, works)
    rng = np.random.default_rng(2)
    for size in (0, 1, 5, 20, len(written)):
        nodes = [str(n) for n in rng.choice(list(written), size=size, replace=False)]
        expected = written.subgraph(nodes)  # a view: its order is that of a set
        for G in (net, written):
            H = induced_subgraph(G, nodes)
            assert list(H) == [n for n in written if n in set(nodes)]  # H keeps G's order
            assert dict(H.nodes(data=True)) == dict(expected.nodes(data=True))
            assert nx.utils.edges_equal(H.edges(data=True), expected.edges(data=True))
            assert list(H.edges()) == sorted(H.edges())
            if H.number_of_edges():  # copies: changing H leaves G alone
                u, v = next(iter(H.edges()))
                H.edges[u, v]["works"].append("X")
                H.nodes[u]["label"] = "changed"
                assert "X" not in written.edges[u, v]["works"]
                assert written.nodes[u]["label"] != "changed"
    assert count_isolates_and_components(net) == count_isolates_and_components(written)
    assert count_isolates_and_components(net) == (
        nx.number_of_isolates(written),
        nx.number_connected_components(written),
    )


def test_node_attribute_values_keep_their_types():
    nodes = pd.DataFrame(
        {
            "created": pd.to_datetime(["2020-01-01", "2021-06-30"]),
            "works_count": pd.array([5, None], dtype="Int64"),
            "big": [2**60 + 1, 3],
        },
        index=["a", "b"],
    )
    m = pd.DataFrame({"work_id": ["W1", "W1"], "node": ["a", "b"]})
    G = coauthorship_graph(m, None, nodes)
    assert G.nodes["a"]["created"] == pd.Timestamp("2020-01-01")
    assert G.nodes["a"]["works_count"] == 5 and isinstance(G.nodes["a"]["works_count"], int)
    assert "works_count" not in G.nodes["b"]
    assert G.nodes["a"]["big"] == 2**60 + 1


def test_author_categories_of_a_categorical_column_follow_its_order():
    a = pd.DataFrame(
        {
            "work_id": ["W1", "W2", "W1", "W2"],
            "author_id": ["A1", "A1", "A2", "A2"],
            "category": pd.Categorical(["z", "a", "b", "b"], categories=["z", "a", "b"]),
        }
    )
    for order in (a.index, a.index[::-1]):
        table = author_categories(a.loc[order])
        assert table.loc["A1"].tolist() == ["z", "z (1); a (1)"]  # its own order breaks ties
        assert table.loc["A2"].tolist() == ["b", "b (2)"]


def test_an_authors_category_counts_works_not_rows_and_ties_never_favour_police():

    a = pd.DataFrame(
        {
            # A1: three affiliation rows on W1 (cn_police), one work each for nl (W2, W3):
            # more cn_police rows, more nl works
            "work_id": ["W1", "W1", "W1", "W2", "W3", "W4", "W5", "W6", "W6"],
            "author_id": ["A1", "A1", "A1", "A1", "A1", "A2", "A2", "A3", None],
            "category": ["cn_police"] * 3 + ["nl", "nl", "cn_police", "nl", None, "nl"],
        }
    )
    for order in (a.index, a.index[::-1]):
        table = author_categories(a.loc[order])
        assert table.loc["A1"].tolist() == ["nl", "nl (2); cn_police (1)"]
        assert table.loc["A2"].tolist() == ["nl", "nl (1); cn_police (1)"]  # 1-1: nl
        assert table.loc["A3"].isna().all()  # no categorised work
    with pytest.raises(InputError, match="category"):
        author_categories(a.drop(columns="category"))
