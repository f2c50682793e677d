"""Time and peak memory of graph building and the centrality table, beside baselines.

Usage: ``python benchmarks/run.py [--sizes 10k,100k] [--quick] [--with-500k]``

Each measurement runs in a fresh subprocess that loads the same seeded corpus (cached
as Parquet in a temporary folder), so peak RSS (``ru_maxrss``) belongs to one task.
Baselines, measured in the same run on the same corpus:

- graph building: pair counts by a scipy sparse product ``B.T @ B`` of the
  work x institution incidence matrix, and by a DuckDB self-join; pure networkx
  (a Python loop over works adding edges with their works) where it finishes quickly;
- centrality table: raw python-igraph on an already built igraph graph computing the
  same measures (same pivots when collabnet estimates); pure networkx where feasible.

Targets: graph building <= 1.5x the faster pair-count baseline; centrality table <=
1.5x raw igraph.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "src")]

NX_BUILD_MAX = 100_000  # pure networkx graph building above this: skipped
NX_CENTRALITY_MAX_NODES = 1_000  # pure networkx exact centrality above this: skipped


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _load(folder: Path):
    import pandas as pd

    return pd.read_parquet(folder / "authorships.parquet"), pd.read_parquet(
        folder / "works.parquet"
    )


# --- tasks (run in a child process) -------------------------------------------------------


def task_collabnet_build(a, w):
    from collabnet.network import institution_graph

    G = institution_graph(a, w)
    return {"nodes": G.number_of_nodes(), "edges": G.number_of_edges()}


def _codes(a):
    import numpy as np
    import pandas as pd

    m = a[["work_id", "institution_id"]].dropna().drop_duplicates()
    wc, _ = pd.factorize(m["work_id"])
    nc, nodes = pd.factorize(m["institution_id"])
    return wc.astype(np.int64), nc.astype(np.int64), len(nodes)


def task_scipy_build(a, w):
    import numpy as np
    import scipy.sparse as sp

    wc, nc, n = _codes(a)
    B = sp.csr_matrix((np.ones(wc.size, dtype=np.int32), (wc, nc)), shape=(wc.max() + 1, n))
    C = sp.triu(B.T @ B, k=1).tocoo()
    return {"nodes": n, "edges": int(C.nnz)}


def task_duckdb_build(a, w):
    import duckdb

    con = duckdb.connect()
    con.execute("PRAGMA threads=2")
    m = a[["work_id", "institution_id"]]  # noqa: F841 - read by DuckDB by name
    n = con.execute(
        """
        WITH m AS (SELECT DISTINCT work_id, institution_id FROM m
                   WHERE institution_id IS NOT NULL)
        SELECT count(*) FROM (
          SELECT x.institution_id AS u, y.institution_id AS v, count(*) AS weight
          FROM m x JOIN m y ON x.work_id = y.work_id AND x.institution_id < y.institution_id
          GROUP BY 1, 2)
        """
    ).fetchone()[0]
    return {"edges": int(n)}


def task_networkx_build(a, w):
    import itertools

    import networkx as nx

    G = nx.Graph()
    m = a[["work_id", "institution_id"]].dropna().drop_duplicates()
    for work, team in m.groupby("work_id", sort=False)["institution_id"]:
        team = sorted(team)
        G.add_nodes_from(team)
        for u, v in itertools.combinations(team, 2):
            if G.has_edge(u, v):
                d = G[u][v]
                d["weight"] += 1
                d["works"].append(work)
            else:
                G.add_edge(u, v, weight=1, works=[work])
    return {"nodes": G.number_of_nodes(), "edges": G.number_of_edges()}


def _graph(a, w):
    from collabnet.network import institution_graph

    return institution_graph(a, w)


def task_collabnet_centrality(G):
    from collabnet.metrics import centrality_table

    df = centrality_table(G, engine="igraph")
    return {"estimate": df.attrs["estimate"], "sample_size": df.attrs["sample_size"]}


def task_igraph_centrality(G):
    import random

    import igraph as ig
    import numpy as np

    from collabnet.metrics import DEFAULT_PIVOTS

    # Built outside the timing: the baseline starts from a ready igraph graph.
    nodes = list(G)
    index = {v: i for i, v in enumerate(nodes)}
    edges = [(index[u], index[v]) for u, v in G.edges()]
    weights = [float(d) for _, _, d in G.edges(data="weight")]
    g = ig.Graph(n=len(nodes), edges=edges)
    dist = [1 / x for x in weights]
    t0 = time.perf_counter()
    g.degree()
    g.strength(weights=weights)
    if len(nodes) > 5000:
        piv = [index[p] for p in random.Random(0).sample(nodes, min(len(nodes), DEFAULT_PIVOTS))]
        g.betweenness(sources=piv, weights=dist)
        np.asarray(g.distances(source=piv, weights=dist)).mean(axis=0)
    else:
        g.betweenness(weights=dist)
        g.closeness(weights=dist)
    g.eigenvector_centrality(weights=weights)
    g.pagerank(weights=weights)
    return {"_seconds": time.perf_counter() - t0}


def task_networkx_centrality(G):
    import networkx as nx

    def dist(u, v, d):
        return 1 / d["weight"]

    nx.betweenness_centrality(G, weight=dist)
    nx.closeness_centrality(G, distance=dist)
    nx.eigenvector_centrality_numpy(G.subgraph(max(nx.connected_components(G), key=len)))
    nx.pagerank(G, weight="weight")
    return {}


BUILD_TASKS = {
    "collabnet": task_collabnet_build,
    "scipy": task_scipy_build,
    "duckdb": task_duckdb_build,
    "networkx": task_networkx_build,
}
CENTRALITY_TASKS = {
    "collabnet": task_collabnet_centrality,
    "igraph": task_igraph_centrality,
    "networkx": task_networkx_centrality,
}


def child(kind: str, name: str, folder: str) -> None:
    a, w = _load(Path(folder))
    if kind == "centrality":
        a = _graph(a, w)
        args = (a,)
    else:
        args = (a, w)
    # Imports are not computation: load every library before the clock starts.
    import duckdb  # noqa: F401
    import igraph  # noqa: F401
    import networkx  # noqa: F401
    import scipy.sparse  # noqa: F401

    import collabnet.metrics  # noqa: F401
    import collabnet.network  # noqa: F401

    before = _rss_mb()
    t0 = time.perf_counter()
    info = (BUILD_TASKS if kind == "build" else CENTRALITY_TASKS)[name](*args)
    seconds = info.pop("_seconds", None) or time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "extra_mb": peak - before, **info}))


# --- parent -------------------------------------------------------------------------------


def measure(kind: str, name: str, folder: Path, timeout: float) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, name, str(folder)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return {"skipped": f"over {timeout:.0f} s"}
    except subprocess.CalledProcessError as exc:
        return {"skipped": "failed: " + exc.stderr.strip().splitlines()[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fmt(r: dict) -> str:
    if "skipped" in r:
        return f"skipped ({r['skipped']})"
    return f"{r['seconds']:8.2f} s  peak {r['peak_mb']:7.0f} MB (+{max(r['extra_mb'], 0):.0f})"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="10k,100k", help="comma-separated corpus sizes (works)")
    p.add_argument("--quick", action="store_true", help="10k works only")
    p.add_argument("--with-500k", action="store_true", help="add the 500k-works corpus")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout", type=float, default=300, help="seconds per measurement")
    p.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0

    from corpus import parse_size, synthetic_corpus

    sizes = ["10k"] if args.quick else args.sizes.split(",")
    if args.with_500k and "500k" not in sizes:
        sizes.append("500k")
    print(f"collabnet benchmarks  (cpus: {os.cpu_count()}, seed {args.seed})")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            n = parse_size(size)
            folder = Path(tmp) / size
            folder.mkdir()
            a, w = synthetic_corpus(n, seed=args.seed)
            a.to_parquet(folder / "authorships.parquet")
            w.to_parquet(folder / "works.parquet")
            print(f"\n== {size} works: {len(a):,} authorship rows ==")
            print("graph building (institution graph)")
            build = {}
            for name in BUILD_TASKS:
                if name == "networkx" and n > NX_BUILD_MAX:
                    build[name] = {"skipped": f"above {NX_BUILD_MAX:,} works"}
                else:
                    build[name] = measure("build", name, folder, args.timeout)
                extra = ""
                if "edges" in build[name]:
                    extra = (
                        f"  ({build[name].get('nodes', '?')} nodes, {build[name]['edges']:,} edges)"
                    )
                print(f"  {name:10s} {_fmt(build[name])}{extra}")
            base = [build[k]["seconds"] for k in ("scipy", "duckdb") if "seconds" in build[k]]
            if base and "seconds" in build["collabnet"]:
                ratio = build["collabnet"]["seconds"] / min(base)
                met = ratio <= 1.5
                ok &= met
                print(
                    f"  ratio collabnet / fastest pair count: {ratio:.2f}x  target <= 1.5x: "
                    f"{'met' if met else 'NOT met'}"
                )
            print("centrality table (institution graph)")
            nodes = build["collabnet"].get("nodes", 0)
            cent = {}
            for name in CENTRALITY_TASKS:
                if name == "networkx" and nodes > NX_CENTRALITY_MAX_NODES:
                    cent[name] = {"skipped": f"above {NX_CENTRALITY_MAX_NODES:,} nodes"}
                else:
                    cent[name] = measure("centrality", name, folder, args.timeout)
                extra = ""
                if cent[name].get("estimate"):
                    extra = f"  (estimate, {cent[name]['sample_size']} pivots)"
                print(f"  {name:10s} {_fmt(cent[name])}{extra}")
            if "seconds" in cent["igraph"] and "seconds" in cent["collabnet"]:
                ratio = cent["collabnet"]["seconds"] / cent["igraph"]["seconds"]
                met = ratio <= 1.5
                ok &= met
                print(
                    f"  ratio collabnet / raw igraph: {ratio:.2f}x  target <= 1.5x: "
                    f"{'met' if met else 'NOT met'}"
                )
    print("\nall targets met" if ok else "\nsome targets NOT met (see above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
