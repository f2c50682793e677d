"""Time and peak memory of graph building and the centrality table, beside baselines.

Usage: ``python benchmarks/run.py [--sizes 10k,100k] [--quick] [--with-500k] [--pivots 100]``

The seeded corpus is written as OpenAlex Work JSON Lines and read once by
``pipeline.build_tables``, as ``collabnet build`` reads it: the build's own tables, kept
as Parquet in a temporary folder. Each measurement runs in a fresh subprocess that loads
those tables, so peak RSS (``ru_maxrss``) belongs to one task;
the largest helper process's peak (collabnet's centrality on several cores) is shown
beside it, as ``helper peak``.
Measurements are repeated (``--repeat``, default 5; centrality runs longer than 20 s
once) in interleaved rounds (each task once, then each again), and the fastest run is
reported, for collabnet and the baselines alike: short timings on a shared machine vary
by tens of percent from run to run, and interleaving gives every task the same spells
of a busy or quiet machine.
Baselines, measured in the same run on the same corpus:

- graph building, for the institution and the author graph, on the build's nodes
  (``institution_key``, ``author_id``) and, for the author graph, without the works that
  ``collabnet build`` keeps out of it (more than 100 authors; left out of the baselines'
  input before the clock starts, so every row makes the same ties):
  (a) counts only: a scipy sparse product ``B.T @ B`` of the work x node incidence
  matrix, and a DuckDB self-join ``GROUP BY u, v`` with ``count(*)``;
  (b) like-for-like: DuckDB also aggregating per pair what collabnet keeps on each edge
  (``sum`` of the fractional weight, ``list`` of works in order, ``min``/``max`` year),
  into a DuckDB table;
  (c) pure networkx (a Python loop over works adding edges with their works) on the
  smallest corpus only;
  (d) collabnet: the network as ``collabnet build`` makes it (``pipeline.build_network``
  on the tables with the build's default options: the node attributes of
  ``pipeline.node_attributes`` as a nodes table and the edge table's arrays); and, for
  information, the edge table alone (pairs, weights, evidence arrays:
  ``network.edge_table``), which (d) includes; (e) the same, then converted to the
  networkx graph a notebook sees (``Network.to_networkx``), which writes one dict and one
  list of works per tie: what a caller pays who walks the ties in Python.
- centrality table: raw python-igraph on an already built igraph graph computing the
  same measures with the same pivots (``--pivots``, for both) when collabnet estimates
  (distances from the pivots by scipy's Dijkstra, as collabnet does); pure networkx on
  small graphs. igraph computes in one thread; collabnet shares the searches from the
  pivots out to helper processes, one per core (``collabnet._helper``), so on several
  cores it can beat the raw baseline.

Target: centrality table <= 1.5x raw igraph, printed "met" or "NOT met" with the ratio.
Graph building is printed beside the pair counts for information: the product's speed
targets time ``collabnet build`` end to end (``bench_build.py``, ``bench_consortium.py``).


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

NX_BUILD_MAX = 10_000  # pure networkx graph building above this many works: skipped
NX_CENTRALITY_MAX_EDGES = 20_000  # pure networkx centrality above this: skipped (134 s
# for exact measures on the 10k institution graph, 959 nodes and 49k edges)
# --levels name: (level of pipeline.build_graph, its node column)
LEVELS = {"institution": ("institutions", "institution_key"), "author": ("authors", "author_id")}


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _load(folder: Path):
    """The build's tables, as ``pipeline.load_tables`` reads them."""
    from collabnet import pipeline

    return pipeline.load_tables(folder)


def _baseline_rows(tables: dict, level: str, folder: Path):
    """The authorship rows a baseline reads: for the author graph, without the works
    ``collabnet build`` keeps out of it (listed by the corpus step), so that the
    baselines and collabnet make the same ties."""
    a = tables["authorships"]
    if level == "author":
        excluded = json.loads((folder / "excluded_authors.json").read_text())
        a = a[~a["work_id"].isin(excluded)]
    return a


# --- tasks (run in a child process) -------------------------------------------------------


def task_collabnet_build(tables, level, read_ties: bool = False):
    from collabnet.pipeline import build_network

    net = build_network(tables, LEVELS[level][0])  # as `collabnet build` calls it
    if read_ties:  # the networkx graph a notebook sees: a dict and a work list per tie
        G = net.to_networkx()
        return {"nodes": G.number_of_nodes(), "edges": G.number_of_edges()}
    return {"nodes": net.number_of_nodes(), "edges": net.number_of_edges()}


def task_collabnet_written(tables, level):
    return task_collabnet_build(tables, level, read_ties=True)


def task_collabnet_edge_table(tables, level):
    from collabnet.network import edge_table
    from collabnet.pipeline import AUTHOR_MAX_TEAM_SIZE

    cap = AUTHOR_MAX_TEAM_SIZE if level == "author" else None  # as build_graph
    t = edge_table(
        tables["authorships"], tables["works"], node_column=LEVELS[level][1], max_team_size=cap
    )
    return {"nodes": len(t.node_ids), "edges": int(t.weight.size)}


def _codes(a, col):
    import numpy as np
    import pandas as pd

    m = a[["work_id", col]].dropna().drop_duplicates()
    wc, _ = pd.factorize(m["work_id"])
    nc, nodes = pd.factorize(m[col])
    return wc.astype(np.int64), nc.astype(np.int64), len(nodes)


def task_scipy_build(a, w, col):
    import numpy as np
    import scipy.sparse as sp

    wc, nc, n = _codes(a, col)
    B = sp.csr_matrix((np.ones(wc.size, dtype=np.int32), (wc, nc)), shape=(wc.max() + 1, n))
    C = sp.triu(B.T @ B, k=1).tocoo()
    return {"nodes": n, "edges": int(C.nnz)}


def _duckdb(a, w, col):
    import duckdb

    con = duckdb.connect()
    con.execute("PRAGMA threads=2")
    con.register("a", a[["work_id", col]].rename(columns={col: "node"}))
    con.register("w", w[["work_id", "publication_year"]])
    con.execute(
        "CREATE TEMP TABLE m AS SELECT DISTINCT work_id, node FROM a WHERE node IS NOT NULL"
    )
    return con


def task_duckdb_build(a, w, col):
    con = _duckdb(a, w, col)
    n = con.execute(
        """
        SELECT count(*) FROM (
          SELECT x.node AS u, y.node AS v, count(*) AS weight
          FROM m x JOIN m y ON x.work_id = y.work_id AND x.node < y.node
          GROUP BY 1, 2)
        """
    ).fetchone()[0]
    return {"edges": int(n)}


def task_duckdb_full(a, w, col):
    con = _duckdb(a, w, col)
    con.execute(
        """
        CREATE TEMP TABLE edges AS
        WITH k AS (SELECT work_id, count(*) AS n FROM m GROUP BY 1 HAVING count(*) > 1)
        SELECT x.node AS u, y.node AS v, count(*) AS weight,
               sum(1.0 / (k.n - 1)) AS weight_fractional,
               list(x.work_id ORDER BY x.work_id) AS works,
               min(w.publication_year) AS first_year, max(w.publication_year) AS last_year
        FROM m x JOIN m y ON x.work_id = y.work_id AND x.node < y.node
        JOIN k ON k.work_id = x.work_id
        LEFT JOIN w ON w.work_id = x.work_id
        GROUP BY 1, 2
        """
    )
    return {"edges": int(con.execute("SELECT count(*) FROM edges").fetchone()[0])}


def task_networkx_build(a, w, col):
    import itertools

    import networkx as nx

    G = nx.Graph()
    m = a[["work_id", col]].dropna().drop_duplicates()
    for work, team in m.groupby("work_id", sort=False)[col]:
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


def task_collabnet_centrality(G, pivots):
    from collabnet.metrics import centrality_table

    df = centrality_table(G, engine="igraph", k=pivots)
    return {"estimate": df.attrs["estimate"], "sample_size": df.attrs["sample_size"]}


def task_igraph_centrality(G, pivots):
    """The same measures as centrality_table, straight on a ready igraph graph."""
    import random

    import igraph as ig
    import numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    # Built outside the timing: the baseline starts from a ready igraph graph.
    nodes = list(G)
    index = {v: i for i, v in enumerate(nodes)}
    edges = [(index[u], index[v]) for u, v in G.edges()]
    weights = [float(d) for _, _, d in G.edges(data="weight")]
    g = ig.Graph(n=len(nodes), edges=edges)
    dist = [1 / x for x in weights]
    n = len(nodes)
    t0 = time.perf_counter()
    g.degree()
    g.strength(weights=weights)
    if n > 5000:  # centrality_table's exact_threshold: the same pivots it draws
        piv = [index[p] for p in random.Random(0).sample(nodes, min(n, pivots))]
        g.betweenness(sources=piv, weights=dist)
        # distances from the pivots: scipy's Dijkstra, as collabnet (igraph's distances
        # return Python lists, slower to convert than to compute)
        ends = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
        both = (np.r_[ends[:, 0], ends[:, 1]], np.r_[ends[:, 1], ends[:, 0]])
        csgraph = csr_matrix((np.r_[dist, dist], both), shape=(n, n))
        total = np.zeros(n)
        for lo in range(0, len(piv), 16):
            d = dijkstra(csgraph, directed=True, indices=piv[lo : lo + 16])
            total += np.where(np.isfinite(d), d, 0).sum(axis=0)
    else:
        g.betweenness(weights=dist)
        g.closeness(weights=dist)
    cc = g.connected_components()
    g.es["weight"] = weights
    cc.giant().eigenvector_centrality(weights="weight")
    g.pagerank(weights=weights)
    return {"_seconds": time.perf_counter() - t0}


def task_networkx_centrality(G, pivots):
    import networkx as nx

    def dist(u, v, d):
        return 1 / d["weight"]

    nx.betweenness_centrality(G, weight=dist)
    nx.closeness_centrality(G, distance=dist)
    nx.eigenvector_centrality_numpy(G.subgraph(max(nx.connected_components(G), key=len)))
    nx.pagerank(G, weight="weight")
    return {}


#: Tasks that read the build's tables (the others read the baselines' rows).
COLLABNET_TASKS = {"edge table", "collabnet", "written"}
BUILD_TASKS = {
    "scipy counts": task_scipy_build,
    "duckdb counts": task_duckdb_build,
    "duckdb full": task_duckdb_full,
    "networkx": task_networkx_build,
    "edge table": task_collabnet_edge_table,
    "collabnet": task_collabnet_build,
    "written": task_collabnet_written,
}
BUILD_LABELS = {
    "scipy counts": "(a) scipy B.T@B, pair counts only",
    "duckdb counts": "(a) DuckDB self-join, pair counts only",
    "duckdb full": "(b) DuckDB counts+frac+work list+years",
    "networkx": "(c) pure networkx loop",
    "edge table": "(d1) collabnet edge table (arrays; info)",
    "collabnet": "(d) collabnet network (pipeline.build_network)",
    "written": "(e) (d), then converted to networkx",
}
# Run once however many rounds: figures for information, not targets (a long
# pure-Python loop; writing 2 million tie dicts).
BUILD_ONCE = {"networkx", "written"}
CENTRALITY_TASKS = {
    "collabnet": task_collabnet_centrality,
    "igraph": task_igraph_centrality,
    "networkx": task_networkx_centrality,
}


def child(kind: str, name: str, folder: str, level: str, pivots: str) -> None:
    tables = _load(Path(folder))
    # Imports are not computation: load every library before the clock starts.
    import duckdb  # noqa: F401
    import igraph  # noqa: F401
    import networkx  # noqa: F401
    import scipy.sparse  # noqa: F401

    import collabnet.export  # noqa: F401  (imported by pipeline.node_attributes)
    import collabnet.metrics  # noqa: F401
    import collabnet.network  # noqa: F401
    import collabnet.pipeline

    if kind == "centrality":
        args = (collabnet.pipeline.build_graph(tables, LEVELS[level][0]), int(pivots))
        del tables
    elif name in COLLABNET_TASKS:
        args = (tables, level)
    else:
        args = (_baseline_rows(tables, level, Path(folder)), tables["works"], LEVELS[level][1])
        del tables
    before = _rss_mb()
    t0 = time.perf_counter()
    info = (BUILD_TASKS if kind == "build" else CENTRALITY_TASKS)[name](*args)
    seconds = info.pop("_seconds", None) or time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Helper processes (collabnet's centrality on several cores) have their own memory:
    # the largest helper's peak, reported beside this process's.
    helper = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = {"seconds": seconds, "peak_mb": peak, "extra_mb": peak - before, **info}
    if helper:
        result["helper_peak_mb"] = helper
    # Skip freeing millions of objects on the way out: it is not part of the task.
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
    os._exit(0)


def make_tables(n: str, seed: str, folder: str) -> None:
    """Write the seeded corpus of `n` works as Work JSON Lines, read it into the build's
    tables in `folder` (``pipeline.build_tables``), list the works the author graph leaves
    out (``excluded_authors.json``) and print the number of authorship rows."""
    from corpus import synthetic_corpus, write_openalex_jsonl

    from collabnet import pipeline

    works_file = Path(folder) / "works.jsonl.gz"
    write_openalex_jsonl(*synthetic_corpus(int(n), seed=int(seed)), works_file)
    tables = pipeline.build_tables(works_file, folder)
    works_file.unlink()
    G = pipeline.build_graph(tables, "authors")
    excluded = G.graph["excluded_hyperauthored_works"]
    (Path(folder) / "excluded_authors.json").write_text(json.dumps(excluded))
    print(len(tables["authorships"]))


# --- parent -------------------------------------------------------------------------------


def _run_once(kind, name, folder, level, pivots, timeout) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, name, str(folder), level, str(pivots)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return {"skipped": f"over {timeout:.0f} s"}
    except subprocess.CalledProcessError as exc:
        lines = exc.stderr.strip().splitlines() or [f"exit {exc.returncode}"]
        return {"skipped": "failed: " + lines[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(
    kind, names, folder, level, pivots, timeout, repeat: int = 1, below=None, once=()
) -> dict:
    """Run each task of `names` `repeat` times, each in a fresh process, in interleaved
    rounds (every task once, then every task again): per task, the fastest time and the
    highest peak.

    The fastest of several runs is the least disturbed by whatever else the machine
    is doing (as ``timeit`` reports); memory is the worst seen. Interleaving gives
    collabnet and its baselines the same spells of a busy or quiet machine, so their
    ratio does not depend on which ran first. With `below` (seconds), a task whose
    first run takes longer is not repeated, nor is a task named in `once` (figures
    given for information only); a task that fails or times out is not run again.
    """
    runs: dict = {name: [] for name in names}
    skipped: dict = {}
    for round_ in range(repeat):
        for name in names:
            if name in skipped:
                continue
            if round_ and (
                name in once or (below is not None and runs[name][0]["seconds"] > below)
            ):
                continue
            r = _run_once(kind, name, folder, level, pivots, timeout)
            if "skipped" in r:
                skipped[name] = r
            else:
                runs[name].append(r)
    results = {}
    for name in names:
        if name in skipped and not runs[name]:
            results[name] = skipped[name]
            continue
        best = min(runs[name], key=lambda r: r["seconds"])
        results[name] = {
            **best,
            "runs": len(runs[name]),
            "peak_mb": max(r["peak_mb"] for r in runs[name]),
            "extra_mb": max(r["extra_mb"] for r in runs[name]),
        }
        helpers = [r["helper_peak_mb"] for r in runs[name] if "helper_peak_mb" in r]
        if helpers:
            results[name]["helper_peak_mb"] = max(helpers)
    return results


def _fmt(r: dict) -> str:
    if "skipped" in r:
        return f"skipped ({r['skipped']})"
    runs = " (1 run)" if r.get("runs") == 1 else ""
    helper = f", helper peak {r['helper_peak_mb']:.0f} MB" if r.get("helper_peak_mb") else ""
    return (
        f"{r['seconds']:8.2f} s  peak {r['peak_mb']:7.0f} MB (+{max(r['extra_mb'], 0):.0f})"
        f"{helper}{runs}"
    )


def _ratio(x: dict, y: dict) -> str:
    if "seconds" in x and "seconds" in y and y["seconds"] > 0:
        return f"{x['seconds'] / y['seconds']:.1f}x"
    return "n/a"


def _verdict(what: str, x: dict, base: dict, base_name: str) -> bool | None:
    if "seconds" not in x or "seconds" not in base:
        print(f"  target {what}: n/a (not measured)")
        return None
    ratio = x["seconds"] / base["seconds"]
    met = ratio <= 1.5
    print(f"  target {what} <= 1.5x {base_name}: {ratio:.2f}x -> {'met' if met else 'NOT met'}")
    return met


def bench_build(size, n, folder, level, args) -> dict:
    names = [name for name in BUILD_TASKS if not (name == "networkx" and n > NX_BUILD_MAX)]
    build = measure(
        "build", names, folder, level, args.pivots, args.timeout, args.repeat, once=BUILD_ONCE
    )
    for name in BUILD_TASKS:
        r = build.setdefault(name, {"skipped": f"above {NX_BUILD_MAX:,} works"})
        extra = f"  {r.get('edges', 0):>12,} edges" if "edges" in r else ""
        print(f"  {BUILD_LABELS[name]:42s} {_fmt(r)}{extra}")
    counts = [build[k] for k in ("scipy counts", "duckdb counts") if "seconds" in build[k]]
    fastest = min(counts, key=lambda r: r["seconds"]) if counts else {}
    full, table, duck = build["collabnet"], build["edge table"], build["duckdb full"]
    written = build["written"]
    if "seconds" in full and "seconds" in table:
        mat = full["seconds"] - table["seconds"]
        print(
            f"  (d2) (info) node attributes and node dicts = (d) - (d1): {mat:8.2f} s"
            f"  ({mat / full['seconds']:.0%} of (d))"
        )
    if "seconds" in full and "seconds" in written:
        print(
            f"  (e2) converting to networkx = (e) - (d): "
            f"{written['seconds'] - full['seconds']:8.2f} s  (paid only by code that reads "
            "ties through networkx; collabnet's igraph engine reads the arrays)"
        )
    print(
        f"  ratios: edge table / counts {_ratio(table, fastest)}, / DuckDB full "
        f"{_ratio(table, duck)};  graph / counts {_ratio(full, fastest)}, / DuckDB full "
        f"{_ratio(full, duck)};  written graph (e) / pure networkx "
        f"{_ratio(written, build['networkx'])}, / counts {_ratio(written, fastest)}"
    )
    return {
        "nodes": full.get("nodes", table.get("nodes", 0)),
        "edges": full.get("edges", table.get("edges", 0)),
    }


def bench_centrality(folder, level, nodes, edges, args) -> bool | None:
    names = [
        name
        for name in CENTRALITY_TASKS
        if not (name == "networkx" and edges > NX_CENTRALITY_MAX_EDGES)
    ]
    cent = measure(
        "centrality", names, folder, level, args.pivots, args.timeout, args.repeat, below=20
    )
    for name in CENTRALITY_TASKS:
        cent.setdefault(name, {"skipped": f"above {NX_CENTRALITY_MAX_EDGES:,} edges"})
        extra = ""
        if cent[name].get("estimate"):
            extra = f"  (estimate, {cent[name]['sample_size']} pivots)"
        print(f"  {name:42s} {_fmt(cent[name])}{extra}")
    return _verdict("centrality table", cent["collabnet"], cent["igraph"], "raw igraph")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="10k,100k", help="comma-separated corpus sizes (works)")
    p.add_argument("--quick", action="store_true", help="10k works only")
    p.add_argument("--with-500k", action="store_true", help="add the 500k-works corpus")
    p.add_argument("--levels", default="institution,author", help="graphs to measure")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--pivots",
        type=int,
        default=100,
        help="pivots for estimated betweenness/closeness, for collabnet and raw igraph alike "
        "(collabnet's own default is 500; 100 keeps `make bench` within minutes)",
    )
    p.add_argument("--no-centrality", action="store_true", help="graph building only")
    p.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="runs per measurement, interleaved, fastest reported (centrality runs over "
        "20 s: one run)",
    )
    p.add_argument("--timeout", type=float, default=600, help="seconds per measurement")
    p.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    p.add_argument("--corpus", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    if args.corpus:
        make_tables(*args.corpus)
        return 0

    from corpus import parse_size

    sizes = ["10k"] if args.quick else args.sizes.split(",")
    if args.with_500k and "500k" not in sizes:
        sizes.append("500k")
    print(
        f"collabnet benchmarks  (cpus: {os.cpu_count()}, seed {args.seed}, "
        f"{args.pivots} pivots above 5,000 nodes)"
    )
    verdicts = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            n = parse_size(size)
            folder = Path(tmp) / size
            folder.mkdir()
            # In a child process: on Linux a child's peak RSS starts from its parent's
            # peak at the fork, so the parent never holds a corpus. Not timed.
            rows = subprocess.run(
                [sys.executable, __file__, "--corpus", str(n), str(args.seed), str(folder)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()[-1]
            print(f"\n== {size} works: {int(rows):,} authorship rows ==")
            for level in args.levels.split(","):
                print(f"graph building ({level} graph)")
                b = bench_build(size, n, folder, level, args)
                if args.no_centrality:
                    continue
                print(f"centrality table ({level} graph, {b['nodes']:,} nodes)")
                verdicts.append(
                    (
                        f"{size} {level} centrality",
                        bench_centrality(folder, level, b["nodes"], b["edges"], args),
                    )
                )
    print("\nsummary of the 1.5x targets (centrality):")
    for what, met in verdicts:
        print(f"  {what:32s} {'n/a' if met is None else 'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
