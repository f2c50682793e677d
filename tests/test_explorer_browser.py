"""The explorer page in headless Chromium, driven as a reporter would drive it."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
from conftest import PAYLOAD
from test_browser import Visit, browser  # noqa: F401  (the Chromium fixture)

from collabnet.explorer import write_explorer_html

pytestmark = pytest.mark.browser

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "works.jsonl.gz"


class ExplorerVisit(Visit):
    """A :class:`Visit` of an explorer page, with helpers to find nodes and ties on screen."""

    def open(self):
        self.page.goto(self.url, wait_until="load")
        self.page.wait_for_function("() => window.collabnetExplorer !== undefined", timeout=20000)
        self.page.wait_for_timeout(300)  # the first frame
        return self

    def screen(self, node: str) -> tuple[float, float]:
        """Viewport pixels of a node's centre, from sigma's own camera."""
        return tuple(
            self.page.evaluate(
                """(id) => {
                    const x = window.collabnetExplorer, d = x.data.nodes;
                    const key = String(d.id.indexOf(id));
                    const p = x.renderer.viewport(key);
                    const box = document.getElementById('cn-map').getBoundingClientRect();
                    return [p.x + box.left, p.y + box.top];
                }""",
                node,
            )
        )

    def click_at(self, x: float, y: float):
        """Click the map; sigma takes two clicks within 300 ms for a double click (zoom)."""
        self.page.wait_for_timeout(350)
        self.page.mouse.click(x, y)

    def hidden(self, node: str) -> bool:
        return self.page.evaluate(
            """(id) => {
                const x = window.collabnetExplorer;
                return x.renderer.isHidden(String(x.data.nodes.id.indexOf(id)));
            }""",
            node,
        )

    def count(self) -> str:
        return self.page.text_content("#cn-count")

    def details(self) -> str:
        return self.page.text_content("#cn-details")

    def assert_nothing_fetched_or_run(self):
        # SwiftShader's WebGL reports GPU stalls on readPixels as console warnings: not ours.
        self.errors = [e for e in self.errors if "GL Driver Message" not in e]
        super().assert_nothing_fetched_or_run()
        assert (
            self.page.evaluate("document.querySelectorAll('#cn-side img, #cn-side script').length")
            == 0
        )


@pytest.fixture(params=["sigma", "vis-network"])
def page_of(browser, tmp_path, request):  # noqa: F811
    """Open a page drawn by each engine: the controls and what they show are the same."""
    opened = []

    def open_(G, name="e.html", **options):
        options.setdefault("title", "Explorer")
        options.setdefault("engine", request.param)
        path = write_explorer_html(G, tmp_path / name, **options)
        visit = ExplorerVisit(browser, path).open()
        opened.append(visit)
        return visit

    yield open_
    for visit in opened:
        visit.page.close()


def test_search_selects_and_details_show_works_with_links(page_of, render_graph, render_works):
    visit = page_of(render_graph, works=render_works, banner="Synthetic demo data")
    page = visit.page
    assert "Synthetic demo data" in page.text_content("#cn-banner")
    assert visit.count() == "4 of 4 institutions · 3 of 3 ties"
    page.click("#cn-search")
    page.keyboard.type("leiden")
    page.wait_for_selector("#cn-suggestions li")
    assert page.text_content("#cn-suggestions li").startswith("Leiden Lab " + PAYLOAD)
    page.keyboard.press("Enter")
    assert page.evaluate("window.collabnetExplorer.selected()") == {"kind": "node", "i": 0}
    assert page.text_content("#cn-details h3") == "Leiden Lab " + PAYLOAD
    text = visit.details()
    assert "Face recognition " + PAYLOAD in text and "[RETRACTED]" in text
    hrefs = page.eval_on_selector_all("#cn-details a", "as => as.map(a => a.href)")
    assert "https://doi.org/10.1234/abc" in hrefs
    assert "https://openalex.org/W1" in hrefs and "https://openalex.org/I1" in hrefs
    assert all(h.startswith(("https://doi.org/10.", "https://openalex.org/")) for h in hrefs)
    # searching by id finds the node too
    page.fill("#cn-search", "")
    page.keyboard.type("I3")
    page.wait_for_selector("#cn-suggestions li")
    page.click("#cn-suggestions li")
    assert page.text_content("#cn-details h3") == 'Delft "Vision" Group'
    visit.assert_nothing_fetched_or_run()


def test_legend_hides_a_category_and_the_count_follows(page_of, render_graph):
    visit = page_of(render_graph)
    page = visit.page
    assert not visit.hidden("I1")
    page.click('#cn-legend button[data-category="nl"]')
    assert visit.hidden("I1") and visit.hidden("I3") and not visit.hidden("I2")
    assert visit.count() == "2 of 4 institutions · 0 of 3 ties"
    assert page.get_attribute('#cn-legend button[data-category="nl"]', "aria-pressed") == "false"
    page.click('#cn-legend button[data-category="nl"]')
    assert not visit.hidden("I1")
    assert visit.count() == "4 of 4 institutions · 3 of 3 ties"
    visit.assert_nothing_fetched_or_run()


def test_click_node_tie_and_move_years(page_of, render_graph, render_works):
    visit = page_of(render_graph, works=render_works)
    page = visit.page
    x, y = visit.screen("I2")
    visit.click_at(x, y)
    assert page.text_content("#cn-details h3").startswith("Institute of Forensic Science")
    assert "Speaker identification 说话人识别" in visit.details()
    assert "https://doi.org/10.5555/xyz" in page.eval_on_selector_all(
        "#cn-details a", "as => as.map(a => a.href)"
    )
    page.click("#cn-reset")
    # the middle of the I2–I3 line lists that tie's one work
    (x2, y2), (x3, y3) = visit.screen("I2"), visit.screen("I3")
    visit.click_at((x2 + x3) / 2, (y2 + y3) / 2)
    assert page.evaluate("window.collabnetExplorer.selected().kind") == "tie"
    assert "Speaker identification" in visit.details() and "joint works: 1" in visit.details()
    page.click("#cn-reset")
    # years 2018–2021: move the start to 2020, and I1–I4 (2018 only) drops out, and I4
    # with it: it has no other tie
    assert page.text_content("#cn-years-label") == "2018–2021"
    page.focus("#cn-year-from")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.text_content("#cn-years-label") == "2020–2021"
    assert visit.count() == "3 of 4 institutions · 2 of 3 ties"
    assert visit.hidden("I4") and not visit.hidden("I1")
    visit.assert_nothing_fetched_or_run()


def test_export_png(page_of, render_graph, tmp_path):
    visit = page_of(render_graph)
    page = visit.page
    with page.expect_download() as info:
        page.click("#cn-export")
    saved = tmp_path / "view.png"
    info.value.save_as(saved)
    data = saved.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    made = page.evaluate("window.collabnetExplorer.lastExport()")
    assert made["type"] == "image/png" and made["width"] > 300 and made["height"] > 300
    # the picture is not blank: the nodes' colours are in it
    colours = page.evaluate(
        """async () => {
            const c = window.collabnetExplorer.renderer.layers().nodes;
            return c.width > 0;
        }"""
    )
    assert colours
    assert len(data) > 5_000  # a white canvas of this size compresses to far less
    visit.requests = [r for r in visit.requests if not r.startswith("blob:")]
    visit.assert_nothing_fetched_or_run()


def test_hostile_text_probe_every_node_and_tie_clicked(page_of, render_graph, render_works):
    G = render_graph.copy()
    G.nodes["I2"]["category_rule"] = "rule " + PAYLOAD
    G.nodes["I2"]["ror"] = PAYLOAD
    works = render_works.copy()
    works.loc[1, "doi"] = "javascript:alert(1)//10.1234/x"
    works.loc[2, "title"] = "<svg onload=alert(3)>" + PAYLOAD
    visit = page_of(G, works=works, title="T " + PAYLOAD, banner="B " + PAYLOAD)
    page = visit.page
    assert page.title() == "T " + PAYLOAD
    for node in G.nodes:
        x, y = visit.screen(node)
        page.mouse.move(x, y, steps=3)
        visit.click_at(x, y)
        assert page.evaluate("window.collabnetExplorer.selected()")["kind"] == "node"
        page.click("#cn-reset")
    for u, v in G.edges:
        (xu, yu), (xv, yv) = visit.screen(u), visit.screen(v)
        visit.click_at((xu + xv) / 2, (yu + yv) / 2)
        page.click("#cn-reset")
    x, y = visit.screen("I2")
    visit.click_at(x, y)
    text = visit.details()
    assert "rule " + PAYLOAD in text and "<svg onload=alert(3)>" in text
    assert "DOI as recorded (not linked): javascript:alert(1)" in text
    hrefs = page.eval_on_selector_all("a", "as => as.map(a => a.href)")
    assert all(h.startswith(("https://doi.org/10.", "https://openalex.org/")) for h in hrefs)
    page.click("#cn-search")
    page.keyboard.type("<img")
    page.wait_for_selector("#cn-suggestions li")
    assert page.evaluate("document.querySelectorAll('svg, iframe').length") == 0
    visit.assert_nothing_fetched_or_run()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from collabnet import metrics, pipeline

    tables = pipeline.build_tables([DEMO], tmp_path_factory.mktemp("demo"))
    G = pipeline.build_graph(tables, "institutions")
    erasmus = next(n for n, d in G.nodes(data=True) if d.get("label") == "Erasmus MC")
    paths = metrics.evidence_paths(
        G, erasmus, target_category="cn_police", k=3, works=tables["works"]
    )
    return tables, G, paths


def test_demo_map_find_erasmus_read_its_works_and_paths(page_of, demo):
    tables, G, paths = demo
    visit = page_of(
        G,
        works=tables["works"],
        paths=paths,
        title="Institutions",
        banner="Synthetic demo data — evidence of nothing",
    )
    page = visit.page
    n, m = G.number_of_nodes(), G.number_of_edges()
    assert visit.count() == f"{n:,} of {n:,} institutions · {m:,} of {m:,} ties"
    page.click("#cn-search")
    page.keyboard.type("Erasmus")
    page.wait_for_selector("#cn-suggestions li")
    page.keyboard.press("Enter")
    assert page.text_content("#cn-details h3") == "Erasmus MC"
    assert "ROR: " in visit.details()
    links = page.eval_on_selector_all("#cn-details a.cn-doi", "as => as.map(a => a.href)")
    assert links and all(h.startswith("https://doi.org/10.") for h in links)
    # "show all" lists every work on its ties
    if page.query_selector('#cn-details button[data-more="works"]'):
        page.click('#cn-details button[data-more="works"]')
    shown = page.eval_on_selector_all("#cn-details ul.cn-works li", "ls => ls.length")
    header = page.text_content("#cn-details h3:nth-of-type(3)")
    assert header.startswith("Works: ")
    assert shown == int(header.split(": ")[1].replace(",", ""))
    # the paths layer: the checkbox shows the paths, a hop lists its works
    page.click("#cn-reset")
    page.check("#cn-paths-toggle")
    assert page.is_visible("#cn-paths")
    page.click("#cn-paths button.cn-hop")
    hop = paths[0]["hops"][0]
    assert f"Works: {len(hop['works'])}" in visit.details()
    assert page.evaluate("window.collabnetExplorer.selected().kind") == "hop"
    # narrowing the years drops ties
    page.focus("#cn-year-from")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    shown_ties = int(visit.count().split(" · ")[1].split(" of ")[0].replace(",", ""))
    assert shown_ties < m
    visit.assert_nothing_fetched_or_run()


def test_search_brings_in_a_node_outside_the_drawn_set(page_of):
    from conftest import make_big_graph

    G = make_big_graph(300)
    visit = page_of(G, max_nodes=20, max_ties=30, search_ties=3)
    page = visit.page
    assert visit.count() == f"20 of 300 authors · 30 of {G.number_of_edges()} ties"
    assert "search finds the others" in page.text_content("#cn-subset")
    far = min(G.nodes, key=lambda n: (G.nodes[n]["pagerank"], n))
    assert (
        page.evaluate(f"window.collabnetExplorer.graph.hasNode(String({_index(page, far)}))")
        is False
    )
    page.click("#cn-search")
    page.keyboard.type(G.nodes[far]["label"])
    page.wait_for_selector("#cn-suggestions li")
    assert "not on the map yet" in page.text_content("#cn-suggestions li")
    page.keyboard.press("Enter")
    assert page.text_content("#cn-details h3") == G.nodes[far]["label"]
    k = _index(page, far)
    assert page.evaluate(f"window.collabnetExplorer.graph.hasNode(String({k}))")
    # it came with its ties (a Barabási–Albert node has at least 2) and their neighbours
    neighbours = page.evaluate(f"window.collabnetExplorer.graph.neighbors(String({k})).length")
    assert neighbours == min(3, G.degree(far))
    assert not visit.hidden(far)
    shown = int(visit.count().split(" of ")[0])
    assert 21 <= shown <= 21 + neighbours
    assert "collaborators on the map: " + str(neighbours) in visit.details()
    visit.assert_nothing_fetched_or_run()


def test_a_map_of_many_ties_draws_plain_lines_and_nodes_still_click(
    browser,  # noqa: F811
    tmp_path,
    monkeypatch,
    render_graph,
    render_works,
):
    from collabnet import explorer

    monkeypatch.setattr(explorer, "PLAIN_TIES_ABOVE", 2)  # as for a map of 50,000+ ties
    path = write_explorer_html(render_graph, tmp_path / "big.html", title="t", works=render_works)
    visit = ExplorerVisit(browser, path).open()
    page = visit.page
    assert page.evaluate("window.collabnetExplorer.renderer.plainTies") is True
    x, y = visit.screen("I1")
    visit.click_at(x, y)
    assert page.text_content("#cn-details h3") == "Leiden Lab " + PAYLOAD
    assert "Face recognition " + PAYLOAD in visit.details()
    visit.assert_nothing_fetched_or_run()
    visit.page.close()


def _index(page, node: str) -> int:
    return page.evaluate(f"window.collabnetExplorer.data.nodes.id.indexOf({node!r})")


def test_small_hand_made_graph_without_works_or_years(page_of):
    G = nx.Graph()
    G.add_node("NL", label="Netherlands", category="nl")
    G.add_node("CN", label="China", category="cn_other")
    G.add_edge("NL", "CN", weight=3, works=["W1", "W2", "W3"])
    visit = page_of(G, works=pd.DataFrame({"work_id": ["W1"], "title": ["Only title"]}))
    page = visit.page
    assert visit.count() == "2 of 2 countries · 1 of 1 ties"
    assert not page.is_visible("#cn-years-block")
    x, y = visit.screen("NL")
    visit.click_at(x, y)
    assert "Only title" in visit.details() and "Works: 3" in visit.details()
    visit.assert_nothing_fetched_or_run()


@pytest.fixture(scope="module")
def demo_build(tmp_path_factory):
    from collabnet import pipeline

    out = tmp_path_factory.mktemp("demo-build") / "out"
    pipeline.run_build([DEMO], out, data_source="synthetic-demo")
    return out


def test_a_reporter_on_the_demo_institution_map(browser, demo_build):  # noqa: F811
    """The page ``make demo`` writes: find Erasmus MC, read and follow its joint papers
    with a police-linked lab, switch on the paths, narrow to 2015-2020."""
    visit = ExplorerVisit(browser, demo_build / "network_institutions.html").open()
    page = visit.page
    assert "Synthetic demo data" in page.text_content("#cn-banner")
    page.click("#cn-search")
    page.keyboard.type("erasm")
    page.wait_for_selector("#cn-suggestions li")
    page.keyboard.press("Enter")
    assert page.text_content("#cn-details h3") == "Erasmus MC"
    # its collaborators, police-linked ones among the first; one click lists the joint works
    police = page.locator("ul.cn-collaborators li", has_text="police-linked").first
    lab = police.locator("button").text_content()
    police.locator("button").click()
    assert page.evaluate("window.collabnetExplorer.selected().kind") == "tie"
    assert page.text_content("#cn-details h3") == "Erasmus MC — " + lab
    links = page.eval_on_selector_all("#cn-details a.cn-doi", "as => as.map(a => a.href)")
    assert links and all(re.fullmatch(r"https://doi\.org/10\.\d{4,9}/\S+", h) for h in links)
    targets = page.eval_on_selector_all(
        "#cn-details a.cn-doi", "as => as.map(a => a.target + ' ' + a.rel)"
    )
    assert set(targets) == {"_blank noopener noreferrer"}  # opens only when clicked
    # the paths from each Dutch institution to the nearest police-linked one
    page.click("#cn-reset")
    page.check("#cn-paths-toggle")
    paths = page.text_content("#cn-paths")
    assert "Erasmus MC → " in paths
    # 2015-2020 only
    page.evaluate(
        """() => {
            for (const [id, v] of [["cn-year-from", 2015], ["cn-year-to", 2020]]) {
                const r = document.getElementById(id);
                r.value = v;
                r.dispatchEvent(new Event("input"));
            }
        }"""
    )
    assert page.text_content("#cn-years-label") == "2015–2020"
    n_all = page.evaluate("window.collabnetExplorer.data.total.ties")
    assert int(visit.count().split(" · ")[1].split(" of ")[0].replace(",", "")) < n_all
    erasmus = page.evaluate(
        "(() => { const d = window.collabnetExplorer.data.nodes;"
        " return d.id[d.label.indexOf('Erasmus MC')]; })()"
    )
    page.uncheck("#cn-paths-toggle")
    visit.click_at(*visit.screen(erasmus))
    years = page.eval_on_selector_all(
        "#cn-details ul.cn-works li > span:first-child", "ss => ss.map(s => +s.textContent)"
    )
    assert years and all(2015 <= y <= 2020 for y in years)
    assert page.text_content("#cn-details h3:nth-of-type(3)").startswith("Works in 2015–2020: ")
    visit.assert_nothing_fetched_or_run()
    page.close()


def test_the_inline_frame_runs_the_page_in_its_sandbox(browser, tmp_path, render_graph):  # noqa: F811
    from test_browser import Visit

    from collabnet.explorer import inline

    page_file = write_explorer_html(render_graph, tmp_path / "m.html", title="Inline")
    notebook = tmp_path / "notebook.html"
    notebook.write_text(
        "<!DOCTYPE html><html><body>" + inline(page_file)._repr_html_() + "</body></html>",
        encoding="utf-8",
    )
    visit = Visit(browser, notebook)
    page = visit.page
    page.goto(visit.url, wait_until="load")
    frame = page.frames[1]
    frame.wait_for_function("() => window.collabnetExplorer !== undefined", timeout=20000)
    assert frame.text_content("#cn-count") == "4 of 4 institutions · 3 of 3 ties"
    # the frame has an opaque origin: nothing of the notebook page is reachable from it
    assert (
        frame.evaluate("() => { try { return !!parent.document; } catch (e) { return false; } }")
        is False
    )
    visit.errors = [e for e in visit.errors if "GL Driver Message" not in e]
    visit.assert_nothing_fetched_or_run()
    page.close()


def test_a_tie_on_consortium_papers_only_says_so(page_of):
    G = nx.Graph()
    G.add_node("I1", label="Dutch lab", category="nl")
    G.add_node("I2", label="Police lab", category="cn_police")
    G.add_node("I3", label="Small partner", category="other")
    G.add_edge("I1", "I2", weight=2, works=["W1", "W2"])
    G.add_edge("I1", "I3", weight=1, works=["W3"])
    works = pd.DataFrame(
        {
            "work_id": ["W1", "W2", "W3"],
            "title": ["Global burden study", "GWAS consortium", "Two-lab study"],
            "n_authors": [3000, 100, 4],
            "is_authors_truncated": [False, True, False],
        }
    )
    visit = page_of(G, works=works)
    page = visit.page
    page.evaluate("window.collabnetExplorer.selectNode(0)")  # I1, the most central
    rows = page.eval_on_selector_all("ul.cn-collaborators li", "ls => ls.map(l => l.textContent)")
    assert any("Police lab" in r and "(consortium papers only)" in r for r in rows)
    assert any("Small partner" in r and "consortium" not in r for r in rows)
    page.locator("ul.cn-collaborators button", has_text="Police lab").click()
    text = visit.details()
    assert "Rests only on consortium papers" in text
    assert (
        text.count("[consortium paper]") == 2 and "3,000 authors" in text and "100+ authors" in text
    )
    page.locator("#cn-reset").click()
    page.evaluate("window.collabnetExplorer.selectNode(0)")
    page.locator("ul.cn-collaborators button", has_text="Small partner").click()
    assert "consortium" not in visit.details()
    visit.assert_nothing_fetched_or_run()


def test_an_institution_as_it_was_shows_its_dates_and_links_to_itself(page_of):
    G = nx.Graph()
    G.add_node("I1", label="Erasmus MC", category="nl")
    G.add_node("I2", label="Tianjin Fire Research Institute", category="cn_other",
               category_changes="cn_police until 2018-04-15; cn_other from 2018-04-16")  # fmt: skip
    G.add_node("I2@until-2018-04-15", label="Tianjin Fire Research Institute (until 2018-04-15)",
               category="cn_police",
               category_changes="cn_police until 2018-04-15; cn_other from 2018-04-16")  # fmt: skip
    G.add_node("I3", label="Institute of Forensic Science", category="cn_police",
               designations="US Entity List (2020-06-05 – 2023-11-16): 85 FR 34503")  # fmt: skip
    G.add_edge("I1", "I2@until-2018-04-15", weight=1, works=["W1"])
    G.add_edge("I1", "I2", weight=1, works=["W2"])
    G.add_edge("I1", "I3", weight=1, works=["W3"])
    visit = page_of(G)
    page = visit.page
    x, y = visit.screen("I2@until-2018-04-15")
    visit.click_at(x, y)
    text = visit.details()
    assert "category: PRC public security (police-linked)" in text
    assert "category through time: cn_police until 2018-04-15; cn_other from 2018-04-16" in text
    hrefs = page.eval_on_selector_all("#cn-details a", "as => as.map(a => a.href)")
    assert "https://openalex.org/I2" in hrefs
    page.fill("#cn-search", "")
    page.keyboard.type("Institute of Forensic")
    page.wait_for_selector("#cn-suggestions li")
    page.keyboard.press("Enter")
    assert "designations: US Entity List (2020-06-05 – 2023-11-16): 85 FR 34503" in visit.details()
    visit.assert_nothing_fetched_or_run()
