"""Harvest speed: collabnet's resumable fetch against a bare requests cursor loop."""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # the fake API lives with the tests

from fake_openalex import NL_CN_INSTITUTIONS as INST  # noqa: E402
from fake_openalex import FakeOpenAlex, make_work  # noqa: E402

from collabnet import openalex  # noqa: E402

__all__ = ["main"]


def _works(n: int) -> list[dict]:
    nl = [INST["erasmus"], INST["lumc"], INST["leiden"]]
    # Eight authors a work, as in a typical biomedical paper.
    return [
        make_work(i, [nl[i % 3], INST["sysu"], None, None], n_authors=8, year=2010 + i % 15)
        for i in range(n)
    ]


def _baseline(url: str, query: openalex.HarvestQuery) -> tuple[int, int]:
    """The least a harvester can do: follow the cursor, keep the works in memory."""
    session = requests.Session()
    session.headers["Authorization"] = "Bearer bench-dummy-key"
    cursor, pages, works = "*", 0, []
    (flt,) = query.filters()
    while cursor:
        r = session.get(
            f"{url}/works",
            params={
                "filter": flt,
                "per-page": 200,
                "cursor": cursor,
                "select": ",".join(query.select),
            },
            timeout=30,
        )
        r.raise_for_status()
        data = r.json()
        works += data["results"]
        pages += 1
        cursor = data["meta"]["next_cursor"] if data["results"] else None
    return pages, len(works)


def main(n_works: int = 4000, latency_ms: tuple[float, float] = (50, 150), seed: int = 0) -> dict:
    """Time both harvesters on the same fake API and print pages per second and their ratio.

    Each request waits a latency drawn uniformly from ``latency_ms`` (same seeded sequence for
    both), like api.openalex.org from Europe. Bounded: ``n_works // 200 + 1`` pages per run.
    """
    query = openalex.HarvestQuery(institutions=["I9000001", "I9000002", "I9000003"], match="ror")
    saved_key = os.environ.get("OPENALEX_API_KEY")
    os.environ["OPENALEX_API_KEY"] = "bench-dummy-key"  # only ever sent to 127.0.0.1
    results: dict = {"n_works": n_works, "latency_ms": list(latency_ms)}
    try:
        with FakeOpenAlex(_works(n_works)) as server:
            lo, hi = (x / 1000 for x in latency_ms)

            server.latency = (lambda rng: lambda: rng.uniform(lo, hi))(random.Random(seed))
            t0 = time.perf_counter()
            pages, got = _baseline(server.url, query)
            base_s = time.perf_counter() - t0

            server.latency = (lambda rng: lambda: rng.uniform(lo, hi))(random.Random(seed))
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.perf_counter()
                manifest = openalex.fetch_works(query, tmp, base_url=server.url, progress=False)
                ours_s = time.perf_counter() - t0
            assert got == manifest["unique_works"] == n_works, (got, manifest["unique_works"])
            requests_made = manifest["requests"]
    finally:
        if saved_key is None:
            os.environ.pop("OPENALEX_API_KEY", None)
        else:
            os.environ["OPENALEX_API_KEY"] = saved_key
    results.update(
        pages=pages,
        requests_collabnet=requests_made,
        baseline_s=round(base_s, 3),
        collabnet_s=round(ours_s, 3),
        baseline_pages_per_s=round(pages / base_s, 2),
        collabnet_pages_per_s=round(pages / ours_s, 2),
        ratio=round(base_s / ours_s, 3),
        overhead_ms_per_page=round((ours_s - base_s) / pages * 1000, 1),
    )
    print(
        f"harvest of {n_works} works ({pages} pages, {latency_ms[0]:g}-{latency_ms[1]:g} ms "
        f"latency per page):\n"
        f"  baseline (requests cursor loop, in memory): {results['baseline_pages_per_s']} pages/s\n"
        f"  collabnet fetch_works (files, checkpoint, manifest): "
        f"{results['collabnet_pages_per_s']} pages/s\n"
        f"  ratio collabnet/baseline: {results['ratio']} "
        f"({results['overhead_ms_per_page']:+} ms per page)"
    )
    return results


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
