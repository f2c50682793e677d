"""The interactive page collabnet wrote before the explorer: the baseline of
``bench_explorer.py`` (vis-network on a canvas, at most 50,000 ties, tooltips on hover).

Kept as it was, for the benchmark only; collabnet itself writes :mod:`collabnet.explorer`
pages.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import re
from collections.abc import Mapping
from pathlib import Path

import networkx as nx
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from pyvis.network import Network

from collabnet import __version__
from collabnet.config import CATEGORIES, CATEGORY_COLORS, CATEGORY_LABELS, CONSORTIUM_AUTHORS
from collabnet.errors import InputError
from collabnet.explorer import VIS_NETWORK_VERSION, _number, _vis_network_js, script_json
from collabnet.network import Network as CoauthorshipNetwork
from collabnet.network import (
    induced_subgraph,
    node_data,
    seeded_layout,
    work_id_list,
)

__all__ = ["write_network_html"]

#: How many works a tooltip lists before it says "and N more".
TOOLTIP_WORKS = 20

#: Ties drawn at most on one page: the strongest (see ``write_network_html``).
MAX_TIES = 50_000

_TEMPLATES = Path(__file__).resolve().parent
_TEMPLATE = "network.html"


def _text(value, default: str = "") -> str:
    if value is None:
        return default
    if isinstance(value, float) and not math.isfinite(value):
        return default
    return str(value)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _doi_text(doi) -> str:
    """A DOI as plain text (``doi:10....``), never as a link."""
    doi = _text(doi).strip()
    if not doi:
        return ""
    doi = re.sub(r"^(https?://)?(dx\.)?doi\.org/", "", doi, flags=re.IGNORECASE)
    return doi if doi.lower().startswith("doi:") else f"doi:{doi}"


def _noun(nodes) -> str:
    """What the nodes are, for the page's sentences (authors, institutions, countries)."""
    ids = [str(n) for n in nodes]
    if not ids:
        return "nodes"
    if all(re.fullmatch(r"A\d+", i) for i in ids):
        return "authors"
    if all(re.fullmatch(r"I\d+", i) or i.startswith(("entry:", "text:")) for i in ids):
        return "institutions"
    if all(re.fullmatch(r"[A-Z]{2}", i) for i in ids):
        return "countries"
    return "nodes"


def works_on_ties(G: nx.Graph, nodes) -> dict:
    """For each of `nodes`, the set of works on its ties (works shared with another node)."""
    out = {}
    for n in nodes:
        out[n] = found = set()
        for _, _, ws in G.edges(n, data="works"):
            found.update(work_id_list(ws))
    return out


def _works_lookup(works) -> dict[str, dict]:
    if works is None:
        return {}
    if not isinstance(works, pd.DataFrame):
        raise TypeError("works must be a pandas DataFrame with a work_id column")
    if "work_id" not in works.columns:
        raise InputError("works", "the works table has no work_id column")
    lookup = {}
    wanted = (
        "doi",
        "title",
        "publication_year",
        "is_retracted",
        "n_authors",
        "is_authors_truncated",
    )
    columns = [c for c in wanted if c in works]
    for row in works[["work_id", *columns]].itertuples(index=False):
        rec = row._asdict()
        year = _number(rec.get("publication_year"))
        team = _number(rec.get("n_authors"))
        cut = bool(rec.get("is_authors_truncated")) and team is not None
        lookup[str(rec["work_id"])] = {
            "year": int(year) if year is not None else None,
            "authors": int(team) if team is not None else None,
            "authors_cut": cut,  # OpenAlex cut the list: the team is larger
            "consortium": team is not None and (cut or team > CONSORTIUM_AUTHORS),
            "doi": _doi_text(rec.get("doi")),
            "title": _text(rec.get("title")),
            "retracted": bool(rec.get("is_retracted")) if rec.get("is_retracted") else False,
        }
    return lookup


def _sorted_works(ids, lookup) -> list[str]:
    """Newest first, then by id, so the capped tooltip list shows recent evidence."""

    def key(w):
        year = (lookup.get(w) or {}).get("year")
        return (-(year if year is not None else -10_000), w)

    return sorted(set(ids), key=key)


def write_network_html(
    G: CoauthorshipNetwork | nx.Graph,
    path,
    *,
    title: str,
    works: pd.DataFrame | None = None,
    size_by: str = "pagerank",
    max_nodes: int | None = None,
    max_ties: int | None = MAX_TIES,
    banner: str | None = None,
    note: str | None = None,
    seed: int = 0,
    layout: Mapping | None = None,
) -> Path:
    """Write ``G`` as one self-contained, interactive HTML page and return its path.

    The page opens offline and makes no network request: vis-network (the library pyvis
    ships) is inlined, no CDN, font or image is referenced, and a Content-Security-Policy
    forbids loading anything. Every piece of text from the data (labels, titles, names)
    is embedded as escaped JSON and shown with ``textContent``, so markup in the data is
    displayed, never run. Positions are computed here, seeded, with physics off, so the
    picture is still and the same on every run.

    Parameters
    ----------
    G : collabnet.network.Network or networkx.Graph
        Collaboration network following collabnet's graph contract (node ``label``,
        ``category``, ``country_code``, ``n_works`` and measures; edge ``weight``,
        ``weight_fractional``, ``works``, ``first_year``, ``last_year``). Not modified.
    path : str or pathlib.Path
        Output file (``.html``); parent folders are created.
    title : str
        Page title and heading.
    works : pandas.DataFrame, optional
        Works table (``work_id``, ``doi``, ``title``, ``publication_year``,
        ``is_retracted``, ``n_authors``) used to show year, DOI, title and team size of
        each work in tooltips; a work of more than 25 authors is marked as a consortium
        paper.
    size_by : str, default "pagerank"
        Node attribute that sets node size and, with ``max_nodes``, which nodes are kept.
        If no node has it, degree in ``G`` is used and the page says so.
    max_nodes : int, optional
        Keep only the ``max_nodes`` nodes with the highest ``size_by`` (ties by id);
        the page states how many of how many are shown.
    max_ties : int or None, default 50,000
        Draw at most this many of the ties among the kept nodes, the strongest by
        Newman's fractional weight (ties resting on consortium papers are left out first); the page
        says so. A canvas page with hundreds of thousands of ties cannot be used.
    banner : str, optional
        Text shown in a prominent banner, e.g. "Synthetic demo data — evidence of nothing".
    note : str, optional
        Extra paragraph under the how-to-read note (method, data source, date).
    seed : int, default 0
        Seed of the layout.
    layout : mapping, optional
        Precomputed positions ``{node: (x, y)}`` for every shown node; overrides the
        seeded layout.

    Returns
    -------
    pathlib.Path
        The file written.

    Notes
    -----
    pyvis 0.3.2 is the vehicle (its ``Network`` object carries nodes, edges and options
    into a Jinja template), but its own template loads Bootstrap and vis-network from
    CDNs and sets tooltips with ``innerHTML``; collabnet therefore renders its own
    template (``templates/network.html``). Nodes and edges are loaded into the
    ``Network`` in bulk, because ``Network.add_edge`` scans every existing edge
    (quadratic), and ``Network.from_nx`` rewrites the graph it is given.

    Examples
    --------
    >>> import networkx as nx, tempfile, pathlib
    >>> G = nx.Graph()
    >>> G.add_node("I1", label="Lab <b>A</b>", category="nl", pagerank=0.6)
    >>> G.add_node("I2", label="Lab B", category="cn_police", pagerank=0.4)
    >>> G.add_edge("I1", "I2", weight=1, works=["W1"])
    >>> out = write_network_html(G, pathlib.Path(tempfile.mkdtemp()) / "g.html", title="Demo")
    >>> text = out.read_text(encoding="utf-8")
    >>> "<b>A</b>" in text, "Lab \\\\u003cb\\\\u003eA" in text
    (False, True)
    """
    if not isinstance(G, (nx.Graph, CoauthorshipNetwork)):
        raise TypeError(f"expected a network or a networkx graph, got {type(G).__name__}")
    if isinstance(G, CoauthorshipNetwork):
        G = G.to_networkx()  # this page reads every tie through networkx
    if max_nodes is not None and max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive number, got {max_nodes}")
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise InputError(path, "the interactive network must be written to a .html file")

    data_of = node_data(G)
    ids = {}
    for node in data_of:
        key = str(node)
        if key in ids:
            raise InputError("graph", f"two nodes have the same id when written as text: {key!r}")
        ids[key] = node

    # --- which measure sizes the nodes ----------------------------------------------------
    values = {n: _number(d.get(size_by)) for n, d in data_of.items()}
    measure = size_by
    fallback = None
    if G.number_of_nodes() and all(v is None for v in values.values()):
        values = {n: float(d) for n, d in dict(G.degree(list(data_of))).items()}
        measure = "degree"
        fallback = f"No node has a “{size_by}” value, so nodes are sized by degree."

    noun = _noun(data_of)
    n_total = G.number_of_nodes()
    kept = sorted(
        data_of, key=lambda n: (-(values[n] if values[n] is not None else -1e300), str(n))
    )
    if max_nodes is not None and max_nodes < n_total:
        kept = kept[:max_nodes]
    H = induced_subgraph(G, kept, max_ties=max_ties)  # nothing is written to G
    subset = None
    if len(kept) < n_total:
        subset = (
            f"Showing the {len(kept):,} {noun} with the highest {measure} "
            f"of {n_total:,} {noun} ({H.number_of_edges():,} of "
            f"{G.number_of_edges():,} ties)."
        )
    if H.number_of_edges() < H.graph["ties_among_nodes"]:
        subset = (subset + " " if subset else "") + (
            f"Drawing the {H.number_of_edges():,} strongest of "
            f"{H.graph['ties_among_nodes']:,} ties among them (by fractional weight, so ties "
            "resting on consortium papers are left out first); every tie is in the edges CSV."
        )

    # --- positions --------------------------------------------------------------------------
    if layout is not None:
        missing = [str(n) for n in kept if n not in layout]
        if missing:
            raise InputError(
                "layout", f"no position for {len(missing)} node(s), e.g. {missing[0]!r}"
            )
        pos = {n: (float(layout[n][0]), float(layout[n][1])) for n in kept}
        xs = [p[0] for p in pos.values()] or [0.0]
        ys = [p[1] for p in pos.values()] or [0.0]
        cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
        half = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9) / 2
        pos = {n: ((x - cx) / half, (y - cy) / half) for n, (x, y) in pos.items()}
    else:
        pos = seeded_layout(H, seed)
    scale = 150 * math.sqrt(max(len(kept), 4))

    # --- evidence lookup --------------------------------------------------------------------
    lookup = _works_lookup(works)
    used_works: set[str] = set()

    def capped(ids_):
        ordered = _sorted_works(ids_, lookup)
        shown = ordered[:TOOLTIP_WORKS]
        used_works.update(shown)
        return shown, len(ordered) - len(shown)

    # --- nodes ------------------------------------------------------------------------------
    vmax = max((values[n] for n in kept if values[n] is not None), default=0.0) or 1.0
    node_dicts = []
    counts = dict.fromkeys(CATEGORIES, 0)
    tie_works = works_on_ties(G, kept)  # over all of G's ties, not only those drawn
    degree = dict(G.degree(kept))
    for n in kept:
        data = data_of[n]
        category = data.get("category")
        category = category if category in CATEGORY_COLORS else "other"
        counts[category] += 1
        label = _text(data.get("label"), str(n)) or str(n)
        v = values[n]
        size = 6 + 30 * math.sqrt(max(v, 0.0) / vmax) if v is not None and vmax > 0 else 6
        shown, more = capped(tie_works[n])
        x, y = pos[n]
        node_dicts.append(
            {
                "id": str(n),
                "label": _short(label),
                "shape": "dot",
                "size": round(size, 2),
                "x": round(x * scale, 2),
                "y": round(y * scale, 2),
                "color": CATEGORY_COLORS[category],
                "cn": {
                    "label": label,
                    "id": str(n),
                    "category": ("most often signs with: " if noun == "authors" else "")
                    + CATEGORY_LABELS.get(category, category),
                    "country": _text(data.get("country_code")),
                    "institutions": _text(data.get("institutions")),
                    "categories": _text(data.get("categories")),
                    "rule": _text(data.get("category_rule")),
                    "matched_by": _text(data.get("matched_by")),
                    "source": _short(_text(data.get("category_source")), 240),
                    "n_works": _number(data.get("n_works")),
                    "measure": measure,
                    "value": v,
                    "degree": degree[n],
                    "works": shown,
                    "more": more,
                },
            }
        )

    # --- edges ------------------------------------------------------------------------------
    wmax = max((_number(d.get("weight")) or 1.0 for _, _, d in H.edges(data=True)), default=1.0)
    edge_dicts = []
    for i, (u, v, d) in enumerate(H.edges(data=True)):
        weight = _number(d.get("weight"))
        shown, more = capped(work_id_list(d.get("works")))
        width = 1 + 7 * math.sqrt((weight or 1.0) / wmax)
        first, last = _number(d.get("first_year")), _number(d.get("last_year"))
        edge_dicts.append(
            {
                "id": f"e{i}",
                "from": str(u),
                "to": str(v),
                "width": round(width, 2),
                "cn": {
                    "a": _text(data_of[u].get("label"), str(u)) or str(u),
                    "b": _text(data_of[v].get("label"), str(v)) or str(v),
                    "weight": weight,
                    "weight_fractional": _number(d.get("weight_fractional")),
                    "first_year": int(first) if first is not None else None,
                    "last_year": int(last) if last is not None else None,
                    "works": shown,
                    "more": more,
                },
            }
        )

    options = {
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False},
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": len(edge_dicts) > 2000,
            "navigationButtons": False,
            "keyboard": False,
        },
        "nodes": {
            "borderWidth": 1,
            "font": {"size": 14, "face": "sans-serif", "strokeWidth": 3},
            "color": {"border": "#333333"},
        },
        "edges": {
            "smooth": False,
            "color": {"color": "#9a9a9a", "highlight": "#333333", "hover": "#333333"},
            "selectionWidth": 2,
        },
    }

    # --- pyvis as the vehicle ---------------------------------------------------------------
    net = Network(
        height="78vh",
        width="100%",
        directed=isinstance(G, nx.Graph) and G.is_directed(),
        heading=title,
        cdn_resources="remote",
    )
    # Bulk load: Network.add_node/add_edge check membership in lists (quadratic).
    net.nodes = node_dicts
    net.node_ids = [d["id"] for d in node_dicts]
    net.node_map = {d["id"]: d for d in node_dicts}
    net.edges = edge_dicts
    net.options = options
    net.templateEnv = _environment()
    net.path = _TEMPLATE

    legend = [
        {
            "category": c,
            "label": CATEGORY_LABELS[c],
            "color": CATEGORY_COLORS[c],
            "count": counts[c],
        }
        for c in CATEGORIES
    ]
    colour = (
        "colour shows the category of the institutions they most often sign with (a person is "
        "not their affiliation: read the works)"
        if noun == "authors"
        else "colour shows its category (see the key)"
    )
    how_to = (
        f"Each dot is one of the {noun}: {colour}, size its {measure}. A line joins two that "
        "published together; a thicker line means more joint works. Hover over a dot or a "
        "line to list the works behind it; scroll to zoom, drag to move."
    )
    vis_js = _vis_network_js()
    app_js = (_TEMPLATES / "network.js").read_text(encoding="utf-8")
    net.templateEnv.globals.update(
        page={
            "title": title,
            "banner": banner,
            "note": note,
            "how_to": how_to,
            "subset": subset,
            "fallback": fallback,
            "legend": legend,
            "n_nodes": len(node_dicts),
            "n_edges": len(edge_dicts),
            "version": __version__,
            "vis_version": VIS_NETWORK_VERSION,
        },
        works_json=script_json({w: lookup[w] for w in sorted(used_works) if w in lookup}),
        options_json=script_json(options),
        vis_js=Markup(vis_js),
        app_js=Markup(app_js),
        # Only these two exact scripts may run: a hash-based policy also disables inline
        # event handlers (onerror=...), which 'unsafe-inline' would allow.
        script_hashes=Markup(" ".join(_csp_hash(js) for js in (vis_js, app_js))),
    )
    text = net.generate_html(name=path.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _csp_hash(script: str) -> str:
    """The Content-Security-Policy source expression allowing exactly this inline script."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(_TEMPLATES)),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        keep_trailing_newline=True,
    )
    env.filters["script_json"] = script_json
    env.filters["attr_escape"] = html.escape
    return env
