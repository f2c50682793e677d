"""Co-authorship graphs (author, institution, country) from the tables, with evidence on edges."""

from __future__ import annotations

import operator
import random
import re
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise, repeat
from typing import NamedTuple

import networkx as nx
import numpy as np
import pandas as pd

from ._gc import paused_gc
from ._helper import cores as _cores
from .config import CATEGORIES
from .errors import InputError

__all__ = [
    "coauthorship_network",
    "coauthorship_graph",
    "Network",
    "as_networkx",
    "node_data",
    "edge_table",
    "EdgeTable",
    "induced_subgraph",
    "seeded_layout",
    "fruchterman_reingold",
    "count_isolates_and_components",
    "author_categories",
    "country_network",
    "country_graph",
    "category_pair_counts",
    "PAIR_SEPARATOR",
]

#: Joins two categories in ``category_pair`` (an en dash: ``"cn_police–nl"``).
PAIR_SEPARATOR = "\u2013"

# Largest number of pair rows made by one numpy step (a 1,000-node work alone yields
# ~500,000 pairs); bounds the temporaries, not the output, which holds every pair row.
_PAIR_CHUNK = 4_000_000

# Evidence rows handled per step when reducing per-work values over edges and when
# finding where edges start: bounds the scratch buffers, which are reused.
_REDUCE_CHUNK = 1 << 20

# Teams of this many nodes or more have their pairs written in bands of rows of their
# pair matrix (_emit_team_pairs).
_LARGE_TEAM = 128
_BAND_ROWS = 64

# Sorts of more keys than this per core are split across cores (:func:`_sort_keys`).
_SORT_PART = 1 << 21

# Pair-and-work keys must fit in int64 (a test lowers this to exercise the fallback).
_KEY_LIMIT = 2**63


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


def _team_sizes(
    memberships: pd.DataFrame, node_column: str, works: pd.DataFrame | None = None
) -> pd.Series:
    """Authors per work: the works table's ``n_authors`` when it has one (the team as
    published, authors without an OpenAlex id included; infinite where OpenAlex cut the
    list, ``is_authors_truncated``), else distinct ``author_id`` in `memberships`
    (distinct nodes when there is no ``author_id`` column)."""
    counted = _distinct_per_work(memberships, node_column)
    if works is not None and "n_authors" in works.columns and len(works):
        works = works.drop_duplicates("work_id").set_index("work_id")
        listed = works["n_authors"].astype("float64")
        if "is_authors_truncated" in works.columns:
            # OpenAlex cut the list at 100: the team is larger than any list shows
            cut = works["is_authors_truncated"].fillna(False).astype(bool)
            listed = listed.mask(cut, np.inf)
        return listed.combine_first(counted.astype("float64"))
    return counted


def _distinct_per_work(memberships: pd.DataFrame, node_column: str) -> pd.Series:
    column = "author_id" if "author_id" in memberships.columns else node_column
    return memberships.dropna(subset=[column]).groupby("work_id", sort=False)[column].nunique()


def _bits(n: int) -> int:
    """Bits needed for the codes ``0 .. n-1`` (at least 1)."""
    return max(int(n - 1).bit_length(), 1)


def _emit_pairs(starts: np.ndarray, sizes: np.ndarray, node_codes: np.ndarray, n_nodes: int):
    """All within-work node pairs ``(a, b, work)`` with ``a < b``, as one int64 key each.

    The key is ``a``, ``b`` and ``work`` side by side in bit fields
    (``(a << nb | b) << wb | work``), so sorting the keys (one ``np.sort`` of one int64
    array: SIMD sort in numpy 2) orders the rows by pair and, within a pair, by work:
    the edges and their evidence at once, with no ``argsort`` and no gather of
    companion arrays; shifts and masks take them apart again, with no division.
    Returns ``None`` when the fields would not fit in 63 bits (about a million nodes on
    two million works); the caller then falls back to :func:`_emit_pair_rows`.

    Works are grouped by team size ``k`` so each group is a dense ``(n_works_k, k)``
    array whose upper-triangle column pairs (``np.triu_indices(k, 1)``) are the pairs:
    no Python loop per pair or per work, only per distinct team size. A work of
    :data:`_LARGE_TEAM` nodes or more is written by :func:`_emit_team_pairs`
    instead: its index arrays would cost more to make and gather through than the
    pairs themselves.
    """
    nb, wb = _bits(n_nodes), _bits(len(sizes))
    if 2 ** (2 * nb + wb) > _KEY_LIMIT:
        return None
    sizes64 = sizes.astype(np.int64)
    out = np.empty(int((sizes64 * (sizes64 - 1) // 2).sum()), dtype=np.int64)
    # One scratch buffer for every block: fresh memory is slow to touch (page faults),
    # and the blocks written straight into `out` need no temporary of their own.
    scratch = np.empty(min(out.size, _PAIR_CHUNK + 2**16), dtype=np.int64)
    at = 0
    for k, sel in _size_groups(sizes):
        if k >= _LARGE_TEAM:
            for work in sel.tolist():
                nodes = node_codes[starts[work] : starts[work] + k]
                at = _emit_team_pairs(nodes, work, nb, wb, out, at)
            continue
        for iu, ju, chunk in _triu_chunks(k, sel):
            block = node_codes[starts[chunk][:, None] + np.arange(k)]  # (n, k), sorted rows
            shape = (chunk.size, iu.size)
            pair = out[at : at + chunk.size * iu.size].reshape(shape)
            # mode="wrap": the indices are valid, and the default "raise" with `out`
            # first writes to a temporary and then copies it
            np.take(block, iu, axis=1, out=pair, mode="wrap")
            pair <<= np.int64(nb)
            other = _scratch(scratch, pair.size).reshape(shape)
            np.take(block, ju, axis=1, out=other, mode="wrap")
            pair |= other
            pair <<= np.int64(wb)
            pair |= chunk[:, None]
            at += pair.size
    return out


def _emit_team_pairs(nodes: np.ndarray, work: int, nb: int, wb: int, out: np.ndarray, at: int):
    """Write the pair keys of one large team (`nodes` sorted) into `out` from `at`; return
    the position after them.

    The upper triangle of the team's pair matrix is cut into bands of
    :data:`_BAND_ROWS` rows. In a band of rows ``r0 .. r1-1``, the columns past ``r1``
    are all pairs: one rectangle written by one broadcast ``bitwise_or``; the square
    of columns ``r0+1 .. r1`` holds a triangle of pairs, picked out by a fixed mask. No
    index arrays the size of the pairs are made, and there is one step per band, not
    per row. The keys come out in no particular order (they are sorted next).
    """
    k = nodes.size
    later = nodes << np.int64(wb)  # b, in place in the key
    first = (nodes << np.int64(nb + wb)) | np.int64(work)  # a and the work
    band = _BAND_ROWS
    tri = np.arange(band)[None, :] >= np.arange(band)[:, None]  # column >= row, in the square
    for r0 in range(0, k - 1, band):
        r1 = min(r0 + band, k - 1)
        r = r1 - r0
        a = first[r0:r1, None]
        n = r * (k - 1 - r1)
        np.bitwise_or(a, later[None, r1 + 1 :], out=out[at : at + n].reshape(r, k - 1 - r1))
        at += n
        square = a | later[None, r0 + 1 : r1 + 1]
        n = r * (r + 1) // 2
        np.compress(tri[:r, :r].ravel(), square.ravel(), out=out[at : at + n])
        at += n
    return at


def _sort_keys(keys: np.ndarray) -> None:
    """``keys.sort()``, on every core for large arrays.

    One ``partition`` (linear time) splits the keys into ranges of equal size, each
    holding only keys no smaller than those of the range before; the ranges are then
    sorted in place side by side in threads (numpy releases the GIL while it sorts).
    The result is the same array as one ``sort``.
    """
    parts = min(_cores(), keys.size // _SORT_PART)
    if parts < 2:
        keys.sort()
        return
    bounds = [keys.size * i // parts for i in range(parts + 1)]
    keys.partition(bounds[1:-1])
    with ThreadPoolExecutor(parts) as pool:
        list(pool.map(np.ndarray.sort, [keys[a:b] for a, b in pairwise(bounds)]))


def _scratch(buffer: np.ndarray, n: int) -> np.ndarray:
    """The first `n` items of `buffer`, or a new array when it is too small."""
    return buffer[:n] if n <= buffer.size else np.empty(n, dtype=buffer.dtype)


def _triu(k: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.triu_indices(k, 1)`` without its ``k x k`` mask (a third of the time)."""
    counts = np.arange(k - 1, -1, -1, dtype=np.int64)  # row i has k-1-i pairs
    iu = np.repeat(np.arange(k, dtype=np.int64), counts)
    # Along row i, ju runs i+1 .. k-1: steps of one, summed, with a step back from k-1
    # to i+1 where rows 1 .. k-2 start (a team of thousands makes millions of pairs).
    ju = np.ones(iu.size, dtype=np.int64)
    ju[np.cumsum(counts[:-2])] = np.arange(2, k, dtype=np.int64) - (k - 1)
    np.cumsum(ju, out=ju)
    return iu, ju


def _size_groups(sizes: np.ndarray):
    """``(k, works of size k)`` for each team size ``k >= 2``, works in order."""
    by_size = np.argsort(sizes, kind="stable")  # works of one size together, in order
    bounds = np.searchsorted(sizes[by_size], np.arange(2, sizes.max(initial=0) + 2))
    for k in range(2, bounds.size + 1):
        lo, hi = bounds[k - 2], bounds[k - 1]
        if lo < hi:
            yield k, by_size[lo:hi]


def _triu_chunks(k: int, works: np.ndarray):
    """``(iu, ju, chunk of works)``: the pair columns of a team of `k`, and the works
    in chunks small enough to bound the temporaries."""
    iu, ju = _triu(k)
    step = max(1, _PAIR_CHUNK // iu.size)
    for at in range(0, works.size, step):
        yield iu, ju, works[at : at + step]


def _emit_pair_rows(starts: np.ndarray, sizes: np.ndarray, node_codes: np.ndarray, n_nodes: int):
    """Fallback of :func:`_emit_pairs` for huge graphs: pair keys (``a << nb | b``) and
    works, lexsorted."""
    keys, works = [], []
    nb = np.int64(_bits(n_nodes))
    for k, group in _size_groups(sizes):
        for iu, ju, sel in _triu_chunks(k, group):
            block = node_codes[starts[sel][:, None] + np.arange(k)]
            keys.append(((block[:, iu] << nb) | block[:, ju]).ravel())
            works.append(np.repeat(sel, iu.size))
    if not keys:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    keys, works = np.concatenate(keys), np.concatenate(works)
    order = np.lexsort((works, keys))
    return keys[order], works[order]


def _compact(codes: np.ndarray, uniques) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Drop the `uniques` no code refers to and renumber `codes` (order is kept).

    Returns int64 codes, the ids as a plain object array (slicing and ``tolist()`` on
    it are far faster than on Arrow-backed pandas string indexes), and the map from
    old code to new code (-1: dropped), or ``None`` when nothing was dropped.
    """
    used = np.zeros(len(uniques), dtype=bool)
    used[codes] = True
    uniques = np.asarray(uniques, dtype=object)
    if used.all():
        return codes.astype(np.int64), uniques, None
    new_code = np.cumsum(used, dtype=np.int64) - 1
    new_code[~used] = -1
    return new_code[codes], uniques[used], new_code


def _years_by_code(
    works: pd.DataFrame, codes: np.ndarray, new_code: np.ndarray | None, n_works: int
) -> np.ndarray:
    """Publication year per work code (float64, NaN where unknown).

    `codes` are the works table's rows coded with the memberships' work ids, before
    `new_code` renumbered them; the first row of a work listed twice wins, as in
    :func:`_work_years`.
    """
    out = np.full(n_works, np.nan)
    if new_code is not None:
        codes = np.where(codes >= 0, new_code[np.maximum(codes, 0)], -1)
    years = pd.to_numeric(works["publication_year"], errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )
    rows = np.flatnonzero(codes >= 0)
    at, first = np.unique(codes[rows], return_index=True)
    out[at] = years[rows[first]]
    return out


def _run_starts(sorted_values: np.ndarray, shift: int = 0) -> np.ndarray:
    """Where each run of equal ``sorted_values >> shift`` starts (int64 positions).

    With a `shift`, neighbours are compared a chunk at a time through one scratch
    buffer (``a >> s != b >> s`` exactly when ``(a ^ b) >> s`` is not zero, for
    non-negative keys), so no shifted copy of the whole array is made.
    """
    n = sorted_values.size
    if not n:
        return np.empty(0, dtype=np.int64)
    new = np.empty(n, dtype=bool)
    new[0] = True
    if not shift:
        np.not_equal(sorted_values[1:], sorted_values[:-1], out=new[1:])
        return np.flatnonzero(new)
    step = _REDUCE_CHUNK
    scratch = np.empty(min(step, n - 1), dtype=sorted_values.dtype)
    for lo in range(1, n, step):
        hi = min(lo + step, n)
        x = scratch[: hi - lo]
        np.bitwise_xor(sorted_values[lo:hi], sorted_values[lo - 1 : hi - 1], out=x)
        np.greater_equal(x, np.int64(1) << np.int64(shift), out=new[lo:hi])
    return np.flatnonzero(new)


def _distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` by one sort: numpy 2.3+ answers a bare ``np.unique`` of
    integers through a hash table, which was 60x slower here on millions of rows."""
    values = np.sort(values)
    return values[_run_starts(values)]


def _reduce_over_works(evidence: np.ndarray, ptr: np.ndarray, reductions: list) -> list[np.ndarray]:
    """Per edge, per-work values reduced over the edge's works.

    `reductions` lists ``(per_work, ufuncs)``; the result has one array per ufunc, in
    order. Edge ``i``'s works are ``evidence[ptr[i]:ptr[i+1]]``. Each per-work array is
    gathered once per chunk of edges into a reused buffer (no array the size of the
    evidence is made), and ``ufunc.reduceat`` reduces each edge's run: the same runs
    in the same order as one ``reduceat`` over all rows, so sums are equal bit for bit.
    """
    n_edges = ptr.size - 1
    outs = [
        [np.empty(max(n_edges, 0), dtype=values.dtype) for _ in ufuncs]
        for values, ufuncs in reductions
    ]
    buffer = np.empty(min(_REDUCE_CHUNK, evidence.size), dtype=np.float64)
    e0 = 0
    while e0 < n_edges:
        # the edges whose rows fit in one chunk (at least one edge)
        e1 = int(np.searchsorted(ptr, ptr[e0] + _REDUCE_CHUNK, side="right")) - 1
        e1 = min(max(e1, e0 + 1), n_edges)
        lo, hi = int(ptr[e0]), int(ptr[e1])
        rows = evidence[lo:hi]
        at = ptr[e0:e1] - lo
        for (values, ufuncs), out in zip(reductions, outs, strict=True):
            gathered = _scratch(buffer, hi - lo) if values.dtype == buffer.dtype else None
            gathered = np.take(values, rows, out=gathered, mode="wrap")  # see _emit_pairs
            for ufunc, o in zip(ufuncs, out, strict=True):
                ufunc.reduceat(gathered, at, out=o[e0:e1])
        e0 = e1
    return [o for out in outs for o in out]


class EdgeTable(NamedTuple):
    """The edges of a co-authorship graph as arrays (see :func:`edge_table`)."""

    node_ids: np.ndarray  # object array of node ids, sorted; codes index it
    work_ids: np.ndarray  # object array of work ids, sorted; codes index it
    n_works_per_node: np.ndarray  # distinct works per node (single-node works included)
    excluded: list  # hyperauthored work ids that add no edge
    source: np.ndarray  # node code of each edge's first end (source < target)
    target: np.ndarray
    weight: np.ndarray  # joint works (int64)
    weight_fractional: np.ndarray  # Newman 2001 (float64)
    first_year: np.ndarray  # float64, NaN where no work of the edge has a year
    last_year: np.ndarray
    evidence_ptr: np.ndarray  # edge i's works are evidence[evidence_ptr[i]:evidence_ptr[i+1]]
    evidence: np.ndarray  # work codes, ascending within each edge

    def degrees(self, weights: np.ndarray | None = None) -> np.ndarray:
        """Per node code: the number of ties, or the sum of `weights` over its ties."""
        n = len(self.node_ids)
        return np.bincount(self.source, weights, n) + np.bincount(self.target, weights, n)

    def codes_of(self, nodes: list) -> np.ndarray:
        """The node code of each of `nodes` (-1 where not a node)."""
        index = pd.Index(self.node_ids, dtype=object)
        return index.get_indexer(pd.Index(nodes, dtype=object))


def edge_table(
    memberships: pd.DataFrame,
    works: pd.DataFrame | None,
    *,
    node_column: str = "node",
    max_team_size: int | None = None,
    min_weight: int = 1,
) -> EdgeTable:
    """Return the ties of :func:`coauthorship_network` as arrays, without its nodes table.

    What :func:`coauthorship_network` holds as its ties; useful on its own to write
    edge lists or to feed another graph library. The parameters are those of
    :func:`coauthorship_network`.

    Works and nodes are coded as integers; works are grouped by their number of nodes
    ``k``, the upper triangle of each ``(works, k)`` block gives the pairs, and each
    (pair, work) row is packed into one int64, so a single sort yields the edges, their
    weights and their evidence in work order (vectorised numpy, one Python step per
    distinct team size). Per-work values (fractional weight, year) are then reduced over
    each edge's works.

    Examples
    --------
    >>> m = pd.DataFrame({"work_id": ["W1", "W1", "W2", "W2"], "node": ["a", "b", "a", "b"]})
    >>> t = edge_table(m, None)
    >>> t.node_ids[t.source].tolist(), t.weight.tolist(), t.evidence.tolist()
    (['a'], [2], [0, 1])
    """
    _require(memberships, ["work_id", node_column], "memberships")
    if min_weight < 1:
        raise InputError("min_weight", f"must be at least 1, got {min_weight}")
    if max_team_size is not None and max_team_size < 1:
        raise InputError("max_team_size", f"must be at least 1 or None, got {max_team_size}")

    # Code both columns once (nulls become -1), drop rows with a null, keep only the
    # ids that remain, and deduplicate (work, node) on the integer codes. The works
    # table's ids are coded in the same pass, so its years need no string lookup.
    n_rows = len(memberships)
    has_years = works is not None and len(works) and "publication_year" in works.columns
    work_column = memberships["work_id"]
    if has_years:
        _require(works, ["work_id"], "works")
        work_column = pd.concat(
            [work_column.reset_index(drop=True), works["work_id"].reset_index(drop=True)],
            ignore_index=True,
        )
    all_work_codes, work_ids = pd.factorize(work_column, sort=True)
    work_codes = all_work_codes[:n_rows]
    node_codes, node_ids = pd.factorize(memberships[node_column], sort=True)
    ok = (work_codes >= 0) & (node_codes >= 0)
    work_codes, work_ids, work_new_code = _compact(work_codes[ok], work_ids)
    node_codes, node_ids, _ = _compact(node_codes[ok], node_ids)
    n_nodes = len(node_ids)
    n_works = len(work_ids)
    years = np.full(n_works, np.nan)
    if has_years:
        years = _years_by_code(works, all_work_codes[n_rows:], work_new_code, n_works)
    del all_work_codes

    # Rows sorted by (work, node): each work is a contiguous run of increasing node codes.
    nb = np.int64(_bits(n_nodes))
    rows = (work_codes << nb) | node_codes
    _sort_keys(rows)
    rows = rows[_run_starts(rows)]  # drop repeated rows
    work_codes, node_codes = rows >> nb, rows & ((1 << nb) - 1)
    del rows
    sizes = np.bincount(work_codes, minlength=n_works)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    n_works_per_node = np.bincount(node_codes, minlength=n_nodes)
    del work_codes

    excluded: list = []
    if max_team_size is not None:
        team = _team_sizes(memberships, node_column, works).reindex(work_ids)
        team = team.fillna(0).to_numpy()
        too_big = team > max_team_size
        excluded = sorted(work_ids[too_big].tolist())
        sizes = np.where(too_big, 0, sizes)

    keys = _emit_pairs(starts, sizes, node_codes, n_nodes)
    if keys is not None:
        _sort_keys(keys)
        wb = np.int64(_bits(n_works))
        edge_starts = _run_starts(keys, shift=wb)
        edge_keys = keys[edge_starts]
        edge_keys >>= wb  # in place: fresh memory is slow to touch
        keys &= (1 << wb) - 1  # in place: the keys become the evidence (work codes)
        evidence = keys
        del keys
    else:
        pair, evidence = _emit_pair_rows(starts, sizes, node_codes, n_nodes)
        edge_starts = _run_starts(pair)
        edge_keys = pair[edge_starts]
        del pair
    del node_codes, starts
    ptr = np.empty(edge_starts.size + 1, dtype=np.int64)
    ptr[:-1] = edge_starts
    ptr[-1] = evidence.size
    del edge_starts

    weight = np.diff(ptr)
    # Per-edge attributes from per-work values, reduced over each edge's works.
    with np.errstate(divide="ignore"):
        frac_work = np.where(sizes >= 2, 1.0 / (sizes - 1), 0.0)
    frac, first, last = _reduce_over_works(
        evidence, ptr, [(frac_work, (np.add,)), (years, (np.fmin, np.fmax))]
    )
    keep = weight >= min_weight
    if not keep.all():
        evidence = evidence[np.repeat(keep, weight)]
        edge_keys, weight, frac = edge_keys[keep], weight[keep], frac[keep]
        first, last = first[keep], last[keep]
        ptr = np.concatenate(([0], np.cumsum(weight))).astype(np.int64)
    source = edge_keys >> nb
    edge_keys &= (1 << nb) - 1  # in place: the keys become the targets
    return EdgeTable(
        node_ids=node_ids,
        work_ids=work_ids,
        n_works_per_node=n_works_per_node,
        excluded=excluded,
        source=source,
        target=edge_keys,
        weight=weight,
        weight_fractional=frac,
        first_year=first,
        last_year=last,
        evidence_ptr=ptr,
        evidence=evidence,
    )


def coauthorship_network(
    memberships: pd.DataFrame,
    works: pd.DataFrame,
    nodes: pd.DataFrame | None = None,
    *,
    node_column: str = "node",
    max_team_size: int | None = None,
    min_weight: int = 1,
) -> Network:
    """Return the weighted co-authorship network of the nodes that share works.

    A work is a hyperedge joining its distinct nodes; it is projected onto every pair of
    them. Each node carries ``n_works`` (distinct works, single-node works included).
    Each tie carries ``weight`` (joint works, full counting), ``weight_fractional``
    (Newman's fractional counting), ``works`` (its work ids, sorted: the evidence),
    ``first_year`` and ``last_year`` (publication years of those works; none when no
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
        Only nodes that appear in `memberships` are in the network.
    node_column : str
        The column of `memberships` holding node ids.
    max_team_size : int, optional
        Works with more distinct authors than this ("hyperauthored") add no tie; they
        still count in ``n_works`` and are listed in
        ``net.graph["excluded_hyperauthored_works"]``. Team size is the works table's
        ``n_authors`` (the team as published, authors without an OpenAlex id included);
        for works it does not list, the number of distinct non-null ``author_id`` on the
        work in `memberships` (rows with a null node included), or without an
        ``author_id`` column the number of distinct nodes.
    min_weight : int
        Ties with fewer joint works are dropped (after the team-size cap).

    Returns
    -------
    Network
        Its ``graph`` records ``level`` (= `node_column`), ``counting``, ``fractional``,
        ``max_team_size``, ``min_weight``, ``n_works`` and
        ``excluded_hyperauthored_works``. ``net.to_networkx()`` is the networkx graph
        (:func:`coauthorship_graph`).

    Notes
    -----
    Fractional counting follows Newman (2001): a work with ``n`` distinct nodes adds
    ``1/(n-1)`` to each of its ``n(n-1)/2`` pairs, so each node receives one unit of
    weight from each of its multi-node works. ``n`` is the number of distinct nodes *of
    this network's level* on the work (distinct institutions in an institution network),
    not the number of authors, so the strengths of the fractional network sum to twice
    the number of multi-node works at every level. The team-size cap is applied before
    ``n`` is counted; excluded works contribute neither weight.

    The ties are computed as arrays by :func:`edge_table` (one sort of packed int64
    keys) and stay arrays: the exports, the igraph engine of :mod:`collabnet.metrics`
    and the interactive map read them, so ranking or writing a large network never
    creates a Python dict or list per tie.

    References
    ----------
    .. [1] M. E. J. Newman, "Scientific collaboration networks. II. Shortest paths,
       weighted networks, and centrality", Phys. Rev. E 64, 016132 (2001).

    Examples
    --------
    >>> m = pd.DataFrame({"work_id": ["W1", "W1", "W1", "W2", "W2"],
    ...                   "node": ["a", "b", "c", "a", "b"]})
    >>> w = pd.DataFrame({"work_id": ["W1", "W2"], "publication_year": [2019, 2021]})
    >>> net = coauthorship_network(m, w)
    >>> net.number_of_nodes(), net.number_of_edges(), net.ties.weight.tolist()
    (3, 3, [2, 1, 1])
    >>> net.nodes.loc["c", ["label", "category"]].tolist(), int(net.nodes.loc["c", "n_works"])
    (['c', 'other'], 1)
    """
    t = edge_table(
        memberships,
        works,
        node_column=node_column,
        max_team_size=max_team_size,
        min_weight=min_weight,
    )
    graph = dict(
        level=node_column,
        counting="full",
        fractional="newman2001",
        max_team_size=max_team_size,
        min_weight=min_weight,
        n_works=int(len(t.work_ids)),
        excluded_hyperauthored_works=list(t.excluded),
    )
    return Network(nodes=_node_table(t, nodes), ties=t, graph=graph)


def coauthorship_graph(
    memberships: pd.DataFrame,
    works: pd.DataFrame,
    nodes: pd.DataFrame | None = None,
    *,
    node_column: str = "node",
    max_team_size: int | None = None,
    min_weight: int = 1,
) -> nx.Graph:
    """Return the co-authorship graph as a networkx graph:
    ``coauthorship_network(...).to_networkx()`` (see :func:`coauthorship_network` for the
    parameters).

    Each edge's attributes are ``weight``, ``weight_fractional``, ``works`` (a list of
    work ids), ``first_year`` and ``last_year`` (``None`` when no work has a year).

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
    return coauthorship_network(
        memberships,
        works,
        nodes,
        node_column=node_column,
        max_team_size=max_team_size,
        min_weight=min_weight,
    ).to_networkx()


@dataclass(frozen=True, eq=False)
class Network:
    """A co-authorship network as plain data: a nodes table and the ties as arrays.

    ``nodes``
        A DataFrame indexed by node id, one row per node in node-code order (sorted ids),
        one column per node attribute (``label``, ``category``, ``n_works``, the build's
        attributes, and the measures :func:`collabnet.pipeline.rank_graphs` adds). A
        null value is an attribute the node does not have.
    ``ties``
        The :class:`EdgeTable`: ``source`` and ``target`` (node codes, ``source <
        target``, sorted), ``weight``, ``weight_fractional``, ``first_year``,
        ``last_year``, and each tie's works ``work_ids[evidence[evidence_ptr[i] :
        evidence_ptr[i + 1]]]``. Read-only.
    ``graph``
        What the network was built with (``level``, ``counting``, ``max_team_size``,
        ``excluded_hyperauthored_works``, ...), as networkx's ``G.graph``.

    :meth:`to_networkx` gives the networkx graph, with the same node attributes and a
    dict per tie (its ``works`` a list). The igraph engine of :mod:`collabnet.metrics`,
    the GraphML, edge CSV and VOSviewer writers, the interactive map and the component
    counts read the arrays; networkx's algorithms and the writers of small graphs only
    (GEXF, VOSviewer JSON, XLSX) take the converted graph.
    """

    nodes: pd.DataFrame
    ties: EdgeTable
    graph: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The arrays are the ties: read-only, so no reader can change them for the others.
        for array in self.ties:
            if isinstance(array, np.ndarray):
                array.flags.writeable = False

    @property
    def node_ids(self) -> np.ndarray:
        """The node ids (object array) in node-code order."""
        return self.ties.node_ids

    def number_of_nodes(self) -> int:
        return len(self.ties.node_ids)

    def number_of_edges(self) -> int:
        return int(self.ties.weight.size)

    def node_attrs(self) -> list[dict]:
        """Each node's attributes as the dict networkx holds, in node-code order: the
        table's columns in order, nulls left out.

        Each dict starts as a copy of one template holding every key (so it is never
        resized) and is filled a column at a time, in C-level loops; the keys of null
        values are then deleted.
        """
        table = self.nodes
        n = len(table)
        attrs = np.empty(n, dtype=object)  # fancy-indexable list of dicts
        attrs[:] = list(map(dict.copy, repeat(dict.fromkeys(table.columns), n)))
        for i, col in enumerate(table.columns):
            values = table.iloc[:, i]
            _set_each(attrs, col, values.tolist())  # Python (or pandas) scalars
            missing = values.isna().to_numpy(dtype=bool)
            if missing.any():
                _del_each(attrs[missing], col)
        return attrs.tolist()

    def column(self, name) -> list:
        """One node attribute's values in node-code order, ``None`` where a node has none."""
        if name not in self.nodes.columns:
            return [None] * len(self.nodes)
        values = self.nodes[name]
        out = np.asarray(values.tolist(), dtype=object) if len(values) else np.empty(0, object)
        out[values.isna().to_numpy(dtype=bool)] = None
        return out.tolist()

    def node_values(self, column) -> dict:
        """``{node: value}`` of one node attribute, for the nodes that have it."""
        if column not in self.nodes.columns:
            return {}
        values = self.nodes[column]
        have = values.notna().to_numpy(dtype=bool)
        return dict(zip(self.node_ids[have].tolist(), values[have].tolist(), strict=True))

    def set_node_values(self, column, values: dict) -> None:
        """Set the node attribute `column` to ``values[node]`` for the nodes among
        `values` (others keep theirs), as ``nx.set_node_attributes`` does: in the nodes
        table, whose column holds the values as given."""
        nodes = self.nodes
        if column in nodes.columns:
            col = nodes[column].astype(object).to_numpy(copy=True)
        else:
            col = np.full(len(nodes), None, dtype=object)
        codes = self.ties.codes_of(list(values))
        given = np.empty(len(values), dtype=object)
        given[:] = list(values.values())
        col[codes[codes >= 0]] = given[codes >= 0]
        nodes[column] = col

    def to_networkx(self) -> nx.Graph:
        """The networkx graph: the same nodes, node attributes and ``graph``, and per tie
        a dict of ``weight``, ``weight_fractional``, ``works`` (a list of work ids),
        ``first_year`` and ``last_year`` (whole years, ``None`` when unknown).

        Each node's neighbours come in node-id order, as ``add_edges_from`` on the
        sorted ties would give; the dicts are written in bulk, one per tie, shared by
        both directions.
        """
        G = nx.Graph()
        G.graph.update(self.graph)
        t = self.ties
        with paused_gc():
            G._node.update(zip(t.node_ids.tolist(), self.node_attrs(), strict=True))
            adj = G._adj
            adj.update((n, {}) for n in G._node)
            if t.weight.size:
                _add_edges(adj, t)
        return G

    def subgraph(self, nodes, *, max_ties: int | None = None) -> Network:
        """The network of `nodes` and the ties among them (see :func:`induced_subgraph`);
        ``graph["ties_among_nodes"]`` counts those ties before `max_ties` applies."""
        t = self.ties
        wanted = set(nodes)
        keep = np.fromiter((n in wanted for n in t.node_ids.tolist()), bool, len(t.node_ids))
        e = np.flatnonzero(keep[t.source] & keep[t.target])
        n_among = int(e.size)
        if max_ties is not None and e.size > max_ties:
            # strongest first: fractional weight, then joint works, then position (stable)
            order = np.lexsort((e, -t.weight[e], -t.weight_fractional[e]))
            e = np.sort(e[order[:max_ties]])
        sub = self.with_ties(e, keep=keep)
        sub.graph["ties_among_nodes"] = n_among
        return sub

    def with_ties(self, ties: np.ndarray, *, keep: np.ndarray | None = None) -> Network:
        """The network of the ties numbered `ties` (ascending), with every node, or the
        nodes where the boolean array `keep` is true (which must hold both ends of each
        tie). Each tie keeps its works."""
        t = self.ties
        e = np.asarray(ties, dtype=np.int64)
        if keep is None:
            keep = np.ones(len(t.node_ids), bool)
        new_code = np.cumsum(keep) - 1
        weight = t.weight[e]
        ptr = np.concatenate(([0], np.cumsum(weight))).astype(np.int64)
        # evidence rows of the kept ties: each tie's run, moved to its new place
        rows = np.repeat(t.evidence_ptr[e] - ptr[:-1], weight) + np.arange(ptr[-1], dtype=np.int64)
        sub = t._replace(
            node_ids=t.node_ids[keep],
            n_works_per_node=t.n_works_per_node[keep],
            source=new_code[t.source[e]],
            target=new_code[t.target[e]],
            weight=weight,
            weight_fractional=t.weight_fractional[e],
            first_year=t.first_year[e],
            last_year=t.last_year[e],
            evidence_ptr=ptr,
            evidence=t.evidence[rows],
        )
        nodes = self.nodes.iloc[np.flatnonzero(keep)].copy()
        return Network(nodes=nodes, ties=sub, graph=dict(self.graph))

    def codes(self, nodes: list) -> np.ndarray:
        """The node code of each of `nodes`; an error names the first that is no node."""
        codes = self.ties.codes_of(nodes)
        if (codes < 0).any():
            missing = nodes[int(np.flatnonzero(codes < 0)[0])]
            raise InputError("nodes", f"not in the graph: {missing!r}")
        return codes

    def isolates_and_components(self) -> tuple[int, int]:
        """``(isolated nodes, connected components)``, by scipy on the arrays."""
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        t = self.ties
        n = len(t.node_ids)
        if n == 0:
            return 0, 0
        ones = np.ones(t.source.size, np.int8)
        adjacency = coo_matrix((ones, (t.source, t.target)), shape=(n, n))
        isolates = int((t.degrees() == 0).sum())
        return isolates, int(connected_components(adjacency, directed=False)[0])


def _node_table(t: EdgeTable, nodes: pd.DataFrame | None) -> pd.DataFrame:
    """The nodes table of a :class:`Network`: `nodes`' rows of the network's nodes (in
    node-code order), its columns, then ``label`` (the id where missing), ``category``
    (``"other"`` where missing) and ``n_works``."""
    ids = pd.Index(t.node_ids, dtype=object)
    if nodes is not None and len(nodes):
        known = nodes
        if not (len(known) == len(ids) and known.index.equals(ids)):
            known = known[~known.index.duplicated()].reindex(ids)
        table = known.copy()
        table.index = ids
    else:
        table = pd.DataFrame(index=ids)
    for key in ("label", "category"):
        missing = table[key].isna().to_numpy(dtype=bool) if key in table.columns else None
        if missing is not None and not missing.any():
            continue
        values = (
            table[key].astype(object).to_numpy(copy=True)
            if missing is not None
            else np.empty(len(ids), dtype=object)
        )
        missing = np.ones(len(ids), bool) if missing is None else missing
        values[missing] = (
            list(map(str, t.node_ids[missing].tolist())) if key == "label" else "other"
        )
        table[key] = values
    table["n_works"] = t.n_works_per_node
    return table


def as_networkx(G: Network | nx.Graph) -> nx.Graph:
    """`G` as a networkx graph: :meth:`Network.to_networkx` of a :class:`Network`, any
    networkx graph as it is."""
    return G.to_networkx() if isinstance(G, Network) else G


def node_data(G: Network | nx.Graph) -> dict:
    """``{node: attribute dict}`` of a :class:`Network` or a networkx graph (read only)."""
    if isinstance(G, Network):
        return dict(zip(G.node_ids.tolist(), G.node_attrs(), strict=True))
    return G._node


def count_isolates_and_components(G: Network | nx.Graph) -> tuple[int, int]:
    """``(nx.number_of_isolates(G), nx.number_connected_components(G))``; from the
    arrays (scipy) for a :class:`Network`.

    Examples
    --------
    >>> m = pd.DataFrame({"work_id": ["W1", "W1", "W2"], "node": ["a", "b", "c"]})
    >>> count_isolates_and_components(coauthorship_network(m, None))
    (1, 2)
    """
    if isinstance(G, Network):
        return G.isolates_and_components()
    return nx.number_of_isolates(G), (nx.number_connected_components(G) if len(G) else 0)


def work_id_list(value) -> list[str]:
    """A tie's ``works`` as a list of work ids: a list as built, or the ``"W1;W2"`` text
    of a graph read back from a file.

    Examples
    --------
    >>> work_id_list("W1; W2,W3"), work_id_list(["W1", 2]), work_id_list(None)
    (['W1', 'W2', 'W3'], ['W1', '2'], [])
    """
    if value is None:
        return []
    if isinstance(value, str):
        return [w for w in re.split(r"[;,\s]+", value) if w]
    return [str(w) for w in value]


def induced_subgraph(G: Network | nx.Graph, nodes, *, max_ties: int | None = None) -> nx.Graph:
    """A new networkx graph of `nodes` and the ties among them, in `G`'s order of nodes
    and ties.

    With `max_ties`, only the strongest `max_ties` of those ties are kept: by Newman's
    fractional weight (so ties resting on consortium papers are left out first), then by joint
    works, then in `G`'s order. ``H.graph["ties_among_nodes"]`` records how many there were.

    What ``G.subgraph(nodes).copy()`` holds, but in a stable order (a networkx
    subgraph view lists its nodes in the order of a set). Of a :class:`Network`, the
    subgraph is cut from the arrays (:meth:`Network.subgraph`), so a view of a few
    hundred nodes makes dicts for their ties only. Attribute dicts are copies; the works
    lists are new lists.

    Examples
    --------
    >>> m = pd.DataFrame({"work_id": ["W1"] * 3, "node": ["a", "b", "c"]})
    >>> H = induced_subgraph(coauthorship_network(m, None), ["a", "c"])
    >>> list(H.edges(data="works"))
    [('a', 'c', ['W1'])]
    """
    if isinstance(G, Network):
        return G.subgraph(nodes, max_ties=max_ties).to_networkx()
    wanted = set(nodes)
    H = nx.Graph()
    H.graph.update(G.graph)
    H.add_nodes_from((n, d) for n, d in G.nodes(data=True) if n in wanted)
    seen: set = set()
    ties = [
        (u, v, d)
        for u in H
        for v, d in G._adj[u].items()
        if v in wanted and (v, u) not in seen and not seen.add((u, v))
    ]
    H.graph["ties_among_nodes"] = len(ties)
    if max_ties is not None and len(ties) > max_ties:
        order = sorted(
            range(len(ties)),
            key=lambda i: (
                -(ties[i][2].get("weight_fractional") or 0),
                -(ties[i][2].get("weight") or 0),
                i,
            ),
        )
        ties = [ties[i] for i in sorted(order[:max_ties])]
    H.add_edges_from(
        (u, v, {k: list(x) if isinstance(x, list) else x for k, x in d.items()}) for u, v, d in ties
    )
    return H


def _set_each(dicts, key, values) -> None:
    """``d[key] = v`` for each pair, looped in C (``map`` over ``operator.setitem``)."""
    deque(map(operator.setitem, dicts, repeat(key), values), maxlen=0)


def _del_each(dicts, key) -> None:
    """``del d[key]`` for each dict, looped in C."""
    deque(map(operator.delitem, dicts, repeat(key)), maxlen=0)


def whole_years(values: np.ndarray) -> list:
    """Years as Python ints (whole part), ``None`` where NaN: what a tie dict holds."""
    missing = np.isnan(values)
    if not missing.any():
        return values.astype(np.int64).tolist()
    out = np.full(values.size, None, dtype=object)
    out[~missing] = values[~missing].astype(np.int64)
    return out.tolist()


def _add_edges(adj: dict, t: EdgeTable) -> None:
    """Write the adjacency dict `adj` in bulk, one ``dict(zip(...))`` per node.

    networkx's ``add_edges_from`` does the same per edge, with checks we do not need
    (every node exists, every pair is new); doing it per node moves the inner loop into
    C. Both directions share one attribute dict, as in networkx, and each node's
    neighbours come in node-id order, as ``add_edges_from`` on the sorted pairs gives.
    """
    # Evidence lists: one conversion of all work ids to Python objects, then slices.
    ids = t.work_ids[t.evidence].tolist()
    ptr = t.evidence_ptr.tolist()
    works = [ids[s:e] for s, e in zip(ptr[:-1], ptr[1:], strict=True)]
    del ids
    dicts = np.empty(t.weight.size, dtype=object)
    dicts[:] = [
        {"weight": w, "weight_fractional": f, "works": ev, "first_year": a, "last_year": b}
        for w, f, ev, a, b in zip(
            t.weight.tolist(),
            t.weight_fractional.tolist(),
            works,
            whole_years(t.first_year),
            whole_years(t.last_year),
            strict=True,
        )
    ]
    del works
    # Both directions of every edge, stably grouped by owner: for node x, first its
    # neighbours a < x (edges are sorted by (a, b)), then its neighbours b > x.
    n_edges = t.weight.size
    owner = np.concatenate((t.target, t.source))
    other = np.concatenate((t.source, t.target))
    keys = owner * np.int64(2 * n_edges) + np.arange(2 * n_edges, dtype=np.int64)
    _sort_keys(keys)  # one int64 sort instead of a stable argsort
    pos = keys % (2 * n_edges)
    owner_sorted = keys // (2 * n_edges)
    del keys
    nbr = t.node_ids[other[pos]].tolist()
    attr = dicts[pos % n_edges].tolist()
    bounds = np.flatnonzero(np.diff(owner_sorted)) + 1
    starts = np.concatenate(([0], bounds)).astype(np.int64)
    owners = t.node_ids[owner_sorted[starts]].tolist()
    ends = np.append(starts[1:], pos.size).tolist()
    for x, s, e in zip(owners, starts.tolist(), ends, strict=True):
        adj[x] = dict(zip(nbr[s:e], attr[s:e], strict=True))


def _in_sorted_order(items: list) -> list:
    """`items` sorted; if some do not compare, all go by type name, then text."""
    try:
        return sorted(items)
    except TypeError:
        return sorted(items, key=lambda v: (type(v).__name__, str(v)))


def author_categories(
    authorships: pd.DataFrame,
    *,
    node_column: str = "author_id",
    category_column: str = "category",
) -> pd.DataFrame:
    """Per author (or other node), the category of most of their works, and all of them.

    One definition for every author graph and author table in collabnet: ``category`` is
    the category the author was affiliated with on the most distinct works; a tie goes
    to the category first in ``config.CATEGORIES`` (``nl``, ``cn_police``,
    ``cn_military``, ``cn_state_security``, ``cn_other``, ``other``), so a tie between a
    Dutch and a police-linked affiliation reads ``nl``. Other values come after those,
    in a categorical's own order or else sorted. ``categories`` lists every category
    with its number of works, most first, in the same order on ties
    (``"nl (3); cn_police (1)"``). Rows with a null node, work or category are not
    counted; the result is indexed by node id, in sorted order.

    Examples
    --------
    >>> a = pd.DataFrame({"work_id": ["W1", "W2", "W2", "W3", "W4"],
    ...                   "author_id": ["A1", "A1", "A1", "A2", "A2"],
    ...                   "category": ["cn_police", "nl", "other", "other", "cn_police"]})
    >>> author_categories(a).to_dict("index")  # doctest: +NORMALIZE_WHITESPACE
    {'A1': {'category': 'nl', 'categories': 'nl (1); cn_police (1); other (1)'},
     'A2': {'category': 'cn_police', 'categories': 'cn_police (1); other (1)'}}
    """
    _require(authorships, ["work_id", node_column, category_column], "authorships")
    key_codes, keys = pd.factorize(authorships[node_column], sort=True)
    n_keys = len(keys)
    main = np.full(n_keys, np.nan, dtype=object)
    listed = np.full(n_keys, np.nan, dtype=object)
    column = authorships[category_column]
    in_order = isinstance(column.dtype, pd.CategoricalDtype)
    cat_codes, values = pd.factorize(column, sort=in_order)
    work_codes, work_ids = pd.factorize(authorships["work_id"])
    n_w = len(work_ids)
    ok = (key_codes >= 0) & (cat_codes >= 0) & (work_codes >= 0)
    index = pd.Index(np.asarray(keys, dtype=object), dtype=object)
    if not ok.any():
        return pd.DataFrame({"category": main, "categories": listed}, index=index, dtype=object)
    values = np.asarray(values, dtype=object)
    rank = _category_rank(values, in_order)
    by_rank = np.empty(len(values), dtype=object)
    by_rank[rank] = values
    k = key_codes[ok].astype(np.int64)
    r = rank[cat_codes[ok]]
    w = work_codes[ok].astype(np.int64)
    # Distinct (node, category, work) rows, then works per (node, category).
    n_r = len(values)
    if n_keys * n_r * n_w < _KEY_LIMIT:
        kr = _distinct((k * n_r + r) * n_w + w) // n_w
    else:  # too many to pack into one int64
        kr = pd.DataFrame({"kr": k * n_r + r, "w": w}).drop_duplicates()["kr"].to_numpy()
        kr.sort()
    starts = _run_starts(kr)
    n = np.diff(np.append(starts, kr.size))
    key_of, rank_of = np.divmod(kr[starts], n_r)
    # Within each node: most works first, then category order.
    order = np.lexsort((rank_of, -n, key_of))
    key_of, rank_of, n = key_of[order], rank_of[order], n[order]
    first = _run_starts(key_of)
    main[key_of[first]] = by_rank[rank_of[first]]
    # "category (n)" for each distinct pair, then joined per node ("; ").
    m = int(n.max()) + 1
    pair_codes, inverse = np.unique(rank_of * m + n, return_inverse=True)
    text = np.asarray([f"{by_rank[p // m]} ({p % m})" for p in pair_codes.tolist()], dtype=object)[
        inverse.ravel()
    ]
    ends = np.append(first[1:], key_of.size)
    one = ends - first == 1
    listed[key_of[first[one]]] = text[first[one]]
    items = text.tolist()
    several = np.flatnonzero(~one)
    bounds = zip(first[several].tolist(), ends[several].tolist(), strict=True)
    listed[key_of[first[several]]] = ["; ".join(items[a:b]) for a, b in bounds]
    return pd.DataFrame({"category": main, "categories": listed}, index=index, dtype=object)


def _category_rank(values: np.ndarray, in_order: bool) -> np.ndarray:
    """Rank of each category value: ``config.CATEGORIES`` order first, then the rest
    (a categorical's own order when `in_order`, else sorted)."""
    known = {c: i for i, c in enumerate(CATEGORIES)}
    rest = [v for v in values.tolist() if v not in known]
    rest = rest if in_order else _in_sorted_order(rest)
    after = {v: len(known) + i for i, v in enumerate(rest)}
    sparse = np.asarray([known.get(v, after.get(v)) for v in values.tolist()], dtype=np.int64)
    rank = np.empty(sparse.size, dtype=np.int64)
    rank[np.argsort(sparse)] = np.arange(sparse.size)
    return rank  # 0 .. len(values)-1


def country_network(
    authorships: pd.DataFrame,
    works: pd.DataFrame,
    nodes: pd.DataFrame | None = None,
    *,
    node_column: str = "country_code",
    **kw,
) -> Network:
    """Return the country co-authorship network (see :func:`coauthorship_network`).

    Nodes are ISO country codes; ``label`` is the code and ``category`` is ``"nl"`` for
    NL, ``"cn_other"`` for CN (mainland China; the finer PRC categories belong to
    institutions, not countries) and ``"other"`` otherwise, unless `nodes` says otherwise.

    Examples
    --------
    >>> a = pd.DataFrame({"work_id": ["W1", "W1", "W1"], "author_id": ["A1", "A2", "A3"],
    ...                   "country_code": ["NL", "CN", "CN"]})
    >>> net = country_network(a, pd.DataFrame(columns=["work_id", "publication_year"]))
    >>> net.ties.weight.tolist(), net.nodes.loc["CN", "category"]
    ([1], 'cn_other')
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
    if nodes is not None:
        derived = nodes.combine_first(derived) if len(derived) else nodes
    return coauthorship_network(authorships, works, derived, node_column=node_column, **kw)


def country_graph(
    authorships: pd.DataFrame,
    works: pd.DataFrame,
    nodes: pd.DataFrame | None = None,
    *,
    node_column: str = "country_code",
    **kw,
) -> nx.Graph:
    """Return the country co-authorship graph: ``country_network(...).to_networkx()``.

    Examples
    --------
    >>> a = pd.DataFrame({"work_id": ["W1", "W1", "W1"], "author_id": ["A1", "A2", "A3"],
    ...                   "country_code": ["NL", "CN", "CN"]})
    >>> G = country_graph(a, pd.DataFrame(columns=["work_id", "publication_year"]))
    >>> G.edges["CN", "NL"]["weight"], G.nodes["CN"]["category"]
    (1, 'cn_other')
    """
    return country_network(authorships, works, nodes, node_column=node_column, **kw).to_networkx()


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


#: Above this many nodes :func:`seeded_layout` uses igraph's grid Fruchterman-Reingold
#: (0.3 s for 2,000 nodes) instead of networkx's spring layout (16 s for 2,000 nodes).
FAST_LAYOUT_ABOVE = 400


def seeded_layout(H: nx.Graph, seed: int = 0) -> dict:
    """Seeded positions for every node of ``H`` (coordinates roughly in [-1, 1]).

    networkx's spring layout up to 400 nodes; above, igraph's Fruchterman-Reingold on a
    grid, which lays out thousands of nodes in seconds where the spring layout takes a
    minute. The same graph and seed give the same positions.
    """
    n = H.number_of_nodes()
    if n == 0:
        return {}
    if n <= FAST_LAYOUT_ABOVE:
        return nx.spring_layout(H, seed=seed, weight=None)
    nodes = list(H)
    index = {node: i for i, node in enumerate(nodes)}
    coords = fruchterman_reingold(n, [(index[u], index[v]) for u, v in H.edges()], seed)
    return dict(zip(nodes, coords, strict=True))


def fruchterman_reingold(n: int, edges, seed: int = 0, *, grid: bool = True) -> list:
    """Seeded igraph Fruchterman-Reingold positions of nodes ``0 .. n-1`` joined by `edges`
    (index pairs), centred and scaled to about [-1, 1]."""
    import igraph as ig

    g = ig.Graph(n=n, edges=list(edges))
    # igraph draws from one global generator: seed it for this call, then hand back the
    # default (Python's ``random`` module) so other code is unaffected.
    ig.set_random_number_generator(random.Random(seed))
    try:
        coords = g.layout_fruchterman_reingold(grid="grid" if grid else "nogrid").coords
    finally:
        ig.set_random_number_generator(random)
    xs = [c[0] for c in coords]
    ys = [c[1] for c in coords]
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    half = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9) / 2
    return [((x - cx) / half, (y - cy) / half) for x, y in coords]
