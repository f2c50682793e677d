"""Shared test fixtures."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

# =====================================================================================
# Render and export fixtures (interactive HTML, figures, GraphML/GEXF/VOSviewer/CSV)
# =====================================================================================

#: Markup that would run if any text from the data reached the page as HTML. Each part
#: sets ``window.__pwned`` and opens a dialog, so a browser test can see that it did not.
PAYLOAD = (
    '<img src=x onerror="window.__pwned=1;alert(1)">'
    "</script><script>window.__pwned=2;alert(2)</script>"
)


@pytest.fixture
def payload() -> str:
    """Hostile markup to plant in every text field of the render fixtures."""
    return PAYLOAD


@pytest.fixture
def render_works() -> pd.DataFrame:
    """Works table for :func:`render_graph`: one title carries the payload, one is retracted."""
    return pd.DataFrame(
        {
            "work_id": ["W1", "W2", "W3", "W4"],
            "doi": ["https://doi.org/10.1234/abc", None, "10.5555/xyz", ""],
            "title": [
                "Face recognition " + PAYLOAD,
                "Gait analysis with 'quotes' & \"double\" \u2028 line separator",
                "Speaker identification 说话人识别",
                "Retracted forensic study",
            ],
            "publication_year": [2019, 2021, 2020, 2018],
            "is_retracted": [False, False, False, True],
        }
    )


@pytest.fixture
def render_graph() -> nx.Graph:
    """Four institutions in three categories; every text field carries the payload.

    ``I4`` has no measures at all (measures may be missing in the graph contract).
    """
    G = nx.Graph(data_source="synthetic-demo")
    G.add_node(
        "I1",
        label="Leiden Lab " + PAYLOAD,
        category="nl",
        country_code="NL",
        n_works=3,
        degree=2,
        strength=3,
        pagerank=0.4,
    )
    G.add_node(
        "I2",
        label="Institute of Forensic Science, MPS 公安部物证鉴定中心",
        category="cn_police",
        country_code="CN",
        n_works=3,
        degree=2,
        strength=3,
        pagerank=0.3,
    )
    G.add_node(
        "I3",
        label='Delft "Vision" Group',
        category="nl",
        country_code="NL",
        n_works=1,
        degree=1,
        strength=1,
        pagerank=0.2,
    )
    G.add_node("I4", label="Unclassified lab", category="other", country_code=None, n_works=1)
    G.add_edge(
        "I1",
        "I2",
        weight=2,
        weight_fractional=1.5,
        works=["W1", "W2"],
        first_year=2019,
        last_year=2021,
    )
    G.add_edge(
        "I2", "I3", weight=1, weight_fractional=0.5, works=["W3"], first_year=2020, last_year=2020
    )
    G.add_edge(
        "I1", "I4", weight=1, weight_fractional=1.0, works=["W4"], first_year=2018, last_year=2018
    )
    return G


def make_big_graph(n: int = 2000, seed: int = 1) -> nx.Graph:
    """A scale-free author graph of ``n`` nodes following the graph contract."""
    B = nx.barabasi_albert_graph(n, 2, seed=seed)
    cats = ["nl", "cn_police", "cn_other", "other", "cn_military"]
    G = nx.Graph()
    pr = nx.pagerank(B)
    for i in B:
        G.add_node(
            f"A{i}",
            label=f"Author {i}",
            category=cats[i % len(cats)],
            country_code="NL" if i % 5 == 0 else "CN",
            n_works=B.degree(i),
            pagerank=pr[i],
        )
    for k, (u, v) in enumerate(B.edges()):
        G.add_edge(
            f"A{u}",
            f"A{v}",
            weight=1 + k % 3,
            weight_fractional=0.5,
            works=[f"W{k}", f"W{k + 100000}"][: 1 + k % 2],
            first_year=2015 + k % 8,
            last_year=2016 + k % 8,
        )
    return G


@pytest.fixture
def big_graph() -> nx.Graph:
    """2,000 authors, about 4,000 ties."""
    return make_big_graph()


@pytest.fixture
def centrality_table() -> pd.DataFrame:
    """Centrality table in the shape metrics produces (node, label, category, measures)."""
    return pd.DataFrame(
        {
            "node": [f"I{i}" for i in range(1, 31)],
            "label": [f"Institution {i}" for i in range(1, 31)],
            "category": [("nl", "cn_police", "cn_other", "other")[i % 4] for i in range(30)],
            "pagerank": [1 / (i + 1) for i in range(30)],
            "betweenness": [0.01 * i for i in range(30)],
        }
    )


@pytest.fixture
def yearly_counts() -> pd.DataFrame:
    """Joint works per year and category pair."""
    rows = []
    for year in range(2015, 2024):
        rows.append({"year": year, "category_pair": "cn_police–nl", "n_works": year - 2014})
        rows.append({"year": year, "category_pair": "cn_other–nl", "n_works": 2 * (year - 2014)})
    rows.append({"year": 2020, "category_pair": "cn_military–nl", "n_works": 1})
    return pd.DataFrame(rows)
