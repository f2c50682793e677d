"""End-to-end time and peak memory of ``collabnet build`` on large synthetic corpora.

Usage: ``python benchmarks/bench_build.py [--sizes 100k,500k] [--keep DIR]``

For each size (works), in order:

1. The seeded corpus of ``corpus.synthetic_corpus(n, seed=0)`` is written as OpenAlex Work
   JSON Lines (``works.jsonl.gz``, by ``corpus.write_openalex_jsonl``). Its generation time
   is printed, but is no part of any measurement.
2. Baseline: the least any reader of that file does, in a fresh process: decompress it and
   ``json.loads`` every line with the standard library, keeping nothing. It shows how much
   of the build is bare parsing (collabnet's reader parses with orjson when installed; that
   time is printed too, for information).
3. ``collabnet build works.jsonl.gz --out DIR --no-views`` (as ``python -m collabnet``, with
   the interpreter running this script) in a fresh process: reading, classification, the
   tables, the institution, author and country graphs, the centrality tables and the graph
   exports. Measured: wall time from start to exit (interpreter start and imports included,
   as a user waits for them) and peak resident memory: the process's own (``ru_maxrss`` of
   the child, from ``os.wait4``) and, sampled from ``/proc`` every 0.25 s, the process and
   its helper processes together (the estimated centralities run on every core); the
   larger of the two is the one held against the target. Node and edge counts come from
   the ``graphs`` section of the output folder's ``manifest.json``.

Each size ends with the verdict for the project target, ``collabnet build`` under 24 GiB of
peak memory (stated for 500k works), e.g.
``target collabnet build 500k under 24 GiB: 9.81 GiB -> met``.

Every step runs in its own process and this one stays small (no pandas, no corpus): on Linux
a child's peak RSS starts from its parent's peak RSS at the time of the fork, so a parent
holding the corpus would inflate every measurement. Files go to a temporary folder that is
removed at the end, or to ``--keep DIR``, where they stay.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_GIB = 24.0
MAXRSS_PER_GIB = 1024**3 if sys.platform == "darwin" else 1024**2  # ru_maxrss: bytes or KiB

__all__ = ["main"]


# --- steps run in a child process ---------------------------------------------------------


def child_write(size: str, path: str, seed: int) -> dict:
    """Generate the seeded corpus of `size` works and write it to `path` as Work JSON Lines."""
    sys.path.insert(0, str(HERE))
    from corpus import parse_size, synthetic_corpus, write_openalex_jsonl

    t0 = time.perf_counter()
    authorships, works = synthetic_corpus(parse_size(size), seed=seed)
    t1 = time.perf_counter()
    n = write_openalex_jsonl(authorships, works, path)
    t2 = time.perf_counter()
    return {
        "works": n,
        "rows": len(authorships),
        "generate_s": t1 - t0,
        "write_s": t2 - t1,
        "bytes": Path(path).stat().st_size,
    }


def child_parse(path: str, parser: str) -> dict:
    """Decompress `path` and parse every line with ``json`` or ``orjson``, keeping nothing."""
    if parser == "orjson":
        import orjson

        loads = orjson.loads
    else:
        loads = json.loads
    t0 = time.perf_counter()
    n = 0
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                loads(line)
                n += 1
    return {"records": n, "seconds": time.perf_counter() - t0}


# --- measuring a child --------------------------------------------------------------------


def _tree_rss(root: int) -> int:
    """Bytes resident in process `root` and all its descendants now (Linux ``/proc``)."""
    parent, rss = {}, {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm") as fh:
                rss[int(entry)] = int(fh.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        parent[int(entry)] = int(fields[1])
    total, todo = 0, [root]
    children: dict = {}
    for pid, ppid in parent.items():
        children.setdefault(ppid, []).append(pid)
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


class _TreeSampler(threading.Thread):
    """Samples the resident memory of a process tree (a child and its helper processes,
    which ``ru_maxrss`` does not add up) every `interval` seconds; ``peak`` in bytes."""

    def __init__(self, root: int, interval: float = 0.25):
        super().__init__(daemon=True)
        self.root, self.interval, self.peak = root, interval, 0
        self.done = threading.Event()

    def run(self):
        if not os.path.isdir("/proc"):
            return
        while not self.done.is_set():
            self.peak = max(self.peak, _tree_rss(self.root))
            self.done.wait(self.interval)


def run_child(cmd: list[str], log: Path) -> dict:
    """Run `cmd` to completion; its wall time, peak RSS (its own, and sampled over it and
    its helper processes together), exit code and output (in `log`)."""
    with open(log.with_suffix(".out"), "w") as out, open(log.with_suffix(".err"), "w") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        sampler = _TreeSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        sampler.done.set()
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped by wait4
    return {
        "seconds": wall,
        "peak_gib": usage.ru_maxrss / MAXRSS_PER_GIB,
        "tree_peak_gib": sampler.peak / 1024**3,
        "returncode": proc.returncode,
        "stdout": log.with_suffix(".out").read_text(),
        "stderr": log.with_suffix(".err").read_text(),
    }


def _child_json(result: dict, what: str) -> dict:
    if result["returncode"] != 0:
        tail = result["stderr"].strip().splitlines()[-5:]
        raise SystemExit(f"{what} failed (exit {result['returncode']}):\n" + "\n".join(tail))
    return json.loads(result["stdout"].strip().splitlines()[-1])


def _have_orjson() -> bool:
    return importlib.util.find_spec("orjson") is not None


# --- one size -----------------------------------------------------------------------------


def bench_size(size: str, folder: Path, seed: int) -> bool | None:
    """Write the corpus of `size` works, time the baseline and ``collabnet build``, print.

    Returns whether the build stayed under the memory target, None when it failed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    works_file = folder / "works.jsonl.gz"
    out_dir = folder / "build"
    if out_dir.is_dir():  # an earlier run's outputs (--keep): start afresh
        shutil.rmtree(out_dir)
    me = [sys.executable, str(Path(__file__).resolve())]

    corpus = _child_json(
        run_child([*me, "--child-write", size, str(works_file), str(seed)], folder / "write"),
        "writing the corpus",
    )
    print(f"\n== collabnet build, {size}: {corpus['works']:,} works (seed {seed}) ==")
    print(
        f"  corpus file (not measured): {corpus['rows']:,} authorship rows, "
        f"{corpus['bytes'] / 1024**2:,.1f} MiB gzip JSON Lines; generated in "
        f"{corpus['generate_s']:.1f} s, written in {corpus['write_s']:.1f} s"
    )

    parsers = ["json", "orjson"] if _have_orjson() else ["json"]
    parse = {}
    for parser in parsers:
        r = run_child([*me, "--child-parse", str(works_file), parser], folder / f"parse-{parser}")
        parse[parser] = _child_json(r, f"parsing with {parser}")
        parse[parser]["peak_gib"] = r["peak_gib"]
        assert parse[parser]["records"] == corpus["works"], (parse[parser], corpus)
    base = parse["json"]["seconds"]
    print(
        f"  baseline: gunzip + stdlib json.loads of every line    {base:8.1f} s"
        f"   peak RSS {parse['json']['peak_gib']:6.2f} GiB"
    )
    if "orjson" in parse:
        print(
            f"  (info) gunzip + orjson.loads, as collabnet's reader   "
            f"{parse['orjson']['seconds']:8.1f} s"
        )

    build = run_child(
        [sys.executable, "-m", "collabnet", "build", str(works_file), "--out", str(out_dir)]
        + ["--no-views"],
        folder / "build",
    )
    if build["returncode"] != 0:
        print(f"  collabnet build --no-views FAILED (exit {build['returncode']}):")
        for line in build["stderr"].strip().splitlines()[-10:]:
            print(f"    {line}")
        print(f"  target collabnet build {size} under {TARGET_GIB:g} GiB: failed -> NOT met")
        return None

    manifest = json.loads((out_dir / "manifest.json").read_text())
    counts = manifest["tables"]["counts"]
    graphs = manifest["graphs"]
    secs, own = build["seconds"], build["peak_gib"]
    # The build and its helper processes (estimated centralities) together, sampled; at
    # least the build's own peak (samples can miss a short spike).
    peak = max(own, build["tree_peak_gib"])
    print(
        f"  collabnet build --no-views                            {secs:8.1f} s"
        f"   peak RSS {peak:6.2f} GiB   (the baseline is {base / secs:.0%} of this)"
    )
    print(
        f"    peak RSS of the build process alone {own:.2f} GiB; with its helper processes "
        f"(sampled every 0.25 s) {build['tree_peak_gib']:.2f} GiB"
    )
    print(
        f"    read {counts['works']:,} works, {counts['authorships']:,} authorship rows, "
        f"{counts['institutions']:,} institutions, {counts['authors']:,} authors; "
        f"{counts['bad_records_skipped']} bad records; tables stage "
        f"{manifest['tables'].get('seconds', float('nan')):.1f} s"
    )
    for level, g in graphs.items():
        if level != "options":
            print(f"    graph_{level}: {g['nodes']:,} nodes, {g['edges']:,} edges")
    warnings = [line.strip() for line in build["stderr"].splitlines() if "warning" in line.lower()]
    for line in dict.fromkeys(warnings):
        print(f"    collabnet said: {line}")
    met = peak < TARGET_GIB
    print(
        f"  target collabnet build {size} under {TARGET_GIB:g} GiB: {peak:.2f} GiB -> "
        f"{'met' if met else 'NOT met'}"
    )
    return met


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="100k,500k", help="comma-separated corpus sizes (works)")
    p.add_argument(
        "--keep",
        metavar="DIR",
        help="write corpora and outputs to DIR/<size>/ and keep them (an earlier build there "
        "is replaced)",
    )
    p.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--child-write", nargs=3, help=argparse.SUPPRESS)
    p.add_argument("--child-parse", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child_write:
        size, path, seed = args.child_write
        print(json.dumps(child_write(size, path, int(seed))))
        return 0
    if args.child_parse:
        print(json.dumps(child_parse(*args.child_parse)))
        return 0

    sys.stdout.reconfigure(line_buffering=True)  # each size takes minutes: show progress
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MAXRSS_PER_GIB * 1024
    print(
        f"collabnet build benchmark  (cpus: {os.cpu_count()}, python {sys.version.split()[0]}, "
        f"this process {own_peak:.0f} MiB)"
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="collabnet-bench-build-") as tmp:
        root = Path(args.keep) if args.keep else Path(tmp)
        for size in sizes:
            results.append((size, bench_size(size, root / size, args.seed)))
    if args.keep:
        print(f"\nkept corpora and outputs in {args.keep}/")
    return 1 if any(met is None for _, met in results) else 0  # 1: a build failed


if __name__ == "__main__":
    sys.exit(main())
