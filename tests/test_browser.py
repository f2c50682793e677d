"""Open the interactive pages in headless Chromium: nothing is fetched, nothing injected runs."""

from __future__ import annotations

import os
import shutil

import pytest

from collabnet.explorer import write_explorer_html

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
        self.page.wait_for_function("() => window.collabnetExplorer !== undefined", timeout=20000)
        return self

    def assert_nothing_fetched_or_run(self):
        assert self.requests == [self.url], self.requests
        assert self.dialogs == []
        assert self.page.evaluate("window.__pwned") is None
        assert self.page.evaluate("window.__csp") == []
        assert self.page.evaluate("document.images.length") == 0
        assert self.errors == []


def test_policy_blocks_inline_handlers_even_if_markup_got_in(browser, tmp_path, render_graph):
    """Defence in depth: were some text ever parsed as HTML, its handlers would not run."""
    path = write_explorer_html(render_graph, tmp_path / "csp.html", title="CSP")
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
