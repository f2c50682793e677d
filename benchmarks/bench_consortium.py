"""``collabnet build`` with and without consortium papers: the cost of three 3,000-author works.

Usage: ``python benchmarks/bench_consortium.py [--size 10k] [--rounds 3] [--keep DIR]``

Two corpora, both written as OpenAlex Work JSON Lines by ``corpus.write_openalex_jsonl``:

- *baseline*: the seeded corpus ``corpus.synthetic_corpus(10k, seed=0)``;
- *consortium*: the same plus three works of 3,000 authors each
  (``corpus.with_consortium_works``), as GBD or GWAS consortia publish them.

``collabnet build FILE --out DIR`` runs with default options (views and exports included)
on each, in fresh processes, alternating baseline and consortium for `--rounds` rounds, so
both meet the same busy and quiet spells of the machine. Printed: each run's wall time,
the medians, the graphs' sizes and the ratio held against the target (at most 2x), e.g.
``target consortium build within 2x of baseline: 1.31x -> met``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_build import run_child  # noqa: E402

TARGET = 2.0

__all__ = ["main"]


def child_write(size: str, path: str, consortium: str) -> None:
    """Write the seeded corpus of `size` works (with the consortium works if asked)."""
    from corpus import parse_size, synthetic_corpus, with_consortium_works, write_openalex_jsonl

    authorships, works = synthetic_corpus(parse_size(size), seed=0)
    if consortium == "yes":
        authorships, works = with_consortium_works(authorships, works, n=3, size=3_000)
    n = write_openalex_jsonl(authorships, works, path)
    print(json.dumps({"works": n, "rows": len(authorships)}))


def _graphs(out: Path) -> str:
    graphs = json.loads((out / "manifest.json").read_text())["graphs"]
    return ", ".join(
        f"{level} {graphs[level]['nodes']:,} nodes / {graphs[level]['edges']:,} ties"
        for level in ("institutions", "authors")
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", default="10k")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--keep", metavar="DIR", help="keep corpora and outputs here")
    p.add_argument("--child-write", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child_write:
        child_write(*args.child_write)
        return 0
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="collabnet-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    me = [sys.executable, str(Path(__file__).resolve())]
    cases = {"baseline": "no", "consortium": "yes"}
    for name, flag in cases.items():
        path = folder / f"{name}.jsonl.gz"
        r = run_child([*me, "--child-write", args.size, str(path), flag], folder / f"write-{name}")
        if r["returncode"]:
            raise SystemExit(f"writing the {name} corpus failed:\n{r['stderr'][-2000:]}")
    print(f"== collabnet build {args.size} works, with and without three 3,000-author works ==")
    times: dict[str, list[float]] = {name: [] for name in cases}
    try:
        for i in range(args.rounds):
            for name in cases:
                out = folder / f"out-{name}"
                shutil.rmtree(out, ignore_errors=True)
                cmd = [sys.executable, "-m", "collabnet", "build", str(folder / f"{name}.jsonl.gz")]
                r = run_child([*cmd, "--out", str(out), "--quiet"], folder / f"build-{name}")
                if r["returncode"]:
                    raise SystemExit(f"collabnet build ({name}) failed:\n{r['stderr'][-2000:]}")
                times[name].append(r["seconds"])
                print(
                    f"  round {i + 1} {name:>10}: {r['seconds']:6.1f} s, "
                    f"peak {r['tree_peak_gib']:.2f} GiB; {_graphs(out)}"
                )
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    base, cons = (statistics.median(times[n]) for n in cases)
    ratio = cons / base
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"  median baseline {base:.1f} s, consortium {cons:.1f} s")
    print(f"target consortium build within {TARGET:g}x of baseline: {ratio:.2f}x -> {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
