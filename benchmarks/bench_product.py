"""``collabnet build`` against a bare json + scipy + python-igraph pipeline, same answer.

Usage: ``python benchmarks/bench_product.py [--size 50k] [--pivots 256] [--rounds 3] [--keep DIR]``

The corpus (written once, not timed): ``corpus.synthetic_corpus(50_000, seed=0,
hyper_share=0)``, so no consortium works (100–3,000 authors) are drawn, and each work then
keeps its first 25 authors in the table's row order (the works above 25 authors, 403 of
the 50,000, are cut to 25, not dropped: every work stays). Teams are thus at most 25
authors, so the author graph's default cap (works above 100 authors add no author tie)
leaves nothing out. It is written as OpenAlex Work JSON Lines by ``corpus.write_openalex_jsonl``.

Two commands, each in a fresh process, run alternately for `--rounds` rounds so both meet
the same busy and quiet spells of the machine (``bench_build.run_child``: wall time from
start to exit, interpreter start and imports included; peak resident memory of the process
and its helper processes together, sampled):

- *product*: ``python -m collabnet build works.jsonl.gz --out DIR --pivots 256 --quiet``,
  default options otherwise, views and exports included: it reads and checks every record,
  classifies institutions, writes the Parquet tables, builds the institution, author and
  country graphs, ranks the institution and author graphs, and writes the centrality
  tables, the graph exports (GraphML, GEXF, VOSviewer, CSV, XLSX as sizes allow), the HTML
  views, figures and the manifest.
- *baseline*: the least a bare pipeline does for the same centralities. It parses each
  gzip JSON line with the standard ``json`` module, keeps per work the set of its
  authorships' institution ids and of its author ids (the author list left out of the
  author graph when the work lists more than 100 authors, as collabnet's default
  ``AUTHOR_MAX_TEAM_SIZE``; none does here), codes the ids in sorted order (collabnet's
  node order, from which it draws its pivots), and per level builds the work x node
  incidence matrix ``B`` and two scipy sparse products: ``B.T @ B`` (joint works: the tie
  weight) and ``B.T @ diag(1/(k-1)) @ B`` (Newman's fractional count, ``k`` the work's
  number of distinct nodes at that level). Then, on a python-igraph graph of the upper
  triangle, what ``collabnet.metrics.centrality_table`` computes (``_table_igraph``):
  degree; strength (weight); betweenness and closeness with tie length 1/fractional
  weight, exact or, as collabnet decides (more than 5,000 nodes, or nodes x ties above
  2x10^8), estimated from the same pivots (``random.Random(0).sample`` of the nodes,
  ``min(n, 256)`` of them): igraph's betweenness from the pivots rescaled as collabnet does,
  and closeness from scipy Dijkstra distances from the pivots (Eppstein & Wang, with
  collabnet's exact fallback for components holding no pivot); eigenvector centrality of
  the largest component (weight, unit norm); PageRank (weight, damping 0.85). It writes no
  file: the product also writes tables, exports, HTML and figures, which the baseline does
  not, and runs its pivot searches in helper processes on every core, where the baseline
  runs in one thread.

After the timed rounds the baseline runs once more (not timed) and compares its numbers
with the last product run's ``centrality_<level>.csv`` (largest difference per column), so
"the same answer" is checked, not assumed. Printed: each run, the medians, peak memory of
both, and the verdict, e.g. ``target collabnet build within 2x of a bare pipeline: 1.62x ->
met``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_build import run_child  # noqa: E402

TARGET = 2.0
MAX_TEAM = 25
#: collabnet.config.AUTHOR_MAX_TEAM_SIZE: works above it add no author tie (by default).
AUTHOR_MAX_TEAM_SIZE = 100
#: collabnet.metrics.centrality_table: estimated above this many nodes ...
EXACT_THRESHOLD = 5000
#: ... or when nodes x ties exceeds this.
EXACT_MAX_WORK = 200_000_000
SEED = 0

__all__ = ["main"]


# --- steps run in a child process ---------------------------------------------------------


def child_write(size: str, path: str) -> None:
    """Write the seeded corpus of `size` works, teams cut to MAX_TEAM authors."""
    from corpus import parse_size, synthetic_corpus, write_openalex_jsonl

    authorships, works = synthetic_corpus(parse_size(size), seed=SEED, hyper_share=0)
    teams = authorships.groupby("work_id", sort=False)["author_id"].nunique()
    cut = int((teams > MAX_TEAM).sum())
    # rows are distinct (work, author) pairs: keep each work's first MAX_TEAM of them
    authorships = authorships[authorships.groupby("work_id", sort=False).cumcount() < MAX_TEAM]
    n = write_openalex_jsonl(authorships, works, path)
    print(
        json.dumps(
            {
                "works": n,
                "rows": len(authorships),
                "cut": cut,
                "largest_team": int(authorships.groupby("work_id").size().max()),
            }
        )
    )


def _centralities(ig, np, n: int, rows, cols, weight, frac, pivots: int) -> dict:
    """collabnet's centrality table (``metrics._table_igraph``) on bare arrays."""
    import random

    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    m = len(rows)
    g = ig.Graph(n=n, edges=list(zip(rows.tolist(), cols.tolist(), strict=True)))
    w = weight.tolist()
    dist = (1.0 / frac).tolist()
    out = {"degree": np.asarray(g.degree()), "strength": np.asarray(g.strength(weights=w))}
    cc = g.connected_components()
    membership = np.asarray(cc.membership)
    sizes = np.asarray(cc.sizes())
    reach = sizes[membership].astype(float)

    def closeness_from_sums(sums):  # Wasserman-Faust, as networkx wf_improved
        clo = np.zeros(n)
        ok = (sums > 0) & (reach > 1)
        clo[ok] = (reach[ok] - 1) / sums[ok] * (reach[ok] - 1) / (n - 1)
        return clo

    estimate = n > EXACT_THRESHOLD or n * m > EXACT_MAX_WORK
    if estimate:
        k = min(n, pivots)
        piv = random.Random(SEED).sample(range(n), k)  # the draw of metrics._pivots
        raw = 2 * np.asarray(g.betweenness(sources=piv, weights=dist), float)
        is_piv = np.zeros(n, dtype=bool)
        is_piv[piv] = True
        scale = np.where(is_piv, 1 / max(k - 1, 1) / (n - 2), 1 / k / (n - 2))
        out["betweenness"] = raw * scale if n > 2 else np.zeros(n)
        both = (np.concatenate([rows, cols]), np.concatenate([cols, rows]))
        csgraph = csr_matrix((np.concatenate([dist, dist]), both), shape=(n, n))
        total, count = np.zeros(n), np.zeros(n)
        for lo in range(0, k, 16):
            d = dijkstra(csgraph, directed=True, indices=piv[lo : lo + 16])
            finite = np.isfinite(d)
            total += np.where(finite, d, 0.0).sum(axis=0)
            count += finite.sum(axis=0)
        count[piv] -= 1  # each pivot itself, at distance 0
        sums = np.zeros(n)
        has = count > 0
        sums[has] = total[has] / count[has] * (reach[has] - 1)
        missing = ~has & (reach > 1)
        lonely = np.flatnonzero(missing & is_piv).tolist()
        if lonely:  # the only pivot of its component: its distances, exactly
            d = dijkstra(csgraph, directed=True, indices=lonely)
            sums[lonely] = np.where(np.isfinite(d), d, 0.0).sum(axis=1)
        rest = np.flatnonzero(missing & ~is_piv)
        if rest.size:  # components without a pivot: exact closeness
            g.es["_dist"] = dist
            sub = g.induced_subgraph(rest.tolist(), implementation="create_from_scratch")
            sums[rest] = 1.0 / np.asarray(sub.closeness(weights="_dist", normalized=False))
        out["closeness"] = closeness_from_sums(sums)
    else:
        raw = np.asarray(g.betweenness(weights=dist), float)
        out["betweenness"] = raw * 2 / ((n - 1) * (n - 2)) if n > 2 else np.zeros(n)
        part = np.nan_to_num(np.asarray(g.closeness(weights=dist, normalized=True), float))
        out["closeness"] = part * (reach - 1) / (n - 1)
    eig = np.zeros(n)
    if m:
        big = int(np.argmax(sizes))  # the first of the largest components
        members = np.flatnonzero(membership == big).tolist()
        g.es["weight"] = w
        sub = g.subgraph(members)
        vec = np.asarray(sub.eigenvector_centrality(weights="weight"), float)
        eig[members] = vec / np.linalg.norm(vec)
    out["eigenvector"] = eig
    out["pagerank"] = np.asarray(g.pagerank(weights=w, damping=0.85), float)
    out["estimate"] = bool(estimate)
    return out


def child_baseline(path: str, pivots: int, check: str | None) -> None:
    """The bare pipeline; with `check` (a build's folder), compare with its tables after."""
    t0 = time.perf_counter()
    import gzip

    import igraph as ig
    import numpy as np
    import scipy.sparse as sp

    # per level: id -> code (first seen), flat codes per work, row ends
    levels = {"institutions": ({}, [], [0]), "authors": ({}, [], [0])}
    inst_index, inst_codes, inst_ends = levels["institutions"]
    auth_index, auth_codes, auth_ends = levels["authors"]
    n_works = 0
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            work = json.loads(line)
            n_works += 1
            insts, authors, unnamed = set(), set(), 0
            for a in work.get("authorships") or ():
                aid = (a.get("author") or {}).get("id")
                if aid:
                    authors.add(auth_index.setdefault(aid, len(auth_index)))
                else:
                    unnamed += 1
                for inst in a.get("institutions") or ():
                    iid = inst.get("id")
                    if iid:
                        insts.add(inst_index.setdefault(iid, len(inst_index)))
            inst_codes.extend(insts)
            inst_ends.append(len(inst_codes))
            if len(authors) + unnamed <= AUTHOR_MAX_TEAM_SIZE:  # else: a node, but no ties
                auth_codes.extend(authors)
            auth_ends.append(len(auth_codes))
    t_parse = time.perf_counter()

    result, info = {}, {"parse_s": t_parse - t0}
    for level, (index, codes, ends) in levels.items():
        t1 = time.perf_counter()
        ids = list(index)
        n = len(ids)
        rank = np.empty(n, dtype=np.int64)  # first-seen code -> position in sorted order
        rank[sorted(range(n), key=ids.__getitem__)] = np.arange(n)
        indices = rank[np.asarray(codes, dtype=np.int64)]
        indptr = np.asarray(ends, dtype=np.int64)
        B = sp.csr_matrix((np.ones(indices.size), indices, indptr), shape=(n_works, n))
        k = np.diff(indptr)
        with np.errstate(divide="ignore"):
            f = np.where(k >= 2, 1.0 / (k - 1), 0.0)
        C = sp.triu(B.T @ B, k=1).tocoo()
        F = sp.triu(B.T @ (sp.diags(f) @ B), k=1).tocoo()
        assert np.array_equal(C.row, F.row) and np.array_equal(C.col, F.col)
        t2 = time.perf_counter()
        rows, cols = C.row.astype(np.int64), C.col.astype(np.int64)
        values = _centralities(ig, np, n, rows, cols, np.rint(C.data), F.data, pivots)
        t3 = time.perf_counter()
        ordered = sorted(ids)
        result[level] = (ordered, values)
        info[level] = {
            "nodes": n,
            "edges": int(C.nnz),
            "estimate": values["estimate"],
            "pairs_s": t2 - t1,
            "centrality_s": t3 - t2,
        }
    info["seconds"] = time.perf_counter() - t0
    if check:
        info["check"] = {level: _compare(Path(check), level, *result[level]) for level in result}
    print(json.dumps(info))


def _compare(out: Path, level: str, ids: list, values: dict) -> dict:
    """Largest difference per column between `values` and the build's centrality table."""
    import csv

    with open(out / f"centrality_{level}.csv", newline="", encoding="utf-8") as fh:
        table = {row["node"]: row for row in csv.DictReader(fh)}
    short = [i.rsplit("/", 1)[-1] for i in ids]
    diffs = {"nodes_in_both": len(set(short) & set(table)), "nodes_in_table": len(table)}
    for col in ("degree", "strength", "betweenness", "closeness", "eigenvector", "pagerank"):
        mine = values[col]
        theirs = [float(table[s][col]) if s in table else float("nan") for s in short]
        top = max(abs(float(x)) for x in mine) or 1.0
        diff = max(abs(float(x) - y) for x, y in zip(mine, theirs, strict=True))
        diffs[col] = diff / top  # relative to the column's largest value
    return diffs


# --- the comparison -----------------------------------------------------------------------


def _fail(what: str, r: dict) -> SystemExit:
    return SystemExit(f"{what} failed (exit {r['returncode']}):\n{r['stderr'][-2000:]}")


def _peak(r: dict) -> float:
    return max(r["peak_gib"], r["tree_peak_gib"])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", default="50k", help="works in the corpus (default 50k)")
    p.add_argument("--pivots", type=int, default=256, help="pivots for both (default 256)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--keep", metavar="DIR", help="keep the corpus and outputs here")
    p.add_argument("--child-write", nargs=2, help=argparse.SUPPRESS)
    p.add_argument("--child-baseline", nargs=2, help=argparse.SUPPRESS)
    p.add_argument("--check", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child_write:
        child_write(*args.child_write)
        return 0
    if args.child_baseline:
        child_baseline(args.child_baseline[0], int(args.child_baseline[1]), args.check)
        return 0

    sys.stdout.reconfigure(line_buffering=True)  # runs take minutes: show progress
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="collabnet-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    me = [sys.executable, str(Path(__file__).resolve())]
    works = folder / "works.jsonl.gz"
    out = folder / "build"
    try:
        r = run_child([*me, "--child-write", args.size, str(works)], folder / "write")
        if r["returncode"]:
            raise _fail("writing the corpus", r)
        corpus = json.loads(r["stdout"].strip().splitlines()[-1])
        print(
            f"== collabnet build vs a bare json + scipy + python-igraph pipeline: "
            f"{corpus['works']:,} works, {corpus['rows']:,} authorship rows, teams <= "
            f"{corpus['largest_team']} ({corpus['cut']:,} works cut to {MAX_TEAM} authors), "
            f"{args.pivots} pivots =="
        )
        build = [sys.executable, "-m", "collabnet", "build", str(works), "--out", str(out)]
        build += ["--pivots", str(args.pivots), "--quiet"]
        bare = [*me, "--child-baseline", str(works), str(args.pivots)]
        runs: dict[str, list[dict]] = {"product": [], "baseline": []}
        for i in range(args.rounds):
            shutil.rmtree(out, ignore_errors=True)
            r = run_child(build, folder / "product")
            if r["returncode"]:
                raise _fail("collabnet build", r)
            runs["product"].append(r)
            print(
                f"  round {i + 1}  collabnet build  {r['seconds']:6.1f} s, peak {_peak(r):.2f} GiB"
                f" (build alone {r['peak_gib']:.2f} GiB)"
            )
            r = run_child(bare, folder / "baseline")
            if r["returncode"]:
                raise _fail("the baseline", r)
            b = json.loads(r["stdout"].strip().splitlines()[-1])
            r["info"] = b
            runs["baseline"].append(r)
            print(
                f"  round {i + 1}  bare pipeline    {r['seconds']:6.1f} s, peak {_peak(r):.2f} GiB"
                f" (parse {b['parse_s']:.1f} s; institutions: pairs "
                f"{b['institutions']['pairs_s']:.1f} s, centralities "
                f"{b['institutions']['centrality_s']:.1f} s; authors: pairs "
                f"{b['authors']['pairs_s']:.1f} s, centralities "
                f"{b['authors']['centrality_s']:.1f} s)"
            )
        manifest = json.loads((out / "manifest.json").read_text())
        for level in ("institutions", "authors"):
            g, b = manifest["graphs"][level], runs["baseline"][-1]["info"][level]
            cent = manifest.get("centrality", {}).get(level, {})
            est = (
                f"estimated from {cent.get('sample_size')} pivots"
                if cent.get("estimate")
                else "exact"
            )
            print(
                f"  {level}: collabnet {g['nodes']:,} nodes / {g['edges']:,} ties ({est}); "
                f"bare {b['nodes']:,} nodes / {b['edges']:,} ties "
                f"({'estimated' if b['estimate'] else 'exact'})"
            )
        r = run_child([*bare, "--check", str(out)], folder / "check")
        if r["returncode"]:
            raise _fail("the baseline's check", r)
        check = json.loads(r["stdout"].strip().splitlines()[-1])["check"]
        for level, diffs in check.items():
            cols = ", ".join(
                f"{c} {v:.1e}"
                for c, v in diffs.items()
                if c not in ("nodes_in_both", "nodes_in_table")
            )
            print(
                f"  same answer, {level} ({diffs['nodes_in_both']:,} of "
                f"{diffs['nodes_in_table']:,} nodes matched): largest difference / column "
                f"maximum: {cols}"
            )
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    med = {k: statistics.median(r["seconds"] for r in v) for k, v in runs.items()}
    peak = {k: max(_peak(r) for r in v) for k, v in runs.items()}
    ratio = med["product"] / med["baseline"]
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(
        f"  median collabnet build {med['product']:.1f} s, bare pipeline {med['baseline']:.1f} s;"
        f" peak memory {peak['product']:.2f} GiB (helpers included) against "
        f"{peak['baseline']:.2f} GiB"
    )
    print(
        f"target collabnet build within {TARGET:g}x of a bare pipeline: {ratio:.2f}x -> {verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
