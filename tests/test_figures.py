"""Tests of the static matplotlib figures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

from collabnet.config import CATEGORY_LABELS
from collabnet.errors import InputError
from collabnet.figures import centrality_bars, collaborations_per_year, network_figure, save_figure


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _legend_texts(fig):
    return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def _fig_texts(fig):
    return [t.get_text() for t in fig.texts]


def test_network_figure_legend_caption_and_unchanged_graph(render_graph):
    before = {n: dict(d) for n, d in render_graph.nodes(data=True)}
    fig = network_figure(render_graph, caption="Synthetic demo data")
    assert isinstance(fig, Figure)
    assert _legend_texts(fig) == [
        CATEGORY_LABELS["nl"],
        CATEGORY_LABELS["cn_police"],
        CATEGORY_LABELS["other"],
    ]
    assert "Synthetic demo data" in _fig_texts(fig)
    ax = fig.axes[0]
    assert len(ax.collections[-1].get_offsets()) == 4  # one marker per node
    assert {n: dict(d) for n, d in render_graph.nodes(data=True)} == before


def test_network_figure_max_nodes_says_so(big_graph):
    fig = network_figure(big_graph, max_nodes=50, seed=1)
    assert fig.axes[0].get_title().startswith("The 50 nodes with the highest pagerank of 2,000")
    assert len(fig.axes[0].collections[-1].get_offsets()) == 50


def test_centrality_bars_count_order_and_legend(centrality_table):
    fig = centrality_bars(centrality_table, top=12, caption="Synthetic demo data")
    ax = fig.axes[0]
    assert len(ax.patches) == 12
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "Institution 1"  # highest pagerank drawn at the top
    widths = [p.get_width() for p in ax.patches]
    assert widths == sorted(widths)
    assert set(_legend_texts(fig)) <= set(CATEGORY_LABELS.values())
    assert "Synthetic demo data" in _fig_texts(fig)


def test_centrality_bars_other_measure_and_missing_column(centrality_table):
    fig = centrality_bars(centrality_table, measure="betweenness", top=5)
    assert len(fig.axes[0].patches) == 5
    assert fig.axes[0].get_xlabel() == "betweenness"
    with pytest.raises(InputError, match="eigenvector"):
        centrality_bars(centrality_table, measure="eigenvector")


def test_collaborations_per_year_one_line_per_pair(yearly_counts):
    fig = collaborations_per_year(yearly_counts, caption="Synthetic demo data")
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 3
    assert sorted(_legend_texts(fig)) == ["cn_military–nl", "cn_other–nl", "cn_police–nl"]
    military = next(line for line in ax.get_lines() if line.get_label() == "cn_military–nl")
    assert list(military.get_xdata()) == list(range(2015, 2024))  # gaps filled with zero
    assert sum(military.get_ydata()) == 1


def test_save_figure_writes_png_and_svg_and_closes(tmp_path, centrality_table):
    fig = plt.figure()  # managed by pyplot, so closing is observable
    fig.add_subplot().plot([1, 2], [3, 4])
    paths = save_figure(fig, tmp_path / "out" / "plot")
    assert [p.name for p in paths] == ["plot.png", "plot.svg"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in paths[1].read_text(encoding="utf-8")
    assert not plt.fignum_exists(fig.number)
    fig2 = centrality_bars(centrality_table)
    a = save_figure(fig2, tmp_path / "a")[1].read_bytes()
    b = save_figure(centrality_bars(centrality_table), tmp_path / "b")[1].read_bytes()
    assert a == b  # SVG output is reproducible
