"""Work from pivots (estimated betweenness and closeness) spread over processes.

igraph and scipy's Dijkstra compute in one thread and hold the GIL, so the pivots of a
large estimate are cut into fixed chunks and shared out: this process takes the first
share, and helper processes (one per further core) take the rest. The parts are added up
in chunk order, so the result is the same bit for bit whatever the number of processes,
and a helper that fails has its chunks done here instead.

A helper is a fresh interpreter (``python -P``: files in the working folder are not
imported in place of installed ones) that imports only numpy, scipy and igraph: nothing
of the caller's program runs again in it (as it would in a spawned ``multiprocessing``
worker of a script without a ``__main__`` guard), and no lock held by another thread is
inherited (as it could be by a forked one).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
from itertools import pairwise
from pathlib import Path

import numpy as np

_log = logging.getLogger("collabnet.metrics")

#: Pivots per chunk of betweenness, and per chunk of distance rows: the units of work
#: shared out, and the fixed order in which their parts are added up.
PIVOT_CHUNK = 8
DISTANCE_ROWS = 16
#: Helpers are started only above this many tie visits (pivots x ties): below it, the
#: second or so a helper takes to start and load the graph is not won back.
MIN_WORK = 50_000_000
# Rough cost of one pivot's search, betweenness (Brandes, with path counts) vs distances
# alone (Dijkstra), to share the chunks out evenly.
_COST = {"betweenness": 4.0, "distances": 1.0}


def cores() -> int:
    """CPU cores this process may run on (its affinity, and a container's CPU quota), at
    most ``COLLABNET_PROCESSES`` if that is set."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n = os.cpu_count() or 1
    n = min(n, _cgroup_cpus() or n)
    limit = os.environ.get("COLLABNET_PROCESSES", "").strip()
    if limit.isdigit() and int(limit) > 0:
        n = min(n, int(limit))
    return max(n, 1)


#: Bytes a helper needs per tie and per node at its peak (the graph built from a list of
#: pairs, the distance matrix, the arrays it was sent); measured about 100-160 per tie.
HELPER_BYTES_PER_TIE = 200
HELPER_BYTES_PER_NODE = 200


def _affordable_helpers(n_edges: int, n_nodes: int) -> int | None:
    """How many helpers half the memory available now can hold (``None``: unknown)."""
    available = _available_memory()
    if available is None:
        return None
    need = HELPER_BYTES_PER_TIE * n_edges + HELPER_BYTES_PER_NODE * n_nodes
    return int(available // 2 // max(need, 1))


def _available_memory() -> int | None:
    """``MemAvailable`` of ``/proc/meminfo`` in bytes (Linux), else ``None``."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_cpus() -> int | None:
    """CPUs a cgroup v2 quota allows (``cpu.max``: quota and period), if any."""
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        return max(1, -(-int(quota) // int(period)))  # rounded up
    except (OSError, ValueError):  # no cgroup v2, or "max": no quota
        return None


def igraph_from_ends(n: int, source, target):
    """The igraph graph of `n` vertices and the edges ``source[i]``-``target[i]``."""
    import igraph as ig

    return ig.Graph(n=n, edges=list(zip(source.tolist(), target.tolist(), strict=True)))


def _betweenness(g, sources: list, weights) -> np.ndarray:
    """Betweenness of every vertex counted over paths from `sources` (igraph's sum)."""
    return np.asarray(g.betweenness(sources=sources, targets=None, weights=weights), float)


def _distance_sums(csgraph, sources: list) -> np.ndarray:
    """Per vertex: the sum of its finite distances from `sources`, and their number
    (two rows)."""
    from scipy.sparse.csgraph import dijkstra

    d = dijkstra(csgraph, directed=True, indices=sources)
    finite = np.isfinite(d)
    d[~finite] = 0.0
    return np.stack([d.sum(axis=0), finite.sum(axis=0).astype(float)])


def _compute(unit: tuple, g, weights, csgraph) -> np.ndarray:
    """One unit of work, ``(kind, sources)``: in this process or in a helper."""
    kind, sources = unit
    if kind == "betweenness":
        return _betweenness(g, sources, weights)
    return _distance_sums(csgraph, sources)


def from_pivots(g, ends: tuple, weights, pivots: list, csgraph=None, done=None) -> tuple:
    """igraph's ``g.betweenness(sources=pivots, weights=weights)``, and with `csgraph`
    (scipy, the same graph) each chunk's :func:`_distance_sums` for chunks of
    ``DISTANCE_ROWS`` pivots, computed on several cores.

    `ends` are the edges' two vertex indices (int arrays) in ``g``'s edge order, which
    helpers rebuild the graph from; `weights` are the edge lengths (or ``None``).
    `done`, if given, is called with the number of pivot searches of each chunk as it
    completes (a progress bar's ``update``).
    Returns ``(betweenness, [distance sums per chunk])``.
    """
    units = [
        ("betweenness", pivots[i : i + PIVOT_CHUNK]) for i in range(0, len(pivots), PIVOT_CHUNK)
    ]
    if csgraph is not None:
        units += [
            ("distances", pivots[i : i + DISTANCE_ROWS])
            for i in range(0, len(pivots), DISTANCE_ROWS)
        ]
    processes = min(cores(), len(units))
    if processes > 1 and len(pivots) * g.ecount() < MIN_WORK:
        processes = 1
    if processes > 1:  # each helper holds a copy of the graph: no more than memory allows
        affordable = _affordable_helpers(g.ecount(), g.vcount())
        if affordable is not None and affordable < processes - 1:
            _log.info("memory allows %d helper process(es), not %d", affordable, processes - 1)
            processes = affordable + 1
    shares = _shares(units, processes)
    parts: list = [None] * len(units)

    def compute(i: int) -> np.ndarray:
        part = _compute(units[i], g, weights, csgraph)
        if done is not None:
            done(len(units[i][1]))
        return part

    if len(shares) > 1:
        with tempfile.TemporaryDirectory(prefix="collabnet-") as folder:
            helpers = _start_helpers(
                Path(folder), g.vcount(), ends, weights, csgraph, units, shares[1:]
            )
            try:
                for i in shares[0]:
                    parts[i] = compute(i)
                for proc, share, out in helpers:
                    _collect(proc, share, out, parts)
                    if done is not None:
                        done(sum(len(units[i][1]) for i in share if parts[i] is not None))
            finally:  # interrupted here (Ctrl-C, an error): stop the helpers too
                for proc, _, _ in helpers:
                    if proc.poll() is None:
                        proc.kill()
                        proc.wait()
    for i, part in enumerate(parts):
        if part is None:  # a helper failed (logged): done here instead
            parts[i] = compute(i)
    btw = np.zeros(g.vcount())
    for (kind, _), part in zip(units, parts, strict=True):
        if kind == "betweenness":
            btw += part
    return btw, [p for (kind, _), p in zip(units, parts, strict=True) if kind == "distances"]


def _shares(units: list, processes: int) -> list[list[int]]:
    """Unit indices cut into `processes` runs of about equal cost, in order."""
    if not units:
        return [[]]
    cost = np.cumsum([_COST[kind] * len(sources) for kind, sources in units])
    bounds = np.searchsorted(cost, cost[-1] * np.arange(1, processes) / processes)
    cuts = [0, *bounds.tolist(), len(units)]
    return [list(range(a, b)) for a, b in pairwise(cuts) if b > a]


def _start_helpers(folder: Path, n: int, ends, weights, csgraph, units, shares) -> list:
    """Start one helper per share; shares whose helper cannot be set up or started are
    left to this process (logged)."""
    if not shares or not sys.executable:
        return []
    arrays = {"source": np.asarray(ends[0]), "target": np.asarray(ends[1])}
    if weights is not None:
        arrays["weights"] = np.asarray(weights, dtype=float)
    if csgraph is not None:
        arrays |= {"cs_data": csgraph.data, "cs_indices": csgraph.indices}
        arrays |= {"cs_indptr": csgraph.indptr}
    helpers = []
    try:
        np.savez(folder / "graph.npz", n=np.int64(n), **arrays)
        for h, share in enumerate(shares):
            out = folder / f"helper{h}"
            out.mkdir()
            task = {str(i): units[i] for i in share}
            (out / "task.json").write_text(json.dumps(task), encoding="utf-8")
            with open(out / "stderr.txt", "wb") as err:  # a file: a full pipe would block
                proc = subprocess.Popen(_command(out), stdout=subprocess.DEVNULL, stderr=err)
            helpers.append((proc, share, out))
    except OSError as exc:  # no room for the graph, no process to be had
        _log.warning("could not start a helper process (%s); computing here", exc)
    return helpers


# A helper's entry: a fresh interpreter that does not put the working folder first on its
# path (-P), and finds this package where the caller found it (appended: the standard
# library and installed packages are never shadowed).
_ENTRY = (
    "import sys; sys.path.append(sys.argv[1]); "
    "from collabnet._helper import main; sys.exit(main(sys.argv[2:]))"
)


def _command(out: Path) -> list:
    root = str(Path(__file__).resolve().parent.parent)
    return [sys.executable, "-P", "-c", _ENTRY, root, str(out)]


def _collect(proc, share, out: Path, parts: list) -> None:
    """Read a finished helper's parts into `parts`; those it did not deliver stay
    ``None`` (logged) and are computed here."""
    proc.wait()
    if proc.returncode != 0:
        err = (out / "stderr.txt").read_text(encoding="utf-8", errors="replace")
        lines = err.strip().splitlines() or ["(no message)"]
        _log.warning(
            "a helper process failed (exit %s: %s); its pivots are computed here",
            proc.returncode,
            lines[-1],
        )
        return
    missing = []
    for i in share:
        try:
            parts[i] = np.load(out / f"part{i}.npy")
        except (OSError, ValueError):  # missing or cut short
            missing.append(i)
    if missing:
        _log.warning(
            "a helper process left no result for %d of its %d chunks; computed here",
            len(missing),
            len(share),
        )


def main(argv: list) -> int:
    """Helper process: the units of ``FOLDER/task.json``, each to ``FOLDER/part<i>.npy``."""
    out = Path(argv[0])
    data = np.load(out.parent / "graph.npz")
    task = json.loads((out / "task.json").read_text(encoding="utf-8"))
    kinds = {kind for kind, _ in task.values()}
    n = int(data["n"])
    g = igraph_from_ends(n, data["source"], data["target"]) if "betweenness" in kinds else None
    weights = data["weights"].tolist() if "weights" in data.files else None
    csgraph = None
    if "distances" in kinds:
        from scipy.sparse import csr_matrix

        arrays = (data["cs_data"], data["cs_indices"], data["cs_indptr"])
        csgraph = csr_matrix(arrays, shape=(n, n))
    for i, unit in task.items():
        np.save(out / f"part{i}.npy", _compute(unit, g, weights, csgraph))
    return 0
