"""The stages in order — tables, graphs, centrality, views — each reading and writing one folder.

Each function reads what the previous stage wrote to ``out_dir`` and writes its own files there,
updating ``manifest.json``; so a notebook or a command can start at any stage, and
:func:`run_build` runs them all.
"""

from __future__ import annotations

import json
import logging
import platform
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from . import __version__, config
from .corpus import Corpus, file_sha256, read_corpus, work_files
from .errors import CollabnetError, InputError
from .progress import SILENT, Progress

__all__ = [
    "AUTHOR_MAX_TEAM_SIZE",
    "LEVELS",
    "TABLES",
    "SYNTHETIC_NOTE",
    "detect_data_source",
    "build_tables",
    "load_tables",
    "node_attributes",
    "build_graph",
    "build_graphs",
    "load_graph",
    "rank_graphs",
    "render_views",
    "read_manifest",
    "update_manifest",
    "write_table",
    "write_json",
    "how_close",
    "how_close_table",
    "neighbours_table",
    "institution_time_slices",
    "run_build",
]

_log = logging.getLogger(__name__)

LEVELS = ("institutions", "authors", "countries")
#: Works with more authors than this add no tie to the author graph (see :func:`build_graph`).
AUTHOR_MAX_TEAM_SIZE = 100
_SINGULAR = {"institutions": "institution", "authors": "author", "countries": "country"}
TABLES = ("works", "authorships", "institutions", "authors")
SYNTHETIC_NOTE = "Synthetic demo data: invented works and people, evidence of nothing"
MANIFEST = "manifest.json"
#: Above these sizes the slow, redundant exports are skipped (and the manifest says so).
#: GraphML of a million ties is hundreds of megabytes that Gephi can barely open; the edge
#: CSV and VOSviewer files hold the same ties, and ``export.write_graphml`` still writes
#: any graph on request.
GRAPHML_MAX_EDGES = 1_000_000
GEXF_MAX_EDGES = 50_000
XLSX_MAX_EDGES = 20_000


# --- manifest -----------------------------------------------------------------------------


def read_manifest(out_dir: str | Path) -> dict:
    """The folder's ``manifest.json`` (empty dict when there is none yet)."""
    path = Path(out_dir) / MANIFEST
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not valid JSON ({exc})") from None


def update_manifest(out_dir: str | Path, section: str, data: dict, **top) -> dict:
    """Set ``section`` of the folder's manifest to ``data`` (and any ``top``-level keys)."""
    out_dir = Path(out_dir)
    manifest = read_manifest(out_dir)
    manifest.setdefault("tool", "collabnet")
    manifest.update(top)
    manifest["collabnet_version"] = __version__
    manifest["updated"] = _now()
    manifest[section] = data
    outputs = manifest.setdefault("outputs", {})
    for path in sorted(p for p in out_dir.rglob("*") if p.is_file() and p.name != MANIFEST):
        name = path.relative_to(out_dir).as_posix()
        if not name.startswith("notebooks/") and not name.endswith(".tmp"):
            outputs[name] = {"bytes": path.stat().st_size}
    tmp = out_dir / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n", "utf-8")
    tmp.replace(out_dir / MANIFEST)
    return manifest


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _versions() -> dict:
    import matplotlib
    import numpy
    import pyarrow

    versions = {
        "python": platform.python_version(),
        "collabnet": __version__,
        "networkx": nx.__version__,
        "pandas": pd.__version__,
        "numpy": numpy.__version__,
        "pyarrow": pyarrow.__version__,
        "matplotlib": matplotlib.__version__,
    }
    for name in ("igraph", "pyvis", "pyalex"):
        try:
            module = __import__(name)
            versions[name] = getattr(module, "__version__", "unknown")
        except ImportError:
            versions[name] = None
    return versions


def _harvest_log(folder) -> dict | None:
    """The query log of a ``collabnet fetch`` folder; None for anything else (a file, a
    snapshot folder with its own ``manifest.json``, a folder of downloads)."""
    if str(folder) == "-" or not Path(folder).is_dir():
        return None
    path = Path(folder) / MANIFEST
    try:
        log = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if isinstance(log, dict) and "queries" in log and "unique_works" in log:
        return log
    return None


def detect_data_source(inputs: Sequence[str | Path], corpus: Corpus | None = None) -> str:
    """Say where works came from: ``synthetic-demo``, ``openalex-api`` or ``openalex-snapshot``.

    A harvest folder says so in its own manifest; the bundled demo corpus (or any corpus whose
    every title is marked ``[synthetic]``) is synthetic; other files are taken as a snapshot.
    """
    for raw in inputs:
        log = _harvest_log(raw)
        if log is not None and log.get("data_source") in config.DATA_SOURCES:
            return log["data_source"]
    if corpus is not None and len(corpus.works):
        titles = corpus.works["title"].fillna("")
        if titles.str.startswith("[synthetic]").all():
            return "synthetic-demo"
    if all(str(p) != "-" and Path(p).resolve() == config.DEMO_WORKS.resolve() for p in inputs):
        return "synthetic-demo"
    return "openalex-snapshot"


def write_table(table: pd.DataFrame, out_dir: str | Path, name: str) -> Path:
    """Write a result table as ``out_dir/name`` (CSV), marked and safe for spreadsheets.

    Made from the synthetic demo corpus, every row carries ``data_source = synthetic-demo``;
    text cells that a spreadsheet would run as a formula (``= + - @``, tab, CR) are prefixed
    with ``'``.
    """
    from . import export

    out_dir = Path(out_dir)
    source = read_manifest(out_dir).get("data_source")
    if source == "synthetic-demo":
        table = table.assign(data_source=source)
    return export.write_table_csv(table, out_dir / name)


def write_json(data, out_dir: str | Path, name: str) -> Path:
    """Write a result as ``out_dir/name`` (JSON), wrapped with its ``data_source``."""
    out_dir = Path(out_dir)
    source = read_manifest(out_dir).get("data_source")
    path = out_dir / name
    payload = {"data_source": source, "results": data}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n", "utf-8")
    return path


# --- stage 1: tables ----------------------------------------------------------------------


_WATCHED = ("cn_police", "cn_military", "cn_state_security")


def _entry_institutions(institutions: pd.DataFrame, registry=None) -> dict[str, str]:
    """Registry entry -> the OpenAlex institution in this corpus that *is* that entry.

    An institution with one of the entry's ROR ids, or classified by its own identifier or name,
    stands for its entry (even when a reporter's override changed its category); one
    classified through its ``lineage`` is a sub-unit and does not. A unit with an entry of its
    own (the MPS Institute of Forensic Science) stays apart from its parent (the Ministry).
    """
    found: dict[str, str] = {}
    by_ror = dict(zip(institutions["ror"], institutions["institution_id"], strict=True))
    for eid, entry in (registry.entries if registry is not None else {}).items():
        for ror in (*entry.ror, *entry.ror_withdrawn):
            if ror in by_ror:
                found.setdefault(eid, by_ror[ror])
    own = institutions[
        institutions["category_entry"].notna()
        & ~institutions["category_rule"].astype("string").isin(["lineage", "override"])
    ]
    for eid, iid in zip(own["category_entry"], own["institution_id"], strict=True):
        found.setdefault(eid, iid)
    return found


def _institution_keys(
    authorships: pd.DataFrame, entry_institutions: dict[str, str] | None = None
) -> pd.Series:
    """The institution-graph node of each authorship row.

    The OpenAlex institution when OpenAlex matched one; otherwise the institution that the
    watchlist entry matched by the raw affiliation string stands for, or when the corpus has
    none, the entry itself (``entry:<id>``), so that a police lab OpenAlex did not recognise
    still appears; otherwise, for a watched category found by a pattern (e.g. a provincial
    public security bureau), the normalised raw string itself (``text:<string>``); otherwise
    none (the row stays in the tables, not in the graph).
    """
    keys = authorships["institution_id"].astype("string")
    entry = authorships.get("category_entry")
    if entry is None:
        return keys
    entry = entry.astype("string")
    from_entry = keys.isna() & entry.notna()
    mapped = entry.map(entry_institutions or {}).astype("string")
    keys = keys.mask(from_entry, mapped.fillna("entry:" + entry))
    rule = authorships["category_rule"].astype("string").fillna("")
    from_pattern = (
        keys.isna()
        & authorships["category"].isin(_WATCHED)
        & rule.str.startswith("pattern")
        & authorships["raw_affiliation"].notna()
    )
    # normalise only the few rows that need it: a regex over every row costs seconds at scale
    normalised = (
        authorships.loc[from_pattern, "raw_affiliation"]
        .astype("string")
        .str.lower()
        .str.replace(r"[\d]+", " ", regex=True)
        .str.replace(r"[\s,.;]+", " ", regex=True)
        .str.strip()
    )
    keys = keys.copy()
    keys[from_pattern] = "text:" + normalised
    return keys


def _harvest_reconciliation(inputs, n_works: int) -> dict | None:
    """What each harvest folder's own log says, checked against the works in the tables.

    A harvest that did not finish, works whose full author list could not be fetched, or
    OpenAlex counts (``meta.count``) that differ from what arrived are reported here and logged
    as warnings: the tables are built, but nobody should mistake them for complete.
    """
    logs = {}
    for raw in inputs:
        log = _harvest_log(raw)
        if log is not None:
            logs[str(raw)] = log
    if not logs:
        return None
    only_harvests = len(logs) == len(inputs)
    expected = sum(m.get("unique_works") or 0 for m in logs.values())
    out = {
        "folders": {
            folder: {
                key: m.get(key)
                for key in (
                    "status",
                    "unique_works",
                    "count_mismatches",
                    "truncated_refetched",
                    "truncated_not_found",
                    "queries",
                )
            }
            for folder, m in logs.items()
        },
        "harvest_unique_works": expected,
        "works_in_tables": n_works,
        "reconciled": (expected == n_works) if only_harvests and len(logs) == 1 else None,
    }
    for folder, m in logs.items():
        if m.get("status") not in (None, "complete"):
            _log.warning(
                "harvest %s is %s: run the same `collabnet fetch` again to finish it",
                folder,
                m.get("status"),
            )
        if m.get("count_mismatches"):
            _log.warning(
                "harvest %s: OpenAlex's meta.count differs from the works received "
                "(see its manifest.json)",
                folder,
            )
    if out["reconciled"] is False:
        _log.warning("the harvest logged %d unique works but the tables hold %d", expected, n_works)
    return out


def _input_record(source) -> dict:
    """One input file as the manifest lists it: path, form, records, size and SHA-256."""
    if source.sha256 is None and isinstance(source.path, Path):
        source.sha256 = file_sha256(source.path)
        source.bytes = source.path.stat().st_size
    return source.describe()


def _corpus_summary(counts: dict) -> str:
    text = (
        f"{counts['works']:,} works, {counts['authorships']:,} authorships from "
        f"{counts['files']:,} file(s)"
    )
    notes = [
        f"{counts[key]:,} {what}"
        for key, what in (
            ("files_skipped", "file(s) skipped (listed in manifest.json)"),
            ("authorships_without_author_id", "authorships without an OpenAlex author id"),
            ("duplicates_dropped", "duplicates dropped"),
            ("bad_records_skipped", "bad records skipped"),
        )
        if counts.get(key)
    ]
    return text + (f" ({'; '.join(notes)})" if notes else "")


def build_tables(
    inputs: Sequence[str | Path] | str | Path,
    out_dir: str | Path,
    *,
    skip_bad_records: bool = False,
    overrides: str | Path | None = None,
    registry=None,
    data_source: str | None = None,
    progress: Progress = SILENT,
) -> dict[str, pd.DataFrame]:
    """Read works, classify institutions and affiliations, and write the tidy tables.

    Writes ``works.parquet``, ``authorships.parquet``, ``institutions.parquet``,
    ``authors.parquet`` and ``classification_review.csv`` to ``out_dir``, and the ``inputs``,
    ``counts`` and ``data_source`` of ``manifest.json``. `progress` reports each step.
    """
    from . import watchlist

    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    reg = registry if registry is not None else watchlist.load_registry()
    fixes = watchlist.load_overrides(overrides) if overrides else None
    with progress.stage("reading works") as done:
        corpus = read_corpus(inputs, skip_bad_records=skip_bad_records, progress=progress)
        done(_corpus_summary(corpus.counts))
    source = data_source or detect_data_source(inputs, corpus)
    with progress.stage("classifying institutions and affiliations") as done:
        institutions, authorships, review = watchlist.classify_tables(
            corpus.institutions, corpus.authorships, reg, fixes
        )
        watched = institutions["category"].value_counts()
        done(
            ", ".join(f"{watched.get(c, 0):,} {c}" for c in config.CATEGORIES if c != "other")
            + f" of {len(institutions):,} institutions"
        )
    unused = (
        fixes.unused(
            corpus.institutions["institution_id"],
            corpus.institutions["ror"],
            corpus.authorships["raw_affiliation"].dropna().unique(),
        )
        if fixes
        else []
    )
    for key in unused:
        _log.warning("override %r (%s) matches no institution or affiliation", key, overrides)
    authorships["institution_key"] = _institution_keys(
        authorships, _entry_institutions(institutions, reg)
    )
    tables = {
        "works": corpus.works,
        "authorships": authorships,
        "institutions": institutions,
        "authors": corpus.authors,
    }
    for name, df in tables.items():
        df.to_parquet(out_dir / f"{name}.parquet", index=False)

    harvests = _harvest_reconciliation(inputs, len(corpus.works))
    counts = dict(corpus.counts)
    counts["authorships_classified_from_text"] = int(
        authorships["category_rule"]
        .astype("string")
        .str.match(r"^(name|alias|pattern|negative)")
        .sum()
    )
    counts["authorships_category_disagreements"] = int(
        authorships["category_flag"].fillna("").astype(bool).sum()
    )
    counts["review_rows"] = len(review)
    update_manifest(
        out_dir,
        "tables",
        {
            "inputs": [_input_record(s) for s in corpus.sources],
            "inputs_skipped": [k.__dict__ for k in corpus.skipped],
            "harvests": harvests,
            "counts": counts,
            "bad_records": [b.__dict__ for b in corpus.bad_records],
            "duplicates": corpus.duplicates,
            "watchlist": {
                "entries_per_category": reg.counts(),
                "last_reviewed": str(reg.last_reviewed),
            },
            "overrides": {"file": str(overrides), "entries": len(fixes), "unused": unused}
            if fixes
            else None,
            "seconds": round(time.perf_counter() - started, 3),
        },
        data_source=source,
        versions=_versions(),
    )
    write_table(review, out_dir, "classification_review.csv")
    return tables


def load_tables(out_dir: str | Path) -> dict[str, pd.DataFrame]:
    """Read the four tables written by :func:`build_tables`."""
    out_dir = Path(out_dir)
    tables = {}
    for name in TABLES:
        path = out_dir / f"{name}.parquet"
        if not path.is_file():
            raise InputError(
                path, "missing: run `collabnet build WORKS --out DIR` (or notebook 01) first"
            )
        tables[name] = pd.read_parquet(path)
    return tables


# --- stage 2: graphs ----------------------------------------------------------------------


def node_attributes(tables: dict[str, pd.DataFrame], level: str) -> pd.DataFrame:
    """Node attributes (``label``, ``category``, ...) of institutions or authors, by node id.

    Institutions carry their watchlist category with the rule and source that gave it; text-only
    matches (``entry:<id>``) say ``matched_by = "raw affiliation text"``. An author's category is
    the category of most of their works (ties: in ``config.CATEGORIES`` order);
    ``categories`` lists all of them with their numbers of works, most first (e.g.
    ``"nl (3); cn_police (1)"``), both from :func:`collabnet.network.author_categories`, as
    in :func:`collabnet.network.author_graph`; ``institutions`` names up to five of their
    institutions, most authorship rows first (ties alphabetical). (Countries: see
    :func:`collabnet.network.country_graph`.)
    """
    a = tables["authorships"]
    if level == "institutions":
        inst = tables["institutions"].set_index("institution_id")
        nodes = pd.DataFrame(
            {
                "label": inst["display_name"],
                "category": inst["category"],
                "category_rule": inst["category_rule"],
                "category_source": inst["category_source"],
                "country_code": inst["country_code"],
                "ror": inst["ror"],
                "matched_by": "OpenAlex institution",
            }
        )
        text = a[a["institution_key"].str.contains(r"^(?:entry|text):", na=False)]
        if len(text):
            grouped = text.groupby("institution_key")
            first = grouped.first()
            from_entry = first.index.str.startswith("entry:")
            extra = pd.DataFrame(
                {
                    "label": first["category_entry_name"].where(
                        from_entry, first["raw_affiliation"]
                    ),
                    "category": first["category"],
                    "category_rule": first["category_rule"],
                    "category_source": first["category_source"]
                    if "category_source" in first
                    else None,
                    "country_code": first["country_code"],
                    "ror": None,
                    "matched_by": [
                        "raw affiliation text" if e else "raw affiliation text (pattern)"
                        for e in from_entry
                    ],
                }
            )
            nodes = pd.concat([nodes, extra])
        return nodes
    if level == "authors":
        authors = tables["authors"].set_index("author_id")
        if a.empty:
            return pd.DataFrame(
                {"label": authors["display_name"], "category": "other", "orcid": authors["orcid"]}
            )
        from .network import author_categories

        cats = author_categories(a)
        named = a.dropna(subset=["institution_name"])
        insts = named.groupby(["author_id", "institution_name"], observed=True).size()
        insts = insts.rename("n").reset_index()
        insts = insts.sort_values(
            ["author_id", "n", "institution_name"], ascending=[True, False, True], kind="stable"
        )
        insts = insts[insts.groupby("author_id", sort=False).cumcount() < 5]
        return pd.DataFrame(
            {
                "label": authors["display_name"],
                "category": cats["category"],
                "categories": cats["categories"],
                "institutions": _joined_runs(insts["author_id"], insts["institution_name"]),
                "orcid": authors["orcid"],
            }
        )
    raise CollabnetError(f"unknown level {level!r}: choose one of {', '.join(LEVELS)}")


def _joined_runs(keys: pd.Series, text: pd.Series, sep: str = "; ") -> pd.Series:
    """`text` joined with `sep` per run of equal `keys` (rows already grouped and ordered)."""
    from .export import joined_runs

    keys = keys.to_numpy()
    if keys.size == 0:
        return pd.Series(dtype=object)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    joined = joined_runs(text.astype(str).tolist(), [*starts.tolist(), keys.size], sep)
    return pd.Series(joined, index=pd.Index(keys[starts], dtype=object), dtype=object)


_NODE_COLUMN = {
    "institutions": "institution_key",
    "authors": "author_id",
    "countries": "country_code",
}


def build_graph(
    tables: dict[str, pd.DataFrame],
    level: str,
    *,
    max_team_size: int | None = None,
    min_weight: int = 1,
    author_max_team_size: int | None = AUTHOR_MAX_TEAM_SIZE,
) -> nx.Graph:
    """The co-authorship graph of one level (``institutions``, ``authors``, ``countries``).

    Works with more than `max_team_size` authors add no tie at any level; in the author
    graph, works with more than `author_max_team_size` (default 100) add none either
    (``None``: no limit). They still count in each node's ``n_works`` and are listed in
    ``G.graph["excluded_hyperauthored_works"]``.

    Notes
    -----
    A paper of 3,000 authors makes 4.5 million author pairs, none of which says that two
    of its authors worked together; a handful of such papers would outnumber every other
    tie of a corpus. Hence the author graph leaves out works above 100 authors (Cronin's
    "hyperauthorship", 2001; VOSviewer leaves out works above 25 authors by default). The
    institution and country graphs keep them: there a consortium paper is one tie among
    hundreds of labs, weighted ``1/(n-1)`` by Newman's fractional count, and marked on
    every path that rests on it alone.
    """
    from . import network

    if level not in _NODE_COLUMN:
        raise CollabnetError(f"unknown level {level!r}: choose one of {', '.join(LEVELS)}")
    a = tables["authorships"]
    if level == "authors" and author_max_team_size is not None:
        caps = [c for c in (max_team_size, author_max_team_size) if c is not None]
        max_team_size = min(caps)
    options = {"max_team_size": max_team_size, "min_weight": min_weight}
    if level == "countries":  # a country's attributes follow from its code alone
        G = network.country_graph(a, tables["works"], **options)
    else:
        memberships = pd.DataFrame(
            {"work_id": a["work_id"], "node": a[_NODE_COLUMN[level]], "author_id": a["author_id"]}
        )
        G = network.coauthorship_graph(
            memberships, tables["works"], node_attributes(tables, level), **options
        )
    G.graph["level"] = level
    return G


def build_graphs(tables, *, levels: Iterable[str] = LEVELS, **options) -> dict[str, nx.Graph]:
    """:func:`build_graph` for each level."""
    return {level: build_graph(tables, level, **options) for level in levels}


def load_graph(out_dir: str | Path, level: str = "institutions") -> nx.Graph:
    """Rebuild a level's graph from the tables in ``out_dir`` with the build's counting options.

    The Parquet tables are the record; the graph is derived from them in about a second, with
    the evidence lists intact (GraphML keeps them only as joined text).
    """
    level = level if level.endswith("s") else level + "s"
    options = (read_manifest(out_dir).get("graphs") or {}).get("options") or {}
    return build_graph(load_tables(out_dir), level, **options)


def write_graphs(
    graphs: dict[str, nx.Graph],
    out_dir: str | Path,
    *,
    options: dict,
    progress: Progress = SILENT,
) -> None:
    """Write ``graph_<level>.graphml`` for each graph and the ``graphs`` manifest section."""

    out_dir = Path(out_dir)
    info = {"options": options}
    manifest = read_manifest(out_dir)
    works = None
    if (out_dir / "works.parquet").is_file():
        works = pd.read_parquet(out_dir / "works.parquet")
    for level, G in graphs.items():
        with progress.stage(f"writing the {_SINGULAR[level]} graph's files") as done:
            info[level] = _write_graph_files(G, level, out_dir, manifest, works)
            done(", ".join(info[level].pop("written")))
    update_manifest(out_dir, "graphs", info)


def _write_graph_files(G: nx.Graph, level: str, out_dir: Path, manifest: dict, works) -> dict:
    """GraphML, GEXF, VOSviewer, CSV and XLSX files of one graph; its manifest entry."""
    from . import export, network

    if manifest.get("data_source"):
        G.graph["data_source"] = manifest["data_source"]
    skipped = []
    if G.number_of_edges() <= GRAPHML_MAX_EDGES:
        export.write_graphml(G, out_dir / f"graph_{level}.graphml")
    else:
        (out_dir / f"graph_{level}.graphml").unlink(missing_ok=True)  # no stale file
        skipped.append(f"graph_{level}.graphml (more than {GRAPHML_MAX_EDGES:,} ties)")
        _log.warning(
            "graph_%s.graphml not written: %s ties (more than %s); the ties are in "
            "edges_%s.csv, and collabnet.export.write_graphml writes the file on request",
            level,
            f"{G.number_of_edges():,}",
            f"{GRAPHML_MAX_EDGES:,}",
            level,
        )
    export.write_vosviewer(
        G, out_dir / f"vosviewer_{level}_map.txt", out_dir / f"vosviewer_{level}_network.txt"
    )
    export.write_edges_csv(G, out_dir / f"edges_{level}.csv", works)
    # GEXF repeats GraphML (Gephi reads both) and takes as long again; XLSX is slow and
    # a spreadsheet of this many rows is no use: large graphs get the CSV and VOSviewer
    # files (and GraphML up to GRAPHML_MAX_EDGES). A skipped file of an earlier build
    # is removed, so the folder never shows an outdated graph.
    if G.number_of_edges() <= GEXF_MAX_EDGES:
        export.write_gexf(G, out_dir / f"graph_{level}.gexf")
    else:
        (out_dir / f"graph_{level}.gexf").unlink(missing_ok=True)
        skipped.append(f"graph_{level}.gexf (more than {GEXF_MAX_EDGES:,} ties)")
    if G.number_of_edges() <= XLSX_MAX_EDGES:
        export.write_edges_xlsx(G, out_dir / f"edges_{level}.xlsx", works)
    else:
        (out_dir / f"edges_{level}.xlsx").unlink(missing_ok=True)
        skipped.append(f"edges_{level}.xlsx (more than {XLSX_MAX_EDGES:,} ties)")
    isolates, components = network.count_isolates_and_components(G)
    written = [
        f"graph_{level}.graphml",
        f"vosviewer_{level}_map.txt",
        f"vosviewer_{level}_network.txt",
        f"edges_{level}.csv",
        f"graph_{level}.gexf",
        f"edges_{level}.xlsx",
    ]
    return {
        "written": [f for f in written if not any(k.startswith(f + " ") for k in skipped)],
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
        "isolates": isolates,
        "components": components,
        "excluded_hyperauthored_works": len(G.graph.get("excluded_hyperauthored_works", [])),
        "excluded_hyperauthored_work_ids": list(G.graph.get("excluded_hyperauthored_works", []))[
            :1000
        ],
        "exports_skipped": skipped,
    }


# --- stage 3: centrality ------------------------------------------------------------------


def _ranking_summary(attrs: dict) -> str:
    if attrs.get("estimate"):
        return (
            f"betweenness and closeness estimated from {attrs['sample_size']:,} pivots "
            f"({attrs.get('estimate_reason', 'large graph')})"
        )
    return "betweenness and closeness exact"


def rank_graphs(
    graphs: dict[str, nx.Graph],
    out_dir: str | Path,
    *,
    levels: Iterable[str] = ("institutions", "authors"),
    seed: int = 0,
    pivots: int | None = None,
    progress: Progress = SILENT,
) -> dict[str, pd.DataFrame]:
    """Centrality tables for each level: written as ``centrality_<level>.csv`` and set on nodes.

    `pivots`: see :func:`collabnet.metrics.centrality_table` (``k``).
    """
    from . import metrics

    out_dir = Path(out_dir)
    tables, info = {}, {}
    for level in levels:
        G = graphs[level]
        with progress.stage(f"ranking the {_SINGULAR[level]} graph") as done:
            table = metrics.centrality_table(G, seed=seed, k=pivots, progress=progress)
            done(_ranking_summary(table.attrs))
        for column in table.columns:
            if column not in ("node", "label", "category"):
                nx.set_node_attributes(
                    G, dict(zip(table["node"], table[column], strict=True)), column
                )
        out = table.copy()
        for column in ("category_rule", "category_source", "matched_by", "ror", "country_code"):
            values = nx.get_node_attributes(G, column)
            if values:
                out[column] = out["node"].map(values)
        write_table(out, out_dir, f"centrality_{level}.csv")
        tables[level] = table
        info[level] = {
            k: v for k, v in table.attrs.items() if isinstance(v, (str, int, float, bool))
        }
    update_manifest(out_dir, "centrality", info)
    return tables


# --- stage 4: views -----------------------------------------------------------------------


def _draw_figures(graphs, tables, out_dir: Path, centrality, seed: int, caption) -> list[Path]:
    """The static figures (and ``collaborations_per_year.csv``) of :func:`render_views`."""
    from . import figures, network

    written: list[Path] = []
    fig_dir = out_dir / "figures"
    fig_dir.mkdir(exist_ok=True)
    written += figures.save_figure(
        figures.network_figure(graphs["institutions"], seed=seed, caption=caption),
        fig_dir / "network_institutions",
    )
    for level in ("institutions", "authors"):
        table = centrality[level] if centrality else None
        if table is None:
            from . import metrics

            table = metrics.centrality_table(graphs[level], seed=seed)
        written += figures.save_figure(
            figures.centrality_bars(
                table,
                measure="pagerank",
                top=20,
                caption=caption,
                title=f"{level.capitalize()}: the 20 highest PageRank",
                legend_title="Most frequent affiliation" if level == "authors" else None,
            ),
            fig_dir / f"centrality_{level}",
        )
    counts = network.category_pair_counts(tables["authorships"], tables["works"])
    write_table(counts, out_dir, "collaborations_per_year.csv")
    written += figures.save_figure(
        figures.collaborations_per_year(counts, caption=caption),
        fig_dir / "collaborations_per_year",
    )
    return written


def render_views(
    graphs: dict[str, nx.Graph],
    tables: dict[str, pd.DataFrame],
    out_dir: str | Path,
    *,
    centrality: dict[str, pd.DataFrame] | None = None,
    max_author_nodes: int = 300,
    seed: int = 0,
    progress: Progress = SILENT,
) -> list[Path]:
    """Interactive HTML and static figures for the institution and author graphs."""
    from . import interactive

    out_dir = Path(out_dir)
    synthetic = read_manifest(out_dir).get("data_source") == "synthetic-demo"
    banner = SYNTHETIC_NOTE if synthetic else None
    caption = SYNTHETIC_NOTE if synthetic else None
    written = []
    for level, max_nodes in (("institutions", None), ("authors", max_author_nodes)):
        with progress.stage(f"drawing the {_SINGULAR[level]} map") as done:
            path = interactive.write_network_html(
                graphs[level],
                out_dir / f"network_{level}.html",
                title=f"{level[:-1].capitalize()} co-authorship network",
                works=tables["works"],
                banner=banner,
                max_nodes=max_nodes,
                seed=seed,
            )
            written.append(path)
            done(f"{path.name}, {path.stat().st_size / 2**20:,.1f} MiB")
    with progress.stage("drawing the figures") as done:
        drawn = _draw_figures(graphs, tables, out_dir, centrality, seed, caption)
        done(f"{len(drawn)} files in figures/, collaborations_per_year.csv")
    written += drawn
    update_manifest(
        out_dir,
        "views",
        {"files": [str(Path(p).relative_to(out_dir)) for p in written], "banner": banner},
    )
    return written


# --- stage 5: how close ------------------------------------------------------------------


def how_close(
    G: nx.Graph,
    works: pd.DataFrame,
    *,
    source_category: str = "nl",
    target_category: str = "cn_police",
    k: int = 1,
) -> list[dict]:
    """Shortest evidence paths from every node of one category to every node of another.

    Each path is a dict as :func:`collabnet.metrics.evidence_paths` returns it (``nodes``,
    ``labels``, ``length``, ``hops`` with the works of every hop), plus ``source`` and
    ``target``. Pairs with no path are left out; :func:`how_close_table` lists them too.
    """
    from . import metrics

    sources = sorted(n for n, c in G.nodes(data="category") if c == source_category)
    targets = sorted(n for n, c in G.nodes(data="category") if c == target_category)
    found = []
    for s in sources:
        for t in targets:
            for path in metrics.evidence_paths(G, s, t, k=k, works=works):
                found.append({"source": s, "target": t, **path})
    return found


def institution_time_slices(tables: dict[str, pd.DataFrame], **options) -> pd.DataFrame:
    """:func:`collabnet.metrics.time_slices` of the institution graph as the build draws it.

    The nodes are the build's ``institution_key`` (so labs that OpenAlex did not match but the
    watchlist recognised in the raw text count too); ``options`` go to ``time_slices``.
    """
    from . import metrics

    a = tables["authorships"]
    return metrics.time_slices(
        a.assign(institution_id=a["institution_key"]),
        tables["works"],
        level="institution",
        **options,
    )


def neighbours_table(G: nx.Graph, node, *, category: str | None = None) -> pd.DataFrame:
    """The direct collaborators of ``node`` (optionally of one category), with the works.

    One row per neighbour: ``node``, ``label``, ``category``, ``joint_works``, ``years`` and
    ``works`` (the work ids, ``;``-joined), strongest tie first.
    """
    rows = [
        {
            "node": n,
            "label": G.nodes[n].get("label", n),
            "category": G.nodes[n].get("category"),
            "joint_works": d.get("weight"),
            "years": f"{d.get('first_year')}–{d.get('last_year')}",
            "works": ";".join(d.get("works", [])),
        }
        for n, d in G[node].items()
        if category is None or G.nodes[n].get("category") == category
    ]
    columns = ["node", "label", "category", "joint_works", "years", "works"]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values(["joint_works", "node"], ascending=[False, True], ignore_index=True)


def how_close_table(paths: list[dict]) -> pd.DataFrame:
    """One row per path: endpoints, hops, the path's labels, and the works on each hop.

    ``authors_per_work`` gives each work's team size, hop by hop (``|`` between hops);
    ``consortium_only_hops`` counts the hops resting only on works of more than
    :data:`collabnet.metrics.CONSORTIUM_AUTHORS` authors.
    """
    rows = []
    for p in paths:
        hop_works = [
            "; ".join(w.get("doi") or w["work_id"] for w in hop["works"]) for hop in p["hops"]
        ]
        rows.append(
            {
                "source": p["source"],
                "source_label": p["labels"][0],
                "target": p["target"],
                "target_label": p["labels"][-1],
                "hops": p["length"],
                "path": " → ".join(p["labels"]),
                "works_per_hop": " | ".join(str(len(h["works"])) for h in p["hops"]),
                "authors_per_work": " | ".join(
                    "; ".join(str(w.get("n_authors", "?")) for w in h["works"]) for h in p["hops"]
                ),
                "consortium_only_hops": p.get("consortium_only_hops", 0),
                "evidence_dois": " | ".join(hop_works),
            }
        )
    columns = [
        "source",
        "source_label",
        "target",
        "target_label",
        "hops",
        "path",
        "works_per_hop",
        "authors_per_work",
        "consortium_only_hops",
        "evidence_dois",
    ]
    return pd.DataFrame(rows, columns=columns)


# --- everything ---------------------------------------------------------------------------


def run_build(
    inputs: Sequence[str | Path],
    out_dir: str | Path,
    *,
    skip_bad_records: bool = False,
    overrides: str | Path | None = None,
    max_team_size: int | None = None,
    min_weight: int = 1,
    author_max_team_size: int | None = AUTHOR_MAX_TEAM_SIZE,
    seed: int = 0,
    data_source: str | None = None,
    views: bool = True,
    pivots: int | None = None,
    progress: Progress = SILENT,
) -> dict:
    """Run every stage: tables, graphs, centrality and views. Returns the manifest.

    `progress` reports each stage with its counts and time (``collabnet build`` shows it).
    """
    work_files(inputs)  # fail early, naming the path, when an input does not exist
    out_dir = Path(out_dir)
    tables = build_tables(
        inputs,
        out_dir,
        skip_bad_records=skip_bad_records,
        overrides=overrides,
        data_source=data_source,
        progress=progress,
    )
    options = {
        "max_team_size": max_team_size,
        "min_weight": min_weight,
        "author_max_team_size": author_max_team_size,
    }
    graphs = {}
    for level in LEVELS:
        with progress.stage(f"building the {_SINGULAR[level]} graph") as done:
            G = graphs[level] = build_graph(tables, level, **options)
            done(f"{G.number_of_nodes():,} nodes, {G.number_of_edges():,} ties")
    # first, so the files carry the measures
    centrality = rank_graphs(graphs, out_dir, seed=seed, pivots=pivots, progress=progress)
    write_graphs(graphs, out_dir, options=options, progress=progress)
    if views:
        render_views(graphs, tables, out_dir, centrality=centrality, seed=seed, progress=progress)
    return read_manifest(out_dir)
