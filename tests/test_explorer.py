"""The explorer page's payload and HTML: counts, works by index, links, policy, determinism."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from conftest import PAYLOAD, make_big_graph
from html_checks import resource_references

from collabnet import explorer
from collabnet.explorer import (
    doi_link,
    explorer_payload,
    openalex_link,
    script_json,
    write_explorer_html,
)

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "works.jsonl.gz"


def _data(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="cn-data">(.*?)</script>', html, re.S)
    assert m, "no data block"
    return json.loads(m.group(1))


def _inline_scripts(html: str) -> list[str]:
    return re.findall(r"<script>(.*?)</script>", html, re.S)


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo corpus built as `collabnet build` builds it: tables and institution graph."""
    from collabnet import pipeline

    tables = pipeline.build_tables([DEMO], tmp_path_factory.mktemp("demo"))
    return tables, pipeline.build_graph(tables, "institutions")


def test_counts_and_works_stored_once_by_index(render_graph, render_works):
    p = explorer_payload(render_graph, works=render_works)
    assert p["total"] == {"nodes": 4, "ties": 3}
    assert len(p["nodes"]["id"]) == 4 and len(p["ties"]["s"]) == 3
    columns = p["nodes"]
    assert all(len(v) == 4 for v in columns.values())
    # nodes come most central first (pagerank), I4 (no pagerank) last
    assert columns["id"] == ["I1", "I2", "I3", "I4"]
    assert p["works"]["id"] == sorted(set(p["works"]["id"]), key=p["works"]["id"].index)
    assert len(p["works"]["id"]) == 4  # each work once
    ids, works = columns["id"], p["works"]
    for s, t, refs in zip(p["ties"]["s"], p["ties"]["t"], p["ties"]["works"], strict=True):
        expected = render_graph.edges[ids[s], ids[t]]["works"]
        assert sorted(works["id"][r] for r in refs) == sorted(expected)
    w1 = works["id"].index("W1")
    assert works["title"][w1] == "Face recognition " + PAYLOAD
    assert works["year"][w1] == 2019 and works["doi"][w1] == "10.1234/abc"
    assert works["retracted"] == [works["id"][i] == "W4" for i in range(4)]
    assert p["years"] == [2018, 2021]
    assert p["subset"] is None
    assert p["measures"]["pagerank"][:3] == [0.4, 0.3, 0.2]


def test_shared_work_is_stored_once():
    G = nx.Graph()
    G.add_edge("I1", "I2", weight=1, works=["W9"])
    G.add_edge("I2", "I3", weight=1, works="W9;W8")  # read back from a file
    p = explorer_payload(G)
    assert sorted(p["works"]["id"]) == ["W8", "W9"]
    assert len(p["works"]["id"]) == 2
    flat = [p["works"]["id"][i] for refs in p["ties"]["works"] for i in refs]
    assert sorted(flat) == ["W8", "W9", "W9"]


HOSTILE_DOIS = [
    "javascript:alert(1)",
    "10.1234/abc onmouseover=alert(1)",
    "https://evil.example/10.1234/abc",
    "10.12/too-short-prefix",
    "data:text/html,<script>alert(1)</script>",
    "10.1234/ok\u2028x",
]


@pytest.mark.parametrize("value", HOSTILE_DOIS)
def test_hostile_dois_are_not_links(value):
    assert doi_link(value) is None
    G = nx.Graph()
    G.add_edge("I1", "I2", weight=1, works=["W1"])
    works = pd.DataFrame({"work_id": ["W1"], "doi": [value], "title": ["t"]})
    p = explorer_payload(G, works=works)
    assert p["works"]["doi"] == [None]
    assert p["works"]["doi_text"] == [value]  # shown as text only


def test_doi_and_openalex_links():
    assert doi_link("https://doi.org/10.1234/abc") == "https://doi.org/10.1234/abc"
    assert doi_link("doi:10.5555/xyz") == "https://doi.org/10.5555/xyz"
    assert doi_link(None) is None and doi_link(float("nan")) is None
    assert openalex_link("W2741809807") == "https://openalex.org/W2741809807"
    for bad in ("W1 x", "https://openalex.org/W1", "javascript:W1", "X12", "W", "NL", None):
        assert openalex_link(bad) is None


def test_page_checks_the_same_link_patterns():
    """The page builds links itself: its patterns are the Python ones."""
    js = (Path(explorer.__file__).parent / "templates" / "explorer.js").read_text()
    doi = re.search(r"var DOI_RE = /(.*)/;", js).group(1).replace("\\/", "/")
    oa = re.search(r"var OPENALEX_RE = /(.*)/;", js).group(1)
    assert doi == explorer.DOI_PATTERN.pattern
    assert oa == explorer.OPENALEX_ID_PATTERN.pattern
    # and every link goes through them: no href is set from anything else
    assert js.count(".href =") == 2  # link() and the PNG download's blob: address
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js and "eval(" not in js


def test_policy_allows_only_the_inline_scripts_and_no_request(tmp_path, render_graph, render_works):
    html = write_explorer_html(
        render_graph, tmp_path / "e.html", title="T", works=render_works
    ).read_text()
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    scripts = _inline_scripts(html)
    assert len(scripts) == 3  # graphology, sigma, the page
    assert directives["script-src"].split() == [_sha(s) for s in scripts]
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    assert directives["style-src"] == _sha(style)
    assert directives["img-src"] == "data: blob:"
    assert "unsafe" not in csp and "connect-src" not in csp
    assert resource_references(html) == []
    assert "sourceMappingURL" not in html
    versions = explorer.library_versions()
    assert "sigma.js " + versions["sigma"]["version"] in html
    assert scripts[1].startswith("/*! sigma " + versions["sigma"]["version"] + " | MIT")


def test_vendored_builds_have_licences():
    static = Path(explorer.__file__).parent / "static"
    for name, info in explorer.library_versions().items():
        assert info["license"] == "MIT"
        assert (static / info["file"]).stat().st_size > 10_000
        assert "Permission is hereby granted" in (static / f"{name}.LICENSE.txt").read_text()


def test_no_markup_from_the_data_reaches_the_html(tmp_path, render_graph, render_works):
    G = render_graph.copy()
    G.nodes["I2"]["category_rule"] = "rule " + PAYLOAD
    G.nodes["I2"]["category_source"] = "source " + PAYLOAD
    G.nodes["I2"]["ror"] = "https://ror.org/0" + PAYLOAD
    html = write_explorer_html(
        G,
        tmp_path / "e.html",
        title="Title " + PAYLOAD,
        banner="Banner " + PAYLOAD,
        works=render_works,
    ).read_text()
    assert PAYLOAD not in html
    assert "<img" not in html and "<script>window" not in html
    data_block = re.search(r'id="cn-data">(.*?)</script>', html, re.S).group(1)
    assert "<" not in data_block and ">" not in data_block and "&" not in data_block
    # exactly the page's own elements: one data block and three scripts
    assert len(re.findall(r"<script\b", html)) == 4
    assert "Title &lt;img src=x" in html and "Banner &lt;img" in html
    data = _data(html)
    assert data["nodes"]["label"][0] == "Leiden Lab " + PAYLOAD  # decoded intact
    assert data["nodes"]["rule"][1] == "rule " + PAYLOAD


def test_same_seed_same_file_and_seed_moves_nodes(tmp_path):
    G = make_big_graph(1500)
    a = write_explorer_html(G, tmp_path / "a.html", title="A", seed=3).read_bytes()
    b = write_explorer_html(G, tmp_path / "b.html", title="A", seed=3).read_bytes()
    assert a == b
    c = write_explorer_html(G, tmp_path / "c.html", title="A", seed=4).read_text()
    assert _data(c)["nodes"]["x"] != _data(a.decode())["nodes"]["x"]
    assert _data(c)["nodes"]["id"] == _data(a.decode())["nodes"]["id"]


def test_caps_keep_the_most_central_nodes_and_the_strongest_ties():
    G = make_big_graph(400)
    for k, (_, _, d) in enumerate(G.edges(data=True)):
        d["weight_fractional"] = (k * 37) % 101 / 10
    p = explorer_payload(G, max_nodes=100, max_ties=50)
    top = sorted(G.nodes, key=lambda n: -G.nodes[n]["pagerank"])[:100]
    assert p["shown"] == {"nodes": 100, "ties": 50}
    assert set(p["nodes"]["id"][:100]) == set(top)
    among = [d["weight_fractional"] for u, v, d in G.edges(data=True) if u in top and v in top]
    kept = sorted(p["ties"]["wf"][:50], reverse=True)
    assert kept == sorted(among, reverse=True)[:50]
    assert p["total"] == {"nodes": 400, "ties": G.number_of_edges()}
    assert "Showing the 100 authors with the highest pagerank of 400;" in p["subset"]
    assert "search finds the others" in p["subset"]
    assert f"Drawing the 50 strongest of {len(among)} ties" in p["subset"]


def test_nodes_not_drawn_come_with_their_strongest_ties_for_search():
    G = make_big_graph(400)
    for k, (_, _, d) in enumerate(G.edges(data=True)):
        d["weight_fractional"] = (k * 37) % 101 / 10
    p = explorer_payload(G, max_nodes=100, max_ties=50, search_ties=3)
    ids, n_shown, t_shown = p["nodes"]["id"], p["shown"]["nodes"], p["shown"]["ties"]
    assert sorted(ids) == sorted(G.nodes)  # every node can be found
    assert all(x is None for x in p["nodes"]["x"][n_shown:])
    assert all(x is not None for x in p["nodes"]["x"][:n_shown])
    extra = list(zip(p["ties"]["s"][t_shown:], p["ties"]["t"][t_shown:], strict=True))
    for k in range(n_shown, len(ids)):
        node = ids[k]
        mine = sorted(ids[b if a == k else a] for a, b in extra if k in (a, b))
        strongest = sorted(G[node], key=lambda v: -G.edges[node, v]["weight_fractional"])
        assert set(strongest[: min(3, len(strongest))]) <= set(mine)
        assert len(mine) <= len(strongest)


def test_a_network_gives_the_page_its_networkx_graph_gives(tmp_path):
    from collabnet.network import coauthorship_network

    rows = [
        ("W1", "A1"), ("W1", "A2"), ("W1", "A3"),
        ("W2", "A2"), ("W2", "A3"),
        ("W3", "A3"), ("W3", "A4"), ("W3", "A5"), ("W3", "A6"),
        ("W4", "A6"), ("W4", "A7"),
        ("W5", "A1"), ("W5", "A7"),
    ]  # fmt: skip
    m = pd.DataFrame(rows, columns=["work_id", "node"])
    works = pd.DataFrame({"work_id": [f"W{i}" for i in range(1, 6)],
                          "publication_year": [2015, 2016, 2017, 2018, 2019]})  # fmt: skip
    net = coauthorship_network(m, works)
    net.set_node_values("pagerank", {f"A{i}": 1 / i for i in range(1, 8)})
    G = net.to_networkx()
    for caps in ({}, {"max_nodes": 3, "max_ties": 2, "search_ties": 1}):
        a = explorer_payload(net, works=works, **caps)
        b = explorer_payload(G, works=works, **caps)
        assert a == b


def test_path_nodes_and_hops_are_kept_and_indexed():
    G = make_big_graph(300)
    far = min(G.nodes, key=lambda n: G.nodes[n]["pagerank"])
    nb = next(iter(G[far]))
    wid = G.edges[far, nb]["works"][0]
    paths = [
        {
            "source": nb,
            "target": far,
            "nodes": [nb, far],
            "hops": [{"source": nb, "target": far, "works": [{"work_id": wid, "title": "x"}]}],
        }
    ]
    p = explorer_payload(G, paths=paths, max_nodes=20, max_ties=5)
    ids = p["nodes"]["id"]
    n, t = p["shown"]["nodes"], p["shown"]["ties"]
    assert n == 20 and far in ids[:n] and nb in ids[:n]
    (path,) = p["paths"]
    assert [ids[i] for i in path["nodes"]] == [nb, far]
    (hop,) = path["hops"]
    assert [p["works"]["id"][w] for w in hop["works"]] == [wid]
    ends = zip(p["ties"]["s"][:t], p["ties"]["t"][:t], strict=True)
    pairs = {frozenset((ids[s], ids[t])) for s, t in ends}
    assert frozenset((nb, far)) in pairs  # the hop's tie is drawn even below the cut


def test_demo_institution_map(tmp_path, demo):
    tables, G = demo
    out = write_explorer_html(G, tmp_path / "inst.html", title="Demo", works=tables["works"])
    data = _data(out.read_text())
    assert len(data["nodes"]["id"]) == G.number_of_nodes()
    assert len(data["ties"]["s"]) == G.number_of_edges()
    on_ties = {w for _, _, d in G.edges(data=True) for w in d["works"]}
    assert set(data["works"]["id"]) == on_ties
    assert data["measure"] == "degree"  # build_graph does not rank: degree sizes the nodes
    erasmus = data["nodes"]["label"].index("Erasmus MC")
    assert data["nodes"]["ror"][erasmus]
    assert any(d is not None for d in data["works"]["doi"])


def test_rejects_bad_arguments(tmp_path, render_graph):
    with pytest.raises(ValueError):
        explorer_payload(render_graph, max_nodes=0)
    with pytest.raises(Exception, match=r"\.html"):
        write_explorer_html(render_graph, tmp_path / "x.txt", title="x")
    with pytest.raises(TypeError):
        explorer_payload({"a": 1})


def test_script_json_escapes_everything_that_could_close_a_script():
    text = str(script_json({"a": "</script><!-- & \u2028\u2029"}))
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == {"a": "</script><!-- & \u2028\u2029"}
    assert str(script_json([float("nan"), 1.5])) == "[null, 1.5]"


def test_vis_network_engine_draws_the_same_page_with_pyvis_build(tmp_path, render_graph):
    import pyvis

    sigma = write_explorer_html(render_graph, tmp_path / "s.html", title="t").read_text()
    vis = write_explorer_html(
        render_graph, tmp_path / "v.html", title="t", engine="vis-network"
    ).read_text()
    assert _data(vis)["nodes"] == _data(sigma)["nodes"]
    assert _data(vis)["engine"] == "vis-network" and _data(sigma)["engine"] == "sigma"
    shipped = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2" / "vis-network.min.js"
    header = shipped.read_text(encoding="utf-8")[:300]
    assert header in vis and header not in sigma  # pyvis's build, licence header first
    footer = vis.split("<footer>")[1].split("</footer>")[0]
    assert "vis-network 9.1.2" in footer and "sigma.js" not in footer
    policy = re.search(r'Content-Security-Policy" content="([^"]+)"', vis).group(1)
    assert "default-src 'none'" in policy and "connect-src" not in policy
    with pytest.raises(Exception, match="engine"):
        write_explorer_html(render_graph, tmp_path / "x.html", title="t", engine="d3")


def test_inline_frames_the_page_in_a_sandbox(tmp_path, render_graph):
    import html as html_module

    from collabnet.explorer import inline

    page = write_explorer_html(render_graph, tmp_path / "m.html", title="t <b>x</b>")
    shown = inline(page, height=500).data
    m = re.fullmatch(r'<iframe srcdoc="([^"]*)" sandbox="([^"]+)" style="([^"]+)"></iframe>', shown)
    assert m, shown[:200]
    assert html_module.unescape(m.group(1)) == page.read_text(encoding="utf-8")
    assert "allow-same-origin" not in m.group(2) and "allow-scripts" in m.group(2)
    assert "height: 500px" in m.group(3)
