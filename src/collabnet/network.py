"""Co-authorship graphs (author, institution, country) from the tables, with evidence on edges."""

from __future__ import annotations

import gc

import networkx as nx
import numpy as np
import pandas as pd

from .errors import InputError

__all__ = [
    "coauthorship_graph",
    "institution_graph",
    "author_graph",
    "country_graph",
    "category_pair_counts",
    "PAIR_SEPARATOR",
]

#: Joins two categories in ``category_pair`` (an en dash: ``"cn_police–nl"``).
PAIR_SEPARATOR = "\u2013"

# Largest number of pair rows emitted at once; bounds peak memory on corpora with many
# large teams (a 1,000-node work alone yields ~500,000 pairs).
_PAIR_CHUNK = 4_000_000


def _require(df: pd.DataFrame, columns, name: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(
            name,
            f"missing column(s) {', '.join(map(repr, missing))}; "
            f"found {', '.join(map(repr, df.columns))}",
        )


def _work_years(works: pd.DataFrame | None) -> pd.Series:
    if works is None or len(works) == 0 or "publication_year" not in works.columns:
        return pd.Series(dtype="float64")
    _require(works, ["work_id"], "works")
    years = works.drop_duplicates("work_id").set_index("work_id")["publication_year"]
    return pd.to_numeric(years, errors="coerce").astype("float64")


def _team_sizes(memberships: pd.DataFrame, node_column: str) -> pd.Series:
    """Distinct authors per work (distinct nodes when there is no ``author_id`` column)."""
    column = "author_id" if "author_id" in memberships.columns else node_column
    return memberships.dropna(subset=[column]).groupby("work_id", sort=False)[column].nunique()


def _emit_pairs(starts: np.ndarray, sizes: np.ndarray, node_codes: np.ndarray, n_nodes: int):
    """All within-work node pairs as int64 keys ``a * n_nodes + b`` (``a < b``).

    Works are grouped by team size ``k`` so each group is a dense ``(n_works_k, k)`` array
    whose upper-triangle column pairs (``np.triu_indices(k, 1)``) are the pairs: no Python
    loop per pair or per work, only per distinct team size.
    """
    keys, pair_work, pair_frac = [], [], []
    for k in np.unique(sizes):
        k = int(k)
        if k < 2:
            continue
        idx = np.flatnonzero(sizes == k)
        iu, ju = np.triu_indices(k, 1)
        per_work = iu.size
        step = max(1, _PAIR_CHUNK // per_work)
        for lo in range(0, idx.size, step):
            sel = idx[lo : lo + step]
            block = node_codes[starts[sel][:, None] + np.arange(k)]  # (n, k), sorted rows
            a = block[:, iu].ravel()
            b = block[:, ju].ravel()
            keys.append(a.astype(np.int64) * n_nodes + b)
            pair_work.append(np.repeat(sel, per_work))
            pair_frac.append(np.full(sel.size * per_work, 1.0 / (k - 1)))
    if not keys:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0)
    return np.concatenate(keys), np.concatenate(pair_work), np.concatenate(pair_frac)


def coauthorship_graph(
    memberships: pd.DataFrame,
    works: pd.DataFrame,
    nodes: pd.DataFrame | None = None,
    *,
    node_column: str = "node",
    max_team_size: int | None = None,
    min_weight: int = 1,
) -> nx.Graph:
    """Return the weighted co-authorship graph of the nodes that share works.

    A work is a hyperedge joining its distinct nodes; it is projected onto every pair of
    them. Each node carries ``n_works`` (distinct works, single-node works included).
    Each edge carries ``weight`` (joint works, full counting), ``weight_fractional``
    (Newman's fractional counting), ``works`` (sorted list of work ids: the evidence),
    ``first_year`` and ``last_year`` (publication years of those works; ``None`` when no
    work has a year).

    Parameters
    ----------
    memberships : DataFrame
        One row per (``work_id``, node); more columns are ignored except ``author_id``
        (used for team size). Duplicate rows and null nodes are ignored, so a work counts
        once per node pair.
    works : DataFrame
        The works table: ``work_id`` and ``publication_year`` are used (may be empty).
    nodes : DataFrame, optional
        Indexed by node id; each column becomes a node attribute (null values are not
        set). Nodes missing from it get ``label`` = id and ``category`` = ``"other"``.
        Only nodes that appear in `memberships` are in the graph.
    node_column : str
        The column of `memberships` holding node ids.
    max_team_size : int, optional
        Works with more distinct authors than this ("hyperauthored") add no edge; they
        still count in ``n_works`` and are listed in
        ``G.graph["excluded_hyperauthored_works"]``. Team size is the number of distinct
        non-null ``author_id`` on the work in `memberships` (rows with a null node
        included); without an ``author_id`` column it is the number of distinct nodes.
    min_weight : int
        Edges with fewer joint works are dropped (after the team-size cap).

    Returns
    -------
    networkx.Graph
        ``G.graph`` records ``level`` (= `node_column`), ``counting``, ``fractional``,
        ``max_team_size``, ``min_weight``, ``n_works`` and ``excluded_hyperauthored_works``.

    Notes
    -----
    Fractional counting follows Newman (2001): a work with ``n`` distinct nodes adds
    ``1/(n-1)`` to each of its ``n(n-1)/2`` pairs, so each node receives one unit of
    weight from each of its multi-node works. ``n`` is the number of distinct nodes *of
    this graph's level* on the work (distinct institutions in an institution graph), not
    the number of authors, so the strengths of the fractional graph sum to twice the
    number of multi-node works at every level. The team-size cap is applied before
    ``n`` is counted; excluded works contribute neither weight.

    The implementation codes works and nodes as integers, groups works by their number
    of nodes ``k`` and takes the upper triangle of each ``(works, k)`` block, so it runs
    in vectorised numpy with one Python step per distinct team size.

    References
    ----------
    .. [1] M. E. J. Newman, "Scientific collaboration networks. II. Shortest paths,
       weighted networks, and centrality", Phys. Rev. E 64, 016132 (2001).

    Examples
    --------
    >>> m = pd.DataFrame({"work_id": ["W1", "W1", "W1", "W2", "W2"],
    ...                   "node": ["a", "b", "c", "a", "b"]})
    >>> w = pd.DataFrame({"work_id": ["W1", "W2"], "publication_year": [2019, 2021]})
    >>> G = coauthorship_graph(m, w)
    >>> G.edges["a", "b"]["weight"], G.edges["a", "b"]["weight_fractional"]
    (2, 1.5)
    >>> G.edges["a", "b"]["works"], G.edges["a", "b"]["first_year"]
    (['W1', 'W2'], 2019)
    >>> G.nodes["c"]["n_works"], G.nodes["c"]["label"], G.nodes["c"]["category"]
    (1, 'c', 'other')
    """
    _require(memberships, ["work_id", node_column], "memberships")
    if min_weight < 1:
        raise InputError("min_weight", f"must be at least 1, got {min_weight}")
    if max_team_size is not None and max_team_size < 1:
        raise InputError("max_team_size", f"must be at least 1 or None, got {max_team_size}")

    m = memberships[["work_id", node_column]].dropna().drop_duplicates()
    work_codes, work_ids = pd.factorize(m["work_id"], sort=True)
    node_codes, node_ids = pd.factorize(m[node_column], sort=True)
    # Plain object arrays: slicing and tolist() on them is far faster than on
    # (Arrow-backed) pandas string indexes.
    work_ids = np.asarray(work_ids, dtype=object)
    node_ids = np.asarray(node_ids, dtype=object)
    n_nodes = len(node_ids)
    work_codes = work_codes.astype(np.int64)
    node_codes = node_codes.astype(np.int64)

    # Rows sorted by (work, node): each work is a contiguous run of increasing node codes.
    order = np.lexsort((node_codes, work_codes))
    work_codes, node_codes = work_codes[order], node_codes[order]
    sizes = np.bincount(work_codes, minlength=len(work_ids))
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    n_works_per_node = np.bincount(node_codes, minlength=n_nodes)

    excluded: list = []
    if max_team_size is not None:
        team = _team_sizes(memberships, node_column).reindex(work_ids).fillna(0).to_numpy()
        too_big = team > max_team_size
        excluded = sorted(work_ids[too_big].tolist())
        sizes = np.where(too_big, 0, sizes)

    keys, pair_work, pair_frac = _emit_pairs(starts, sizes, node_codes, n_nodes)

    # Sort pairs by (pair, work): runs of equal keys are edges, their work codes are
    # ascending and work codes were assigned in sorted work-id order.
    order = np.lexsort((pair_work, keys))
    keys, pair_work, pair_frac = keys[order], pair_work[order], pair_frac[order]
    if keys.size:
        bounds = np.flatnonzero(np.diff(keys)) + 1
        edge_starts = np.concatenate(([0], bounds))
    else:
        edge_starts = np.empty(0, dtype=np.int64)
    edge_ends = np.append(edge_starts[1:], keys.size).astype(np.int64)
    weight = edge_ends - edge_starts
    keep = weight >= min_weight

    G = nx.Graph()
    G.graph.update(
        level=node_column,
        counting="full",
        fractional="newman2001",
        max_team_size=max_team_size,
        min_weight=min_weight,
        n_works=int(len(work_ids)),
        excluded_hyperauthored_works=excluded,
    )

    # Nodes and their attributes.
    node_list = node_ids.tolist()
    attrs: dict = {n: {} for n in node_list}
    if nodes is not None and len(nodes):
        known = nodes[~nodes.index.duplicated()].reindex(pd.Index(node_ids, dtype=object))
        for col in known.columns:
            values = known[col].tolist()  # Python scalars, None/NaN/NA where unknown
            mask = known[col].notna().to_numpy()
            for i in np.flatnonzero(mask).tolist():
                attrs[node_list[i]][col] = values[i]
    for n, count in zip(node_list, n_works_per_node.tolist(), strict=True):
        a = attrs[n]
        a.setdefault("label", str(n))
        a.setdefault("category", "other")
        a["n_works"] = count
    G.add_nodes_from(attrs.items())

    if not keys.size:
        return G

    # Per-edge attributes, vectorised: fractional sums and year ranges by reduceat.
    years = _work_years(works).reindex(work_ids).to_numpy(dtype="float64")
    pair_years = years[pair_work]
    frac = np.add.reduceat(pair_frac, edge_starts)
    first = np.fmin.reduceat(pair_years, edge_starts)
    last = np.fmax.reduceat(pair_years, edge_starts)

    sel = np.flatnonzero(keep)
    src = (keys[edge_starts[sel]] // n_nodes).tolist()
    dst = (keys[edge_starts[sel]] % n_nodes).tolist()
    w_list = weight[sel].tolist()
    f_list = frac[sel].tolist()
    first_l = [None if y != y else int(y) for y in first[sel].tolist()]
    last_l = [None if y != y else int(y) for y in last[sel].tolist()]
    # Evidence lists: one conversion of all work ids to Python objects, then slices.
    ids = work_ids[pair_work].tolist()
    s_l = edge_starts[sel].tolist()
    e_l = edge_ends[sel].tolist()
    # Millions of new dicts and lists would trigger the cyclic garbage collector
    # over and over; none of them can form a cycle, so pause it while adding edges.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        _add_edges(G, node_list, src, dst, w_list, f_list, ids, s_l, e_l, first_l, last_l)
    finally:
        if gc_was_enabled:
            gc.enable()
    return G


def _add_edges(G, node_list, src, dst, w_list, f_list, ids, s_l, e_l, first_l, last_l):
    # Writes the adjacency directly, as networkx's own add_edges_from does but without
    # its per-edge checks (every node exists and every pair is new): ~3x faster on
    # millions of edges. Both directions share one attribute dict, as in networkx.
    adj = G._adj
    for u, v, w, f, s, e, fy, ly in zip(
        src, dst, w_list, f_list, s_l, e_l, first_l, last_l, strict=True
    ):
        a, b = node_list[u], node_list[v]
        d = {
            "weight": w,
            "weight_fractional": f,
            "works": ids[s:e],
            "first_year": fy,
            "last_year": ly,
        }
        adj[a][b] = d
        adj[b][a] = d
    clear = getattr(nx, "_clear_cache", None)
    if clear is not None:
        clear(G)


def _mode(series: pd.Series) -> pd.Series:
    """Most frequent non-null value per group index (ties: first in sorted order)."""
    s = series.dropna()
    if s.empty:
        return s
    counts = s.groupby([s.index, s.values]).size().rename("n").reset_index()
    counts.columns = ["key", "value", "n"]
    counts = counts.sort_values(["key", "n", "value"], ascending=[True, False, True])
    return counts.drop_duplicates("key").set_index("key")["value"]


def _derived_nodes(authorships: pd.DataFrame, node_column: str, columns: dict) -> pd.DataFrame:
    """Node attributes read from the authorships rows (most frequent value per node)."""
    rows = authorships.dropna(subset=[node_column]).set_index(node_column)
    out = {}
    for attr, col in columns.items():
        if col in rows.columns:
            out[attr] = _mode(rows[col])
    return pd.DataFrame(out)


def _merge_nodes(given: pd.DataFrame | None, derived: pd.DataFrame) -> pd.DataFrame:
    if given is None:
        return derived
    if derived.empty:
        return given
    return given.combine_first(derived)


def institution_graph(
    authorships: pd.DataFrame,
    works: pd.DataFrame,
    nodes: pd.DataFrame | None = None,
    *,
    node_column: str = "institution_id",
    **kw,
) -> nx.Graph:
    """Return the institution co-authorship graph (see :func:`coauthorship_graph`).

    Node attributes come from `nodes` (e.g. the institutions table indexed by
    ``institution_id``, with ``label``/``display_name``, ``category``, ``ror``), filled in
    from the most frequent ``institution_name``, ``ror``, ``country_code`` and ``category``
    of each institution's authorship rows. Rows with a null ``institution_id`` add no
    node but still count as authors for `max_team_size`.

    Examples
    --------
    >>> a = pd.DataFrame({"work_id": ["W1", "W1", "W1"], "author_id": ["A1", "A2", "A3"],
    ...                   "institution_id": ["I1", "I2", None],
    ...                   "institution_name": ["Delft", "PPSUC", None]})
    >>> G = institution_graph(a, pd.DataFrame({"work_id": ["W1"], "publication_year": [2020]}))
    >>> sorted(G.nodes(data="label"))
    [('I1', 'Delft'), ('I2', 'PPSUC')]
    """
    derived = _derived_nodes(
        authorships,
        node_column,
        {
            "label": "institution_name",
            "ror": "ror",
            "country_code": "country_code",
            "category": "category",
        },
    )
    if nodes is not None and "label" not in nodes.columns and "display_name" in nodes.columns:
        nodes = nodes.assign(label=nodes["display_name"])
    return coauthorship_graph(
        authorships, works, _merge_nodes(nodes, derived), node_column=node_column, **kw
    )


def author_graph(
    authorships: pd.DataFrame,
    works: pd.DataFrame,
    nodes: pd.DataFrame | None = None,
    *,
    node_column: str = "author_id",
    **kw,
) -> nx.Graph:
    """Return the author co-authorship graph (see :func:`coauthorship_graph`).

    Node attributes: ``label`` (most frequent ``author_name``), ``category`` and
    ``country_code`` (most frequent over the author's affiliation rows), ``categories``
    (every category the author was affiliated with, sorted, joined with ``";"``), and
    ``institution_id`` (most frequent); `nodes` (e.g. the authors table indexed by
    ``author_id``) takes precedence.

    Examples
    --------
    >>> a = pd.DataFrame({"work_id": ["W1", "W1", "W2", "W2"],
    ...                   "author_id": ["A1", "A2", "A1", "A2"],
    ...                   "author_name": ["Ann", "Bo", "Ann", "Bo"],
    ...                   "category": ["nl", "cn_police", "nl", "nl"]})
    >>> G = author_graph(a, pd.DataFrame(columns=["work_id", "publication_year"]))
    >>> G.edges["A1", "A2"]["weight"], G.nodes["A2"]["categories"]
    (2, 'cn_police;nl')
    """
    derived = _derived_nodes(
        authorships,
        node_column,
        {
            "label": "author_name",
            "category": "category",
            "country_code": "country_code",
            "institution_id": "institution_id",
        },
    )
    if "category" in authorships.columns:
        cats = authorships.dropna(subset=[node_column, "category"])
        dd = cats[[node_column, "category"]].drop_duplicates().assign(_on=True)
        present = dd.pivot(index=node_column, columns="category", values="_on").notna()
        joined = pd.Series("", index=present.index, dtype=object)
        for cat in sorted(present.columns):  # a handful of categories: vectorised per one
            has = present[cat].to_numpy()
            sep = np.where(joined.to_numpy() == "", "", ";")
            joined = pd.Series(
                np.where(has, joined.to_numpy() + sep + cat, joined.to_numpy()),
                index=present.index,
                dtype=object,
            )
        derived = derived.join(joined.rename("categories"), how="outer")
    if nodes is not None and "label" not in nodes.columns and "display_name" in nodes.columns:
        nodes = nodes.assign(label=nodes["display_name"])
    return coauthorship_graph(
        authorships, works, _merge_nodes(nodes, derived), node_column=node_column, **kw
    )


def country_graph(
    authorships: pd.DataFrame,
    works: pd.DataFrame,
    nodes: pd.DataFrame | None = None,
    *,
    node_column: str = "country_code",
    **kw,
) -> nx.Graph:
    """Return the country co-authorship graph (see :func:`coauthorship_graph`).

    Nodes are ISO country codes; ``label`` is the code and ``category`` is ``"nl"`` for
    NL, ``"cn_other"`` for CN (mainland China; the finer PRC categories belong to
    institutions, not countries) and ``"other"`` otherwise, unless `nodes` says otherwise.

    Examples
    --------
    >>> a = pd.DataFrame({"work_id": ["W1", "W1", "W1"], "author_id": ["A1", "A2", "A3"],
    ...                   "country_code": ["NL", "CN", "CN"]})
    >>> G = country_graph(a, pd.DataFrame(columns=["work_id", "publication_year"]))
    >>> G.edges["CN", "NL"]["weight"], G.nodes["CN"]["category"]
    (1, 'cn_other')
    """
    codes = authorships[node_column].dropna().unique()
    derived = pd.DataFrame(
        {
            "label": codes,
            "country_code": codes,
            "category": [
                "nl" if c == "NL" else "cn_other" if c == "CN" else "other" for c in codes
            ],
        },
        index=codes,
    )
    return coauthorship_graph(
        authorships, works, _merge_nodes(nodes, derived), node_column=node_column, **kw
    )


def category_pair_counts(
    authorships: pd.DataFrame,
    works: pd.DataFrame,
    *,
    category_column: str = "category",
) -> pd.DataFrame:
    """Return, per publication year and category pair, the number of works joining them.

    Parameters
    ----------
    authorships : DataFrame
        ``work_id``, `category_column` and (for same-category pairs) ``institution_id``.
    works : DataFrame
        ``work_id`` and ``publication_year``.
    category_column : str
        The column holding each authorship row's category.

    Returns
    -------
    DataFrame
        Columns ``year`` (nullable integer; null when the work has no year),
        ``category_pair`` (the two categories sorted and joined with an en dash,
        e.g. ``"cn_police–nl"``) and ``n_works``, sorted by year then pair.

    Notes
    -----
    A work counts once in every pair of distinct categories that occur among its
    authorship rows: a work with ``nl``, ``cn_police`` and ``cn_other`` rows counts once
    in ``cn_other–cn_police``, ``cn_other–nl`` and ``cn_police–nl``. Any row with the
    category counts (also one classified from its raw affiliation string with no
    ``institution_id``). A same-category pair such as ``nl–nl`` counts works with at
    least two *distinct non-null* ``institution_id`` of that category: a collaboration
    between two Dutch institutions, not two authors of one. Rows with a null category
    are ignored.

    Examples
    --------
    >>> a = pd.DataFrame({"work_id": ["W1", "W1", "W1", "W2", "W2"],
    ...                   "institution_id": ["I1", "I2", "I3", "I1", "I4"],
    ...                   "category": ["nl", "cn_police", "nl", "nl", "nl"]})
    >>> w = pd.DataFrame({"work_id": ["W1", "W2"], "publication_year": [2020, 2020]})
    >>> category_pair_counts(a, w).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'year': 2020, 'category_pair': 'cn_police–nl', 'n_works': 1},
     {'year': 2020, 'category_pair': 'nl–nl', 'n_works': 2}]
    """
    _require(authorships, ["work_id", category_column], "authorships")
    cols = ["year", "category_pair", "n_works"]
    rows = authorships.dropna(subset=[category_column])
    cats = rows[["work_id", category_column]].drop_duplicates()
    cats.columns = ["work_id", "cat"]
    pairs = cats.merge(cats, on="work_id", suffixes=("_a", "_b"))
    pairs = pairs[pairs["cat_a"] < pairs["cat_b"]]
    pairs = pairs.assign(category_pair=pairs["cat_a"] + PAIR_SEPARATOR + pairs["cat_b"])
    frames = [pairs[["work_id", "category_pair"]]]
    if "institution_id" in rows.columns:
        inst = rows.dropna(subset=["institution_id"])
        n = inst.groupby(["work_id", category_column])["institution_id"].nunique()
        same = n[n >= 2].reset_index()[["work_id", category_column]]
        same = same.assign(
            category_pair=same[category_column] + PAIR_SEPARATOR + same[category_column]
        )
        frames.append(same[["work_id", "category_pair"]])
    both = pd.concat(frames, ignore_index=True)
    if both.empty:
        out = pd.DataFrame(
            {c: pd.Series(dtype=t) for c, t in zip(cols, ["Int64", object, "int64"], strict=True)}
        )
        return out
    years = _work_years(works)
    both = both.assign(year=both["work_id"].map(years).astype("Int64"))
    out = (
        both.groupby(["year", "category_pair"], dropna=False)["work_id"]
        .nunique()
        .rename("n_works")
        .reset_index()
        .sort_values(["year", "category_pair"], na_position="last", kind="stable")
        .reset_index(drop=True)
    )
    out["n_works"] = out["n_works"].astype("int64")
    return out[cols]
