"""Tests of the self-contained interactive network page."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re

import networkx as nx
import pytest
from html_checks import resource_references

from collabnet.config import CATEGORIES, CATEGORY_LABELS
from collabnet.errors import InputError
from collabnet.interactive import TOOLTIP_WORKS, script_json, write_network_html

BANNER = "Synthetic demo data — evidence of nothing"


def _snapshot(G):
    return (
        copy.deepcopy(dict(G.graph)),
        {n: copy.deepcopy(dict(d)) for n, d in G.nodes(data=True)},
        {(u, v): copy.deepcopy(dict(d)) for u, v, d in G.edges(data=True)},
    )


def _json_block(text, block_id):
    m = re.search(rf'<script type="application/json" id="{block_id}">(.*?)</script>', text, re.S)
    assert m, f"no {block_id} block"
    return json.loads(m.group(1))


@pytest.fixture
def page(tmp_path, render_graph, render_works):
    path = write_network_html(
        render_graph,
        tmp_path / "network.html",
        title="Ties of " + render_graph.nodes["I1"]["label"],
        works=render_works,
        banner=BANNER,
        note="Counted from OpenAlex " + render_graph.nodes["I1"]["label"],
        max_nodes=3,
    )
    return path, path.read_text(encoding="utf-8")


def test_returns_path_and_writes_one_file(tmp_path, render_graph):
    out = write_network_html(render_graph, tmp_path / "sub" / "g.html", title="t")
    assert out == tmp_path / "sub" / "g.html"
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["g.html"]


def test_no_resource_is_loaded_from_the_internet(page):
    _, text = page
    assert resource_references(text) == []
    # "http" survives only in the vis-network licence header and as inert strings
    # inside the library (SVG namespace, error-message links), never as a resource.
    assert "cdn" not in text.lower().replace("cdn_", "")
    assert "bootstrap" not in text.lower()


def test_content_security_policy_forbids_loading(page):
    _, text = page
    m = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)"', text)
    assert m
    policy = m.group(1)
    assert "default-src 'none'" in policy
    assert "connect-src" not in policy  # falls back to 'none'
    assert text.index("Content-Security-Policy") < text.index("<script")
    # Scripts are allowed by hash only, which also blocks inline handlers (onerror=...).
    script_src = re.search(r"script-src ([^;]+);", policy).group(1).split()
    assert "'unsafe-inline'" not in script_src
    bodies = re.findall(r"<script>(.*?)</script>", text, re.S)
    assert len(bodies) == 2
    expected = [
        "'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'"
        for b in bodies
    ]
    assert script_src == expected


def test_caller_graph_is_unchanged(tmp_path, render_graph, render_works):
    before = _snapshot(render_graph)
    nodes_before, edges_before = list(render_graph.nodes), list(render_graph.edges)
    write_network_html(render_graph, tmp_path / "a.html", title="t", works=render_works)
    write_network_html(render_graph, tmp_path / "b.html", title="t", max_nodes=2)
    assert _snapshot(render_graph) == before
    assert list(render_graph.nodes) == nodes_before
    assert list(render_graph.edges) == edges_before


def test_payload_appears_only_escaped(page, payload):
    _, text = page
    assert payload not in text
    assert "<img" not in text.lower()
    assert "<script>window.__pwned" not in text
    # Exactly the page's own script elements: four JSON blocks and two scripts. (The
    # inlined vis-network build holds one "<script>" inside a JavaScript string literal.)
    start = text.index("/**\n * vis-network")
    outside = text[:start] + text[text.index("</script>", start) :]
    assert len(re.findall(r"<script\b", outside)) == 6
    assert len(re.findall(r"</script>", text)) == 6
    assert "sourceMappingURL" not in text
    # HTML text is entity-escaped ...
    assert "Ties of Leiden Lab &lt;img src=x onerror=&#34;" in text
    # ... and JSON in scripts uses \u003c escapes.
    assert "Leiden Lab \\u003cimg src=x" in text


def test_embedded_data_round_trips_exactly(page, payload, render_graph):
    _, text = page
    nodes = {n["id"]: n for n in _json_block(text, "cn-nodes")}
    assert nodes["I1"]["cn"]["label"] == "Leiden Lab " + payload
    assert nodes["I2"]["cn"]["label"] == render_graph.nodes["I2"]["label"]
    works = _json_block(text, "cn-works")
    assert works["W1"]["title"] == "Face recognition " + payload
    assert "\u2028" in works["W2"]["title"]
    assert "\u2028" not in text  # written as an escape
    assert works["W1"]["doi"] == "doi:10.1234/abc"
    assert works["W4"]["retracted"] is True


def test_banner_subset_and_note_are_visible(page):
    _, text = page
    assert f'<div class="cn-banner" role="note" id="cn-banner">{BANNER}</div>' in text
    assert "Showing the 3 institutions with the highest pagerank of 4 institutions" in text
    assert 'id="cn-note">Counted from OpenAlex' in text
    assert "Hover over a dot or a line" in text


def test_legend_lists_every_category_with_counts(page):
    _, text = page
    legend = re.search(r'<ul class="cn-legend".*?</ul>', text, re.S).group(0)
    for category in CATEGORIES:
        assert f'data-category="{category}"' in legend
        assert CATEGORY_LABELS[category] in legend
    assert "Dutch institution (2)" in legend
    assert "PRC public security (police-linked) (1)" in legend


def test_max_nodes_keeps_the_most_central(page):
    _, text = page
    ids = sorted(n["id"] for n in _json_block(text, "cn-nodes"))
    assert ids == ["I1", "I2", "I3"]  # I4 has no pagerank
    edges = _json_block(text, "cn-edges")
    assert {(e["from"], e["to"]) for e in edges} == {("I1", "I2"), ("I2", "I3")}


def test_nodes_coloured_sized_and_placed(page):
    _, text = page
    nodes = {n["id"]: n for n in _json_block(text, "cn-nodes")}
    assert nodes["I1"]["color"] == "#E69F00"
    assert nodes["I2"]["color"] == "#D55E00"
    assert nodes["I1"]["size"] > nodes["I2"]["size"] > nodes["I3"]["size"]
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in nodes.values())
    options = _json_block(text, "cn-options")
    assert options["physics"]["enabled"] is False


def test_tooltip_data_lists_works(page):
    _, text = page
    nodes = {n["id"]: n for n in _json_block(text, "cn-nodes")}
    assert nodes["I2"]["cn"]["works"] == ["W2", "W3", "W1"]  # newest first
    assert nodes["I1"]["cn"]["works"] == ["W2", "W1", "W4"]  # evidence from the full graph
    edge = next(e for e in _json_block(text, "cn-edges") if e["from"] == "I1")
    assert edge["cn"]["works"] == ["W2", "W1"]
    assert edge["cn"]["first_year"] == 2019 and edge["cn"]["last_year"] == 2021


def test_long_work_lists_are_capped(tmp_path):
    G = nx.Graph()
    G.add_node("I1", category="nl")
    G.add_node("I2", category="cn_other")
    G.add_edge("I1", "I2", weight=25, works=[f"W{i}" for i in range(25)])
    text = write_network_html(G, tmp_path / "g.html", title="t").read_text(encoding="utf-8")
    edge = _json_block(text, "cn-edges")[0]
    assert len(edge["cn"]["works"]) == TOOLTIP_WORKS
    assert edge["cn"]["more"] == 25 - TOOLTIP_WORKS


def test_missing_measure_falls_back_to_degree(tmp_path, render_graph):
    out = write_network_html(render_graph, tmp_path / "g.html", title="t", size_by="eigenvector")
    text = out.read_text(encoding="utf-8")
    assert "sized by degree" in text
    assert "eigenvector" in text


def test_layout_is_seeded_and_can_be_given(tmp_path, render_graph):
    a = write_network_html(render_graph, tmp_path / "a.html", title="t", seed=3)
    b = write_network_html(render_graph, tmp_path / "b.html", title="t", seed=3)
    assert a.read_text(encoding="utf-8") == b.read_text(encoding="utf-8")
    pos = {"I1": (0, 0), "I2": (1, 0), "I3": (1, 1), "I4": (0, 1)}
    c = write_network_html(render_graph, tmp_path / "c.html", title="t", layout=pos)
    nodes = {n["id"]: n for n in _json_block(c.read_text(encoding="utf-8"), "cn-nodes")}
    assert nodes["I1"]["x"] < nodes["I2"]["x"] and nodes["I1"]["y"] < nodes["I4"]["y"]
    with pytest.raises(InputError, match="no position"):
        write_network_html(render_graph, tmp_path / "d.html", title="t", layout={"I1": (0, 0)})


def test_big_graph_is_written_whole_and_deterministically(tmp_path, big_graph):
    a = write_network_html(big_graph, tmp_path / "a.html", title="Big", banner=BANNER)
    b = write_network_html(big_graph, tmp_path / "b.html", title="Big", banner=BANNER)
    assert a.read_text(encoding="utf-8") == b.read_text(encoding="utf-8")
    assert len(_json_block(a.read_text(encoding="utf-8"), "cn-nodes")) == 2000


def test_bad_arguments_are_explained(tmp_path, render_graph):
    with pytest.raises(InputError, match=r"\.html"):
        write_network_html(render_graph, tmp_path / "g.png", title="t")
    with pytest.raises(ValueError, match="max_nodes"):
        write_network_html(render_graph, tmp_path / "g.html", title="t", max_nodes=0)


def test_script_json_escapes_everything_that_could_close_a_script():
    text = str(script_json({"a": "</script><!-- & \u2028\u2029"}))
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == {"a": "</script><!-- & \u2028\u2029"}
