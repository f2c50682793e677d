"""Centrality, communities, brokers, evidence paths, ego networks and time slices of a graph."""

from __future__ import annotations

import difflib
import random
import re
import warnings
from collections.abc import Iterable
from itertools import pairwise

import networkx as nx
import numpy as np
import pandas as pd

from ._helper import from_pivots, igraph_from_ends
from .config import CONSORTIUM_AUTHORS
from .errors import CollabnetError, InputError
from .network import Network, as_networkx, coauthorship_graph, node_data
from .progress import SILENT, Progress

__all__ = [
    "add_distance",
    "distance_strength",
    "FRACTIONAL",
    "CONSORTIUM_AUTHORS",
    "centrality_table",
    "communities",
    "brokers",
    "bridging_edges",
    "authors_bridging",
    "evidence_paths",
    "nearest_paths",
    "resolve_node",
    "ego_network",
    "time_slices",
    "joint_works_per_year",
    "CENTRALITY_COLUMNS",
]

#: Columns of :func:`centrality_table`, in order.
CENTRALITY_COLUMNS = [
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

#: Above this many nodes ``engine="auto"`` computes with python-igraph.
IGRAPH_ABOVE = 500

#: Exact betweenness and closeness take time in proportion to nodes x ties; above this
#: they are estimated from pivots (about a minute of exact search on a laptop).
EXACT_MAX_WORK = 200_000_000

#: Pivots used for estimated betweenness and closeness when ``k`` is not given.
DEFAULT_PIVOTS = 500
#: Above this many tie visits (pivots x ties) the default number of pivots shrinks, to
#: no fewer than MIN_PIVOTS: about a minute of ranking on a laptop, whatever the size.
PIVOT_BUDGET = 200_000_000
MIN_PIVOTS = 100


def default_pivots(n_edges: int) -> int:
    """Pivots :func:`centrality_table` draws when not told: 500, fewer on large graphs.

    ``min(500, max(100, PIVOT_BUDGET // n_edges))``: 500 up to 400,000 ties, 100 from
    2 million ties on. Each pivot costs one shortest-path search over every tie, for
    betweenness and again for closeness.

    Examples
    --------
    >>> default_pivots(50_000), default_pivots(1_000_000), default_pivots(14_000_000)
    (500, 200, 100)
    """
    return int(min(DEFAULT_PIVOTS, max(MIN_PIVOTS, PIVOT_BUDGET // max(n_edges, 1))))


# --- distances ----------------------------------------------------------------------------

#: The tie strength whose inverse is a tie's length by default: Newman's fractional count.
FRACTIONAL = "weight_fractional"


def distance_strength(G: nx.Graph, weight: str | None = "auto") -> str | None:
    """The tie strength whose inverse is the length of a tie: `weight` as given, or for
    ``"auto"`` ``weight_fractional`` when the graph's ties carry it, else ``weight``.

    With Newman's (2001) fractional counting a work of ``n`` co-authoring nodes (authors,
    institutions or countries: the graph's own nodes) adds ``1/(n-1)`` to each of their
    ties, so a consortium paper spread over 300 labs brings two of them 299 times less
    close than a two-lab study does; under full counting both count 1.

    Examples
    --------
    >>> G = nx.Graph([("a", "b", {"weight": 1, "weight_fractional": 0.25})])
    >>> distance_strength(G), distance_strength(G, "weight")
    ('weight_fractional', 'weight')
    >>> distance_strength(nx.Graph([("a", "b", {"weight": 2})]))
    'weight'
    """
    if weight != "auto":
        return weight
    if isinstance(G, Network):  # its ties carry both counts
        return FRACTIONAL
    for _, _, d in G.edges(data=True):
        return FRACTIONAL if FRACTIONAL in d else "weight"
    return "weight"


def _inverse(weight: str | None):
    """A networkx weight function giving the distance ``1/weight`` (or 1 per hop)."""
    if weight is None:
        return None

    def distance(u, v, d):
        w = d.get(weight, 1)
        return 1.0 / w if w > 0 else None  # None hides the edge from Dijkstra

    return distance


def add_distance(G: nx.Graph, *, weight: str = "weight", distance: str = "distance") -> nx.Graph:
    """Set the edge attribute `distance` = 1 / `weight` on every edge, in place.

    Parameters
    ----------
    G : networkx.Graph
        Modified in place and returned (so calls chain). Copy it first to keep it intact.
    weight : str
        Tie strength (joint works). An edge without it counts as weight 1.
    distance : str
        Name of the attribute to write.

    Returns
    -------
    networkx.Graph
        `G`, with ``G.graph["distance"] = "1/<weight>"`` recorded.

    Notes
    -----
    networkx reads an edge attribute as a *length* in shortest paths, betweenness and
    closeness; a strong tie must be short, so we use the inverse of the tie strength,
    as Newman (2001) does for co-authorship networks. Edges with weight <= 0 raise.

    References
    ----------
    .. [1] M. E. J. Newman, "Scientific collaboration networks. II.", Phys. Rev. E 64,
       016132 (2001).

    Examples
    --------
    >>> G = nx.Graph([("a", "b", {"weight": 4})])
    >>> add_distance(G).edges["a", "b"]["distance"]
    0.25
    """
    for u, v, d in G.edges(data=True):
        w = d.get(weight, 1)
        if not w > 0:
            raise InputError("graph", f"edge weight must be positive, got {w!r}", record=f"{u}–{v}")
        d[distance] = 1.0 / w
    G.graph["distance"] = f"1/{weight}"
    return G


# --- engines ------------------------------------------------------------------------------


def _to_igraph(G: Network | nx.Graph, weight: str | None, length: str | None = None):
    """``(igraph.Graph, node list, weights or None, ends, lengths or None)`` with vertices
    in ``list(G)`` order; `ends` holds the edges' two vertex indices as int64 arrays, in
    igraph's edge order; `lengths` are ``1/length`` of each edge (``None``: hops).

    A :class:`~collabnet.network.Network` is converted from its arrays (`weight` and
    `length`: ``weight`` or ``weight_fractional``, see :data:`_TIE_ARRAYS`).
    """
    import igraph as ig

    if isinstance(G, Network):
        t = G.ties
        nodes = t.node_ids.tolist()
        pick = {"weight": t.weight, "weight_fractional": t.weight_fractional}
        weights = None if weight is None else pick[weight].tolist()
        lengths = None if length is None else (1.0 / pick[length]).tolist()
        ends = (t.source.astype(np.int64), t.target.astype(np.int64))
        return igraph_from_ends(len(nodes), *ends), nodes, weights, ends, lengths
    nodes = list(G)
    index = {n: i for i, n in enumerate(nodes)}
    edges = [(index[u], index[v]) for u, v in G.edges()]
    weights = None
    if weight is not None:
        weights = [x for _, _, x in G.edges(data=weight, default=1)]
    lengths = None
    if length is not None:
        lengths = [1.0 / x for _, _, x in G.edges(data=length, default=1)]
    g = ig.Graph(n=len(nodes), edges=edges)
    pairs = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    return g, nodes, weights, (pairs[:, 0], pairs[:, 1]), lengths


#: The tie strengths a :class:`~collabnet.network.Network` holds as arrays (None: hops).
_TIE_ARRAYS = (None, "weight", "weight_fractional")


def _node_list(G: Network | nx.Graph) -> list:
    """The nodes of `G` in its order."""
    return G.node_ids.tolist() if isinstance(G, Network) else list(G)


def _choose_engine(G: Network | nx.Graph, engine: str) -> str:
    if engine == "auto":
        return "igraph" if G.number_of_nodes() > IGRAPH_ABOVE else "networkx"
    if engine not in ("networkx", "igraph"):
        raise InputError("engine", f"must be 'auto', 'networkx' or 'igraph', got {engine!r}")
    return engine


def _components(G: nx.Graph) -> dict:
    size = {}
    for comp in nx.connected_components(G):
        n = len(comp)
        for v in comp:
            size[v] = n
    return size


def _closeness_from_sums(sums: np.ndarray, reach: np.ndarray, n: int) -> np.ndarray:
    """Wasserman–Faust closeness from distance sums and component sizes (self included)."""
    out = np.zeros(len(sums))
    ok = (sums > 0) & (reach > 1)
    if n > 1:
        out[ok] = (reach[ok] - 1) / sums[ok] * (reach[ok] - 1) / (n - 1)
    return out


def _pivots(G: nx.Graph, k: int, seed) -> list:
    # The same draw networkx makes in betweenness_centrality(k=k, seed=seed).
    return random.Random(seed).sample(_node_list(G), k)


def _sampled_closeness(G, nodes, pivots, dist_from, n) -> np.ndarray:
    """Closeness estimated from distances to pivot nodes (Eppstein & Wang 2004).

    The mean distance from a node to the other nodes of its component is estimated by
    its mean distance to the pivots in that component (itself excluded); components
    holding no pivot other than the node are computed exactly.
    """
    comp = _components(G)
    index = {v: i for i, v in enumerate(nodes)}
    total = np.zeros(len(nodes))
    count = np.zeros(len(nodes))
    for p, lengths in zip(pivots, dist_from(pivots), strict=True):
        for v, d in lengths.items():
            if v != p:
                total[index[v]] += d
                count[index[v]] += 1
    reach = np.array([comp[v] for v in nodes], dtype=float)
    sums = np.zeros(len(nodes))
    has = count > 0
    sums[has] = total[has] / count[has] * (reach[has] - 1)
    missing = [v for v, h in zip(nodes, has, strict=True) if not h and comp[v] > 1]
    for v, lengths in zip(missing, dist_from(missing), strict=True):
        sums[index[v]] = sum(lengths.values())
    return _closeness_from_sums(sums, reach, n)


def _eigenvector_lcc_nx(G: nx.Graph, weight):
    out = dict.fromkeys(G, 0.0)
    if G.number_of_edges() == 0:
        return out
    lcc = max(nx.connected_components(G), key=len)
    H = G.subgraph(lcc)
    if len(H) == 2:
        out.update(dict.fromkeys(H, 2**-0.5))
        return out
    out.update(nx.eigenvector_centrality_numpy(H, weight=weight))
    return out


def _table_networkx(G, weight, length, estimate, k, seed, progress):
    dist = _inverse(length)
    n = len(G)
    nodes = list(G)
    if estimate:
        btw = nx.betweenness_centrality(G, k=k, weight=dist, seed=seed)

        def dist_from(sources):
            for s in sources:
                if dist is None:
                    yield nx.single_source_shortest_path_length(G, s)
                else:
                    yield nx.single_source_dijkstra_path_length(G, s, weight=dist)

        clo_arr = _sampled_closeness(G, nodes, _pivots(G, k, seed), dist_from, n)
        clo = dict(zip(nodes, clo_arr.tolist(), strict=True))
    else:
        btw = nx.betweenness_centrality(G, weight=dist)
        clo = nx.closeness_centrality(G, distance=dist, wf_improved=True)
    eig = _eigenvector_lcc_nx(G, weight)
    # A tighter tolerance than the default (1e-6) so both engines agree to 1e-8.
    pr = nx.pagerank(G, weight=weight, tol=1e-10, max_iter=1000)
    return {
        "betweenness": [btw[v] for v in nodes],
        "closeness": [clo[v] for v in nodes],
        "eigenvector": [eig[v] for v in nodes],
        "pagerank": [pr[v] for v in nodes],
    }


def _distance_graph(n: int, ends, dist):
    """The graph as a scipy CSR matrix of edge lengths, each edge stored both ways, for
    Dijkstra searches (``ends``: the edges' vertex indices in igraph's order).

    A multigraph's parallel ties: the shortest counts (a sparse matrix would add them
    up); a self-loop shortens no path. Stored both ways once, so every search runs on
    this one matrix (``directed=False`` would transpose it on every call).
    """
    from scipy.sparse import csr_matrix

    from .network import _run_starts

    lengths = np.ones(ends[0].size) if dist is None else np.asarray(dist, dtype=float)
    u, v = np.minimum(*ends), np.maximum(*ends)
    key = u * n + v
    order = np.lexsort((lengths, key))
    first = order[_run_starts(key[order])]
    first = first[u[first] != v[first]]
    u, v, lengths = u[first], v[first], lengths[first]
    both = (np.concatenate([u, v]), np.concatenate([v, u]))
    return csr_matrix((np.concatenate([lengths, lengths]), both), shape=(n, n))


def _sampled_closeness_igraph(
    g, piv: list, dist, n: int, csgraph, distance_parts: list
) -> np.ndarray:
    """:func:`_sampled_closeness` on an igraph graph, with numpy sums instead of dicts.

    Distances from the pivots come from scipy's Dijkstra on `csgraph`
    (:func:`_distance_graph`), which returns numpy rows (igraph's ``distances`` returns
    Python lists, whose conversion took longer than the search): `distance_parts` holds,
    per chunk of pivots in order, each node's sum of finite distances from them and
    their number (:func:`collabnet._helper.from_pivots`). Nodes whose component holds
    no pivot are computed exactly: closeness of the subgraph of those components, and
    distance rows for pivots alone in their component.
    """
    from scipy.sparse.csgraph import dijkstra

    def distances(sources: list) -> np.ndarray:
        return dijkstra(csgraph, directed=True, indices=sources)

    total = np.zeros(n)
    count = np.zeros(n)
    for part in distance_parts:
        total += part[0]
        count += part[1]
    np.subtract.at(count, piv, 1)  # each pivot itself, at distance 0
    cc = g.connected_components()
    reach = np.asarray(cc.sizes(), dtype=float)[cc.membership]
    sums = np.zeros(n)
    has = count > 0
    sums[has] = total[has] / count[has] * (reach[has] - 1)
    missing = ~has & (reach > 1)
    is_piv = np.zeros(n, dtype=bool)
    is_piv[piv] = True
    lonely = np.flatnonzero(missing & is_piv).tolist()  # the only pivot of their component
    if lonely:
        d = distances(lonely)
        sums[lonely] = np.where(np.isfinite(d), d, 0.0).sum(axis=1)
    rest = np.flatnonzero(missing & ~is_piv)  # whole components without a pivot
    if rest.size:
        if dist is not None:
            g.es["_dist"] = dist
        sub = g.induced_subgraph(rest.tolist(), implementation="create_from_scratch")
        sub_dist = None if dist is None else sub.es["_dist"]
        c = np.asarray(sub.closeness(weights=sub_dist, normalized=False), dtype=float)
        sums[rest] = 1.0 / c
    return _closeness_from_sums(sums, reach, n)


def _strength(g, w) -> list:
    """Weighted degree; integers when every weight is one (as networkx gives them)."""
    if w is None or len(w) == 0:
        return g.degree()
    strength = g.strength(weights=w)
    if np.asarray(w).dtype.kind in "iub":
        return np.rint(strength).astype(np.int64).tolist()
    return strength


def _table_igraph(G, weight, length, estimate, k, seed, progress):
    g, nodes, w, ends, dist = _to_igraph(G, weight, length)
    n = len(nodes)
    if estimate:
        pivots = _pivots(G, k, seed)
        index = {v: i for i, v in enumerate(nodes)}
        piv = [index[p] for p in pivots]
        # igraph counts each unordered pair once; networkx sums single-source
        # dependencies over ordered pairs, hence the factor 2.
        csgraph = _distance_graph(n, ends, dist)
        # both searches from every pivot, on every core (collabnet._helper)
        with progress.bar(2 * len(piv), "shortest paths from pivots", " searches") as bar:
            raw, distance_parts = from_pivots(g, ends, dist, piv, csgraph, done=bar.update)
        raw = 2 * raw
        btw = np.zeros(n)
        if n > 2:
            is_piv = np.zeros(n, dtype=bool)
            is_piv[piv] = True
            scale = np.where(is_piv, 1 / max(k - 1, 1) / (n - 2), 1 / k / (n - 2))
            btw = raw * scale

        clo = _sampled_closeness_igraph(g, piv, dist, n, csgraph, distance_parts)
    else:
        raw = np.asarray(g.betweenness(weights=dist))
        btw = raw * 2 / ((n - 1) * (n - 2)) if n > 2 else np.zeros(n)
        # igraph's normalised closeness uses only the reachable nodes: (r-1)/sum;
        # networkx (wf_improved) multiplies by (r-1)/(n-1). Align to networkx.
        part = np.nan_to_num(np.asarray(g.closeness(weights=dist, normalized=True), float))
        reach = np.asarray(g.connected_components().sizes(), float)[
            g.connected_components().membership
        ]
        clo = part * (reach - 1) / (n - 1) if n > 1 else np.zeros(n)
    eig = np.zeros(n)
    if g.ecount():
        cc = g.connected_components()
        # sizes() once: VertexClustering.size(i) scans every vertex, per call
        sizes = cc.sizes()
        big = max(range(len(sizes)), key=lambda i: (sizes[i], -i))
        members = np.flatnonzero(np.asarray(cc.membership) == big).tolist()
        if w is not None:
            g.es["weight"] = w
        sub = g.subgraph(members)
        sub_w = sub.es["weight"] if w is not None else None
        with warnings.catch_warnings():
            # computed on the largest component already; nodes at its fringe are
            # legitimately near zero, which igraph warns about
            warnings.filterwarnings("ignore", message="Some eigenvector centralities")
            vec = np.asarray(sub.eigenvector_centrality(weights=sub_w), float)
        vec = vec / np.linalg.norm(vec)
        eig[members] = vec
    pr = np.asarray(g.pagerank(weights=w, damping=0.85), float)
    return {
        "degree": g.degree(),
        "strength": _strength(g, w),
        "betweenness": list(np.asarray(btw, float)),
        "closeness": list(np.asarray(clo, float)),
        "eigenvector": list(eig),
        "pagerank": list(pr),
    }


def centrality_table(
    G: nx.Graph,
    *,
    engine: str = "auto",
    weight: str | None = "weight",
    distance: str | None = "auto",
    exact_threshold: int = 5000,
    exact_max_work: int = EXACT_MAX_WORK,
    k: int | None = None,
    seed: int = 0,
    sort_by: str = "pagerank",
    progress: Progress = SILENT,
) -> pd.DataFrame:
    """Return one row per node with its degree, strength and centralities.

    Parameters
    ----------
    G : networkx.Graph
        Undirected co-authorship graph; ``weight`` is the tie strength (joint works).
    engine : {"auto", "networkx", "igraph"}
        ``"auto"`` uses python-igraph above 500 nodes, networkx below. Both give the
        same numbers (to floating-point tolerance).
    weight : str or None
        Tie strength attribute for degree strength, eigenvector and PageRank. ``None``:
        unweighted (every edge has length 1 and weight 1).
    distance : str or None
        The tie strength whose inverse is a tie's length in betweenness and closeness:
        ``"auto"`` (default) is Newman's fractional count ``weight_fractional`` when the
        ties carry it, else `weight` (:func:`distance_strength`); ``"weight"`` is full
        counting. Ignored when `weight` is ``None`` (hops).
    exact_threshold, exact_max_work : int
        Betweenness and closeness are *estimated* from `k` pivots above
        `exact_threshold` nodes, or when nodes x ties exceeds `exact_max_work` (exact
        Brandes takes time in proportion to it: a 4,000-node graph of 4 million ties,
        the author graph of one consortium paper, is estimated).
    progress : collabnet.progress.Progress
        Shows a bar over the pivots' shortest-path searches.
    k : int, optional
        Number of pivots for the estimates (at most the number of nodes). Default:
        :func:`default_pivots` — 500, down to 100 on graphs of millions of ties.
    seed : int
        Seeds the choice of pivots (the same nodes networkx would sample).
    sort_by : str
        Column to sort by, descending (ties: node id order of `G`).

    Returns
    -------
    DataFrame
        Columns ``node, label, category, degree, strength, betweenness, closeness,
        eigenvector, pagerank``. ``df.attrs`` holds ``engine``, ``distance``
        (``"1/weight_fractional"``, ``"1/weight"`` or ``"hops"``), ``estimate`` (bool),
        ``estimate_reason``, ``sample_size``, ``seed``, ``sort_by``, ``weight``.

    Notes
    -----
    - *degree*: number of distinct co-authoring neighbours; *strength*: sum of `weight`.
    - *betweenness*: Freeman's shortest-path betweenness (Brandes 2001) on the distance
      ``1/weight``, normalised by ``(n-1)(n-2)/2`` pairs as in networkx.
    - *closeness*: ``(r-1)/sum of distances`` to the ``r-1`` reachable nodes, multiplied
      by ``(r-1)/(n-1)`` (Wasserman & Faust's correction, networkx ``wf_improved=True``)
      so nodes in small components are not ranked as central. igraph's own normalised
      closeness omits that factor; we apply it so both engines agree.
    - *eigenvector*: leading eigenvector of the weighted adjacency matrix, unit
      Euclidean norm. It is undefined on a disconnected graph (networkx refuses), so it
      is computed on the largest connected component and is 0 elsewhere.
    - *pagerank*: damping 0.85, weighted by `weight`.
    - *estimate*: above `exact_threshold` nodes, betweenness is Brandes & Pich's (2007)
      pivot estimate (networkx ``k=``: dependencies from `k` random sources, rescaled),
      and closeness is Eppstein & Wang's (2004) estimate: each node's mean distance to
      the pivots in its component stands for its mean distance to all nodes. Both are
      unbiased estimates whose error shrinks as ``1/sqrt(k)``; rankings at the top are
      reliable, small differences are not.

    Examples
    --------
    >>> df = centrality_table(nx.krackhardt_kite_graph(), weight=None, sort_by="betweenness")
    >>> int(df.loc[0, "node"]), round(float(df.loc[0, "betweenness"]), 3), df.attrs["estimate"]
    (7, 0.389, False)
    """
    if sort_by not in CENTRALITY_COLUMNS:
        raise InputError("sort_by", f"must be one of {', '.join(CENTRALITY_COLUMNS)}")
    chosen = _choose_engine(G, engine)
    n, m = G.number_of_nodes(), G.number_of_edges()
    length = None if weight is None else distance_strength(G, distance)
    if isinstance(G, Network) and (
        chosen == "networkx" or weight not in _TIE_ARRAYS or length not in _TIE_ARRAYS
    ):
        G = G.to_networkx()  # networkx's algorithms, or a strength the arrays do not hold
    reason = None
    if n > exact_threshold:
        reason = f"more than {exact_threshold:,} nodes"
    elif n * m > exact_max_work:
        reason = f"{n:,} nodes x {m:,} ties is more than {exact_max_work:,}"
    estimate = reason is not None
    if estimate:
        if k is not None and int(k) < 1:
            raise InputError("k", f"the number of pivots must be at least 1, got {k}")
        k = min(n, default_pivots(G.number_of_edges()) if k is None else int(k))
    nodes = _node_list(G)
    if n == 0:
        df = pd.DataFrame(columns=CENTRALITY_COLUMNS)
    else:
        compute = _table_networkx if chosen == "networkx" else _table_igraph
        values = compute(G, weight, length, estimate, k, seed, progress)
        if "degree" not in values:
            degree = dict(G.degree())
            strength = dict(G.degree(weight=weight))
            values["degree"] = [degree[v] for v in nodes]
            values["strength"] = [strength[v] for v in nodes]
        data = node_data(G)
        df = pd.DataFrame(
            {
                "node": nodes,
                "label": [data[v].get("label", str(v)) for v in nodes],
                "category": [data[v].get("category", "other") for v in nodes],
                **{c: values[c] for c in ("degree", "strength")},
                **{c: values[c] for c in values if c not in ("degree", "strength")},
            }
        )
        df = df.sort_values(sort_by, ascending=False, kind="stable").reset_index(drop=True)
    df.attrs.update(
        engine=chosen,
        weight=weight,
        distance="hops" if length is None else f"1/{length}",
        estimate=bool(estimate),
        estimate_reason=reason,
        sample_size=int(k) if estimate else None,
        seed=seed,
        sort_by=sort_by,
    )
    return df


# --- communities --------------------------------------------------------------------------


def communities(
    G: nx.Graph,
    *,
    seed: int = 0,
    resolution: float = 1.0,
    method: str = "louvain",
    weight: str | None = "weight",
) -> tuple[pd.DataFrame, dict]:
    """Return the community of every node and a summary with modularity and labels.

    Parameters
    ----------
    G : networkx.Graph
    seed : int
        Seeds the random node order; the same seed gives the same partition.
    resolution : float
        Modularity resolution (above 1: smaller communities).
    method : {"louvain", "leiden"}
        ``"louvain"``: networkx's Louvain (Blondel et al. 2008). ``"leiden"``:
        python-igraph's Leiden (Traag et al. 2019) optimising modularity, faster on
        large graphs and guaranteeing connected communities.
    weight : str or None
        Tie strength.

    Returns
    -------
    (DataFrame, dict)
        Rows ``node, label, category, community`` (communities numbered 0, 1, ... by
        decreasing size; ties by smallest node id). The summary holds ``method``,
        ``seed``, ``resolution``, ``modularity`` (Newman's weighted modularity at that
        resolution), ``n_communities`` and ``communities``: per community its ``size``,
        ``categories`` (node counts), ``top_nodes`` (labels of the three strongest nodes)
        and ``label`` (dominant category and top nodes, e.g. ``"nl: TU Delft, UvA"``).

    Examples
    --------
    >>> G = nx.barbell_graph(4, 0)
    >>> df, summary = communities(G, seed=1)
    >>> summary["n_communities"], round(summary["modularity"], 3)
    (2, 0.423)
    """
    strength = modularity = None
    if method != "leiden":  # Leiden reads a Network's arrays; Louvain is networkx's
        G = as_networkx(G)
    if G.number_of_nodes() == 0:
        parts: list = []
    elif method == "louvain":
        parts = nx.community.louvain_communities(G, weight=weight, resolution=resolution, seed=seed)
    elif method == "leiden":
        import igraph as ig

        g, nodes, w, _, _ = _to_igraph(G, weight)
        # igraph draws from Python's random module: seed a private generator, then
        # restore the default so the caller's random state is left alone.
        ig.set_random_number_generator(random.Random(seed))
        try:
            cl = g.community_leiden(
                objective_function="modularity",
                weights=w,
                resolution=resolution,
                n_iterations=-1,
            )
        finally:
            ig.set_random_number_generator(random)
        parts = [{nodes[i] for i in c} for c in cl]
        # from igraph too: a Network's ties are read as arrays, with no dict per tie
        strength = dict(zip(nodes, _strength(g, w), strict=True))
        modularity = (
            g.modularity(cl.membership, weights=w, resolution=resolution) if g.ecount() else 0.0
        )
    else:
        raise InputError("method", f"must be 'louvain' or 'leiden', got {method!r}")
    nodes = _node_list(G)
    data = node_data(G)
    order = {v: i for i, v in enumerate(nodes)}
    parts = sorted(parts, key=lambda c: (-len(c), min(order[v] for v in c)))
    membership = {v: i for i, c in enumerate(parts) for v in c}
    df = pd.DataFrame(
        {
            "node": nodes,
            "label": [data[v].get("label", str(v)) for v in nodes],
            "category": [data[v].get("category", "other") for v in nodes],
            "community": [membership[v] for v in nodes],
        }
    )
    if strength is None:
        strength = dict(G.degree(weight=weight))
    summary_rows = []
    for i, c in enumerate(parts):
        cats = pd.Series([data[v].get("category", "other") for v in c]).value_counts()
        cats = cats.sort_index().sort_values(ascending=False, kind="stable")
        top = sorted(c, key=lambda v: (-strength[v], order[v]))[:3]
        top_labels = [data[v].get("label", str(v)) for v in top]
        summary_rows.append(
            {
                "community": i,
                "size": len(c),
                "categories": {str(k): int(n) for k, n in cats.items()},
                "top_nodes": top_labels,
                "label": f"{cats.index[0]}: {', '.join(top_labels)}",
            }
        )
    if modularity is None:
        modularity = (
            nx.community.modularity(G, parts, weight=weight, resolution=resolution)
            if G.number_of_edges()
            else 0.0
        )
    summary = {
        "method": method,
        "seed": seed,
        "resolution": resolution,
        "modularity": float(modularity),
        "n_communities": len(parts),
        "communities": summary_rows,
    }
    return df, summary


# --- brokers ------------------------------------------------------------------------------


def _category_nodes(G: nx.Graph, category: str) -> list:
    return [v for v, c in G.nodes(data="category") if c == category]


def _cut_node_pairs(G: nx.Graph, sources: set, targets: set) -> dict:
    """Source–target pairs each articulation point separates (block-cut tree sums).

    Removing an articulation point ``v`` splits its component into pieces, one per
    block around ``v`` in the block-cut tree; the pairs separated are
    ``S*T - sum(s_i * t_i)`` over the pieces' source and target counts.
    """
    result: dict = {}
    for comp in nx.connected_components(G):
        if len(comp) < 3:
            continue
        H = G.subgraph(comp)
        blocks = [frozenset(b) for b in nx.biconnected_components(H)]
        cuts = set(nx.articulation_points(H))
        if not cuts:
            continue
        T = nx.Graph()
        own = {}
        for i, b in enumerate(blocks):
            key = ("B", i)
            rest = [v for v in b if v not in cuts]
            own[key] = (
                sum(v in sources for v in rest),
                sum(v in targets for v in rest),
            )
            T.add_node(key)
            for v in b:
                if v in cuts:
                    T.add_edge(key, ("C", v))
        for v in cuts:
            own[("C", v)] = (int(v in sources), int(v in targets))
        root = ("B", 0)
        sub = {}
        parent = {root: None}
        order = list(nx.dfs_preorder_nodes(T, root))
        for x in order:
            for y in T[x]:
                if y not in parent:
                    parent[y] = x
        for x in reversed(order):
            s, t = own[x]
            for y in T[x]:
                if parent.get(y) == x:
                    s += sub[y][0]
                    t += sub[y][1]
            sub[x] = (s, t)
        S_all, T_all = sub[root]
        for x in order:
            if x[0] != "C":
                continue
            v = x[1]
            pieces = [sub[y] for y in T[x] if parent.get(y) == x]
            s_in, t_in = sub[x]
            pieces.append((S_all - s_in, T_all - t_in))
            s_tot = sum(p[0] for p in pieces)
            t_tot = sum(p[1] for p in pieces)
            pairs = s_tot * t_tot - sum(p[0] * p[1] for p in pieces)
            if pairs:
                result[v] = pairs
    return result


def _connected_pairs(G: nx.Graph, sources: set, targets: set) -> int:
    total = 0
    for comp in nx.connected_components(G):
        total += len(comp & sources) * len(comp & targets)
    return total


def brokers(
    G: nx.Graph,
    *,
    source_category: str = "nl",
    target_category: str = "cn_police",
    weight: str | None = "auto",
    engine: str = "auto",
) -> pd.DataFrame:
    """Return the nodes that lie between two categories, strongest brokers first.

    Parameters
    ----------
    G : networkx.Graph
        Nodes carry ``category``.
    source_category, target_category : str
        The two sets, e.g. Dutch institutions and PRC police-linked ones.
    weight : str or None
        Tie strength; paths are shortest on the distance ``1/weight`` (``None``: hops).
        ``"auto"``: ``weight_fractional`` when the ties carry it (Newman 2001), else
        ``weight`` (see :func:`distance_strength`).
    engine : {"auto", "networkx", "igraph"}

    Returns
    -------
    DataFrame
        One row per node with a positive score, columns ``node, label, category,
        subset_betweenness, share_of_pairs, is_cut_node, pairs_separated``, sorted by
        ``subset_betweenness`` then ``pairs_separated``. ``df.attrs`` records the
        categories, ``n_sources``, ``n_targets``, ``n_connected_pairs`` and ``distance``.

    Notes
    -----
    - *subset_betweenness* (Brandes 2008, networkx ``betweenness_centrality_subset``,
      not normalised): the sum over source–target pairs ``(s, t)`` of the share of
      shortest ``s``–``t`` paths passing through the node — the expected number of
      pairs whose shortest connection it carries. Endpoints score nothing for their own
      pairs; a Dutch node can still broker for other Dutch nodes.
    - *share_of_pairs*: that sum divided by the number of connected source–target
      pairs.
    - *is_cut_node* / *pairs_separated*: the node is an articulation point whose
      removal disconnects ``pairs_separated`` source–target pairs (every path between
      them runs through it, not only the shortest). Computed exactly from the
      block-cut tree.

    Examples
    --------
    >>> G = nx.path_graph(["n1", "x", "p1"])
    >>> nx.set_node_attributes(G, {"n1": "nl", "x": "other", "p1": "cn_police"}, "category")
    >>> brokers(G)[["node", "subset_betweenness", "pairs_separated"]].values.tolist()
    [['x', 1.0, 1]]
    """
    G = as_networkx(G)
    weight = distance_strength(G, weight)
    sources = set(_category_nodes(G, source_category))
    targets = set(_category_nodes(G, target_category))
    chosen = _choose_engine(G, engine)
    nodes = list(G)
    if not sources or not targets:
        scores = dict.fromkeys(nodes, 0.0)
    elif chosen == "networkx":
        scores = nx.betweenness_centrality_subset(
            G, list(sources), list(targets), normalized=False, weight=_inverse(weight)
        )
    else:
        g, nodes, _, _, dist = _to_igraph(G, None, weight)
        index = {v: i for i, v in enumerate(nodes)}
        vals = g.betweenness(
            sources=[index[v] for v in sources],
            targets=[index[v] for v in targets],
            weights=dist,
        )
        scores = dict(zip(nodes, vals, strict=True))
    if source_category != target_category:
        # Both libraries halve undirected subset betweenness, which is right only when
        # every pair is seen from both ends (sources == targets); with disjoint sets each
        # pair is seen once, so undo the halving.
        scores = {v: 2 * s for v, s in scores.items()}
    cut = _cut_node_pairs(G, sources, targets)
    n_pairs = _connected_pairs(G, sources, targets)
    rows = [v for v in nodes if scores[v] > 1e-12 or v in cut]
    df = pd.DataFrame(
        {
            "node": rows,
            "label": [G.nodes[v].get("label", str(v)) for v in rows],
            "category": [G.nodes[v].get("category", "other") for v in rows],
            "subset_betweenness": [float(scores[v]) for v in rows],
            "share_of_pairs": [float(scores[v]) / n_pairs if n_pairs else 0.0 for v in rows],
            "is_cut_node": [v in cut for v in rows],
            "pairs_separated": [int(cut.get(v, 0)) for v in rows],
        }
    )
    df = df.sort_values(
        ["subset_betweenness", "pairs_separated"], ascending=False, kind="stable"
    ).reset_index(drop=True)
    df.attrs.update(
        source_category=source_category,
        target_category=target_category,
        n_sources=len(sources),
        n_targets=len(targets),
        n_connected_pairs=n_pairs,
        distance="hops" if weight is None else f"1/{weight}",
        engine=chosen,
    )
    return df


def bridging_edges(
    G: nx.Graph,
    *,
    source_category: str = "nl",
    target_category: str = "cn_police",
    weight: str | None = "auto",
) -> pd.DataFrame:
    """Return the edges that carry shortest paths between two categories.

    `weight`: the tie strength whose inverse is a tie's length (``"auto"``: see
    :func:`distance_strength`).

    Returns
    -------
    DataFrame
        ``source, target, weight, subset_betweenness, is_bridge, pairs_separated,
        works``: edge subset betweenness (share of shortest source–target paths through
        the edge, summed over pairs), whether the edge is a bridge, how many
        source–target pairs its removal disconnects, and the works behind it.

    Examples
    --------
    >>> G = nx.path_graph(["n1", "x", "p1"])
    >>> nx.set_node_attributes(G, {"n1": "nl", "x": "other", "p1": "cn_police"}, "category")
    >>> bridging_edges(G)[["source", "target", "pairs_separated"]].values.tolist()
    [['n1', 'x', 1], ['x', 'p1', 1]]
    """
    G = as_networkx(G)
    weight = distance_strength(G, weight)
    sources = set(_category_nodes(G, source_category))
    targets = set(_category_nodes(G, target_category))
    cols = ["source", "target", "weight", "subset_betweenness", "is_bridge"]
    cols += ["pairs_separated", "works"]
    if not sources or not targets:
        return pd.DataFrame(columns=cols)
    eb = nx.edge_betweenness_centrality_subset(
        G, list(sources), list(targets), normalized=False, weight=_inverse(weight)
    )
    if source_category != target_category:
        eb = {e: 2 * s for e, s in eb.items()}  # see brokers()
    # A bridge's removal cuts off exactly its child's subtree in any spanning tree.
    separated = {}
    bridges = set()
    for comp in nx.connected_components(G):
        H = G.subgraph(comp)
        comp_bridges = list(nx.bridges(H))
        if not comp_bridges:
            continue
        root = next(iter(comp))
        tree_parent = dict(nx.bfs_predecessors(H, root))
        order = [root] + list(tree_parent)
        sub = {v: [int(v in sources), int(v in targets)] for v in comp}
        for v in reversed(order[1:]):
            p = tree_parent[v]
            sub[p][0] += sub[v][0]
            sub[p][1] += sub[v][1]
        s_all, t_all = sub[root]
        for u, v in comp_bridges:
            child = v if tree_parent.get(v) == u else u
            s, t = sub[child]
            key = frozenset((u, v))
            bridges.add(key)
            separated[key] = s * (t_all - t) + (s_all - s) * t
    rows = []
    for (u, v), score in eb.items():
        key = frozenset((u, v))
        if score > 1e-12 or separated.get(key, 0) > 0:
            d = G.edges[u, v]
            rows.append(
                (u, v, d.get("weight", 1), float(score), key in bridges)
                + (int(separated.get(key, 0)), list(d.get("works", [])))
            )
    df = pd.DataFrame(rows, columns=cols)
    return df.sort_values(
        ["subset_betweenness", "pairs_separated"], ascending=False, kind="stable"
    ).reset_index(drop=True)


def authors_bridging(
    authorships: pd.DataFrame,
    categories: tuple[str, str] = ("nl", "cn_police"),
    *,
    works: pd.DataFrame | None = None,
    category_column: str = "category",
) -> pd.DataFrame:
    """Return the authors affiliated with both categories, with the works showing it.

    Parameters
    ----------
    authorships : DataFrame
        ``work_id, author_id, author_name`` and `category_column`.
    categories : (str, str)
    works : DataFrame, optional
        Adds ``first_year`` and ``last_year`` (from ``publication_year``).

    Returns
    -------
    DataFrame
        One row per author with ``author_id, author_name, n_works_<a>, n_works_<b>,
        works_<a>, works_<b>, dual_affiliation_works`` (works where the author lists
        both at once) and, with `works`, ``first_year, last_year``; sorted by the number
        of dual-affiliation works, then total works, then author id.

    Examples
    --------
    >>> a = pd.DataFrame({"work_id": ["W1", "W2", "W2"], "author_id": ["A1", "A1", "A1"],
    ...                   "author_name": ["Li"] * 3, "category": ["nl", "nl", "cn_police"]})
    >>> authors_bridging(a).loc[0, ["author_id", "works_nl", "dual_affiliation_works"]].tolist()
    ['A1', ['W1', 'W2'], ['W2']]
    """
    a, b = categories
    rows = authorships.dropna(subset=["author_id", category_column])
    rows = rows[rows[category_column].isin([a, b])]
    per = rows.groupby(["author_id", category_column])["work_id"].agg(lambda s: sorted(set(s)))
    per = per.unstack(category_column)
    cols = ["author_id", "author_name", f"n_works_{a}", f"n_works_{b}", f"works_{a}"]
    cols += [f"works_{b}", "dual_affiliation_works"]
    if a not in per.columns or b not in per.columns:
        return pd.DataFrame(columns=cols)
    per = per.dropna(subset=[a, b])
    out = pd.DataFrame({"author_id": per.index})
    names = rows.drop_duplicates("author_id").set_index("author_id")
    out["author_name"] = (
        out["author_id"].map(names["author_name"]) if "author_name" in names else None
    )
    out[f"works_{a}"] = per[a].tolist()
    out[f"works_{b}"] = per[b].tolist()
    out[f"n_works_{a}"] = out[f"works_{a}"].map(len)
    out[f"n_works_{b}"] = out[f"works_{b}"].map(len)
    out["dual_affiliation_works"] = [
        sorted(set(x) & set(y)) for x, y in zip(out[f"works_{a}"], out[f"works_{b}"], strict=True)
    ]
    if works is not None and "publication_year" in works:
        years = works.drop_duplicates("work_id").set_index("work_id")["publication_year"]
        all_w = [set(x) | set(y) for x, y in zip(out[f"works_{a}"], out[f"works_{b}"], strict=True)]
        ys = [pd.to_numeric(years.reindex(sorted(s)), errors="coerce") for s in all_w]
        out["first_year"] = pd.array([y.min() for y in ys], dtype="Int64")
        out["last_year"] = pd.array([y.max() for y in ys], dtype="Int64")
        cols += ["first_year", "last_year"]
    out["_dual"] = out["dual_affiliation_works"].map(len)
    out["_tot"] = out[f"n_works_{a}"] + out[f"n_works_{b}"]
    out = out.sort_values(["_dual", "_tot", "author_id"], ascending=[False, False, True])
    return out[cols].reset_index(drop=True)


# --- nodes and paths ----------------------------------------------------------------------

_OPENALEX_ID = re.compile(r"^(?:(?:https?://)?(?:www\.)?openalex\.org/)?([WAISCFPTwaiscfpt]\d+)$")
_ROR_ID = re.compile(
    r"^(?:(?:https?://)?(?:www\.)?ror\.org/)?(0[a-z0-9]{6}[0-9]{2})$", re.IGNORECASE
)


def _bare_ror(value) -> str | None:
    if not isinstance(value, str):
        return None
    m = _ROR_ID.match(value.strip())
    return m.group(1).lower() if m else None


def _norm(text) -> str:
    return " ".join(str(text).split()).casefold()


def _describe(G, v) -> str:
    from .terminal import escape, shorten

    return f"{escape(shorten(v))} ({escape(shorten(G.nodes[v].get('label', v)))})"


#: Input longer than this is not compared with the labels for close matches.
_LONGEST_NAME = 500


def resolve_node(G: nx.Graph, query: str, *, registry=None) -> str:
    """Return the node of `G` that `query` names.

    Tried in order: the node id itself; an OpenAlex id, bare (``I27837315``) or as
    URL; a ROR id, bare or as URL, matched against the node attribute ``ror``; the
    node ``label`` (case- and space-insensitive, exact); the entries
    ``registry.find(query)`` returns (their ``.openalex`` and ``.ror`` lists).

    Raises
    ------
    CollabnetError
        When nothing matches (the message lists close labels) or several nodes match
        (the message lists them). The message shows `query` and the labels with control
        and bidi-override characters escaped, and `query` cut to 80 characters.

    Examples
    --------
    >>> G = nx.Graph()
    >>> G.add_node("I98358874", label="Delft University of Technology", ror="02e2c7k09")
    >>> resolve_node(G, "https://ror.org/02e2c7k09")
    'I98358874'
    >>> resolve_node(G, "delft university of technology")
    'I98358874'
    """
    from .terminal import quote

    if query in G:
        return query
    q = str(query).strip()
    if q in G:
        return q
    m = _OPENALEX_ID.match(q)
    if m:
        bare = m.group(1).upper()
        for cand in (bare, f"https://openalex.org/{bare}"):
            if cand in G:
                return cand
    by_ror: dict = {}
    for v, r in G.nodes(data="ror"):
        r = _bare_ror(r)
        if r:
            by_ror.setdefault(r, []).append(v)

    def unique(found: list, how: str):
        found = list(dict.fromkeys(found))
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            listed = "; ".join(_describe(G, v) for v in found[:10])
            raise CollabnetError(
                f"{quote(query)} is ambiguous: {len(found)} nodes match by {how}: {listed}. "
                "Give an OpenAlex id or ROR instead."
            )
        return None

    ror = _bare_ror(q)
    if ror:
        hit = unique(by_ror.get(ror, []), "ROR")
        if hit is not None:
            return hit
    labels: dict = {}
    for v, label in G.nodes(data="label"):
        labels.setdefault(_norm(label if label is not None else v), []).append(v)
    hit = unique(labels.get(_norm(q), []), "name")
    if hit is not None:
        return hit
    if registry is not None:
        found = []
        for entry in registry.find(q) or []:
            for oid in getattr(entry, "openalex", None) or []:
                bare = str(oid).strip().rstrip("/").rsplit("/", 1)[-1]
                for cand in (bare, bare.upper(), f"https://openalex.org/{bare.upper()}"):
                    if cand in G:
                        found.append(cand)
            for r in getattr(entry, "ror", None) or []:
                found.extend(by_ror.get(_bare_ror(r) or "", []))
        hit = unique(found, "watchlist entry")
        if hit is not None:
            return hit
    names = list(labels)
    close = []
    if len(q) <= _LONGEST_NAME:  # longer input names nothing; comparing it would take long
        close = difflib.get_close_matches(_norm(q), names, n=5, cutoff=0.6)
        close += [n for n in names if _norm(q) in n and n not in close][: 5 - len(close)]
    hint = ""
    if close:
        hint = " Close matches: " + "; ".join(_describe(G, labels[n][0]) for n in close) + "."
    raise CollabnetError(
        f"no node of the graph matches {quote(query)} (tried node id, OpenAlex id, ROR, name"
        f"{', watchlist' if registry is not None else ''}).{hint}"
    )


def _work_records(ids: Iterable, works: pd.DataFrame | None) -> list[dict]:
    """Each work's id, DOI, year, title, team size and whether OpenAlex cut its author list
    (``authors_truncated``: the team is larger than ``n_authors``)."""
    fields = ("doi", "publication_year", "title", "n_authors", "is_authors_truncated")
    ids = list(ids)
    if works is None or len(works) == 0:
        return [{"work_id": w, **dict.fromkeys(fields)} for w in ids]
    table = works.drop_duplicates("work_id").set_index("work_id")
    out = []
    for w in ids:
        rec = {"work_id": w}
        row = table.loc[w] if w in table.index else None
        for f in fields:
            value = None if row is None or f not in table.columns else row[f]
            if value is not None and pd.isna(value):
                value = None
            if isinstance(value, np.generic):
                value = value.item()
            if f in ("publication_year", "n_authors") and isinstance(value, float):
                value = int(value)  # a column with gaps is float; years and counts are whole
            rec[f] = value
        rec["authors_truncated"] = bool(rec.pop("is_authors_truncated"))
        out.append(rec)
    return out


_SINK = ("__collabnet_any_target__",)

#: The most paths :func:`evidence_paths` gives. Each further path costs Yen's algorithm a
#: shortest-path search from every node of the one before, and the candidates it keeps
#: grow with every path: 5,000 paths on a 40-node graph take most of a minute, a million
#: exhaust memory. Past the first few, more paths are long detours that add no evidence.
MAX_PATHS = 100


def evidence_paths(
    G: nx.Graph,
    source,
    target=None,
    *,
    target_category: str | None = None,
    k: int = 3,
    works: pd.DataFrame | None = None,
    weight: str | None = "distance",
    registry=None,
    max_ties: int = 50,
    counting: str = "fractional",
    consortium: int = CONSORTIUM_AUTHORS,
) -> list[dict]:
    """Return the `k` shortest simple paths from `source`, with the works on every hop.

    Parameters
    ----------
    G : networkx.Graph
        Edges carry ``weight`` and ``works`` (see :mod:`collabnet.network`).
    source, target
        Nodes, or anything :func:`resolve_node` understands (OpenAlex id, ROR, name).
    target_category : str, optional
        Instead of `target`: paths to the nearest nodes of this category. A path ends
        at the first node of the category it reaches (no path runs *through* one).
    k : int
        Number of paths, 1 to :data:`MAX_PATHS` (100). Paths tied with the k-th on
        length are ordered by their node ids and cut at `k`; ``tied`` in each path counts
        how many share its length.
    works : DataFrame, optional
        The works table, to give each work its DOI, year and title.
    weight : "distance", str or None
        ``"distance"``: shortest on the inverse of the tie strength that `counting`
        names (uses the edge attribute ``distance`` when every tie has it); another
        name: that attribute is the length; ``None``: fewest hops.
    counting : {"fractional", "full"}
        With ``weight="distance"``: ``"fractional"`` (default) measures a tie by
        Newman's fractional count ``weight_fractional`` (a work of ``n`` co-authoring
        nodes adds ``1/(n-1)``), so a consortium paper brings two nodes far less close
        than a small study; ``"full"`` by joint works (``weight``). A graph whose ties
        carry no ``weight_fractional`` is measured by ``weight``.
    consortium : int
        A hop whose works all have more than this many authors is marked
        ``consortium_only`` (needs `works` with ``n_authors``).
    registry : optional
        Passed to :func:`resolve_node`.
    max_ties : int
        At most this many extra tied paths are examined to order ties.

    Returns
    -------
    list of dict
        ``{"nodes", "labels", "length" (hops), "distance", "counting", "tied",
        "consortium_only_hops", "hops": [{"source", "target", "weight",
        "weight_fractional", "consortium_only", "works": [{"work_id", "doi",
        "publication_year", "title", "n_authors"}]}]}``, shortest first; ``[]`` when no
        path exists.

    Notes
    -----
    Paths come from Yen's algorithm (networkx ``shortest_simple_paths``). With the
    distance ``1/weight``, a path through strong ties (many joint works) is shorter
    than one through single papers, even with more hops.

    Examples
    --------
    >>> G = nx.Graph()
    >>> G.add_edge("a", "b", weight=2, works=["W1", "W2"])
    >>> G.add_edge("b", "c", weight=1, works=["W3"])
    >>> [p["nodes"] for p in evidence_paths(G, "a", "c")]
    [['a', 'b', 'c']]
    >>> evidence_paths(G, "a", "c")[0]["hops"][1]["works"][0]["work_id"]
    'W3'
    """
    if (target is None) == (target_category is None):
        raise InputError("evidence_paths", "give exactly one of target or target_category")
    if counting not in ("fractional", "full"):
        raise InputError("counting", f"must be 'fractional' or 'full', got {counting!r}")
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= MAX_PATHS:
        raise InputError(
            "k", f"the number of paths must be a whole number from 1 to {MAX_PATHS}, got {k!r}"
        )
    source = resolve_node(G, source, registry=registry)
    length = _tie_length(G, weight, counting)
    if target is not None:
        target = resolve_node(G, target, registry=registry)
        if target == source:
            return []
        H, goal = G, target
    else:
        goals = {v for v, c in G.nodes(data="category") if c == target_category}
        goals.discard(source)
        if not goals:
            return []
        H, goal = _towards_category(G, goals), _SINK
    found = _shortest_paths(H, source, goal, length, k, max_ties)
    lengths = [dist for dist, _ in found]
    measured = counting if weight == "distance" else None
    return [
        _path_record(G, path, dist, lengths.count(dist), works, consortium, measured)
        for dist, path in found[:k]
    ]


def nearest_paths(
    G: nx.Graph,
    source_category: str,
    target_category: str,
    *,
    works: pd.DataFrame | None = None,
    counting: str = "fractional",
    consortium: int = CONSORTIUM_AUTHORS,
    limit: int = MAX_PATHS,
) -> list[dict]:
    """For each node of `source_category`, the shortest path to the nearest node of
    `target_category`, with the works on every hop (as :func:`evidence_paths` gives them).

    One Dijkstra search from all the targets at once, on the distance ``1/strength``
    that `counting` names; a path never runs through a target, since a nearer one would
    end it. The `limit` closest are returned, closest first (then by node ids); sources
    with no path are left out. This is what the explorer's "paths" layer shows; for
    several paths per pair and tied paths, use :func:`evidence_paths`.

    Examples
    --------
    >>> G = nx.Graph()
    >>> G.add_nodes_from([("nl1", {"category": "nl"}), ("p1", {"category": "cn_police"})])
    >>> G.add_edge("nl1", "x", weight=1, works=["W1"])
    >>> G.add_edge("x", "p1", weight=2, works=["W2", "W3"])
    >>> [p["nodes"] for p in nearest_paths(G, "nl", "cn_police")]
    [['nl1', 'x', 'p1']]
    """
    if counting not in ("fractional", "full"):
        raise InputError("counting", f"must be 'fractional' or 'full', got {counting!r}")
    sources = _category_nodes(G, source_category)
    targets = _category_nodes(G, target_category)
    if not sources or not targets:
        return []
    length = _tie_length(G, "distance", counting)
    dist, found = nx.multi_source_dijkstra(G, targets, weight=lambda u, v, d: length(u, v))
    reached = sorted(
        (s for s in sources if s in found and s not in set(targets)),
        key=lambda s: (round(dist[s], 9), str(s)),
    )[:limit]
    return [
        _path_record(G, found[s][::-1], round(float(dist[s]), 9), 1, works, consortium, counting)
        for s in reached
    ]


def _tie_length(G: nx.Graph, weight, counting: str):
    """A function ``(u, v) -> length`` of each tie, as :func:`evidence_paths` measures it."""
    if weight == "distance":
        strength = distance_strength(G, "auto" if counting == "fractional" else "weight")
        # the stored `distance` (add_distance) only where it is the one asked for
        stored = G.graph.get("distance") == f"1/{strength}" and all(
            "distance" in d for _, _, d in G.edges(data=True)
        )
        if stored:
            return lambda u, v: G.edges[u, v].get("distance", 1)
        inverse = _inverse(strength)
        return lambda u, v: inverse(u, v, G.edges[u, v])
    if weight is None:
        return lambda u, v: 1
    return lambda u, v: G.edges[u, v].get(weight, 1)


def _towards_category(G: nx.Graph, goals: set) -> nx.DiGraph:
    """A directed copy of `G` in which the `goals` have no way out except to a sink: one
    search finds paths to the nearest of them, never through one."""
    H = nx.DiGraph()
    H.add_nodes_from(G)
    for u, v in G.edges():
        if u not in goals:
            H.add_edge(u, v)
        if v not in goals:
            H.add_edge(v, u)
    for v in goals:
        H.add_edge(v, _SINK)
    return H


def _shortest_paths(H, source, goal, length, k: int, max_ties: int) -> list[tuple]:
    """``(distance, path)`` of the shortest simple paths (Yen), the k-th's ties included (up
    to `max_ties` more), in order of distance, then node ids."""

    def h_weight(u, v, d):
        return 0 if v == _SINK else length(u, v)

    found: list = []
    try:
        for path in nx.shortest_simple_paths(H, source, goal, weight=h_weight):
            if goal == _SINK:
                path = path[:-1]
            dist = float(sum(length(a, b) for a, b in pairwise(path)))
            found.append((round(dist, 9), path))
            if len(found) >= k and (found[-1][0] > found[k - 1][0] or len(found) >= k + max_ties):
                break
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        found = []
    return sorted(found, key=lambda x: (x[0], [str(v) for v in x[1]]))


def _path_record(G: nx.Graph, path, dist: float, tied: int, works, consortium: int, counting):
    """One path as :func:`evidence_paths` returns it, with the works of every hop."""
    hops = []
    for a, b in pairwise(path):
        d = G.edges[a, b]
        records = _work_records(d.get("works", []), works)
        sizes = [r["n_authors"] for r in records]
        hops.append(
            {
                "source": a,
                "target": b,
                "weight": d.get("weight", 1),
                "weight_fractional": d.get("weight_fractional"),
                "consortium_only": bool(sizes)
                and all(n is not None and n > consortium for n in sizes),
                "works": records,
            }
        )
    return {
        "nodes": list(path),
        "labels": [G.nodes[v].get("label", str(v)) for v in path],
        "length": len(path) - 1,
        "distance": dist,
        "counting": counting,
        "tied": tied,
        "consortium_only_hops": sum(h["consortium_only"] for h in hops),
        "hops": hops,
    }


def ego_network(G: nx.Graph, node, *, radius: int = 1, registry=None) -> nx.Graph:
    """Return the subgraph of the nodes within `radius` hops of `node` (a copy).

    Examples
    --------
    >>> sorted(ego_network(nx.path_graph(5), 2))
    [1, 2, 3]
    """
    node = resolve_node(G, node, registry=registry)
    E = nx.ego_graph(G, node, radius=radius).copy()
    E.graph["ego"] = node
    E.graph["radius"] = radius
    return E


# --- time -------------------------------------------------------------------------------


def joint_works_per_year(
    authorships: pd.DataFrame,
    works: pd.DataFrame,
    *,
    categories: tuple[str, str] = ("nl", "cn_police"),
    category_column: str = "category",
) -> pd.DataFrame:
    """Return, per publication year, the works with authorships in both categories.

    Examples
    --------
    >>> a = pd.DataFrame({"work_id": ["W1", "W1", "W2"], "category": ["nl", "cn_police", "nl"]})
    >>> w = pd.DataFrame({"work_id": ["W1", "W2"], "publication_year": [2020, 2021]})
    >>> joint_works_per_year(a, w).to_dict("records")
    [{'year': 2020, 'n_works': 1, 'works': ['W1']}]
    """
    a, b = categories
    rows = authorships.dropna(subset=[category_column])
    has_a = set(rows.loc[rows[category_column] == a, "work_id"])
    has_b = set(rows.loc[rows[category_column] == b, "work_id"])
    joint = sorted(has_a & has_b)
    years = works.drop_duplicates("work_id").set_index("work_id")["publication_year"]
    df = pd.DataFrame({"work_id": joint})
    df["year"] = pd.to_numeric(df["work_id"].map(years), errors="coerce").astype("Int64")
    out = (
        df.groupby("year", dropna=False)["work_id"]
        .agg(n_works="size", works=lambda s: sorted(s))
        .reset_index()
    )
    out["n_works"] = out["n_works"].astype("int64")
    return out[["year", "n_works", "works"]]


def time_slices(
    authorships: pd.DataFrame,
    works: pd.DataFrame,
    nodes: pd.DataFrame | None,
    *,
    node_column: str = "institution_key",
    window: int = 1,
    source_category: str = "nl",
    target_category: str = "cn_police",
    max_team_size: int | None = None,
    min_weight: int = 1,
) -> pd.DataFrame:
    """Return one row per time window with the size and shape of that window's graph.

    Windows are ``window`` consecutive publication years, sliding one year at a time
    from the first to the last year (``window=1``: one row per year). Each window's
    graph is :func:`collabnet.network.coauthorship_graph` of that window's authorship
    rows and works, with `node_column` as nodes, `nodes` as node attributes and
    `max_team_size` and `min_weight` as given: the function, and the attributes, of
    the build's own graphs. :func:`collabnet.pipeline.institution_time_slices` passes
    the build's institution attributes (:func:`collabnet.pipeline.node_attributes`),
    so a node's ``category`` in every window is its category in the build. Without a
    ``category`` in `nodes` every node is ``"other"`` and ``cross_edges`` is 0.

    Returns
    -------
    DataFrame
        ``start_year, end_year, n_works, nodes, edges, density, mean_degree,
        n_components, largest_component_share`` (share of nodes in the largest
        component), ``cross_edges`` (edges joining `source_category` and
        `target_category` nodes) and ``joint_works`` (works with authorship rows in
        both categories, by the rows' own ``category``).

    Examples
    --------
    >>> a = pd.DataFrame({"work_id": ["W1", "W1", "W2", "W2"], "author_id": list("abcd"),
    ...                   "institution_key": ["I1", "I2", "I1", "I3"],
    ...                   "category": ["nl", "cn_police", "nl", "other"]})
    >>> w = pd.DataFrame({"work_id": ["W1", "W2"], "publication_year": [2020, 2021]})
    >>> nodes = pd.DataFrame({"category": ["nl", "cn_police", "other"]}, index=["I1", "I2", "I3"])
    >>> df = time_slices(a, w, nodes)
    >>> df[["start_year", "nodes", "edges", "cross_edges", "joint_works"]].values.tolist()
    [[2020, 2, 1, 1, 1], [2021, 2, 1, 0, 0]]
    """
    if node_column not in authorships.columns:
        raise InputError("node_column", f"{node_column!r} is not a column of the authorships")
    if window < 1:
        raise InputError("window", f"must be at least 1, got {window}")
    years = pd.to_numeric(
        works.drop_duplicates("work_id").set_index("work_id")["publication_year"],
        errors="coerce",
    ).dropna()
    rows = []
    if years.empty:
        return pd.DataFrame(
            columns=[
                "start_year",
                "end_year",
                "n_works",
                "nodes",
                "edges",
                "density",
                "mean_degree",
                "n_components",
                "largest_component_share",
                "cross_edges",
                "joint_works",
            ]
        )
    first, last = int(years.min()), int(years.max())
    a_year = authorships["work_id"].map(years)
    joint = joint_works_per_year(
        authorships, works, categories=(source_category, target_category)
    ).dropna(subset=["year"])
    joint_by_year = dict(zip(joint["year"].astype(int), joint["works"], strict=True))
    for start in range(first, max(first, last - window + 1) + 1):
        end = start + window - 1
        in_window = years[(years >= start) & (years <= end)].index
        sub = authorships[(a_year >= start) & (a_year <= end)]
        G = coauthorship_graph(
            sub,
            works[works["work_id"].isin(in_window)],
            nodes,
            node_column=node_column,
            max_team_size=max_team_size,
            min_weight=min_weight,
        )
        n, m = G.number_of_nodes(), G.number_of_edges()
        comps = [len(c) for c in nx.connected_components(G)] if n else []
        cat = dict(G.nodes(data="category"))
        cross = sum(
            1
            for u, v in G.edges()
            if {cat.get(u), cat.get(v)} == {source_category, target_category}
        )
        jw = set()
        for y in range(start, end + 1):
            jw.update(joint_by_year.get(y, []))
        rows.append(
            {
                "start_year": start,
                "end_year": end,
                "n_works": len(in_window),
                "nodes": n,
                "edges": m,
                "density": nx.density(G) if n > 1 else 0.0,
                "mean_degree": 2 * m / n if n else 0.0,
                "n_components": len(comps),
                "largest_component_share": max(comps) / n if n else 0.0,
                "cross_edges": cross,
                "joint_works": len(jw),
            }
        )
    return pd.DataFrame(rows)
