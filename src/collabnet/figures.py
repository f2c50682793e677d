"""Static matplotlib figures of collaboration networks; every function returns a Figure."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # figures are files: no display needed, same output everywhere

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from .config import CATEGORIES, CATEGORY_COLORS, CATEGORY_LABELS  # noqa: E402
from .errors import InputError  # noqa: E402
from .network import Network, induced_subgraph, node_data, seeded_layout  # noqa: E402

__all__ = ["network_figure", "centrality_bars", "collaborations_per_year", "save_figure"]

# Chinese institution names need a CJK font; matplotlib falls back along this list per glyph.
# Without one installed (e.g. Debian's fonts-noto-cjk), such characters show as boxes.
CJK_FALLBACK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
)
for _font in CJK_FALLBACK_FONTS:
    if _font not in matplotlib.rcParams["font.sans-serif"]:
        matplotlib.rcParams["font.sans-serif"].append(_font)


def _caption(fig: Figure, caption: str | None) -> None:
    """Draw the caption (e.g. "Synthetic demo data") below the axes, clear of their labels."""
    if caption:
        fig.text(0.01, 0.01, caption, ha="left", va="bottom", fontsize=9, color="#444444")
        height = fig.get_figheight()
        fig.get_layout_engine().set(rect=(0, 0.3 / height, 1, 1 - 0.3 / height))


def _short(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when it was longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _category(value) -> str:
    return value if value in CATEGORY_COLORS else "other"


def _value(x) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def network_figure(
    G: Network | nx.Graph,
    *,
    seed: int = 0,
    caption: str | None = None,
    max_nodes: int | None = None,
    size_by: str = "pagerank",
    max_ties: int | None = 5_000,
) -> Figure:
    """Draw ``G`` with nodes coloured by category and sized by ``size_by``.

    Parameters
    ----------
    G : collabnet.network.Network or networkx.Graph
        Network following collabnet's graph contract; not modified.
    seed : int, default 0
        Seed of the spring layout.
    caption : str, optional
        Text drawn on the figure, e.g. "Synthetic demo data".
    max_nodes : int, optional
        Draw only the ``max_nodes`` nodes with the highest ``size_by`` (ties by id); the
        title says how many of how many are shown.
    size_by : str, default "pagerank"
        Node attribute for node size; nodes without it get the smallest size.
    max_ties : int or None, default 5,000
        Draw at most this many ties, the strongest (Newman's fractional weight first, so
        ties resting on consortium papers are left out first); the layout follows them and the
        title says how many of how many are drawn. More lines than this make a picture
        no one can read, and take minutes to lay out and save.

    Returns
    -------
    matplotlib.figure.Figure
        One axes; its legend has one entry per category present.

    Examples
    --------
    >>> G = nx.Graph()
    >>> G.add_edge("I1", "I2", weight=2)
    >>> G.nodes["I1"].update(category="nl", label="A")
    >>> fig = network_figure(G, caption="Synthetic demo data")
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['Dutch institution', 'Other / unclassified']
    >>> plt.close(fig)
    """
    values = {n: _value(d.get(size_by)) for n, d in node_data(G).items()}
    keep = sorted(
        values, key=lambda n: (-(values[n] if values[n] is not None else -math.inf), str(n))
    )
    if max_nodes is not None:
        keep = keep[:max_nodes]
    H = induced_subgraph(G, keep, max_ties=max_ties)
    fig = Figure(figsize=(9, 7.5), layout="constrained")
    ax = fig.add_subplot()
    ax.set_axis_off()
    noun = str(G.graph.get("level") or "nodes")
    noun = noun if noun.endswith("s") else noun + "s"
    title = f"{H.number_of_nodes():,} {noun}, {H.number_of_edges():,} co-authorship ties"
    if H.number_of_nodes() < G.number_of_nodes():
        title = (
            f"The {H.number_of_nodes():,} {noun} with the highest {size_by} "
            f"of {G.number_of_nodes():,} ({H.number_of_edges():,} ties shown)"
        )
    if H.number_of_edges() < H.graph["ties_among_nodes"]:
        title += (
            f"\nthe {H.number_of_edges():,} strongest of {H.graph['ties_among_nodes']:,} ties "
            "drawn (fractional weight)"
        )
    ax.set_title(title, fontsize=11)
    if H.number_of_nodes():
        pos = seeded_layout(H, seed)
        vmax = max((v for n in keep if (v := values[n]) is not None), default=0) or 1.0
        sizes = [30 + 600 * math.sqrt(max(values[n] or 0.0, 0.0) / vmax) for n in H.nodes]
        colors = [CATEGORY_COLORS[_category(H.nodes[n].get("category"))] for n in H.nodes]
        widths = [
            0.5 + math.log1p(_value(d.get("weight")) or 1.0) for _, _, d in H.edges(data=True)
        ]
        nx.draw_networkx_edges(H, pos, ax=ax, width=widths, edge_color="#aaaaaa", alpha=0.8)
        nx.draw_networkx_nodes(
            H, pos, ax=ax, node_size=sizes, node_color=colors, edgecolors="#333333", linewidths=0.5
        )
        if H.number_of_nodes() <= 40:
            labels = {n: _short(str(H.nodes[n].get("label") or n), 34) for n in H.nodes}
            nx.draw_networkx_labels(H, pos, labels=labels, ax=ax, font_size=7)
    present = {_category(H.nodes[n].get("category")) for n in H.nodes}
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=8,
            markerfacecolor=CATEGORY_COLORS[c],
            markeredgecolor="#333333",
            label=CATEGORY_LABELS[c],
        )
        for c in CATEGORIES
        if c in present
    ]
    if handles:
        ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=True, title="Category")
    _caption(fig, caption)
    return fig


def centrality_bars(
    table: pd.DataFrame,
    *,
    measure: str = "pagerank",
    top: int = 20,
    caption: str | None = None,
    title: str | None = None,
    legend_title: str | None = None,
) -> Figure:
    """Horizontal bars of the ``top`` nodes by ``measure``, coloured by category.

    Parameters
    ----------
    table : pandas.DataFrame
        Centrality table with columns ``node``, ``label``, ``category`` and ``measure``.
    measure : str, default "pagerank"
        Column to rank by.
    top : int, default 20
        Number of bars.
    caption : str, optional
        Text drawn on the figure.
    title : str, optional
        Title; by default "Top N by <measure>".
    legend_title : str, optional
        Title of the colour key (for authors: what their colour means).

    Returns
    -------
    matplotlib.figure.Figure
        One bar per node, highest at the top; legend lists the categories shown.

    Examples
    --------
    >>> t = pd.DataFrame({"node": ["I1", "I2"], "label": ["A", "B"],
    ...                   "category": ["nl", "cn_police"], "pagerank": [0.6, 0.4]})
    >>> fig = centrality_bars(t, top=5)
    >>> len(fig.axes[0].patches)
    2
    >>> plt.close(fig)
    """
    missing = [c for c in ("node", "label", "category", measure) if c not in table.columns]
    if missing:
        raise InputError(
            "centrality table", f"missing column(s) {', '.join(missing)}; has {list(table.columns)}"
        )
    rows = (
        table.dropna(subset=[measure])
        .sort_values([measure, "node"], ascending=[False, True])
        .head(top)
        .iloc[::-1]
    )
    fig = Figure(figsize=(8, 0.3 * max(len(rows), 4) + 1.4), layout="constrained")
    ax = fig.add_subplot()
    labels = [
        _short(str(lab) if isinstance(lab, str) and lab else str(node), 50)
        for lab, node in zip(rows["label"], rows["node"], strict=True)
    ]
    cats = [_category(c) for c in rows["category"]]
    ax.barh(range(len(rows)), rows[measure], color=[CATEGORY_COLORS[c] for c in cats])
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.set_xlabel(measure)
    ax.set_title(title or f"Top {len(rows)} by {measure}", fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    present = set(cats)
    handles = [
        plt.Rectangle((0, 0), 1, 1, color=CATEGORY_COLORS[c], label=CATEGORY_LABELS[c])
        for c in CATEGORIES
        if c in present
    ]
    if handles:
        ax.legend(handles=handles, loc="lower right", fontsize=8, title=legend_title)
    _caption(fig, caption)
    return fig


def collaborations_per_year(
    counts: pd.DataFrame, *, caption: str | None = None, title: str | None = None
) -> Figure:
    """One line per category pair: joint works per publication year.

    Parameters
    ----------
    counts : pandas.DataFrame
        Columns ``year``, ``category_pair`` (e.g. "cn_police–nl") and ``n_works``.
        Years missing for a pair are drawn as zero.
    caption : str, optional
        Text drawn on the figure.
    title : str, optional
        Title; by default "Joint works per year, by category pair".

    Returns
    -------
    matplotlib.figure.Figure
        One line and one legend entry per category pair.

    Examples
    --------
    >>> c = pd.DataFrame({"year": [2019, 2020], "category_pair": ["cn_police–nl"] * 2,
    ...                   "n_works": [1, 3]})
    >>> fig = collaborations_per_year(c)
    >>> len(fig.axes[0].get_lines())
    1
    >>> plt.close(fig)
    """
    missing = [c for c in ("year", "category_pair", "n_works") if c not in counts.columns]
    if missing:
        raise InputError("yearly counts", f"missing column(s) {', '.join(missing)}")
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    if len(counts):
        wide = counts.pivot_table(
            index="year", columns="category_pair", values="n_works", aggfunc="sum", fill_value=0
        )
        years = range(int(wide.index.min()), int(wide.index.max()) + 1)
        wide = wide.reindex(years, fill_value=0)
        styles = ("-", "--", ":", "-.")
        for i, pair in enumerate(wide.columns):
            ax.plot(
                wide.index,
                wide[pair],
                marker="o",
                markersize=3,
                label=str(pair),
                linestyle=styles[(i // 10) % len(styles)],
            )  # 10 colours, then a new dash
        ax.legend(fontsize=7, title="Category pair", loc="upper left", bbox_to_anchor=(1.01, 1))
        ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("publication year")
    ax.set_ylabel("joint works")
    ax.set_title(title or "Joint works per year, by category pair", fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    _caption(fig, caption)
    return fig


def save_figure(fig: Figure, path_without_suffix) -> list[Path]:
    """Write ``fig`` as PNG (200 dpi) and SVG, close it, and return both paths.

    Examples
    --------
    >>> import tempfile
    >>> fig = Figure()
    >>> [p.suffix for p in save_figure(fig, Path(tempfile.mkdtemp()) / "empty")]
    ['.png', '.svg']
    """
    base = Path(path_without_suffix)
    base.parent.mkdir(parents=True, exist_ok=True)
    paths = [base.with_name(base.name + ".png"), base.with_name(base.name + ".svg")]
    try:
        with warnings.catch_warnings():
            # a missing CJK glyph is drawn as a box; the README says which font to install
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
            fig.savefig(paths[0], dpi=200)
            # Fixed hash salt and no date: the same figure gives the same SVG bytes.
            with matplotlib.rc_context({"svg.hashsalt": "collabnet"}):
                fig.savefig(paths[1], metadata={"Date": None})
    finally:
        plt.close(fig)
    return paths
