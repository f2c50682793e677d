"""The explorer page in headless Chromium: time to interactive and JS heap, against baselines.

Usage: ``python benchmarks/bench_explorer.py [--rounds 3] [--keep DIR] [--skip-100k]``

Two maps, each built by ``collabnet build`` on a seeded corpus (``corpus.synthetic_corpus``):

- **author map, 10k works** (about 14,000 authors and 170,000 ties): the explorer page
  (``explorer.write_explorer_html``) against a *stock pyvis page* of the same drawn nodes
  and ties, with the same precomputed positions and physics off (pyvis's own template,
  vis-network inlined). Target: interactive at least 3x sooner, with at most half the heap.
- **institution map, 100k works** (about 2,000 institutions and 60,000 ties): the explorer
  page against the page collabnet wrote before it (``previous_page/``, vis-network on a
  canvas, kept for this comparison). Target: interactive at least 3x sooner.

*Interactive* is when the page has loaded and its main thread has been quiet (no task of
50 ms or more) for one second: the end of the last long task before that quiet second,
or the load event if later, counted from the start of navigation. *Heap* is the JS heap
in use after a garbage collection, once interactive. Every request other than the file
itself is refused (a stock pyvis page asks CDNs for Bootstrap). The pages are opened in
alternation, `--rounds` times each, in fresh browser contexts; medians are printed with
the ratios against the targets.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

SPEED_TARGET = 3.0
HEAP_TARGET = 0.5
QUIET_MS = 1000

__all__ = ["main", "time_to_interactive"]

_LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver(list => {
  for (const e of list.getEntries()) { window.__longTasks.push(e.startTime + e.duration); }
}).observe({ type: "longtask", buffered: true });
"""


def build(size: str, folder: Path) -> Path:
    """``collabnet build`` of the seeded corpus of `size` works, without its views."""
    from corpus import parse_size, synthetic_corpus, write_openalex_jsonl

    source = folder / f"works_{size}.jsonl.gz"
    out = folder / f"build_{size}"
    if not (out / "manifest.json").is_file():
        authorships, works = synthetic_corpus(parse_size(size), seed=0)
        write_openalex_jsonl(authorships, works, source)
        collabnet = Path(sys.executable).with_name("collabnet")
        subprocess.run(
            [str(collabnet), "build", str(source), "--out", str(out), "--no-views", "--quiet"],
            check=True,
        )
    return out


def _payload(html: Path) -> dict:
    text = html.read_text(encoding="utf-8")
    return json.loads(re.search(r'id="cn-data">(.*?)</script>', text, re.S).group(1))


def stock_pyvis_page(explorer_page: Path, path: Path) -> Path:
    """A stock pyvis page of the nodes and ties the explorer page draws, at its positions,
    physics off: pyvis's template and options, vis-network inlined."""
    from pyvis.network import Network as PyvisNetwork

    data = _payload(explorer_page)
    nodes, ties = data["nodes"], data["ties"]
    n, m = data["shown"]["nodes"], data["shown"]["ties"]
    colours = [c["color"] for c in data["categories"]]
    net = PyvisNetwork(height="900px", width="100%", cdn_resources="in_line")
    net.toggle_physics(False)
    # pyvis's add_node/add_edge scan every existing edge (quadratic); its lists take bulk
    net.nodes = [
        {
            "id": i,
            "label": nodes["label"][i],
            "title": nodes["label"][i],
            "x": nodes["x"][i],
            "y": nodes["y"][i],
            "size": nodes["size"][i] * 2,
            "color": colours[nodes["cat"][i]],
            "shape": "dot",
        }
        for i in range(n)
    ]
    net.node_ids = list(range(n))
    net.node_map = {node["id"]: node for node in net.nodes}
    net.edges = [
        {"from": ties["s"][j], "to": ties["t"][j], "value": ties["wf"][j] or 1} for j in range(m)
    ]
    net.write_html(str(path))
    return path


def time_to_interactive(browser, page_path: Path, timeout_s: float = 600) -> dict:
    """Open `page_path` in a fresh context; ``{"tti_s", "heap_mb"}`` (see the module doc)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.route(re.compile(r"^(?!file:).*"), lambda route: route.abort())
    context.add_init_script(_LONG_TASKS)
    page = context.new_page()
    try:
        page.goto(page_path.as_uri(), wait_until="load", timeout=timeout_s * 1000)
        deadline = time.monotonic() + timeout_s
        while True:
            quiet = page.evaluate(
                "() => performance.now() - Math.max(0, ...window.__longTasks.slice(-1))"
            )
            if quiet >= QUIET_MS:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{page_path.name} never went quiet in {timeout_s:.0f} s")
            page.wait_for_timeout(100)
        tti_ms = page.evaluate(
            """() => {
                const nav = performance.getEntriesByType("navigation")[0];
                return Math.max(nav.loadEventEnd, ...window.__longTasks);
            }"""
        )
        cdp = context.new_cdp_session(page)
        cdp.send("HeapProfiler.collectGarbage")
        heap = cdp.send("Runtime.getHeapUsage")["usedSize"]
        return {"tti_s": tti_ms / 1000, "heap_mb": heap / 2**20}
    finally:
        context.close()


def _compare(browser, name: str, ours: Path, base: Path, rounds: int, heap: bool) -> bool:
    runs: dict[str, list[dict]] = {"explorer": [], "baseline": []}
    for r in range(rounds):
        for label, path in (("explorer", ours), ("baseline", base)):
            result = time_to_interactive(browser, path)
            runs[label].append(result)
            print(
                f"  round {r + 1} {label:9} {result['tti_s']:7.2f} s  {result['heap_mb']:7.1f} MB",
                flush=True,
            )
    med = {
        label: {k: statistics.median(x[k] for x in rs) for k in ("tti_s", "heap_mb")}
        for label, rs in runs.items()
    }
    speed = med["baseline"]["tti_s"] / med["explorer"]["tti_s"]
    ok = speed >= SPEED_TARGET
    print(
        f"{name}: explorer {med['explorer']['tti_s']:.2f} s, {med['explorer']['heap_mb']:.0f} MB;"
        f" baseline {med['baseline']['tti_s']:.2f} s, {med['baseline']['heap_mb']:.0f} MB"
        f" ({ours.stat().st_size / 2**20:.1f} vs {base.stat().st_size / 2**20:.1f} MiB)"
    )
    print(
        f"target {name} interactive >= {SPEED_TARGET:g}x sooner: {speed:.2f}x -> "
        + ("met" if ok else "NOT met")
    )
    if heap:
        share = med["explorer"]["heap_mb"] / med["baseline"]["heap_mb"]
        ok_heap = share <= HEAP_TARGET
        print(
            f"target {name} heap <= {HEAP_TARGET:g} of baseline: {share:.2f} -> "
            + ("met" if ok_heap else "NOT met")
        )
        ok = ok and ok_heap
    return ok


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--keep", help="build into this folder and keep it (reused when present)")
    p.add_argument("--skip-100k", action="store_true", help="only the 10k author map")
    args = p.parse_args(argv)

    from playwright.sync_api import sync_playwright
    from previous_page.page import write_network_html

    from collabnet import explorer, pipeline

    folder = Path(args.keep or tempfile.mkdtemp(prefix="collabnet-bench-explorer-"))
    folder.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        jobs = [("10k", "authors")] + ([] if args.skip_100k else [("100k", "institutions")])
        pages = []
        for size, level in jobs:
            out = build(size, folder)
            tables = pipeline.load_tables(out)
            G = pipeline.load_network(out, level, tables=tables)
            t0 = time.perf_counter()
            ours = explorer.write_explorer_html(
                G, folder / f"explorer_{level}_{size}.html", title=level, works=tables["works"]
            )
            print(
                f"{size} {level}: {G.number_of_nodes():,} nodes, {G.number_of_edges():,} ties;"
                f" explorer page written in {time.perf_counter() - t0:.1f} s"
            )
            if level == "authors":
                base = stock_pyvis_page(ours, folder / f"pyvis_{level}_{size}.html")
            else:
                base = write_network_html(
                    G, folder / f"previous_{level}_{size}.html", title=level, works=tables["works"]
                )
            pages.append((f"{size} {level} map", ours, base, level == "authors"))
        ok = True
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=chromium, args=["--enable-precise-memory-info"]
            )
            for name, ours, base, heap in pages:
                ok = _compare(browser, name, ours, base, args.rounds, heap) and ok
            browser.close()
        return 0 if ok else 1
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
