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
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from . import __version__, config
from .corpus import (
    AUTHOR_COLUMNS,
    AUTHORSHIP_COLUMNS,
    INSTITUTION_COLUMNS,
    WORK_COLUMNS,
    Corpus,
    file_sha256,
    read_corpus,
    work_files,
)
from .errors import CollabnetError, InputError
from .network import Network
from .outputs import (
    MANIFEST,
    TABLE_SCHEMA_VERSION,
    atomic_path,
    check_out_dir,
    final_name,
    read_manifest,
    staged_build,
    update_manifest,
)
from .progress import SILENT, Progress

__all__ = [
    "AUTHOR_MAX_TEAM_SIZE",
    "corpus_summary",
    "LEVELS",
    "TABLES",
    "SYNTHETIC_NOTE",
    "detect_data_source",
    "build_tables",
    "load_tables",
    "node_attributes",
    "build_network",
    "build_graph",
    "build_graphs",
    "load_network",
    "load_graph",
    "load_centrality",
    "rank_graphs",
    "render_views",
    "map_paths",
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
AUTHOR_MAX_TEAM_SIZE = config.AUTHOR_MAX_TEAM_SIZE
_SINGULAR = {"institutions": "institution", "authors": "author", "countries": "country"}
TABLES = ("works", "authorships", "institutions", "authors")
SYNTHETIC_NOTE = "Synthetic demo data: invented works and people, evidence of nothing"
#: Above these sizes the slow, redundant exports are skipped (and the manifest says so).
#: GraphML of a million ties is hundreds of megabytes that Gephi can barely open; the edge
#: CSV and VOSviewer files hold the same ties, and ``export.write_graphml`` still writes
#: any graph on request.
GRAPHML_MAX_EDGES = 1_000_000
GEXF_MAX_EDGES = 50_000
XLSX_MAX_EDGES = 20_000


# --- manifest -----------------------------------------------------------------------------


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
    every title is marked ``[synthetic]``) is synthetic; saved API pages come from the API;
    other files are taken as a snapshot (``--data-source`` says otherwise).
    """
    for raw in inputs:
        log = _harvest_log(raw)
        if log is not None and log.get("data_source") in config.DATA_SOURCES:
            return log["data_source"]
    saved_pages = corpus is not None and any(s.form == "api-page" for s in corpus.sources)
    if corpus is not None and len(corpus.works):
        titles = corpus.works["title"].fillna("")
        if titles.str.startswith("[synthetic]").all():
            return "synthetic-demo"
    if all(str(p) != "-" and Path(p).resolve() == config.DEMO_WORKS.resolve() for p in inputs):
        return "synthetic-demo"
    return "openalex-api" if saved_pages else "openalex-snapshot"


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
    path = out_dir / name
    with atomic_path(path) as tmp:
        export.write_table_csv(table, tmp)
    update_manifest(out_dir, files=[path])
    return path


def write_json(data, out_dir: str | Path, name: str) -> Path:
    """Write a result as ``out_dir/name`` (JSON), wrapped with its ``data_source``."""
    out_dir = Path(out_dir)
    source = read_manifest(out_dir).get("data_source")
    path = out_dir / name
    payload = {"data_source": source, "results": data}
    with atomic_path(path) as tmp:
        text = json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n"
        tmp.write_text(text, "utf-8")
    update_manifest(out_dir, files=[path])
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


#: An institution-graph node of an institution as it was at another time (written by
#: :func:`_institution_keys` from the row's ``category_dates``): ``I123@until-2018-04-15``,
#: ``entry:x@2006-01-01..2018-12-31``.
DATED_KEY = r"@(?:until-|from-)?\d{4}-\d{2}-\d{2}(?:\.\.\d{4}-\d{2}-\d{2})?$"


def _institution_keys(
    authorships: pd.DataFrame,
    entry_institutions: dict[str, str] | None = None,
    today: dict[str, str] | None = None,
    units: pd.Series | None = None,
) -> pd.Series:
    """The institution-graph node of each authorship row.

    The OpenAlex institution when OpenAlex matched one; otherwise the institution that the
    watchlist entry matched by the raw affiliation string stands for, or when the corpus has
    none, the entry itself (``entry:<id>``), so that a police lab OpenAlex did not recognise
    still appears; otherwise, for a watched category found by a pattern (e.g. a provincial
    public security bureau), the normalised raw string itself (``text:<string>``); otherwise
    none (the row stays in the tables, not in the graph).

    A row labelled by a unit named in its raw text rather than by the institution OpenAlex
    matched (`units`, True for such rows: :func:`collabnet.watchlist.names_a_unit`, e.g. a
    fire research institute whose text OpenAlex linked to the MPS itself) is a node of the
    unit, as a row without institution would be: the tie then carries the unit's category.

    A row whose entry had another category in the year of its work than today (`today`:
    entry id -> today's category; e.g. a fire research institute before it left the Ministry
    of Public Security in 2018) is a node of its own for that time, ``<key>@<dates>``
    (``I123@until-2018-04-15``), so that each node has one category that is true for every
    work behind its ties.
    """
    keys = authorships["institution_id"].astype("string")
    entry = authorships.get("category_entry")
    if entry is None:
        return keys
    entry = entry.astype("string")
    from_entry = keys.isna() & entry.notna()
    if units is not None:
        from_entry |= units.to_numpy(dtype=bool) & entry.notna()
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
        .str.replace(r"[\s,.;@]+", " ", regex=True)  # "@" marks an institution at a time
        .str.strip()
    )
    keys = keys.copy()
    keys[from_pattern] = "text:" + normalised
    if today and "category_dates" in authorships.columns:
        rule = authorships["category_rule"].astype("string").fillna("")
        then = entry.map(today).astype("string")
        differs = (authorships["category"].astype("string") != then).fillna(False)
        other_time = (keys.notna() & differs & (rule != "override")).fillna(False).astype(bool)
        if other_time.any():
            when = (
                authorships.loc[other_time, "category_dates"]
                .astype("string")
                .str.replace(" – ", "..", regex=False)
                .str.replace(" ", "-", regex=False)
            )
            keys[other_time] = keys[other_time] + "@" + when
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


def corpus_summary(counts: dict) -> str:
    """One line on what was read: works, authorships, files, what was set aside."""
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
        done(corpus_summary(corpus.counts))
    source = data_source or detect_data_source(inputs, corpus)
    with progress.stage("classifying institutions and affiliations") as done:
        institutions, authorships, review = watchlist.classify_tables(
            corpus.institutions, corpus.authorships, reg, fixes, works=corpus.works
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
    inst_entry = institutions.drop_duplicates("institution_id").set_index("institution_id")
    authorships["institution_key"] = _institution_keys(
        authorships,
        _entry_institutions(institutions, reg),
        {eid: e.category for eid, e in reg.entries.items() if e.periods},
        watchlist.names_a_unit(
            reg,
            authorships["institution_id"].map(inst_entry["category_entry"]),
            authorships["category_entry"],
        ),
    )
    tables = {
        "works": corpus.works,
        "authorships": authorships,
        "institutions": institutions,
        "authors": corpus.authors,
    }
    written = []
    for name, df in tables.items():
        with atomic_path(out_dir / f"{name}.parquet") as tmp:
            df.to_parquet(tmp, index=False)
        written.append(out_dir / f"{name}.parquet")

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
            "schema_version": TABLE_SCHEMA_VERSION,
        },
        files=written,
        data_source=source,
        versions=_versions(),
    )
    write_table(review, out_dir, "classification_review.csv")
    return tables


_REQUIRED_COLUMNS = {
    "works": [*WORK_COLUMNS],
    "authorships": [
        *AUTHORSHIP_COLUMNS,
        "category",
        "category_rule",
        "institution_key",
        "category_dates",
        "designations",
        "category_date_flag",
    ],
    "institutions": [
        *INSTITUTION_COLUMNS,
        "category",
        "category_rule",
        "category_source",
        "category_changes",
        "designations",
    ],
    "authors": [*AUTHOR_COLUMNS],
}


def load_tables(out_dir: str | Path) -> dict[str, pd.DataFrame]:
    """Read the four tables written by :func:`build_tables`.

    Tables of another schema version (an older collabnet), with missing columns, or that
    cannot be read (a truncated file) are refused with one line that says to rebuild.
    """
    out_dir = Path(out_dir)
    rebuild = "rebuild them with `collabnet build WORKS --out DIR` (or notebook 01)"
    manifest = read_manifest(out_dir)
    if manifest.get("status") == "incomplete":
        raise InputError(out_dir, f"a build into this folder did not finish: {rebuild}")
    version = (manifest.get("tables") or {}).get("schema_version")
    if manifest and version != TABLE_SCHEMA_VERSION:
        raise InputError(
            out_dir,
            f"the tables are of schema version {version or 1} (collabnet "
            f"{manifest.get('collabnet_version', 'unknown')}); this collabnet reads version "
            f"{TABLE_SCHEMA_VERSION}: {rebuild}",
        )
    tables = {}
    for name in TABLES:
        path = out_dir / f"{name}.parquet"
        if not path.is_file():
            raise InputError(path, f"missing: {rebuild}")
        try:
            tables[name] = pd.read_parquet(path)
        except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
            raise InputError(path, f"cannot be read ({str(exc)[:120]}): {rebuild}") from None
        missing = [c for c in _REQUIRED_COLUMNS[name] if c not in tables[name].columns]
        if missing:
            raise InputError(path, f"has no column {', '.join(missing)}: {rebuild}")
    return tables


# --- stage 2: graphs ----------------------------------------------------------------------


def _designations_of(rows: pd.DataFrame) -> pd.Series:
    """Per ``institution_key``, every designation its rows carry (each in force in a year of
    a work), once each, in order of first appearance."""

    def joined(values) -> str:
        seen = dict.fromkeys(d for v in values if v for d in str(v).split("; "))
        return "; ".join(seen)

    return rows.groupby("institution_key")["designations"].agg(joined)


def _dated_nodes(rows: pd.DataFrame, nodes: pd.DataFrame) -> pd.DataFrame:
    """The nodes of institutions as they were at another time (``<key>@<dates>``, see
    :func:`_institution_keys`): the institution's attributes with the category of that time
    and its dates in the label."""
    first = rows.groupby("institution_key").first()
    base = first.index.str.split("@").str[0]
    known = pd.Series(base, index=first.index).isin(nodes.index)

    def of(column, default):
        values = nodes[column].reindex(base).to_numpy() if column in nodes else [None] * len(base)
        return pd.Series(values, index=first.index).where(known.values, default)

    label = of("label", first["category_entry_name"]).fillna(first.index.to_series())
    return pd.DataFrame(
        {
            "label": label + " (" + first["category_dates"].astype(str) + ")",
            "category": first["category"],
            "category_rule": first["category_rule"],
            "category_source": first.get("category_source"),
            "country_code": of("country_code", first["country_code"]),
            # the ROR names the institution today: it finds the undated node
            "ror": None,
            "matched_by": "as it was " + first["category_dates"].astype(str),
            "category_changes": of("category_changes", ""),
            "designations": of("designations", ""),
        }
    )


def node_attributes(tables: dict[str, pd.DataFrame], level: str) -> pd.DataFrame:
    """Node attributes (``label``, ``category``, ...) of institutions or authors, by node id.

    Institutions carry their watchlist category with the rule and source that gave it; text-only
    matches (``entry:<id>``) say ``matched_by = "raw affiliation text"``. An author's category is
    the category of most of their works (ties: in ``config.CATEGORIES`` order);
    ``categories`` lists all of them with their numbers of works, most first (e.g.
    ``"nl (3); cn_police (1)"``), both from :func:`collabnet.network.author_categories`;
    ``institutions`` names up to five of their institutions, most authorship rows first
    (ties alphabetical). (Countries: see
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
                "category_changes": inst.get("category_changes", ""),
                "designations": inst.get("designations", ""),
            }
        )
        dated = a["institution_key"].str.contains(DATED_KEY, na=False)
        text = a[a["institution_key"].str.contains(r"^(?:entry|text):", na=False) & ~dated]
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
                    # the designations in force in the years of its works
                    "designations": _designations_of(text) if "designations" in text else "",
                }
            )
            nodes = pd.concat([nodes, extra])
        if dated.any():
            nodes = pd.concat([nodes, _dated_nodes(a[dated], nodes)])
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


def build_network(
    tables: dict[str, pd.DataFrame],
    level: str,
    *,
    max_team_size: int | None = None,
    min_weight: int = 1,
    author_max_team_size: int | None = AUTHOR_MAX_TEAM_SIZE,
) -> Network:
    """The co-authorship network of one level (``institutions``, ``authors``,
    ``countries``): a :class:`collabnet.network.Network` (nodes table, ties as arrays).

    Works with more than `max_team_size` authors add no tie at any level; in the author
    network, works with more than `author_max_team_size` (default 100) add none either
    (``None``: no limit). They still count in each node's ``n_works`` and are listed in
    ``net.graph["excluded_hyperauthored_works"]``. :func:`build_graph` gives the same
    network as a networkx graph.

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
        net = network.country_network(a, tables["works"], **options)
    else:
        memberships = pd.DataFrame(
            {"work_id": a["work_id"], "node": a[_NODE_COLUMN[level]], "author_id": a["author_id"]}
        )
        net = network.coauthorship_network(
            memberships, tables["works"], node_attributes(tables, level), **options
        )
    net.graph["level"] = level
    return net


def build_graph(
    tables: dict[str, pd.DataFrame],
    level: str,
    *,
    max_team_size: int | None = None,
    min_weight: int = 1,
    author_max_team_size: int | None = AUTHOR_MAX_TEAM_SIZE,
) -> nx.Graph:
    """The co-authorship graph of one level as a networkx graph:
    ``build_network(...).to_networkx()`` (see :func:`build_network`)."""
    return build_network(
        tables,
        level,
        max_team_size=max_team_size,
        min_weight=min_weight,
        author_max_team_size=author_max_team_size,
    ).to_networkx()


def build_graphs(tables, *, levels: Iterable[str] = LEVELS, **options) -> dict[str, nx.Graph]:
    """:func:`build_graph` for each level."""
    return {level: build_graph(tables, level, **options) for level in levels}


def load_network(
    out_dir: str | Path, level: str = "institutions", *, tables: dict | None = None
) -> Network:
    """Rebuild a level's network from the tables in ``out_dir`` with the build's counting
    options, with the measures of its centrality table on the nodes when the folder has one.

    The Parquet tables are the record; the network is derived from them in about a second,
    with the evidence lists intact (GraphML keeps them only as joined text). Pass `tables`
    when they are already read (:func:`load_tables`), so they are read once.
    """
    level = level if level.endswith("s") else level + "s"
    options = (read_manifest(out_dir).get("graphs") or {}).get("options") or {}
    net = build_network(tables if tables is not None else load_tables(out_dir), level, **options)
    ranking = load_centrality(out_dir, level)
    if ranking is not None:
        for column in CENTRALITY_MEASURES:
            if column in ranking.columns:
                values = dict(zip(ranking["node"], ranking[column], strict=True))
                net.set_node_values(column, values)
    return net


def load_graph(
    out_dir: str | Path, level: str = "institutions", *, tables: dict | None = None
) -> nx.Graph:
    """:func:`load_network` as a networkx graph (``load_network(...).to_networkx()``)."""
    return load_network(out_dir, level, tables=tables).to_networkx()


def _set_node_values(G: Network | nx.Graph, column: str, values: dict) -> None:
    """``nx.set_node_attributes(G, values, column)``, or into a Network's nodes table."""
    if isinstance(G, Network):
        G.set_node_values(column, values)
    else:
        nx.set_node_attributes(G, values, column)


def _node_values(G: Network | nx.Graph, column: str) -> dict:
    """``{node: value}`` of the node attribute `column`, for the nodes that have it."""
    if isinstance(G, Network):
        return G.node_values(column)
    return nx.get_node_attributes(G, column)


#: The measures of a centrality table that :func:`load_graph` puts on the nodes.
CENTRALITY_MEASURES = ("degree", "strength", "betweenness", "closeness", "eigenvector", "pagerank")


def load_centrality(out_dir: str | Path, level: str) -> pd.DataFrame | None:
    """The centrality table ``centrality_<level>.csv`` the build (or notebook 03) wrote, or
    None when there is none; node ids read as text."""
    path = Path(out_dir) / f"centrality_{level}.csv"
    if not path.is_file():
        return None
    table = pd.read_csv(path, dtype={"node": str, "label": str, "category": str})
    return table.drop(columns=["data_source"], errors="ignore")


def write_graphs(
    graphs: dict[str, Network | nx.Graph],
    out_dir: str | Path,
    *,
    options: dict,
    works: pd.DataFrame | None = None,
    progress: Progress = SILENT,
) -> None:
    """Write each graph's files (GraphML, GEXF, VOSviewer, edges CSV/XLSX) and the
    ``graphs`` manifest section. `works` (read from ``works.parquet`` when not given)
    gives each tie's DOIs and team sizes."""
    out_dir = Path(out_dir)
    info = {"options": options}
    manifest = read_manifest(out_dir)
    if works is None and (out_dir / "works.parquet").is_file():
        works = pd.read_parquet(out_dir / "works.parquet")
    written: list[Path] = []
    for level, G in graphs.items():
        if manifest.get("data_source"):
            G.graph["data_source"] = manifest["data_source"]
        with progress.stage(f"writing the {_SINGULAR[level]} graph's files") as done:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                files, skipped = _write_graph_files(G, level, out_dir, works)
            replaced = _replaced_characters(caught)
            done(", ".join(p.name for p in files))
            if skipped:
                done("not written: " + ", ".join(skipped))
        written += files
        info[level] = _graph_info(G, skipped)
        info[level]["characters_replaced"] = replaced
    update_manifest(out_dir, "graphs", info, files=written)


def _replaced_characters(caught) -> dict[str, int]:
    """Per file, how many values or characters a format could not hold (written as U+FFFD);
    every other warning is passed on as it came."""
    from .export import ReplacedCharactersWarning

    replaced: dict[str, int] = {}
    for w in caught:
        if issubclass(w.category, ReplacedCharactersWarning) and w.message.path is not None:
            name = final_name(w.message.path)
            replaced[name] = replaced.get(name, 0) + w.message.count
            _log.warning("%s: %d character(s) or value(s) written as U+FFFD", name, w.message.count)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return replaced


def _write_graph_files(
    G: Network | nx.Graph, level: str, out_dir: Path, works
) -> tuple[list, list]:
    """GraphML, GEXF, VOSviewer, CSV and XLSX files of one graph, each written under a
    temporary name and renamed; returns the files written and the files skipped (why).

    GEXF repeats GraphML (Gephi reads both) and takes as long again; XLSX is slow and a
    spreadsheet of that many rows is no use: large graphs get the CSV and VOSviewer files
    (and GraphML up to GRAPHML_MAX_EDGES). A skipped file of an earlier build is removed,
    so the folder never shows an outdated graph.
    """
    from . import export

    written, skipped = [], []
    converted: list = []

    def as_networkx():
        # GEXF, VOSviewer JSON and XLSX are written from networkx (small graphs only):
        # the network is converted once for the three
        if not converted:
            converted.append(G.to_networkx() if isinstance(G, Network) else G)
        return converted[0]

    vos_map, vos_net = (
        out_dir / f"vosviewer_{level}_map.txt",
        out_dir / f"vosviewer_{level}_network.txt",
    )
    vos_json = out_dir / f"vosviewer_{level}.json"
    if G.number_of_nodes() < export.VOSVIEWER_MIN_ITEMS:  # a map VOSviewer refuses
        for path in (vos_map, vos_net, vos_json):
            path.unlink(missing_ok=True)
            skipped.append(f"{path.name} (fewer than {export.VOSVIEWER_MIN_ITEMS} nodes)")
    else:
        with atomic_path(vos_map) as map_tmp, atomic_path(vos_net) as net_tmp:
            export.write_vosviewer(G, map_tmp, net_tmp)
        written += [vos_map, vos_net]
        if G.number_of_edges() <= GEXF_MAX_EDGES:
            with atomic_path(vos_json) as tmp:
                export.write_vosviewer_json(as_networkx(), tmp, works)
            written.append(vos_json)
        else:
            vos_json.unlink(missing_ok=True)
            skipped.append(f"{vos_json.name} (more than {GEXF_MAX_EDGES:,} ties)")
    for name, limit, write in (
        (f"graph_{level}.graphml", GRAPHML_MAX_EDGES, lambda p: export.write_graphml(G, p)),
        (f"edges_{level}.csv", None, lambda p: export.write_edges_csv(G, p, works)),
        (f"graph_{level}.gexf", GEXF_MAX_EDGES, lambda p: export.write_gexf(as_networkx(), p)),
        (
            f"edges_{level}.xlsx",
            XLSX_MAX_EDGES,
            lambda p: export.write_edges_xlsx(as_networkx(), p, works),
        ),
    ):
        path = out_dir / name
        if limit is not None and G.number_of_edges() > limit:
            path.unlink(missing_ok=True)
            skipped.append(f"{name} (more than {limit:,} ties)")
            if name.endswith(".graphml"):  # the file Gephi users look for first
                _log.warning(
                    "%s not written: %s ties (more than %s); the ties are in edges_%s.csv",
                    name,
                    f"{G.number_of_edges():,}",
                    f"{limit:,}",
                    level,
                )
            continue
        with atomic_path(path) as tmp:
            write(tmp)
        written.append(path)
    return written, skipped


def _graph_info(G: Network | nx.Graph, skipped: list) -> dict:
    """A graph's entry in the manifest's ``graphs`` section."""
    from . import network

    isolates, components = network.count_isolates_and_components(G)
    excluded = list(G.graph.get("excluded_hyperauthored_works", []))
    return {
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
        "isolates": isolates,
        "components": components,
        "max_team_size": G.graph.get("max_team_size"),
        "excluded_hyperauthored_works": len(excluded),
        "excluded_hyperauthored_work_ids": excluded[:1000],
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


_DISTANCE = {"fractional": "auto", "full": "weight"}


def rank_graphs(
    graphs: dict[str, Network | nx.Graph],
    out_dir: str | Path,
    *,
    levels: Iterable[str] = ("institutions", "authors"),
    seed: int = 0,
    pivots: int | None = None,
    counting: str = "fractional",
    progress: Progress = SILENT,
) -> dict[str, pd.DataFrame]:
    """Centrality tables for each level: written as ``centrality_<level>.csv`` and set on nodes.

    `pivots`: see :func:`collabnet.metrics.centrality_table` (``k``). `counting`: the tie
    strength behind betweenness and closeness distances, ``"fractional"`` (Newman) or
    ``"full"`` (joint works).
    """
    from . import metrics

    out_dir = Path(out_dir)
    tables, info = {}, {}
    for level in levels:
        G = graphs[level]
        with progress.stage(f"ranking the {_SINGULAR[level]} graph") as done:
            table = metrics.centrality_table(
                G, seed=seed, k=pivots, distance=_DISTANCE[counting], progress=progress
            )
            done(_ranking_summary(table.attrs))
        for column in table.columns:
            if column not in ("node", "label", "category"):
                _set_node_values(G, column, dict(zip(table["node"], table[column], strict=True)))
        out = table.copy()
        for column in ("category_rule", "category_source", "matched_by", "ror", "country_code"):
            values = _node_values(G, column)
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


def _save_figure(fig, base: Path) -> list[Path]:
    """:func:`collabnet.figures.save_figure` under temporary names, renamed when both are
    written."""
    from . import figures

    tmp = base.with_name(f".{base.name}.tmp")
    paths = []
    try:
        for written in figures.save_figure(fig, tmp):
            paths.append(base.with_name(base.name + written.suffix))
            written.replace(paths[-1])
    finally:
        for leftover in tmp.parent.glob(f"{tmp.name}.*"):
            leftover.unlink(missing_ok=True)
    return paths


def _draw_figures(graphs, tables, out_dir: Path, centrality, seed: int, caption) -> list[Path]:
    """The static figures (and ``collaborations_per_year.csv``) of :func:`render_views`."""
    from . import figures, network

    written: list[Path] = []
    fig_dir = out_dir / "figures"
    fig_dir.mkdir(exist_ok=True)
    written += _save_figure(
        figures.network_figure(graphs["institutions"], seed=seed, caption=caption),
        fig_dir / "network_institutions",
    )
    for level in ("institutions", "authors"):
        table = centrality[level] if centrality else None
        if table is None:
            from . import metrics

            table = metrics.centrality_table(graphs[level], seed=seed)
        written += _save_figure(
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
    written += _save_figure(
        figures.collaborations_per_year(counts, caption=caption),
        fig_dir / "collaborations_per_year",
    )
    return written


def _excluded_note(G: Network | nx.Graph) -> str | None:
    """What a map does not draw: the works too large to add ties at this level."""
    excluded = len(G.graph.get("excluded_hyperauthored_works", []))
    if not excluded:
        return None
    return (
        f"{excluded:,} work(s) of more than {G.graph.get('max_team_size'):,} authors add no "
        "ties to this map (consortium papers; listed in manifest.json). They count in each "
        "node's works."
    )


def map_paths(G: Network | nx.Graph, works: pd.DataFrame | None = None) -> list[dict]:
    """The paths the institution map shows: from each Dutch institution to the nearest
    police-linked one (:func:`collabnet.metrics.nearest_paths`), at most 100."""
    from . import metrics

    H = G.to_networkx() if isinstance(G, Network) else G
    return metrics.nearest_paths(H, "nl", "cn_police", works=works)


def render_views(
    graphs: dict[str, Network | nx.Graph],
    tables: dict[str, pd.DataFrame],
    out_dir: str | Path,
    *,
    centrality: dict[str, pd.DataFrame] | None = None,
    max_nodes: int = 20_000,
    max_ties: int = 200_000,
    seed: int = 0,
    progress: Progress = SILENT,
) -> list[Path]:
    """The explorer pages (:mod:`collabnet.explorer`) and static figures for the
    institution and author graphs. Each page draws up to `max_nodes` nodes and
    `max_ties` ties (the most central and the strongest above that; search reaches
    every node); the institution page has the Dutch → police-linked paths layer."""
    from . import explorer

    out_dir = Path(out_dir)
    synthetic = read_manifest(out_dir).get("data_source") == "synthetic-demo"
    banner = SYNTHETIC_NOTE if synthetic else None
    caption = SYNTHETIC_NOTE if synthetic else None
    written = []
    for level in ("institutions", "authors"):
        with progress.stage(f"drawing the {_SINGULAR[level]} map") as done:
            G = graphs[level]
            paths = map_paths(G, tables["works"]) if level == "institutions" else None
            path = out_dir / f"network_{level}.html"
            with atomic_path(path) as tmp:
                explorer.write_explorer_html(
                    G,
                    tmp,
                    title=f"{level[:-1].capitalize()} co-authorship network",
                    works=tables["works"],
                    banner=banner,
                    note=_excluded_note(G),
                    paths=paths,
                    max_nodes=max_nodes,
                    max_ties=max_ties,
                    seed=seed,
                )
            written.append(path)
            shown = f", {len(paths):,} paths" if paths else ""
            done(f"{path.name}, {path.stat().st_size / 2**20:,.1f} MiB{shown}")
    with progress.stage("drawing the figures") as done:
        drawn = _draw_figures(graphs, tables, out_dir, centrality, seed, caption)
        done(f"{len(drawn)} files in figures/, collaborations_per_year.csv")
    written += drawn
    update_manifest(
        out_dir,
        "views",
        {"files": [str(Path(p).relative_to(out_dir)) for p in written], "banner": banner},
        files=written,
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
    ``labels``, ``length``, ``hops`` with the works of every hop), plus ``source``,
    ``target`` and ``designations`` (node -> its designations with their dates, for the
    nodes of the path that have any). Pairs with no path are left out;
    :func:`how_close_table` lists them too.
    """
    from . import metrics

    sources = sorted(n for n, c in G.nodes(data="category") if c == source_category)
    targets = sorted(n for n, c in G.nodes(data="category") if c == target_category)
    found = []
    for s in sources:
        for t in targets:
            for path in metrics.evidence_paths(G, s, t, k=k, works=works):
                listed = {
                    n: G.nodes[n]["designations"]
                    for n in path["nodes"]
                    if isinstance(G.nodes[n].get("designations"), str)
                    and G.nodes[n]["designations"]
                }
                found.append({"source": s, "target": t, **path, "designations": listed})
    return found


def institution_time_slices(tables: dict[str, pd.DataFrame], **options) -> pd.DataFrame:
    """:func:`collabnet.metrics.time_slices` of the institution graph as the build draws it.

    The nodes are the build's ``institution_key`` (so labs that OpenAlex did not match but the
    watchlist recognised in the raw text count too), with the build's node attributes
    (:func:`node_attributes`); ``options`` go to ``time_slices``.
    """
    from . import metrics

    return metrics.time_slices(
        tables["authorships"],
        tables["works"],
        node_attributes(tables, "institutions"),
        node_column=_NODE_COLUMN["institutions"],
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


def _team_text(work: dict) -> str:
    """A work's team size as a table shows it: ``12``, ``100+`` (OpenAlex cut the list) or
    ``?``."""
    n = work.get("n_authors")
    if n is None:
        return "?"
    return f"{n}+" if work.get("authors_truncated") else str(n)


def how_close_table(paths: list[dict]) -> pd.DataFrame:
    """One row per path: endpoints, hops, the path's labels, and the works on each hop.

    ``authors_per_work`` gives each work's team size, hop by hop (``|`` between hops);
    ``consortium_only_hops`` counts the hops resting only on works of more than
    :data:`collabnet.metrics.CONSORTIUM_AUTHORS` authors; ``designations`` lists the
    designations of the path's institutions with their dates (compare them with the years of
    the works).
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
                    "; ".join(_team_text(w) for w in h["works"]) for h in p["hops"]
                ),
                "consortium_only_hops": p.get("consortium_only_hops", 0),
                "evidence_dois": " | ".join(hop_works),
                "designations": " | ".join(
                    f"{label}: {p['designations'][n]}"
                    for n, label in zip(p["nodes"], p["labels"], strict=True)
                    if n in (p.get("designations") or {})
                ),
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
        "designations",
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
    counting: str = "fractional",
    force: bool = False,
    keep_failed: bool = False,
    progress: Progress = SILENT,
) -> dict:
    """Run every stage: tables, graphs, centrality and views. Returns the manifest.

    Every option and input is checked before anything is written. The outputs are written
    into a staging folder beside `out_dir` and moved in only when every stage has succeeded
    (:func:`collabnet.outputs.staged_build`): on an error or Ctrl-C the previous outputs
    stay as they were. `force` builds into a non-empty folder that holds no collabnet build
    (its files are left alone); `keep_failed` keeps the staging folder of a failed build.
    `counting` ("fractional" or "full") is the tie strength behind the distances of
    betweenness and closeness (see :func:`rank_graphs`).
    `progress` reports each stage with its counts and time (``collabnet build`` shows it).
    """
    options = {
        "max_team_size": max_team_size,
        "min_weight": min_weight,
        "author_max_team_size": author_max_team_size,
    }
    _check_options(**options, pivots=pivots)
    if counting not in _DISTANCE:
        raise CollabnetError(f"counting must be 'fractional' or 'full', got {counting!r}")
    work_files(inputs)  # fail early, naming the path, when an input does not exist
    out_dir = check_out_dir(out_dir, force=force)
    with staged_build(out_dir, keep_failed=keep_failed) as stage:
        tables = build_tables(
            inputs,
            stage,
            skip_bad_records=skip_bad_records,
            overrides=overrides,
            data_source=data_source,
            progress=progress,
        )
        graphs = {}
        for level in LEVELS:
            with progress.stage(f"building the {_SINGULAR[level]} graph") as done:
                G = graphs[level] = build_network(tables, level, **options)
                done(_graph_summary(G))
        # first, so the files carry the measures
        centrality = rank_graphs(
            graphs, stage, seed=seed, pivots=pivots, counting=counting, progress=progress
        )
        write_graphs(graphs, stage, options=options, works=tables["works"], progress=progress)
        if views:
            render_views(graphs, tables, stage, centrality=centrality, seed=seed, progress=progress)
    return read_manifest(out_dir)


def _check_options(*, max_team_size, min_weight, author_max_team_size, pivots) -> None:
    for name, value in (
        ("max_team_size", max_team_size),
        ("author_max_team_size", author_max_team_size),
        ("pivots", pivots),
    ):
        if value is not None and (not isinstance(value, int) or value < 1):
            raise CollabnetError(f"{name} must be a whole number of at least 1, got {value!r}")
    if not isinstance(min_weight, int) or min_weight < 1:
        raise CollabnetError(f"min_weight must be a whole number of at least 1, got {min_weight!r}")


def _graph_summary(G: Network | nx.Graph) -> str:
    text = f"{G.number_of_nodes():,} nodes, {G.number_of_edges():,} ties"
    excluded = len(G.graph.get("excluded_hyperauthored_works", []))
    if excluded:
        text += (
            f" ({excluded:,} work(s) of more than {G.graph.get('max_team_size'):,} authors add "
            "no ties here; see --author-max-team-size / --max-team-size)"
        )
    return text
