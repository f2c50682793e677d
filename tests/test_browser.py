"""Open the interactive pages in headless Chromium: nothing is fetched, nothing injected runs."""

from __future__ import annotations

import os
import shutil

import pytest

from collabnet.interactive import write_network_html

pytestmark = pytest.mark.browser

LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str):
    """Skip on a developer machine without a browser; in CI (``CI`` set) fail instead."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the browser checks must run)")
    pytest.skip(reason)


def _chromium() -> str | None:
    for name in (os.environ.get("COLLABNET_CHROMIUM"), "chromium", "chromium-browser"):
        if name and (found := shutil.which(name)):
            return found
    return None


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    executable = _chromium()
    if executable is None:
        _unavailable("Chromium not found (apt-get install chromium, or set COLLABNET_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        # A persistent context gives Chromium a fresh --user-data-dir of our own.
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=executable,
            headless=True,
            args=LAUNCH_ARGS,
            viewport={"width": 1280, "height": 900},
            service_workers="block",
        )
        try:
            yield context
        finally:
            context.close()


class Visit:
    """One page load with every request, dialog, error and CSP violation recorded."""

    def __init__(self, context, path):
        self.path = path
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page = context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on(
            "console",
            lambda m: (
                self.errors.append(f"console.{m.type}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )
        self.page.add_init_script(
            "window.__csp = [];"
            "document.addEventListener('securitypolicyviolation',"
            " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
        )
        # Anything that is not the file itself or inline data is refused (and recorded).
        self.page.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url == self.url or route.request.url.startswith("data:")
                else route.abort()
            ),
        )

    @property
    def url(self) -> str:
        return self.path.resolve().as_uri()

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self):
        self.page.goto(self.url, wait_until="load")
        self.page.wait_for_function("() => window.collabnetNetwork !== undefined", timeout=20000)
        self.page.evaluate("document.getElementById('cn-network').scrollIntoView()")
        return self

    def screen_positions(self) -> dict[str, list[float]]:
        """Node centres in viewport pixels, from vis-network's own canvas positions."""
        return self.page.evaluate(
            """() => {
                const net = window.collabnetNetwork;
                const box = document.getElementById('cn-network').getBoundingClientRect();
                const out = {};
                for (const [id, p] of Object.entries(net.getPositions())) {
                    const d = net.canvasToDOM(p);
                    out[id] = [d.x + box.left, d.y + box.top];
                }
                return out;
            }"""
        )

    def hover(self, x: float, y: float) -> str:
        """Move the mouse to (x, y) and return the text of the tooltip that appears."""
        self.page.mouse.move(5, 5)
        self.page.mouse.move(x, y, steps=4)
        self.page.wait_for_function(
            """() => {
                const t = document.querySelector('div.vis-tooltip');
                return t && t.style.visibility !== 'hidden' && t.textContent.length > 0;
            }""",
            timeout=5000,
        )
        return self.page.evaluate("document.querySelector('div.vis-tooltip').textContent")

    def assert_nothing_fetched_or_run(self):
        assert self.requests == [self.url], self.requests
        assert self.dialogs == []
        assert self.page.evaluate("window.__pwned") is None
        assert self.page.evaluate("window.__csp") == []
        assert self.page.evaluate("document.images.length") == 0
        assert self.errors == []


def test_small_page_tooltips_show_payload_as_text(
    browser, tmp_path, render_graph, render_works, payload
):
    path = write_network_html(
        render_graph,
        tmp_path / "small.html",
        title="Ties of " + render_graph.nodes["I1"]["label"],
        works=render_works,
        banner="Synthetic demo data — evidence of nothing",
        note="Note " + payload,
    )
    visit = Visit(browser, path).open()
    page = visit.page
    assert page.title() == "Ties of Leiden Lab " + payload
    assert page.text_content("#cn-title") == "Ties of Leiden Lab " + payload
    assert page.text_content("#cn-note") == "Note " + payload
    assert "evidence of nothing" in page.text_content("#cn-banner")

    positions = visit.screen_positions()
    assert set(positions) == set(render_graph.nodes)
    tips = {}
    for node, (x, y) in positions.items():
        tips[node] = visit.hover(x, y)
    # The tooltip shows the injected markup as literal text (label and work title).
    assert "Leiden Lab " + payload in tips["I1"]
    assert "Face recognition " + payload in tips["I2"]
    assert "doi:10.1234/abc" in tips["I1"]
    assert "[RETRACTED]" in tips["I4"]
    assert "公安部物证鉴定中心" in tips["I2"]
    assert (
        page.evaluate(
            "document.querySelectorAll('div.vis-tooltip img, div.vis-tooltip script').length"
        )
        == 0
    )

    # Hover the middle of the I2-I3 line: the edge tooltip lists its joint work.
    (x2, y2), (x3, y3) = positions["I2"], positions["I3"]
    edge_tip = visit.hover((x2 + x3) / 2, (y2 + y3) / 2)
    assert "joint works: 1" in edge_tip
    assert "W3" in edge_tip and "Speaker identification" in edge_tip

    page.screenshot(path=str(tmp_path / "small.png"))
    visit.assert_nothing_fetched_or_run()
    page.close()


def test_big_page_opens_and_stays_interactive(browser, tmp_path, big_graph):
    path = write_network_html(
        big_graph, tmp_path / "big.html", title="2,000 authors", max_nodes=1500, banner="Synthetic"
    )
    visit = Visit(browser, path).open()
    page = visit.page
    assert page.evaluate("Object.keys(window.collabnetNetwork.getPositions()).length") == 1500
    assert (
        "Showing the 1,500 authors with the highest pagerank of 2,000 authors"
        in page.text_content("#cn-subset")
    )
    # The most central author is drawn largest; hovering it shows its tooltip.
    top = max(big_graph.nodes, key=lambda n: big_graph.nodes[n]["pagerank"])
    x, y = visit.screen_positions()[top]
    assert big_graph.nodes[top]["label"] in visit.hover(x, y)
    visit.assert_nothing_fetched_or_run()
    page.close()


def test_policy_blocks_inline_handlers_even_if_markup_got_in(browser, tmp_path, render_graph):
    """Defence in depth: were some text ever parsed as HTML, its handlers would not run."""
    path = write_network_html(render_graph, tmp_path / "csp.html", title="CSP")
    visit = Visit(browser, path).open()
    page = visit.page
    page.evaluate(
        """() => document.body.insertAdjacentHTML('beforeend',
             '<img src=x onerror="window.__pwned=3">'
             + '<a id=cn-x href=# onclick="window.__pwned=4">x</a>')"""
    )
    page.click("#cn-x")
    page.wait_for_function("() => window.__csp.length >= 2", timeout=5000)
    assert page.evaluate("window.__pwned") is None
    violations = page.evaluate("window.__csp")
    assert any(v.startswith("script-src") for v in violations), violations
    assert any(v.startswith("img-src") for v in violations), violations
    page.close()
