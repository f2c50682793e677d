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
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from . import __version__
from .config import CATEGORIES, CATEGORY_COLORS, CATEGORY_LABELS
from .errors import InputError
from .interactive import script_json
from .network import fruchterman_reingold

__all__ = [
    "write_explorer_html",
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

#: How many of the most central nodes keep their label at every zoom level.
LABELS_ALWAYS = 20

#: Above this many nodes the layout uses igraph's grid Fruchterman-Reingold (same seed,
#: same picture; 2.7 s for 14k nodes and 173k ties, where DrL takes 140 s).
_GRID_ABOVE = 1000

_HERE = Path(__file__).resolve().parent
_TEMPLATES = _HERE / "templates"
_STATIC = _HERE / "static"


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


def _work_ids(value) -> list[str]:
    """A tie's ``works`` as a list of ids (a list as built, or ``"W1;W2"`` read from a file)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [w for w in re.split(r"[;,\s]+", value) if w]
    return [str(w) for w in value]


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
    if ids and all(re.fullmatch(r"I\d+", i) or i.startswith(("entry:", "text:")) for i in ids):
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


def explorer_payload(
    G: nx.Graph,
    *,
    works: pd.DataFrame | None = None,
    paths: list[dict] | None = None,
    seed: int = 0,
    max_nodes: int | None = 20_000,
    max_ties: int | None = 200_000,
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
        ``total`` (nodes and ties of `G`), ``years`` and ``subset`` (what was left out).
        Nodes come most central first.

    Examples
    --------
    >>> G = nx.Graph()
    >>> G.add_edge("I1", "I2", weight=2, works=["W1", "W2"])
    >>> G.add_edge("I2", "I3", weight=1, works=["W2"])
    >>> p = explorer_payload(G)
    >>> p["works"]["id"], p["ties"]["works"]
    (['W1', 'W2'], [[0, 1], [1]])
    """
    if not isinstance(G, nx.Graph):
        raise TypeError(f"expected a networkx graph, got {type(G).__name__}")
    for name, value in (("max_nodes", max_nodes), ("max_ties", max_ties)):
        if value is not None and value < 1:
            raise ValueError(f"{name} must be a positive number, got {value}")
    ids: dict[str, object] = {}
    for node in G.nodes:
        key = str(node)
        if key in ids:
            raise InputError("graph", f"two nodes have the same id when written as text: {key!r}")
        ids[key] = node
    noun = _noun(ids)

    # --- which nodes: the most central, and every node of a path ------------------------
    measure = "pagerank"
    value = {n: _number(G.nodes[n].get("pagerank")) for n in G.nodes}
    if G.number_of_nodes() and all(v is None for v in value.values()):
        measure = "degree"
        value = {n: float(d) for n, d in G.degree()}
    order = sorted(G.nodes, key=lambda n: (-(value[n] if value[n] is not None else -1), str(n)))
    path_nodes, path_hops = _path_nodes(paths)
    path_nodes = [n for n in path_nodes if n in G]
    kept = order
    if max_nodes is not None and len(order) > max_nodes:
        must = set(path_nodes)
        head = [n for n in order if n not in must][: max(max_nodes - len(must), 0)]
        chosen = set(head) | must
        kept = [n for n in order if n in chosen]
    index = {n: i for i, n in enumerate(kept)}

    # --- which ties: every tie among them, or the strongest (and every hop of a path) -----
    ties = [(u, v, d) for u, v, d in G.edges(data=True) if u in index and v in index]
    n_among = len(ties)
    if max_ties is not None and len(ties) > max_ties:
        must_ties = {frozenset(h) for h in path_hops}

        def strength(t):
            d = t[2]
            wf = _number(d.get("weight_fractional"))
            return (
                frozenset((t[0], t[1])) not in must_ties,
                -(wf if wf is not None else _number(d.get("weight")) or 0.0),
                min(index[t[0]], index[t[1]]),
                max(index[t[0]], index[t[1]]),
            )

        ties = sorted(ties, key=strength)[:max_ties]
    ties.sort(key=lambda t: (min(index[t[0]], index[t[1]]), max(index[t[0]], index[t[1]])))

    subset = []
    if len(kept) < G.number_of_nodes():
        subset.append(
            f"Showing the {len(kept):,} {noun} with the highest {measure} of "
            f"{G.number_of_nodes():,}"
            + (" (and every node of the paths)" if path_nodes else "")
            + "."
        )
    if len(ties) < n_among:
        subset.append(
            f"Drawing the {len(ties):,} strongest of {n_among:,} ties among them (by fractional "
            "weight, so ties resting on consortium papers are left out first); every tie is in "
            "the edges CSV."
        )

    # --- works, stored once ----------------------------------------------------------------
    table = _works_table(works)
    work_index: dict[str, int] = {}
    w_cols = {k: [] for k in ("id", "doi", "doi_text", "title", "year", "team", "cut", "retracted")}

    def work_ref(wid: str, extra: Mapping | None = None) -> int:
        i = work_index.get(wid)
        if i is not None:
            return i
        rec = table.get(wid) or dict(extra or {})
        i = work_index[wid] = len(w_cols["id"])
        raw_doi = _text(rec.get("doi")).strip()
        doi = plain_doi(raw_doi)
        team = _number(rec.get("n_authors"))
        w_cols["id"].append(wid)
        w_cols["doi"].append(doi)
        w_cols["doi_text"].append(raw_doi if raw_doi and doi is None else None)
        w_cols["title"].append(_text(rec.get("title")) or None)
        w_cols["year"].append(_year(rec.get("publication_year")))
        w_cols["team"].append(int(team) if team is not None else None)
        w_cols["cut"].append(_flag(rec.get("is_authors_truncated")) and team is not None)
        w_cols["retracted"].append(_flag(rec.get("is_retracted")))
        return i

    def newest_first(wids: list[str]) -> list[str]:
        def key(w):
            y = _year((table.get(w) or {}).get("publication_year"))
            return (-(y if y is not None else -10_000), w)

        return sorted(set(wids), key=key)

    t_cols = {k: [] for k in ("s", "t", "w", "wf", "fy", "ly", "works")}
    for u, v, d in ties:
        a, b = index[u], index[v]
        t_cols["s"].append(min(a, b))
        t_cols["t"].append(max(a, b))
        t_cols["w"].append(_number(d.get("weight")))
        wf = _number(d.get("weight_fractional"))
        t_cols["wf"].append(round(wf, 4) if wf is not None else None)
        t_cols["fy"].append(_year(d.get("first_year")))
        t_cols["ly"].append(_year(d.get("last_year")))
        t_cols["works"].append([work_ref(w) for w in newest_first(_work_ids(d.get("works")))])

    # --- nodes -------------------------------------------------------------------------------
    positions = _layout(
        kept, [(index[u], index[v]) for u, v, _ in ties], seed
    )  # only drawn ties shape the picture
    vmax = max((value[n] for n in kept if value[n] is not None), default=0.0) or 1.0
    cat_index = {c: i for i, c in enumerate(CATEGORIES)}
    n_cols = {
        k: [] for k in ("id", "label", "cat", "x", "y", "size", "country", "rule", "source", "ror")
    }
    n_cols["n_works"] = []
    present = [m for m in MEASURES if any(_number(G.nodes[n].get(m)) is not None for n in kept)]
    measures = {m: [] for m in present}
    for n, (x, y) in zip(kept, positions, strict=True):
        data = G.nodes[n]
        category = data.get("category")
        category = category if category in cat_index else "other"
        v = value[n]
        n_cols["id"].append(str(n))
        n_cols["label"].append(_text(data.get("label")) or str(n))
        n_cols["cat"].append(cat_index[category])
        n_cols["x"].append(round(x, 1))
        n_cols["y"].append(round(y, 1))
        size = 2 + 13 * math.sqrt(max(v, 0.0) / vmax) if v is not None else 2
        n_cols["size"].append(round(size, 2))
        n_cols["country"].append(_text(data.get("country_code")) or None)
        n_cols["rule"].append(_text(data.get("category_rule")) or None)
        n_cols["source"].append(_text(data.get("category_source")) or None)
        n_cols["ror"].append(_text(data.get("ror")) or None)
        n_works = _number(data.get("n_works"))
        n_cols["n_works"].append(int(n_works) if n_works is not None else None)
        for m in present:
            x_m = _number(data.get(m))
            measures[m].append(float(f"{x_m:.6g}") if x_m is not None else None)

    # --- paths -------------------------------------------------------------------------------
    path_list = []
    for p in paths or []:
        nodes = [n for n in p.get("nodes") or []]
        if not nodes or any(n not in index for n in nodes):
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
                        refs.append(work_ref(wid, w))
                elif _text(w):
                    refs.append(work_ref(_text(w)))
            hops.append(
                {
                    "s": index[s],
                    "t": index[t],
                    "works": refs,
                    "consortium_only": bool(h.get("consortium_only")),
                }
            )
        path_list.append({"nodes": [index[n] for n in nodes], "hops": hops})

    years = [y for y in w_cols["year"] if y is not None]
    years += [y for y in t_cols["fy"] + t_cols["ly"] if y is not None]
    return {
        "noun": noun,
        "measure": measure,
        "labels_always": min(LABELS_ALWAYS, len(kept)),
        "total": {"nodes": G.number_of_nodes(), "ties": G.number_of_edges()},
        "subset": " ".join(subset) or None,
        "categories": [
            {"key": c, "label": CATEGORY_LABELS[c], "color": CATEGORY_COLORS[c]} for c in CATEGORIES
        ],
        "nodes": n_cols,
        "measures": measures,
        "ties": t_cols,
        "works": w_cols,
        "paths": path_list,
        "years": [min(years), max(years)] if years else None,
    }


def write_explorer_html(
    G: nx.Graph,
    path,
    *,
    title: str,
    works: pd.DataFrame | None = None,
    banner: str | None = None,
    paths: list[dict] | None = None,
    seed: int = 0,
    max_nodes: int | None = 20_000,
    max_ties: int | None = 200_000,
) -> Path:
    """Write `G` as one self-contained explorer page (search, filters, details, export).

    Parameters
    ----------
    G : networkx.Graph
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
    seed : int, default 0
        Seed of the layout (the same seed gives the same file).
    max_nodes, max_ties : int or None
        Above these, keep the most central nodes (``pagerank``, else degree) and the
        strongest ties among them (by ``weight_fractional``); the page says so.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise InputError(path, "the explorer must be written to a .html file")
    data = explorer_payload(
        G, works=works, paths=paths, seed=seed, max_nodes=max_nodes, max_ties=max_ties
    )
    versions = library_versions()
    scripts = [
        _library_js("graphology"),
        _library_js("sigma"),
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
        version=__version__,
        libraries=versions,
        data_json=script_json(data, compact=True),
        css=Markup(css),
        style_hash=Markup(_csp_hash(css)),
        scripts=[Markup(s) for s in scripts],
        # Only these exact scripts may run: a hash-based policy also disables inline event
        # handlers (onerror=...), which 'unsafe-inline' would allow.
        script_hashes=Markup(" ".join(_csp_hash(s) for s in scripts)),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
