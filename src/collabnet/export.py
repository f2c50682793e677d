"""Write collaboration graphs for other tools: GraphML, GEXF, VOSviewer, CSV and XLSX."""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .config import CATEGORIES, CONSORTIUM_AUTHORS
from .network import EdgeTable, Network, as_networkx, node_data

__all__ = [
    "exportable_graph",
    "write_graphml",
    "write_gexf",
    "write_vosviewer",
    "edges_table",
    "write_edges_csv",
    "write_edges_xlsx",
    "write_table_csv",
    "write_vosviewer_json",
    "spreadsheet_safe",
    "xlsx_safe",
    "ReplacedCharactersWarning",
    "LIST_SEPARATOR",
]

#: Lists (e.g. an edge's ``works``) are joined with this only when written to a file.
LIST_SEPARATOR = ";"

#: Edge columns of :func:`edges_table`, in order.
EDGE_COLUMNS = [
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
    "authors_per_work",
    "consortium_only",
]


#: Ties per chunk when a large graph's ties are written straight from its arrays.
TIE_CHUNK = 250_000


def joined_runs(values: list, ptr: list, sep: str = LIST_SEPARATOR) -> list[str]:
    """``sep.join(values[ptr[i]:ptr[i + 1]])`` for each i (one string per run).

    Examples
    --------
    >>> joined_runs(["W1", "W2", "W3"], [0, 2, 3])
    ['W1;W2', 'W3']
    """
    join = sep.join
    return [join(values[a:b]) for a, b in zip(ptr[:-1], ptr[1:], strict=True)]


def _tie_chunks(t: EdgeTable, chunk: int | None = None):
    """``(lo, hi)`` for each chunk of ties, in the graph's edge order."""
    chunk = chunk or TIE_CHUNK
    for lo in range(0, t.weight.size, chunk):
        yield lo, min(lo + chunk, t.weight.size)


def _joined_evidence(t: EdgeTable, texts: pa.Array, lo: int, hi: int) -> pa.Array:
    """For ties ``lo .. hi-1``: ``texts`` of each tie's works (one per work code),
    joined with ``;`` in the tie's work order, by Arrow."""
    a = int(t.evidence_ptr[lo])
    offsets = pa.array(t.evidence_ptr[lo : hi + 1] - a, type=pa.int64())
    per_row = texts.take(pa.array(t.evidence[a : int(t.evidence_ptr[hi])]))
    return pc.binary_join(pa.LargeListArray.from_arrays(offsets, per_row), LIST_SEPARATOR)


def _work_texts(t: EdgeTable) -> pa.Array:
    return pa.array([str(w) for w in t.work_ids.tolist()], type=pa.string())


def _scalar(value):
    """A value GraphML/GEXF writers accept (str, int, float, bool), or None to drop it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)  # numpy's str_ too
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):  # numpy's float64 too: one type per attribute
        return float(value) if math.isfinite(value) else None
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return LIST_SEPARATOR.join("" if v is None else str(v) for v in items)
    if isinstance(value, Mapping):
        return LIST_SEPARATOR.join(f"{k}={v}" for k, v in value.items())
    if hasattr(value, "item"):  # numpy / pandas scalar
        try:
            return _scalar(value.item())
        except (TypeError, ValueError):
            pass
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def _clean(attrs: Mapping) -> dict:
    out = {}
    for key, value in attrs.items():
        v = _scalar(value)
        if v is not None:
            out[str(key)] = v
    return out


def exportable_graph(G: nx.Graph) -> nx.Graph:
    """Return a copy of ``G`` whose attributes every networkx file writer accepts.

    Lists become ``;``-joined strings, numpy scalars become Python numbers, and None or
    NaN values are dropped. ``G`` itself is not changed.

    Examples
    --------
    >>> G = nx.Graph()
    >>> G.add_edge("A1", "A2", works=["W1", "W2"], first_year=None)
    >>> dict(exportable_graph(G).edges["A1", "A2"])
    {'works': 'W1;W2'}
    >>> G.edges["A1", "A2"]["works"]
    ['W1', 'W2']
    """
    G = as_networkx(G)
    H = G.__class__()
    H.graph.update(_clean(G.graph))
    H.add_nodes_from((n, _clean(d)) for n, d in G.nodes(data=True))
    H.add_edges_from((u, v, _clean(d)) for u, v, d in G.edges(data=True))
    return H


def _mixed_types(H: nx.Graph) -> nx.Graph:
    """GraphML and GEXF declare one type per attribute: widen int+float to float, else str."""
    for items in (
        [d for _, d in H.nodes(data=True)],
        [d for _, _, d in H.edges(data=True)],
    ):
        kinds: dict[str, set] = {}
        for d in items:
            for k, v in d.items():
                kinds.setdefault(k, set()).add(type(v))
        for key, types in kinds.items():
            if len(types) < 2:
                continue
            cast = float if types <= {int, float} else str
            for d in items:
                if key in d:
                    d[key] = cast(d[key])
    return H


def write_graphml(G: nx.Graph, path) -> Path:
    """Write ``G`` as GraphML (lists joined with ``;``) and return the path.

    Attributes are those :func:`exportable_graph` gives, with one declared type per
    attribute (ints and floats together become floats, other mixes text). Text is
    escaped for XML; characters XML 1.0 cannot hold (control characters, lone
    surrogates) become U+FFFD, with a warning (the CSV files keep them as they are).
    Elements are formatted by Arrow a chunk at a time; the ties of a
    :class:`~collabnet.network.Network` come from its arrays, so nothing per tie is made
    in Python. networkx reads the file back as the graph.

    Examples
    --------
    >>> import tempfile
    >>> G = nx.Graph()
    >>> G.add_edge("I1", "I2", weight=2, works=["W1", "W2"])
    >>> p = write_graphml(G, Path(tempfile.mkdtemp()) / "g.graphml")
    >>> nx.read_graphml(p).edges["I1", "I2"]["works"]
    'W1;W2'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(G, nx.Graph) and (G.is_multigraph() or G.is_directed()):
        # parallel or directed ties: networkx's writer
        H, replaced = _xml_safe(_mixed_types(exportable_graph(G)))
        nx.write_graphml(H, path, encoding="utf-8")
        _warn_replaced(path, replaced)
        return path
    t = G.ties if isinstance(G, Network) else None
    H = nx.Graph()  # graph and node attributes, cleaned and typed (ties below)
    H.graph.update(_clean(G.graph))
    H.add_nodes_from((n, _clean(d)) for n, d in node_data(G).items())
    if t is None:
        H.add_edges_from((u, v, _clean(d)) for u, v, d in G.edges(data=True))
    _mixed_types(H)
    keys: list = []  # (id, scope, name, python type), in order of first use
    graph_keys = _declare(keys, "graph", [H.graph])
    node_keys = _declare(keys, "node", H._node.values())
    if t is None:
        edge_keys = _declare(keys, "edge", (d for _, _, d in H.edges(data=True)))
    else:
        edge_keys = _declare(keys, "edge", [_tie_attribute_types(t)])
    with open(path, "wb") as fh:
        out = _GraphMLOut(fh, H)
        out.text(_GRAPHML_HEAD)
        for key, scope, name, kind in keys:
            out.text(
                f'<key id="{key}" for="{scope}" attr.name="{out.attr(name)}" '
                f'attr.type="{_GRAPHML_TYPES[kind]}"/>\n'
            )
        out.text('<graph edgedefault="undirected">\n')
        for key, name, kind in graph_keys:
            value = out.formatted(out.column([H.graph[name]], kind), kind)[0].as_py()
            out.text(f'<data key="{key}">{value}</data>\n')
        nodes = list(H)
        for lo in range(0, len(nodes), TIE_CHUNK):
            part = nodes[lo : lo + TIE_CHUNK]
            columns = out.columns([H._node[n] for n in part], node_keys)
            out.elements("node", [out.ids(part)], columns, node_keys)
        if t is None:
            edges = list(H.edges(data=True))
            for lo in range(0, len(edges), TIE_CHUNK):
                part = edges[lo : lo + TIE_CHUNK]
                ends = [out.ids([u for u, _, _ in part]), out.ids([v for _, v, _ in part])]
                columns = out.columns([d for _, _, d in part], edge_keys)
                out.elements("edge", ends, columns, edge_keys)
        else:
            for ends, columns in _tie_columns(t, out, edge_keys):
                out.elements("edge", ends, columns, edge_keys)
        out.text("</graph></graphml>\n")
    _warn_replaced(path, out.replaced)
    return path


class ReplacedCharactersWarning(UserWarning):
    """Characters a file format cannot hold were written as U+FFFD.

    ``path`` is the file and ``count`` the number of values (GraphML, GEXF) or
    characters (XLSX) replaced, for a build's manifest to show.
    """

    def __init__(self, message: str, path=None, count: int = 0):
        super().__init__(message)
        self.path = None if path is None else Path(path)
        self.count = int(count)


def _warn_replaced(path: Path, replaced: int) -> None:
    if replaced:
        warnings.warn(
            ReplacedCharactersWarning(
                f"{path}: characters XML cannot hold (control characters or lone surrogates) "
                f"were written as U+FFFD ({replaced} replacement(s)); the CSV files have the "
                "values as they are",
                path,
                replaced,
            ),
            stacklevel=3,
        )


_GRAPHML_HEAD = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
)
# What XML 1.0 cannot hold: replaced by U+FFFD. Python (lone surrogates included, which
# never reach Arrow), and RE2 for text already in Arrow (valid UTF-8).
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XML_ILLEGAL_RE2 = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]"
_GRAPHML_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}
_ARROW_TYPES = {bool: pa.bool_(), int: pa.int64(), float: pa.float64(), str: pa.string()}
_ATTR_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;"}
    | {"\r": "&#13;"}
)


def _distinct_xml_ids(nodes) -> dict:
    """For node ids that would coincide once characters XML cannot hold are replaced
    (``"a\x01"`` and ``"a\x02"`` both read ``"a\ufffd"``): a distinct stand-in for each
    after the first (``"a\ufffd (2)"``), so no two nodes merge in the file."""
    cleaned: dict = {}
    for n in nodes:
        text = str(n)
        if _XML_ILLEGAL.search(text):
            cleaned.setdefault(_XML_ILLEGAL.sub("\ufffd", text), []).append(n)
    if not cleaned:
        return {}
    taken = {str(n) for n in nodes}
    out = {}
    for text, group in cleaned.items():
        for i, n in enumerate(group):
            if i == 0 and text not in taken:
                continue
            k = i + 1
            while f"{text} ({k})" in taken:
                k += 1
            out[n] = f"{text} ({k})"
            taken.add(out[n])
    return out


def _declare(keys: list, scope: str, dicts) -> list:
    """Add a key per attribute of `dicts` (one type each, see _mixed_types) to `keys`;
    return this scope's ``(id, name, type)``."""
    seen: dict = {}
    for d in dicts:
        for name, value in d.items():
            seen.setdefault(name, type(value))
    start = len(keys)
    keys.extend((f"d{start + i}", scope, name, kind) for i, (name, kind) in enumerate(seen.items()))
    return [(key, name, kind) for key, _, name, kind in keys[start:]]


class _GraphMLOut:
    """A GraphML file being written: text, and elements formatted by Arrow per chunk.
    Counts the values whose characters XML cannot hold (``replaced``)."""

    def __init__(self, fh, nodes=()):
        self.fh = fh
        self.replaced = 0
        self.id_of = _distinct_xml_ids(nodes)  # ids that clash once cleaned

    def clean(self, text: str) -> str:
        text, n = _XML_ILLEGAL.subn("\ufffd", text)
        self.replaced += n > 0
        return text

    def attr(self, value) -> str:
        """`value` escaped for a double-quoted XML attribute."""
        return self.clean(str(value)).translate(_ATTR_ESCAPES)

    def text(self, text: str) -> None:
        self.fh.write(text.encode("utf-8"))

    def ids(self, nodes: list) -> pa.Array:
        return pa.array([self.attr(self.id_of.get(n, n)) for n in nodes], type=pa.string())

    def column(self, values: list, kind: type) -> pa.Array:
        if kind is str:
            values = [None if v is None else self.clean(v) for v in values]
        try:
            return pa.array(values, type=_ARROW_TYPES[kind])
        except OverflowError:  # an int beyond 64 bits: its digits (GraphML "long" reads it)
            return pa.array([None if v is None else str(v) for v in values], pa.string())

    def columns(self, dicts: list, keys: list) -> dict:
        return {name: self.column([d.get(name) for d in dicts], kind) for _, name, kind in keys}

    def formatted(self, values: pa.Array, kind: type) -> pa.Array:
        """GraphML text of each value (null stays null): ``true``/``false``, numbers in
        their shortest round-trip form, text with ``& < >`` and CR escaped."""
        if kind is bool:
            return pc.if_else(values, "true", "false")
        if kind is not str:
            return values.cast(pa.string())
        illegal = pc.sum(pc.match_substring_regex(values, _XML_ILLEGAL_RE2)).as_py()
        if illegal:
            self.replaced += illegal
            values = pc.replace_substring_regex(values, _XML_ILLEGAL_RE2, "\ufffd")
        for old, new in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;")):
            values = pc.replace_substring(values, old, new)
        return values

    def elements(self, tag: str, ends: list, columns: dict, keys: list) -> None:
        """Write one element per row: ``<node id=..>`` (`ends`: ids) or ``<edge
        source=.. target=..>`` (`ends`: sources, targets), each with a ``<data>`` line
        per non-null attribute."""
        n = len(ends[0])
        if not n:
            return
        names = ["id"] if tag == "node" else ["source", "target"]
        parts = [pa.array([f"<{tag}"] * n, type=pa.string())]
        for name, values in zip(names, ends, strict=True):
            parts += [pa.array([f' {name}="'] * n, type=pa.string()), values]
            parts.append(pa.array(['"'] * n, type=pa.string()))
        parts.append(pa.array([">"] * n, type=pa.string()))
        for key, name, kind in keys:
            text = self.formatted(columns[name], kind)
            line = pc.binary_join_element_wise(f'\n  <data key="{key}">', text, "</data>", "")
            parts.append(pc.fill_null(line, ""))
        parts.append(pa.array([f"\n</{tag}>\n"] * n, type=pa.string()))
        rows = pc.binary_join_element_wise(*parts, "")
        width = np.int64 if pa.types.is_large_string(rows.type) else np.int32
        _, offsets, data = rows.buffers()
        bounds = np.frombuffer(offsets, dtype=width)[rows.offset : rows.offset + n + 1]
        self.fh.write(memoryview(data)[int(bounds[0]) : int(bounds[-1])])


def _tie_attribute_types(t: EdgeTable) -> dict:
    """A stand-in tie dict with the types of the attributes written from the arrays, in
    tie-dict order (years only if some tie has one, as the dicts would show)."""
    kinds = {"weight": 0, "weight_fractional": 0.0, "works": ""}
    if (~np.isnan(t.first_year)).any():
        kinds |= {"first_year": 0, "last_year": 0}
    return kinds


def _tie_columns(t: EdgeTable, out: _GraphMLOut, keys: list):
    """``(ends, columns)`` per chunk of ties, straight from the arrays."""
    ids = out.ids(t.node_ids.tolist())
    works = _work_texts(t)  # escaped (and made XML-safe) once joined, by out.formatted
    names = {name for _, name, _ in keys}
    for lo, hi in _tie_chunks(t):
        columns = {
            "weight": pa.array(t.weight[lo:hi]),
            "weight_fractional": pa.array(t.weight_fractional[lo:hi]),
            "works": _joined_evidence(t, works, lo, hi),
        }
        if "first_year" in names:
            for name, years in (("first_year", t.first_year), ("last_year", t.last_year)):
                y = years[lo:hi]
                columns[name] = pa.array(np.nan_to_num(y).astype(np.int64), mask=np.isnan(y))
        yield [ids.take(pa.array(t.source[lo:hi])), ids.take(pa.array(t.target[lo:hi]))], columns


def write_gexf(G: nx.Graph, path) -> Path:
    """Write ``G`` as GEXF 1.2 for Gephi (lists joined with ``;``) and return the path.

    Node ``label`` becomes the GEXF label Gephi shows.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    H = _mixed_types(exportable_graph(G))
    for n, d in H.nodes(data=True):
        d.setdefault("label", str(n))
    H, replaced = _xml_safe(H)
    nx.write_gexf(H, path, encoding="utf-8")
    _warn_replaced(path, replaced)
    return path


def _xml_safe(H: nx.Graph) -> tuple[nx.Graph, int]:
    """`H` with characters XML cannot hold replaced by U+FFFD in node ids and text
    values (networkx's GEXF writer would write them as they are: a file no XML parser
    reads), and the number of replacements."""
    count = 0

    def safe(value):
        nonlocal count
        if not isinstance(value, str):
            return value
        value, n = _XML_ILLEGAL.subn("\ufffd", value)
        count += n > 0
        return value

    for d in [H.graph, *H._node.values(), *(d for _, _, d in H.edges(data=True))]:
        items = list(d.items())
        d.clear()
        d.update((safe(key), safe(value)) for key, value in items)
    distinct = _distinct_xml_ids(H)
    mapping = {n: distinct.get(n) or safe(n) for n in H}
    if any(a != b for a, b in mapping.items()):
        H = nx.relabel_nodes(H, mapping)
    return H, count


def _sorted_text(ids: np.ndarray) -> bool:
    """Whether `ids` are all text and in sorted order (as ``sorted(..., key=str)`` gives)."""
    ids = ids.tolist()
    return all(isinstance(n, str) for n in ids) and all(
        a < b for a, b in zip(ids, ids[1:], strict=False)
    )


#: VOSviewer opens a map of at least this many items (VOSviewer Online: "less than three items").
VOSVIEWER_MIN_ITEMS = 3

# Tabs and anything a reader may take for a line break, and the other control characters
_VOS_BREAKS = re.compile("[\t\n\x0b\x0c\r\x1c-\x1e\x85\u2028\u2029]+")
_VOS_CONTROLS = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def _vos_plain(value) -> str:
    """Text for VOSviewer: tabs and line breaks (any a reader may split lines at) become
    one space, other control characters U+FFFD; no quoting."""
    text = _VOS_BREAKS.sub(" ", "" if value is None else str(value))
    return _VOS_CONTROLS.sub("\ufffd", text).strip()


def _vos_text(value) -> str:
    """A label safe in a tab-separated VOSviewer file.

    Tabs and line breaks become spaces and other control characters U+FFFD; a label
    with a comma, semicolon or double quote is enclosed in double quotes (inner quotes
    doubled), as the VOSviewer manual asks.
    """
    text = _vos_plain(value)
    if any(c in text for c in ',;"'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def _number(value) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def write_vosviewer(
    G: nx.Graph, map_path, network_path, *, weight: str = "weight"
) -> tuple[Path, Path]:
    """Write VOSviewer map and network files; return both paths.

    Parameters
    ----------
    G : networkx.Graph
        Undirected collaboration graph (node ``label``, ``category``, ``n_works``).
    map_path, network_path : str or pathlib.Path
        Output files (tab-separated text).
    weight : str, default "weight"
        Edge attribute written as link strength (``weight_fractional`` for fractional
        counting).

    Returns
    -------
    tuple of pathlib.Path
        ``(map_path, network_path)``.

    Notes
    -----
    Format as documented in VOSviewer's manual ("Map and network files"): the map file
    has a header line and columns ``id``, ``label``, ``cluster`` (an integer from 1),
    ``weight<...>`` and ``score<...>``; the network file has no header and three
    columns: the two item ids and the link strength. VOSviewer ids are integers, so
    nodes are numbered 1..n in sorted order of their collabnet ids, and the original
    id is kept in the ``url`` column (an OpenAlex address for OpenAlex ids). The
    cluster is the category, numbered in :data:`collabnet.config.CATEGORIES` order
    (``nl`` = 1 ... ``other`` = 6). ``description`` is not written because VOSviewer
    renders it as HTML.
    """
    map_path, network_path = Path(map_path), Path(network_path)
    t = G.ties if isinstance(G, Network) else None
    if t is not None and not (
        weight in ("weight", "weight_fractional")
        and _sorted_text(t.node_ids)  # VOSviewer numbers follow sorted str(ids): so must the codes
        and (t.weight > 0).all()
        and (t.weight_fractional > 0).all()  # NaN is not > 0
    ):
        G, t = G.to_networkx(), None  # a tie without a positive strength is left out: below
    nodes = t.node_ids.tolist() if t is not None else sorted(G.nodes, key=str)
    data = node_data(G)
    ids = {n: i for i, n in enumerate(nodes, start=1)}
    cluster = {c: i for i, c in enumerate(CATEGORIES, start=1)}
    if len(nodes) < VOSVIEWER_MIN_ITEMS:
        warnings.warn(
            f"{map_path}: {len(nodes)} item(s); VOSviewer opens a map of at least "
            f"{VOSVIEWER_MIN_ITEMS} items only",
            stacklevel=2,
        )
    left_out = 0
    if t is not None:  # from the arrays: node i of the table is VOSviewer item i + 1
        link_weight = t.weight if weight == "weight" else t.weight_fractional
        degree = dict(zip(nodes, t.degrees().tolist(), strict=True))
        strength = dict(zip(nodes, t.degrees(link_weight).tolist(), strict=True))
    else:
        # VOSviewer takes links of a positive strength: a tie without one (weight 0,
        # missing or not a number) is not written, and not counted in the weights
        links = []
        for u, v, d in G.edges(data=True):
            w = _number(d.get(weight))
            if w is None or w <= 0:
                left_out += 1
            else:
                links.append((u, v, w))
        degree = dict.fromkeys(nodes, 0)
        strength = dict.fromkeys(nodes, 0.0)
        for u, v, w in links:
            if u == v:  # a self-loop is no link between two items
                continue
            degree[u] += 1
            degree[v] += 1
            strength[u] += w
            strength[v] += w
    header = [
        "id",
        "label",
        "url",
        "cluster",
        "weight<Links>",
        "weight<Total link strength>",
        "weight<Documents>",
    ]
    measures = [
        m
        for m in ("pagerank", "betweenness", "eigenvector")
        if any(_number(data[n].get(m)) is not None for n in nodes)
    ]
    header += [f"score<{m}>" for m in measures]
    map_path.parent.mkdir(parents=True, exist_ok=True)
    network_path.parent.mkdir(parents=True, exist_ok=True)
    with map_path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("\t".join(header) + "\n")
        for n in nodes:
            d = data[n]
            key = str(n)
            url = _openalex_url(key)
            row = [
                str(ids[n]),
                _vos_text(d.get("label") or key),
                _vos_text(url),
                str(cluster.get(d.get("category"), cluster["other"])),
                str(degree[n]),
                _fmt(round(strength[n], 9)),  # the same whatever order ties are summed in
                _fmt(max(_number(d.get("n_works")) or 0, 0)),
            ]
            row += ["" if (v := _number(d.get(m))) is None else repr(v) for m in measures]
            fh.write("\t".join(row) + "\n")
    with network_path.open("w", encoding="utf-8", newline="") as fh:
        if t is not None:  # ties are sorted by (source, target) codes already
            for lo in range(0, t.weight.size, TIE_CHUNK):
                hi = lo + TIE_CHUNK
                fh.writelines(
                    f"{a}\t{b}\t{_fmt(w)}\n"
                    for a, b, w in zip(
                        (t.source[lo:hi] + 1).tolist(),
                        (t.target[lo:hi] + 1).tolist(),
                        link_weight[lo:hi].tolist(),
                        strict=True,
                    )
                )
            return map_path, network_path
        for a, b, w in sorted((*sorted((ids[u], ids[v])), w) for u, v, w in links if u != v):
            fh.write(f"{a}\t{b}\t{_fmt(w)}\n")
    if left_out:
        warnings.warn(
            f"{network_path}: {left_out} tie(s) without a positive {weight} left out "
            "(VOSviewer takes links of a positive strength only)",
            stacklevel=2,
        )
    return map_path, network_path


#: Works an item's description in the VOSviewer JSON file lists before "and N more".
VOSVIEWER_DESCRIPTION_WORKS = 20

#: Largest graph whose VOSviewer JSON file gets x and y from a seeded layout; above it,
#: VOSviewer lays the map out itself (it may: the file has links).
VOSVIEWER_LAYOUT_MAX_NODES = 5_000


def write_vosviewer_json(
    G: nx.Graph,
    path,
    works: pd.DataFrame | None = None,
    *,
    weight: str = "weight",
    layout: Mapping | None = None,
    seed: int = 0,
) -> Path:
    """Write a VOSviewer JSON file (VOSviewer and VOSviewer Online open it); return the path.

    Parameters
    ----------
    G : networkx.Graph
        Undirected collaboration graph (node ``label``, ``category``, ``n_works``).
    path : str or pathlib.Path
        The ``.json`` file to write.
    works : pandas.DataFrame, optional
        The works table (``work_id``, ``title``, ``publication_year``, ``doi``): each
        item's ``description`` lists the works of its ties with their titles.
    weight : str, default "weight"
        Edge attribute written as link strength.
    layout : mapping, optional
        Node -> ``(x, y)``. By default a seeded layout for graphs up to
        :data:`VOSVIEWER_LAYOUT_MAX_NODES` nodes (and any graph without ties); larger
        maps get no ``x``/``y`` and VOSviewer lays them out.
    seed : int, default 0
        Seed of the default layout.

    Notes
    -----
    ``network.items`` are numbered as in :func:`write_vosviewer`'s map file (1..n in
    sorted order of the collabnet ids; the id itself is in ``url``), with ``cluster``
    the category (see :data:`collabnet.config.CATEGORIES`), ``weights`` (``Links``,
    ``Total link strength``, ``Documents``; never negative) and ``scores`` (the
    centrality measures the nodes have). ``network.links`` hold the ties of a positive
    strength, ``network.clusters`` name the categories. VOSviewer shows a description
    as HTML: every text from the data in it is HTML-escaped, so a title reads as
    written and markup in it never runs. Graphs of synthetic data say so in
    ``info.description``.

    Examples
    --------
    >>> import json, tempfile
    >>> G = nx.Graph()
    >>> G.add_edge("I1", "I2", weight=2, works=["W1"])
    >>> G.add_edge("I2", "I3", weight=1, works=["W2"])
    >>> p = write_vosviewer_json(G, Path(tempfile.mkdtemp()) / "g.json")
    >>> json.loads(p.read_text())["network"]["links"][0]
    {'source_id': 1, 'target_id': 2, 'strength': 2}
    """
    import html
    import json

    G = as_networkx(G)
    path = Path(path)
    nodes = sorted(G.nodes, key=str)
    if len(nodes) < VOSVIEWER_MIN_ITEMS:
        warnings.warn(
            f"{path}: {len(nodes)} item(s); VOSviewer opens a map of at least "
            f"{VOSVIEWER_MIN_ITEMS} items only",
            stacklevel=2,
        )
    ids = {n: i for i, n in enumerate(nodes, start=1)}
    cluster = {c: i for i, c in enumerate(CATEGORIES, start=1)}
    titles = _work_titles(works)
    links: dict = {}
    degree = dict.fromkeys(nodes, 0)
    strength = dict.fromkeys(nodes, 0.0)
    tie_works: dict = {n: {} for n in nodes}  # node -> its ties' works, in order, once
    for u, v, d in G.edges(data=True):
        w = _number(d.get(weight))
        if w is None or w <= 0 or u == v:
            continue
        key = tuple(sorted((ids[u], ids[v])))
        links[key] = links.get(key, 0) + w
        for n in (u, v):
            degree[n] += 1
            strength[n] += w
        listed = d.get("works") or []
        if isinstance(listed, str):
            listed = [x for x in listed.split(LIST_SEPARATOR) if x]
        for n in (u, v):
            seen = tie_works[n]
            for work in listed:
                if len(seen) > VOSVIEWER_DESCRIPTION_WORKS:
                    break
                seen.setdefault(str(work), None)
    if layout is None and (len(nodes) <= VOSVIEWER_LAYOUT_MAX_NODES or not links):
        from .network import seeded_layout

        layout = seeded_layout(G, seed)
    measures = [
        m
        for m in ("pagerank", "betweenness", "eigenvector")
        if any(_number(G.nodes[n].get(m)) is not None for n in nodes)
    ]
    items = []
    for n in nodes:
        d = G.nodes[n]
        key = str(n)
        item = {
            "id": ids[n],
            "label": _vos_plain(d.get("label") or key),
            "url": _vos_plain(_openalex_url(key)),
        }
        if layout is not None and n in layout:
            x, y = (float(c) for c in layout[n][:2])
            item["x"], item["y"] = round(x, 6), round(y, 6)
        item["cluster"] = cluster.get(d.get("category"), cluster["other"])
        item["weights"] = {
            "Links": degree[n],
            "Total link strength": _json_number(round(strength[n], 9)),
            "Documents": _json_number(max(_number(d.get("n_works")) or 0, 0)),
        }
        scores = {m: _number(d.get(m)) for m in measures}
        item["scores"] = {m: v for m, v in scores.items() if v is not None}
        item["description"] = _vos_description(
            list(tie_works[n]), titles, _number(d.get("n_works")), html.escape
        )
        items.append(item)
    present = sorted({item["cluster"] for item in items})
    network = {
        "items": items,
        "links": [
            {"source_id": a, "target_id": b, "strength": _json_number(round(w, 9))}
            for (a, b), w in sorted(links.items())
        ],
        "clusters": [{"cluster": c, "label": CATEGORIES[c - 1]} for c in present],
    }
    out = {"network": network}
    data_source = G.graph.get("data_source")
    if data_source:
        out["info"] = {
            "title": f"collabnet: {G.graph.get('level', 'collaboration')} network",
            "description": html.escape(f"data_source: {data_source}"),
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(out, ensure_ascii=False, indent=1, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _json_number(x: float):
    return int(x) if float(x).is_integer() else float(x)


def _work_titles(works: pd.DataFrame | None) -> dict:
    """Work id -> ``(year, title, doi)`` from the works table (blank where unknown)."""
    if works is None or "work_id" not in works:
        return {}
    n = len(works)

    def column(name):
        return works[name].tolist() if name in works else [None] * n

    out = {}
    for w, year, title, doi in zip(
        works["work_id"].tolist(),
        column("publication_year"),
        column("title"),
        column("doi"),
        strict=True,
    ):
        year = _number(year)
        year = "" if year is None else _fmt(year)
        out[str(w)] = (year, *("" if _missing(x) else str(x) for x in (title, doi)))
    return out


def _vos_description(work_ids: list, titles: dict, n_works, escape) -> str:
    """An item's works as HTML: one line per work (year, title, DOI), each text escaped."""
    shown = work_ids[:VOSVIEWER_DESCRIPTION_WORKS]
    lines = []
    for w in shown:
        year, title, doi = titles.get(w, ("", "", ""))
        parts = [p for p in (year, _vos_plain(title), _vos_plain(doi), w) if p]
        lines.append(escape(" · ".join(parts)))
    more = len(work_ids) > len(shown)
    head = "Works of its ties" + (f" (first {len(shown)})" if more else "")
    if n_works is not None:
        head += f"; {int(n_works):,} works in all"
    return escape(head) + ":<br>" + "<br>".join(lines) if lines else escape(head)


def edges_table(G: nx.Graph, works: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per edge with both ends, the counts, the years and the evidence.

    ``work_ids``, ``dois`` and ``authors_per_work`` (each work's ``n_authors``) are
    ``;``-joined, in the order of the edge's ``works`` list, from ``works`` (blank where
    unknown); ``consortium_only`` says that every work of the tie has more than
    :data:`collabnet.config.CONSORTIUM_AUTHORS` authors (false when a team size is unknown).

    Examples
    --------
    >>> G = nx.Graph()
    >>> G.add_node("I1", label="A", category="nl")
    >>> G.add_node("I2", label="B", category="cn_police")
    >>> G.add_edge("I1", "I2", weight=1, works=["W1"])
    >>> w = pd.DataFrame({"work_id": ["W1"], "doi": ["https://doi.org/10.1/x"]})
    >>> edges_table(G, w).loc[0, ["source", "target", "work_ids", "dois"]].tolist()
    ['I1', 'I2', 'W1', 'https://doi.org/10.1/x']
    """
    doi, team = _doi_lookup(works), _team_lookup(works)
    if isinstance(G, Network) and G.number_of_edges():
        t = G.ties
        table = pa.concat_tables(_arrow_edge_chunks(G, doi, team))
        table = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
        # labels and categories keep their own values (the CSV writes them as text)
        for attr in ("label", "category"):
            values = np.asarray(G.column(attr), dtype=object)
            for end, codes in (("source", t.source), ("target", t.target)):
                table[f"{end}_{attr}"] = values[codes]
        return table
    G = as_networkx(G)
    rows = []
    for u, v, d in G.edges(data=True):
        work_ids = d.get("works") or []
        if isinstance(work_ids, str):
            work_ids = [w for w in work_ids.split(LIST_SEPARATOR) if w]
        work_ids = [str(w) for w in work_ids]
        rows.append(
            {
                "source": str(u),
                "target": str(v),
                "source_label": G.nodes[u].get("label"),
                "target_label": G.nodes[v].get("label"),
                "source_category": G.nodes[u].get("category"),
                "target_category": G.nodes[v].get("category"),
                "weight": d.get("weight"),
                "weight_fractional": d.get("weight_fractional"),
                "first_year": d.get("first_year"),
                "last_year": d.get("last_year"),
                "work_ids": LIST_SEPARATOR.join(work_ids),
                "dois": LIST_SEPARATOR.join(doi.get(w, "") for w in work_ids),
                "authors_per_work": LIST_SEPARATOR.join(
                    "" if team.get(w) is None else str(team[w]) for w in work_ids
                ),
                "consortium_only": bool(work_ids)
                and all(w in team and team[w].above(CONSORTIUM_AUTHORS) for w in work_ids),
            }
        )
    table = pd.DataFrame(rows, columns=EDGE_COLUMNS)
    for col in ("weight", "first_year", "last_year"):
        table[col] = pd.array(table[col], dtype="Int64")
    data_source = G.graph.get("data_source")
    if data_source:
        table["data_source"] = data_source
    return table


class _Team(NamedTuple):
    """A work's team size: ``n`` authors listed; ``cut`` when OpenAlex cut the list (the
    team is larger). Written as ``12`` or ``100+``."""

    n: int
    cut: bool = False

    def __str__(self) -> str:
        return f"{self.n}+" if self.cut else str(self.n)

    def above(self, limit: int) -> bool:
        return self.cut or self.n > limit


def _team_lookup(works: pd.DataFrame | None) -> dict[str, _Team]:
    """Work id -> team size (the works table's ``n_authors`` and ``is_authors_truncated``),
    where known."""
    if works is None or "n_authors" not in works:
        return {}
    cut = works["is_authors_truncated"] if "is_authors_truncated" in works else [False] * len(works)
    return {
        str(w): _Team(int(n), bool(c) if not pd.isna(c) else False)
        for w, n, c in zip(works["work_id"], works["n_authors"], cut, strict=True)
        if not pd.isna(n)
    }


def _doi_lookup(works: pd.DataFrame | None) -> dict:
    if works is None or "doi" not in works:
        return {}
    return {
        str(w): ("" if pd.isna(d) else str(d))
        for w, d in zip(works["work_id"], works["doi"], strict=True)
    }


def _openalex_url(key: str) -> str:
    """The OpenAlex page of a node id (an institution as it was at another time,
    ``I123@until-2018-04-15``, links to its institution), else the id itself."""
    base = key.split("@", 1)[0]
    return f"https://openalex.org/{base}" if re.fullmatch(r"[AIW]\d+", base) else key


# What a spreadsheet may read as the start of a formula (OWASP: = + - @ tab CR).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(table: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells starting with ``= + - @``, a tab or a carriage return with ``'``
    (spreadsheet formula injection)."""
    table = table.copy()
    for col in table.columns:
        values = table[col]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        try:
            first = values.str[:1]  # null where a cell is not text
        except AttributeError:  # no text in the column at all
            continue
        risky = first.isin(_FORMULA_STARTS).to_numpy(dtype=bool)
        if risky.any():
            dtype = values.dtype
            values = values.astype(object)  # a copy
            values[risky] = "'" + values[risky].astype(str)
            # back to a text dtype; a categorical stays object (the escaped text is no
            # category of it, and casting would blank the cell)
            keep = pd.api.types.is_string_dtype(dtype) and not isinstance(
                dtype, pd.CategoricalDtype
            )
            keep = keep and not pd.api.types.is_object_dtype(dtype)
            table[col] = values.astype(dtype) if keep else values
    return table


def write_table_csv(table, path, *, data_source: str | None = None) -> Path:
    """Write a table as UTF-8 CSV and return the path: every CSV collabnet writes goes here.

    Parameters
    ----------
    table : pandas.DataFrame, pyarrow.Table or iterable of pyarrow.Table
        The rows; Arrow tables (chunks of one table, same columns) are written in turn,
        so a large table need never be whole in memory.
    path : str or pathlib.Path
        The file to write.
    data_source : str, optional
        Added as a ``data_source`` column on every row (e.g. ``synthetic-demo``) unless
        the table has one already.

    Notes
    -----
    Written by Arrow's CSV writer: every text cell is quoted, so a comma, a quote, a
    line feed or a bare carriage return inside a name stays in its cell (a CSV reader
    sees the same number of columns on every row). Text cells starting with
    ``= + - @``, a tab or a carriage return get a leading ``'``, so a spreadsheet does
    not run them as a formula; numbers are written as numbers (a whole float reads
    ``2``), booleans as ``true``/``false``, missing values as empty fields (an empty
    text is ``""``). Lists in a pandas column are joined with ``;``.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.csv"
    >>> t = pd.DataFrame({"name": ["Jan\\r=SUM(1+1)", "=1+1"], "n": [1, 2]})
    >>> write_table_csv(t, p).read_bytes()
    b'"name","n"\\n"Jan\\r=SUM(1+1)",1\\n"\\'=1+1",2\\n'
    """
    import pyarrow.csv as pacsv

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(table, pd.DataFrame):
        batches = [_arrow_frame(table)]
    elif isinstance(table, pa.Table):
        batches = [table]
    else:
        batches = table
    options = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    with path.open("wb") as fh:
        writer = None
        for batch in batches:
            if data_source and "data_source" not in batch.column_names:
                marks = pa.array([str(data_source)] * batch.num_rows, type=pa.string())
                batch = batch.append_column("data_source", marks)
            batch = _arrow_formula_safe(batch)
            if writer is None:
                writer = pacsv.CSVWriter(fh, batch.schema, write_options=options)
            writer.write(batch)
        if writer is not None:
            writer.close()
    return path


def _arrow_frame(table: pd.DataFrame) -> pa.Table:
    """A pandas table as Arrow columns for :func:`write_table_csv`: numbers and booleans
    as they are, anything else as text (lists joined with ``;``, missing as null)."""
    arrays, names = [], []
    for i, name in enumerate(table.columns):
        values = table.iloc[:, i]
        names.append(str(name))
        dtype = values.dtype
        if not isinstance(dtype, pd.CategoricalDtype) and (
            pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype)
        ):
            try:
                arrays.append(pa.array(values, from_pandas=True))
                continue
            except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
                pass
        cells = values.to_numpy(dtype=object)
        cells = [
            LIST_SEPARATOR.join(map(str, x)) if isinstance(x, (list, tuple)) else x for x in cells
        ]
        arrays.append(_arrow_text(cells))
    return pa.Table.from_arrays(arrays, names=names)


def write_edges_csv(G: nx.Graph, path, works: pd.DataFrame | None = None) -> Path:
    """Write :func:`edges_table` as UTF-8 CSV (by :func:`write_table_csv`) and return the path.

    A ``data_source`` column (e.g. ``synthetic-demo``) is added when the graph carries
    ``G.graph["data_source"]``, so a spreadsheet made from demo data says so on every row.
    Text cells starting with ``= + - @`` (or a tab or CR) get a leading ``'`` so a
    spreadsheet does not run them as formulas.

    Written a chunk of ties at a time: a :class:`~collabnet.network.Network` goes
    straight from its arrays, its work lists joined by Arrow, with no Python object per
    tie. Every text field is quoted
    (an empty text ``""`` differs from a missing value, an empty field); numbers are
    written as numbers, so a whole fractional weight reads ``2``.
    """
    if isinstance(G, Network) and G.number_of_edges():
        batches = _arrow_edge_chunks(G, _doi_lookup(works), _team_lookup(works))
    else:
        batches = [_arrow_edges(edges_table(G, works))]
    return write_table_csv(batches, path)


def _arrow_text(values) -> pa.Array:
    """A text column: strings as they are, other values as ``str()``, missing as null."""
    try:
        return pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if _missing(v) else str(v) for v in values], type=pa.string())


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-like: not a missing scalar
        return False


def _arrow_years(values: np.ndarray) -> pa.Array:
    """Whole years (int64), null where NaN, as the tie dicts hold them."""
    missing = np.isnan(values)
    return pa.array(np.trunc(np.where(missing, 0, values)).astype(np.int64), mask=missing)


_EDGE_TYPES = {
    "weight": pa.int64(),
    "weight_fractional": pa.float64(),
    "first_year": pa.int64(),
    "last_year": pa.int64(),
}


def _arrow_edges(table: pd.DataFrame) -> pa.Table:
    """:func:`edges_table`'s frame as the Arrow table the CSV writer takes."""
    columns = {}
    for col in table.columns:
        values = table[col]
        if col == "consortium_only":
            columns[col] = pa.array(values.astype(bool), type=pa.bool_())
            continue
        if col in _EDGE_TYPES:
            numbers = pd.to_numeric(values, errors="coerce")
            if not (numbers.isna() & values.notna()).any():
                columns[col] = pa.array(numbers, type=_EDGE_TYPES[col], from_pandas=True)
                continue
            # a value that is not a number (set by hand on a tie) is written as text
        columns[col] = _arrow_text(values.to_numpy(dtype=object))
    return pa.table(columns)


def _arrow_edge_chunks(G: Network, doi: dict, team: dict, chunk: int | None = None):
    """:func:`edges_table` of a network (of at least one tie), as Arrow tables of `chunk`
    ties; each tie's work ids, DOIs and team sizes are joined by Arrow."""
    t = G.ties
    ids = pa.array([str(n) for n in t.node_ids.tolist()], type=pa.string())
    labels = _arrow_text(G.column("label"))
    cats = _arrow_text(G.column("category"))
    work_ids = _work_texts(t)
    ids_of_works = work_ids.to_pylist()
    work_dois = pa.array([doi.get(w, "") for w in ids_of_works], type=pa.string())
    sizes = [team.get(w) for w in ids_of_works]
    work_sizes = pa.array(["" if n is None else str(n) for n in sizes], type=pa.string())
    # per work: is it a consortium paper? A tie is consortium-only when all its works are.
    small = np.array([n is None or not n.above(CONSORTIUM_AUTHORS) for n in sizes], dtype=bool)
    has_small = np.logical_or.reduceat(small[t.evidence], t.evidence_ptr[:-1])
    data_source = G.graph.get("data_source")
    for lo, hi in _tie_chunks(t, chunk):
        src, dst = pa.array(t.source[lo:hi]), pa.array(t.target[lo:hi])
        columns = {
            "source": ids.take(src),
            "target": ids.take(dst),
            "source_label": labels.take(src),
            "target_label": labels.take(dst),
            "source_category": cats.take(src),
            "target_category": cats.take(dst),
            "weight": pa.array(t.weight[lo:hi], type=pa.int64()),
            "weight_fractional": pa.array(t.weight_fractional[lo:hi], type=pa.float64()),
            "first_year": _arrow_years(t.first_year[lo:hi]),
            "last_year": _arrow_years(t.last_year[lo:hi]),
            "work_ids": _joined_evidence(t, work_ids, lo, hi),
            "dois": _joined_evidence(t, work_dois, lo, hi),
            "authors_per_work": _joined_evidence(t, work_sizes, lo, hi),
            "consortium_only": pa.array(~has_small[lo:hi], type=pa.bool_()),
        }
        if data_source:
            columns["data_source"] = pa.array([str(data_source)] * (hi - lo), type=pa.string())
        yield pa.table(columns)


def _arrow_formula_safe(table: pa.Table) -> pa.Table:
    """:func:`spreadsheet_safe` for an Arrow table: text starting with ``= + - @``, a tab
    or a CR gets a leading ``'``."""
    for i, field in enumerate(table.schema):
        if not (pa.types.is_string(field.type) or pa.types.is_large_string(field.type)):
            continue
        col = table.column(i)
        risky = pc.match_substring_regex(col, r"^[=+\-@\t\r]")
        if pc.any(risky).as_py():
            escaped = pc.binary_join_element_wise("'", col, "")
            table = table.set_column(i, field, pc.if_else(risky, escaped, col))
    return table


def write_edges_xlsx(G: nx.Graph, path, works: pd.DataFrame | None = None) -> Path:
    """Write :func:`edges_table` as an Excel sheet (needs the optional ``openpyxl``).

    Cells that start with ``=``, ``+``, ``-`` or ``@`` are prefixed with ``'`` so a
    spreadsheet never evaluates text from the data as a formula.
    """
    try:
        import openpyxl  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "write_edges_xlsx needs openpyxl: pip install openpyxl (or use write_edges_csv)"
        ) from exc
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table, replaced = xlsx_safe(spreadsheet_safe(edges_table(G, works)))
    if replaced:
        warnings.warn(
            ReplacedCharactersWarning(
                f"{path}: {replaced} character(s) an Excel sheet cannot hold (control "
                "characters such as NUL, ESC or vertical tab) were written as U+FFFD; the "
                "CSV has the values as they are",
                path,
                replaced,
            ),
            stacklevel=2,
        )
    table = _fit_cells(table, path)
    table.to_excel(path, index=False, sheet_name="edges")
    return path


def xlsx_safe(table: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """``table`` with the characters an XLSX sheet cannot hold (those XML 1.0 cannot:
    control characters but tab, LF and CR, lone surrogates, U+FFFE/U+FFFF) in text
    cells and column names replaced by U+FFFD, and how many were replaced.

    openpyxl refuses such a cell (``IllegalCharacterError``) and would stop a build
    half-written.

    Examples
    --------
    >>> t, n = xlsx_safe(pd.DataFrame({"name": ["Esc\\x1b[31m", "ok"], "n": [1, 2]}))
    >>> t["name"].tolist(), n
    (['Esc\\ufffd[31m', 'ok'], 1)
    """
    table = table.copy()
    replaced = 0

    def clean(value):
        nonlocal replaced
        if not isinstance(value, str):
            return value
        value, n = _XML_ILLEGAL.subn("\ufffd", value)
        replaced += n
        return value

    for i in range(table.shape[1]):
        values = table.iloc[:, i]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object)
        before = replaced
        cleaned = values.map(clean)
        if replaced != before:
            table.isetitem(i, cleaned.astype(object))
    table.columns = [clean(c) for c in table.columns]
    return table, replaced


#: The most characters an Excel cell holds (openpyxl would cut longer text silently).
XLSX_CELL_MAX = 32_767


def _fit_cells(table: pd.DataFrame, path) -> pd.DataFrame:
    """Shorten text cells Excel cannot hold, visibly: whole list items are kept and the
    cell ends with how many were left out; a warning names the file and the count."""
    shortened = 0
    for col in table.columns:
        values = table[col]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        long = values.map(lambda x: isinstance(x, str) and len(x) > XLSX_CELL_MAX)
        long = long.to_numpy(dtype=bool)
        if not long.any():
            continue
        values = values.astype(object)  # a copy
        values[long] = [_shorten(x) for x in values[long]]
        table[col] = values
        shortened += int(long.sum())
    if shortened:
        warnings.warn(
            f"{path}: {shortened} cell(s) longer than Excel's {XLSX_CELL_MAX:,} characters "
            "were shortened (each says how many items it leaves out); the CSV has them whole",
            stacklevel=3,
        )
    return table


def _shorten(text: str) -> str:
    """``text`` cut to fit a cell at a ``;`` boundary, ending ``… and N more (see the CSV)``."""
    items = text.split(LIST_SEPARATOR)
    room = XLSX_CELL_MAX - 60
    kept, size = [], 0
    for item in items:
        size += len(item) + 1
        if size > room:
            break
        kept.append(item)
    rest = len(items) - len(kept)
    return LIST_SEPARATOR.join(kept) + f" … and {rest:,} more (see the CSV)"
