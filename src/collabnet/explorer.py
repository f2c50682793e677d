"""The explorer: one self-contained, searchable and filterable map page drawn with WebGL.

:func:`write_explorer_html` writes a co-authorship graph as a single HTML file that a
reporter can search (name, id, ROR), filter (legend categories, a year range), click
(details panel with the works behind a node or a tie, DOI and OpenAlex links), read
paths on (the how-close paths of :func:`collabnet.metrics.evidence_paths`) and export as
PNG. It stays interactive at tens of thousands of nodes and hundreds of thousands of ties:
sigma.js draws with WebGL, the layout is computed here (seeded, igraph), and the data is
shipped as compact parallel arrays with every work stored once.

The page loads nothing: sigma.js and graphology (MIT, vendored in ``collabnet/static``
with their licences, refreshed by ``make vendor-js``) are inlined, and a
Content-Security-Policy allows only the page's own scripts (by hash) and no network
request. Every text from the data is embedded as escaped JSON and shown with
``textContent``; links are built only from values that match the DOI or OpenAlex id
patterns and open only when clicked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from . import __version__
from .config import CATEGORIES, CATEGORY_COLORS, CATEGORY_LABELS, CONSORTIUM_AUTHORS
from .errors import InputError
from .network import Network, fruchterman_reingold, work_id_list

__all__ = [
    "write_explorer_html",
    "inline",
    "script_json",
    "ENGINES",
    "explorer_payload",
    "doi_link",
    "openalex_link",
    "library_versions",
    "DOI_PATTERN",
    "OPENALEX_ID_PATTERN",
]

#: A DOI that may become a link to ``https://doi.org/...`` (the page checks the same pattern).
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
#: An OpenAlex id that may become a link to ``https://openalex.org/...``.
OPENALEX_ID_PATTERN = re.compile(r"^[WAIS]\d+$")

#: Node attributes shown as measures in the details panel, in this order, when present.
MEASURES = (
    "pagerank",
    "betweenness",
    "eigenvector",
    "closeness",
    "degree",
    "strength",
    "degree_centrality",
)

#: What draws a page: sigma.js (WebGL; stays fluid at 10^4-10^5 nodes) or vis-network
#: (canvas 2D, the build pyvis ships; for small graphs, and where WebGL is missing).
ENGINES = ("sigma", "vis-network")
#: The vis-network build inlined by the "vis-network" engine (the one in the pyvis wheel).
VIS_NETWORK_VERSION = "9.1.2"
#: The most nodes and ties a vis-network page draws: a canvas redraws every one on each move.
VIS_MAX_NODES, VIS_MAX_TIES = 2_000, 20_000

#: Above this many drawn ties, sigma draws them as 1-pixel lines that are not clickable:
#: four times sooner interactive without a GPU (benchmarks/bench_explorer.py).
PLAIN_TIES_ABOVE = 50_000

#: Ties kept for each node not drawn on load, drawn when a search brings it in.
SEARCH_TIES = 10

#: How many of the most central nodes keep their label at every zoom level.
LABELS_ALWAYS = 20

#: Above this many nodes the layout uses igraph's grid Fruchterman-Reingold (same seed,
#: same picture; 2.7 s for 14k nodes and 173k ties, where DrL takes 140 s).
_GRID_ABOVE = 1000

_HERE = Path(__file__).resolve().parent
_TEMPLATES = _HERE / "templates"
_STATIC = _HERE / "static"


# Characters that must never appear raw inside an inline <script> block: "<" and ">" could
# close it (</script>) or open an HTML comment, "&" is escaped for symmetry with HTML
# parsers that decode entities, and U+2028/U+2029 end lines in pre-ES2019 JavaScript.
_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_SCRIPT_ESCAPE_RE = re.compile("[<>&\u2028\u2029]")


def script_json(value, *, compact: bool = False) -> Markup:
    """Return ``value`` as JSON text that is safe inside an HTML ``<script>`` element.

    Every ``<``, ``>``, ``&``, U+2028 and U+2029 is written as a ``\\uXXXX`` escape, which
    JSON and JavaScript decode back to the same character, so text from the data such as
    ``</script>`` cannot end the script element. NaN and infinity become ``null``.

    Parameters
    ----------
    value : object
        Anything :func:`json.dumps` accepts (after NaN/inf are replaced).

    Returns
    -------
    markupsafe.Markup
        JSON text marked safe for Jinja (it must only be placed inside ``<script>``).

    Examples
    --------
    >>> str(script_json({"t": "</script><b>&"}))
    '{"t": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    >>> str(script_json([float("nan"), 1.5]))
    '[null, 1.5]'
    """
    separators = (",", ":") if compact else None  # compact: a page's large payload
    try:  # plain data (a page's payload) as it is; numpy values, sets or NaN via _plain
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=separators)
    except (TypeError, ValueError):
        text = json.dumps(_plain(value), ensure_ascii=False, allow_nan=False, separators=separators)
    return Markup(_SCRIPT_ESCAPE_RE.sub(lambda m: _SCRIPT_ESCAPES[m.group(0)], text))


def _plain(value):
    """Turn numpy/pandas scalars, tuples and sets into JSON-ready values; NaN -> None."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (int, float)):
        try:
            value = value.item()
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return str(value)


def _vis_network_js() -> str:
    """The vis-network standalone build that pyvis ships (Apache-2.0 or MIT), licence header
    included."""
    import pyvis

    base = Path(pyvis.__file__).resolve().parent
    for folder in ("templates/lib", "lib"):
        candidate = base / folder / f"vis-{VIS_NETWORK_VERSION}" / "vis-network.min.js"
        if candidate.is_file():
            js = candidate.read_text(encoding="utf-8")
            break
    else:  # pragma: no cover - depends on the installed pyvis
        raise InputError(
            base,
            f"vis-network {VIS_NETWORK_VERSION} not found in the pyvis package; "
            "reinstall pyvis 0.3.2 (pip install 'pyvis==0.3.2')",
        )
    if not js.lstrip().startswith("/**") or "@license" not in js[:2000]:  # pragma: no cover
        raise InputError(candidate, "vis-network build lost its licence header")
    # The build contains neither sequence today; escaping keeps the inline script closed
    # even if a future pyvis ships one inside a string literal.
    js = js.replace("</script", "<\\/script").replace("<!--", "<\\!--")
    # Developer tools would fetch the (absent) source map named here.
    return re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE)


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _number(value) -> float | None:
    """A finite float, or None for missing, NaN, booleans or non-numeric values."""
    if value is None or isinstance(value, bool):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _flag(value) -> bool:
    """True only for a true boolean-like value (NaN, None and pandas NA are False)."""
    if value is None or value is pd.NA:
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    try:
        return bool(value)
    except (TypeError, ValueError):
        return False


def _year(value) -> int | None:
    x = _number(value)
    return int(x) if x is not None else None


def doi_link(value) -> str | None:
    """The ``https://doi.org/...`` address of a DOI, or None unless it is a plain DOI.

    ``https://doi.org/`` and ``doi:`` prefixes are removed first; whatever remains must
    match :data:`DOI_PATTERN` (``10.`` + 4–9 digits + ``/`` + no whitespace).

    Examples
    --------
    >>> doi_link("https://doi.org/10.1234/abc"), doi_link("javascript:alert(1)")
    ('https://doi.org/10.1234/abc', None)
    """
    doi = plain_doi(value)
    return "https://doi.org/" + doi if doi else None


def plain_doi(value) -> str | None:
    """The DOI of `value` without prefixes when it matches :data:`DOI_PATTERN`, else None."""
    text = _text(value).strip()
    text = re.sub(r"^(https?://)?(dx\.)?doi\.org/", "", text, flags=re.IGNORECASE)
    text = re.sub(r"^doi:\s*", "", text, flags=re.IGNORECASE)
    return text if DOI_PATTERN.fullmatch(text) else None


def openalex_link(value) -> str | None:
    """The ``https://openalex.org/...`` address of an OpenAlex id (W, A, I or S + digits).

    Examples
    --------
    >>> openalex_link("W123"), openalex_link("W1 onclick=x"), openalex_link("NL")
    ('https://openalex.org/W123', None, None)
    """
    text = _text(value)
    return "https://openalex.org/" + text if OPENALEX_ID_PATTERN.fullmatch(text) else None


def library_versions() -> dict:
    """The vendored JavaScript builds: ``{"sigma": {"version", "license", "file"}, ...}``."""
    return json.loads((_STATIC / "versions.json").read_text(encoding="utf-8"))


def _library_js(name: str) -> str:
    info = library_versions()[name]
    js = (_STATIC / info["file"]).read_text(encoding="utf-8")
    # Developer tools would fetch the (absent) source map named here.
    js = re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE)
    # Neither build contains these today; escaping keeps the inline script closed anyway.
    js = js.replace("</script", "<\\/script").replace("<!--", "<\\!--")
    header = (
        f"/*! {name} {info['version']} | {info['license']} licence (see the package's static/) */\n"
    )
    return header + js


def _noun(nodes: Iterable[str]) -> str:
    ids = list(nodes)
    if ids and all(re.fullmatch(r"A\d+", i) for i in ids):
        return "authors"
    # an institution as it was at another time: I123@until-2018-04-15
    institution = re.compile(r"I\d+(@.+)?|(entry|text):.*")
    if ids and all(institution.fullmatch(i) for i in ids):
        return "institutions"
    if ids and all(re.fullmatch(r"[A-Z]{2}", i) for i in ids):
        return "countries"
    return "nodes"


def _layout(nodes: list, edges: list[tuple[int, int]], seed: int) -> list[tuple[float, float]]:
    """Seeded Fruchterman-Reingold positions (igraph), scaled to about [-1000, 1000]."""
    n = len(nodes)
    if n == 0:
        return []
    if n == 1:
        return [(0.0, 0.0)]
    coords = fruchterman_reingold(n, edges, seed, grid=n > _GRID_ABOVE)
    return [(x * 1000, y * 1000) for x, y in coords]


def _works_table(works) -> dict[str, dict]:
    if works is None:
        return {}
    if not isinstance(works, pd.DataFrame):
        raise TypeError("works must be a pandas DataFrame with a work_id column")
    if "work_id" not in works.columns:
        raise InputError("works", "the works table has no work_id column")
    wanted = ("doi", "title", "publication_year", "is_retracted", "n_authors")
    wanted += ("is_authors_truncated",)
    columns = [c for c in wanted if c in works.columns]
    out = {}
    for row in works[["work_id", *columns]].itertuples(index=False):
        rec = row._asdict()
        out[str(rec["work_id"])] = rec
    return out


def _path_nodes(paths) -> tuple[list, list[tuple]]:
    nodes, hops = [], []
    for p in paths or []:
        nodes.extend(p.get("nodes") or [])
        for h in p.get("hops") or []:
            hops.append((h.get("source"), h.get("target")))
    return nodes, hops


def _check_limits(**limits) -> None:
    for name, value in limits.items():
        if value is not None and value < 1:
            raise ValueError(f"{name} must be a positive number, got {value}")


def _ranking(G: nx.Graph, degree: Mapping | None = None) -> tuple[str, dict, list]:
    """``(measure, {node: value}, nodes most central first)``: by ``pagerank``, else by
    degree (`degree` gives it when `G` holds only some of the ties)."""
    measure = "pagerank"
    value = {n: _number(G.nodes[n].get("pagerank")) for n in G.nodes}
    if G.number_of_nodes() and all(v is None for v in value.values()):
        measure = "degree"
        value = {n: float(d) for n, d in (degree.items() if degree else G.degree())}
    order = sorted(G.nodes, key=lambda n: (-(value[n] if value[n] is not None else -1), str(n)))
    return measure, value, order


def _shown_nodes(order: list, path_nodes: list, max_nodes: int | None) -> list:
    """The nodes drawn on load: the most central, and every node of a path."""
    if max_nodes is None or len(order) <= max_nodes:
        return order
    must = set(path_nodes)
    head = [n for n in order if n not in must][: max(max_nodes - len(must), 0)]
    chosen = set(head) | must
    return [n for n in order if n in chosen]


def _strength(d: Mapping) -> float:
    wf = _number(d.get("weight_fractional"))
    return wf if wf is not None else _number(d.get("weight")) or 0.0


def _drawn_ties(G: nx.Graph, index: dict, n_shown: int, max_ties, path_hops) -> list:
    """The ties among the shown nodes, or the `max_ties` strongest of them (and every hop
    of a path), in node order."""
    shown = [n for n, i in index.items() if i < n_shown]
    ties = [
        (u, v, d) for u in shown for v, d in G._adj[u].items() if index.get(v, n_shown) < n_shown
    ]
    ties = [t for t in ties if index[t[0]] < index[t[1]]]
    if max_ties is not None and len(ties) > max_ties:
        must = {frozenset(h) for h in path_hops}
        ties.sort(
            key=lambda t: (frozenset(t[:2]) not in must, -_strength(t[2]), index[t[0]], index[t[1]])
        )
        ties = ties[:max_ties]
    return sorted(ties, key=lambda t: (index[t[0]], index[t[1]]))


def _search_ties(G: nx.Graph, index: dict, n_shown: int, per_node: int) -> list:
    """For each node not drawn on load, its `per_node` strongest ties: what the page draws
    when a search brings that node in."""
    found: dict[tuple, dict] = {}
    for n, i in index.items():
        if i < n_shown:
            continue
        best = sorted(G._adj[n].items(), key=lambda vd: (-_strength(vd[1]), index[vd[0]]))
        for v, d in best[:per_node]:
            found[(min(i, index[v]), max(i, index[v]))] = d
    return [(a, b, found[(a, b)]) for a, b in sorted(found)]


class _Works:
    """The works of a page as columns, each stored once and referenced by its index."""

    COLUMNS = ("id", "doi", "doi_text", "title", "year", "team", "cut", "retracted")

    def __init__(self, works: pd.DataFrame | None):
        self.table = _works_table(works)
        self.index: dict[str, int] = {}
        self.cols: dict[str, list] = {k: [] for k in self.COLUMNS}
        self.newest: dict[str, int] | None = None  # sort key: minus the year

    def ref(self, wid: str, extra: Mapping | None = None) -> int:
        i = self.index.get(wid)
        if i is not None:
            return i
        rec = self.table.get(wid) or dict(extra or {})
        i = self.index[wid] = len(self.cols["id"])
        raw_doi = _text(rec.get("doi")).strip()
        doi = plain_doi(raw_doi)
        team = _number(rec.get("n_authors"))
        c = self.cols
        c["id"].append(wid)
        c["doi"].append(doi)
        c["doi_text"].append(raw_doi if raw_doi and doi is None else None)
        c["title"].append(_text(rec.get("title")) or None)
        c["year"].append(_year(rec.get("publication_year")))
        c["team"].append(int(team) if team is not None else None)
        c["cut"].append(_flag(rec.get("is_authors_truncated")) and team is not None)
        c["retracted"].append(_flag(rec.get("is_retracted")))
        return i

    def refs(self, ids: Iterable[str]) -> list[int]:
        """References to `ids`, newest work first."""
        if self.newest is None:
            self.newest = {
                w: -(y if y is not None else -10_000)
                for w, y in ((w, _year(r.get("publication_year"))) for w, r in self.table.items())
            }
        newest = self.newest
        return [self.ref(w) for w in sorted(set(ids), key=lambda w: (newest.get(w, 10_000), w))]


def _tie_columns(ties: list, works: _Works) -> dict:
    """The ties ``(a, b, attributes)`` (node indices) as columns."""
    cols = {k: [] for k in ("s", "t", "w", "wf", "fy", "ly", "works")}
    for a, b, d in ties:
        cols["s"].append(min(a, b))
        cols["t"].append(max(a, b))
        cols["w"].append(_number(d.get("weight")))
        wf = _number(d.get("weight_fractional"))
        cols["wf"].append(round(wf, 4) if wf is not None else None)
        cols["fy"].append(_year(d.get("first_year")))
        cols["ly"].append(_year(d.get("last_year")))
        cols["works"].append(works.refs(work_id_list(d.get("works"))))
    return cols


def _node_columns(G: nx.Graph, nodes: list, positions: list, value: dict) -> tuple[dict, dict]:
    """The nodes' columns (positions ``None`` for nodes not drawn on load) and measures."""
    vmax = max((value[n] for n in nodes if value[n] is not None), default=0.0) or 1.0
    cat_index = {c: i for i, c in enumerate(CATEGORIES)}
    keys = ("id", "label", "cat", "x", "y", "size", "country", "rule", "source", "ror", "n_works")
    # when the institution's label depends on the date: its categories through time and
    # its designations with their dates (columns only when some node has them)
    dated = {
        col: attr
        for col, attr in (("changes", "category_changes"), ("designations", "designations"))
        if any(_text(G.nodes[n].get(attr)) for n in nodes)
    }
    cols = {k: [] for k in (*keys, *dated)}
    present = [m for m in MEASURES if any(_number(G.nodes[n].get(m)) is not None for n in nodes)]
    measures = {m: [] for m in present}
    for k, n in enumerate(nodes):
        data = G.nodes[n]
        category = data.get("category")
        x, y = positions[k] if k < len(positions) else (None, None)
        v = value[n]
        n_works = _number(data.get("n_works"))
        cols["id"].append(str(n))
        cols["label"].append(_text(data.get("label")) or str(n))
        cols["cat"].append(cat_index[category if category in cat_index else "other"])
        cols["x"].append(round(x, 1) if x is not None else None)
        cols["y"].append(round(y, 1) if y is not None else None)
        size = 2 + 13 * math.sqrt(max(v, 0.0) / vmax) if v is not None else 2
        cols["size"].append(round(size, 2))
        cols["country"].append(_text(data.get("country_code")) or None)
        cols["rule"].append(_text(data.get("category_rule")) or None)
        cols["source"].append(_text(data.get("category_source")) or None)
        cols["ror"].append(_text(data.get("ror")) or None)
        cols["n_works"].append(int(n_works) if n_works is not None else None)
        for col, attr in dated.items():
            cols[col].append(_text(data.get(attr)) or None)
        for m in present:
            x_m = _number(data.get(m))
            measures[m].append(float(f"{x_m:.6g}") if x_m is not None else None)
    return cols, measures


def _path_list(paths, index: dict, n_shown: int, works: _Works) -> list[dict]:
    out = []
    for p in paths or []:
        nodes = list(p.get("nodes") or [])
        if not nodes or any(index.get(n, n_shown) >= n_shown for n in nodes):
            continue
        hops = []
        for h in p.get("hops") or []:
            s, t = h.get("source"), h.get("target")
            if s not in index or t not in index:
                continue
            refs = []
            for w in h.get("works") or []:
                if isinstance(w, Mapping):
                    wid = _text(w.get("work_id"))
                    if wid:
                        refs.append(works.ref(wid, w))
                elif _text(w):
                    refs.append(works.ref(_text(w)))
            hops.append(
                {
                    "s": index[s],
                    "t": index[t],
                    "works": refs,
                    "consortium_only": bool(h.get("consortium_only")),
                }
            )
        out.append({"nodes": [index[n] for n in nodes], "hops": hops})
    return out


def _subset_note(noun, measure, n_shown, n_total, n_drawn, n_among, paths) -> str | None:
    notes = []
    if n_shown < n_total:
        notes.append(
            f"Showing the {n_shown:,} {noun} with the highest {measure} of {n_total:,}"
            + (" (and every node of the paths)" if paths else "")
            + "; search finds the others and brings them in with their strongest ties."
        )
    if n_drawn < n_among:
        notes.append(
            f"Drawing the {n_drawn:,} strongest of {n_among:,} ties among them (by fractional "
            "weight, so ties resting on consortium papers are left out first); every tie is in "
            "the edges CSV."
        )
    return " ".join(notes) or None


def explorer_payload(
    G: Network | nx.Graph,
    *,
    works: pd.DataFrame | None = None,
    paths: list[dict] | None = None,
    seed: int = 0,
    max_nodes: int | None = 20_000,
    max_ties: int | None = 200_000,
    search_ties: int = SEARCH_TIES,
) -> dict:
    """The data of an explorer page, as column arrays (see :func:`write_explorer_html`).

    Returns
    -------
    dict
        ``nodes`` (``id``, ``label``, ``cat`` (index into ``categories``), ``x``, ``y``,
        ``size``, ``country``, ``rule``, ``source``, ``ror``, ``n_works``), ``measures``
        (name -> array), ``ties`` (``s``, ``t`` node indices, ``w``, ``wf``, ``fy``,
        ``ly``, ``works``: lists of work indices), ``works`` (``id``, ``doi`` (plain DOI
        or null when it is not a valid DOI), ``doi_text`` (the unlinked text of an
        invalid one), ``title``, ``year``, ``team``, ``cut``, ``retracted``), ``paths``,
        ``total`` (nodes and ties of `G`), ``shown`` (how many of the nodes and ties
        are drawn on load: the first ones), ``years`` and ``subset`` (what was left out).
        Nodes come most central first. The nodes past ``shown["nodes"]`` have no
        position and come with their `search_ties` strongest ties (past
        ``shown["ties"]``), so that a search can bring them in.

    Examples
    --------
    >>> G = nx.Graph()
    >>> G.add_edge("I1", "I2", weight=2, works=["W1", "W2"])
    >>> G.add_edge("I2", "I3", weight=1, works=["W2"])
    >>> p = explorer_payload(G)
    >>> p["works"]["id"], p["ties"]["works"]
    (['W1', 'W2'], [[0, 1], [1]])
    """
    _check_limits(max_nodes=max_nodes, max_ties=max_ties, search_ties=search_ties)
    if not isinstance(G, Network | nx.Graph):
        raise TypeError(f"expected a networkx graph or a Network, got {type(G).__name__}")
    degree = n_among = None
    total = {"nodes": G.number_of_nodes(), "ties": G.number_of_edges()}
    if isinstance(G, Network):
        G, degree, n_among = _networkx_of_page(G, paths, max_nodes, max_ties, search_ties)
    ids: dict[str, object] = {}
    for node in G.nodes:
        key = str(node)
        if key in ids:
            raise InputError("graph", f"two nodes have the same id when written as text: {key!r}")
        ids[key] = node
    noun = _noun(ids)

    measure, value, order = _ranking(G, degree)
    path_nodes, path_hops = _path_nodes(paths)
    shown = _shown_nodes(order, [n for n in path_nodes if n in G], max_nodes)
    shown_set = set(shown)
    nodes = shown + [n for n in order if n not in shown_set]
    index = {n: i for i, n in enumerate(nodes)}
    n_shown = len(shown)
    drawn = _drawn_ties(G, index, n_shown, max_ties, path_hops)
    if n_among is None:
        n_among = sum(1 for u, v in G.edges if index[u] < n_shown and index[v] < n_shown)
    extra = _search_ties(G, index, n_shown, search_ties)

    works_ = _Works(works)
    ties = _tie_columns([(index[u], index[v], d) for u, v, d in drawn] + extra, works_)
    positions = _layout(shown, [(index[u], index[v]) for u, v, _ in drawn], seed)
    node_cols, measures = _node_columns(G, nodes, positions, value)
    path_list = _path_list(paths, index, n_shown, works_)

    w_cols = works_.cols
    years = [y for y in w_cols["year"] if y is not None]
    years += [y for y in ties["fy"] + ties["ly"] if y is not None]
    return {
        "noun": noun,
        "measure": measure,
        "labels_always": min(LABELS_ALWAYS, n_shown),
        "consortium": CONSORTIUM_AUTHORS,
        "total": total,
        "shown": {"nodes": n_shown, "ties": len(drawn)},
        "subset": _subset_note(
            noun, measure, n_shown, total["nodes"], len(drawn), n_among, path_nodes
        ),
        "categories": [
            {"key": c, "label": CATEGORY_LABELS[c], "color": CATEGORY_COLORS[c]} for c in CATEGORIES
        ],
        "nodes": node_cols,
        "measures": measures,
        "ties": ties,
        "works": w_cols,
        "paths": path_list,
        "years": [min(years), max(years)] if years else None,
    }


def _networkx_of_page(net: Network, paths, max_nodes, max_ties, per_node) -> tuple:
    """The networkx graph of every node of `net` and the ties a page may use: those among
    the shown nodes, and each other node's strongest (cut on the arrays, keeping every tie
    tied at a cut, so :func:`explorer_payload` makes the same choice on the result as on
    `net`). Returns it with `net`'s degrees and the number of ties among the shown nodes.
    """
    t = net.ties
    deg = t.degrees()
    degree = dict(zip(net.node_ids.tolist(), deg.astype(float).tolist(), strict=True))
    nodes_only = net.with_ties(np.empty(0, np.int64)).to_networkx()
    _, _, order = _ranking(nodes_only, degree)
    path_nodes, path_hops = _path_nodes(paths)
    shown = set(_shown_nodes(order, [n for n in path_nodes if n in degree], max_nodes))
    keep = np.fromiter((n in shown for n in net.node_ids.tolist()), bool, len(net.node_ids))
    strength = np.where(np.isnan(t.weight_fractional), t.weight, t.weight_fractional)
    among = np.flatnonzero(keep[t.source] & keep[t.target])
    n_among = int(among.size)
    if max_ties is not None and among.size > max_ties:
        cut = np.partition(-strength[among], max_ties - 1)[max_ties - 1]
        hops = {frozenset(h) for h in path_hops}
        ids = net.node_ids
        on_path = np.fromiter(
            (
                frozenset((ids[a], ids[b])) in hops
                for a, b in zip(t.source[among], t.target[among], strict=True)
            ),
            bool,
            among.size,
        )
        among = among[(-strength[among] <= cut) | on_path]
    # each node not shown: its ties down to the strength of its per_node-th strongest
    n_ties = t.source.size
    ends = np.concatenate((t.source, t.target))
    edge = np.tile(np.arange(n_ties), 2)
    hidden = ~keep[ends]
    ends, edge = ends[hidden], edge[hidden]
    order_ = np.lexsort((-strength[edge], ends))
    ends, edge = ends[order_], edge[order_]
    starts = np.flatnonzero(np.r_[True, ends[1:] != ends[:-1]]) if ends.size else ends
    lengths = np.diff(np.r_[starts, ends.size])
    kth = starts + np.minimum(lengths, per_node) - 1
    search = edge[strength[edge] >= np.repeat(strength[edge[kth]], lengths)]
    chosen = np.union1d(among, search)
    G = net.with_ties(chosen).to_networkx()
    return G, degree, n_among


def _how_to_read(noun: str, measure: str) -> str:
    text = (
        "A line joins two {noun} with at least one joint work; thicker lines rest on more "
        "works, counted fractionally (a work of n co-authoring {noun} adds 1/(n-1)), so a "
        "consortium paper draws a thin line. Dots are sized by {measure} and coloured by "
        "watchlist category{author}. A line or a path is a lead, not a finding: read its works."
    )
    author = " (an author by the category of the institutions they most often sign with)"
    return text.format(
        noun=noun,
        measure="PageRank" if measure == "pagerank" else measure,
        author=author if noun == "authors" else "",
    )


def write_explorer_html(
    G: nx.Graph,
    path,
    *,
    title: str,
    works: pd.DataFrame | None = None,
    banner: str | None = None,
    paths: list[dict] | None = None,
    paths_title: str = "Show the how-close paths",
    note: str | None = None,
    seed: int = 0,
    max_nodes: int | None = 20_000,
    max_ties: int | None = 200_000,
    search_ties: int = SEARCH_TIES,
    engine: str = "sigma",
) -> Path:
    """Write `G` as one self-contained explorer page (search, filters, details, export).

    Parameters
    ----------
    G : collabnet.network.Network or networkx.Graph
        Graph in collabnet's graph contract (node ``label``, ``category``,
        ``category_rule``, ``category_source``, ``country_code``, ``n_works``, ``ror`` and
        measures; tie ``weight``, ``weight_fractional``, ``works``, ``first_year``,
        ``last_year``). Not modified.
    path : str or pathlib.Path
        Output ``.html`` file; parent folders are created.
    title : str
        Page title and heading.
    works : pandas.DataFrame, optional
        Works table (``work_id``, ``doi``, ``title``, ``publication_year``,
        ``is_retracted``, ``n_authors``, ``is_authors_truncated``) for the details panel.
    banner : str, optional
        Shown prominently above the map (e.g. "Synthetic demo data — evidence of nothing").
    paths : list of dict, optional
        Paths as :func:`collabnet.metrics.evidence_paths` returns them (``nodes``,
        ``hops`` with ``source``, ``target``, ``works``); shown as a layer that a checkbox
        switches on, each hop clickable to its works. Their nodes and ties are always kept.
    paths_title : str
        The label of that checkbox.
    note : str, optional
        A sentence added to the how-to-read note (e.g. what the graph leaves out).
    seed : int, default 0
        Seed of the layout (the same seed gives the same file).
    max_nodes, max_ties : int or None
        Above these, keep the most central nodes (``pagerank``, else degree) and the
        strongest ties among them (by ``weight_fractional``); the page says so. Search
        still finds every node, and brings one in with its `search_ties` strongest ties.
    engine : {"sigma", "vis-network"}
        What draws the map; the page, its controls and its data are the same. "sigma"
        (WebGL) stays fluid at tens of thousands of nodes; "vis-network" (canvas 2D, the
        build pyvis ships) draws at most 2,000 nodes and 20,000 ties, for small graphs
        and browsers without WebGL.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise InputError(path, "the explorer must be written to a .html file")
    if engine not in ENGINES:
        raise InputError("engine", f"must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine == "vis-network":
        max_nodes = min(max_nodes or VIS_MAX_NODES, VIS_MAX_NODES)
        max_ties = min(max_ties or VIS_MAX_TIES, VIS_MAX_TIES)
    data = explorer_payload(
        G,
        works=works,
        paths=paths,
        seed=seed,
        max_nodes=max_nodes,
        max_ties=max_ties,
        search_ties=search_ties,
    )
    data["engine"] = engine
    data["plain_ties_above"] = PLAIN_TIES_ABOVE
    versions = library_versions()
    versions["vis-network"] = {"version": VIS_NETWORK_VERSION, "license": "Apache-2.0 or MIT"}
    drawing = _library_js("sigma") if engine == "sigma" else _vis_network_js()
    scripts = [
        _library_js("graphology"),
        drawing,
        (_TEMPLATES / "explorer.js").read_text(encoding="utf-8"),
    ]
    css = (_TEMPLATES / "explorer.css").read_text(encoding="utf-8")
    env = Environment(
        loader=FileSystemLoader(str(_TEMPLATES)),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        keep_trailing_newline=True,
    )
    text = env.get_template("explorer.html").render(
        title=title,
        banner=banner,
        subset=data["subset"],
        has_paths=bool(data["paths"]),
        paths_title=paths_title,
        how_to_read=_how_to_read(data["noun"], data["measure"]),
        note=note,
        version=__version__,
        libraries=versions,
        data_json=script_json(data, compact=True),
        css=Markup(css),
        # vis-network sets its elements' styles itself; sigma needs only the page's own
        style_source=Markup("'unsafe-inline'" if engine == "vis-network" else _csp_hash(css)),
        engine=engine,
        scripts=[Markup(s) for s in scripts],
        # Only these exact scripts may run: a hash-based policy also disables inline event
        # handlers (onerror=...), which 'unsafe-inline' would allow.
        script_hashes=Markup(" ".join(_csp_hash(s) for s in scripts)),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


class InlinePage:
    """An explorer page as Jupyter shows it (``_repr_html_``): in a sandboxed frame."""

    def __init__(self, data: str):
        self.data = data

    def _repr_html_(self) -> str:
        return self.data


def inline(page: str | Path, *, height: int = 720) -> InlinePage:
    """Show an explorer page inside a Jupyter notebook: the page in a sandboxed frame
    (scripts run, but with no access to the notebook, its cookies or its kernel; links
    and the PNG export still work).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> G = nx.Graph([("I1", "I2", {"weight": 1, "works": ["W1"]})])
    >>> p = write_explorer_html(G, pathlib.Path(tempfile.mkdtemp()) / "m.html", title="t")
    >>> "sandbox=" in inline(p)._repr_html_()
    True
    """
    import html

    text = Path(page).read_text(encoding="utf-8")
    return InlinePage(
        f'<iframe srcdoc="{html.escape(text, quote=True)}" '
        'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox allow-downloads" '
        f'style="width: 100%; height: {int(height)}px; border: 1px solid #ddd"></iframe>'
    )
