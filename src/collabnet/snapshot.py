"""Works from a local copy of the OpenAlex snapshot, chosen as ``collabnet fetch`` chooses them.

:func:`extract` scans the works of a snapshot (both layouts: the 2026
``data/jsonl/works/updated_date=*/part_NNNN.gz`` with its ``manifest.json`` files, and
the legacy ``data/works/updated_date=*/part_NNN.gz`` with its Redshift-format
``manifest``) and writes the works that match into a folder in the form a harvest takes:
the records exactly as they are in the snapshot (JSON Lines, gzip, in parts) and a
``manifest.json`` with the query, the layout, every part read with its record count
beside what the snapshot's manifest promised, the engine, times and versions.
``collabnet build`` reads that folder as it reads a harvest.

The filter (:data:`MATCH_SQL`) is one SQL expression over a view of the works, the same
text for both engines: DuckDB (embedded, the default: out of core, a part at a time, memory
bounded by ``memory_limit``) and Spark (:mod:`collabnet.snapshot_spark`, for a cluster).
A work matches when one of its authorships has an institution whose ``lineage`` (or id)
holds one of the institutions, and, with ``with_countries``, an authorship has an
institution in one of those countries (the API's ``authorships.institutions.lineage`` and
``authorships.institutions.country_code`` filters, which ``collabnet fetch`` sends), and
its ``publication_year`` is in ``years`` (inclusive).

A work is in one partition of a consistent snapshot. When two copies of an id appear
(partitions of two snapshots side by side), the copy in the newest ``updated_date`` is the
work: it is written if it matches, and an older copy that matches is not; the manifest
counts such copies.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import __version__
from .errors import CollabnetError, InputError

__all__ = [
    "SnapshotQuery",
    "Part",
    "Layout",
    "find_layout",
    "extract",
    "MATCH_SQL",
    "ENGINES",
]

ENGINES = ("duckdb", "spark")

#: Works per output part (``works/part_NNNN.jsonl.gz``).
PART_WORKS = 100_000

#: The filter: one SQL expression, true for a work that matches, the same text for every
#: engine. It reads the view of the works (``year``, ``institutions``: every institution id
#: and lineage id of every authorship, ``rors``, ``countries``) beside one row of the
#: query's values (``q_*``; a null value is no condition). ``arrays_overlap`` is Spark's
#: function; DuckDB gets a macro of that name.
MATCH_SQL = """(
  (arrays_overlap(institutions, q_institutions) OR arrays_overlap(rors, q_rors)
   OR arrays_overlap(countries, q_countries))
  AND (q_with_countries IS NULL OR arrays_overlap(countries, q_with_countries))
  AND (q_year_from IS NULL OR year >= q_year_from)
  AND (q_year_to IS NULL OR year <= q_year_to)
)"""

_PARTITION = re.compile(r"updated_date=(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class SnapshotQuery:
    """What to take from the snapshot: OpenAlex institution ids (``I…``), ROR ids,
    countries of the institutions (``NL``), countries of another authorship's
    institutions (``CN``) and publication years (inclusive)."""

    institutions: tuple[str, ...] = ()
    rors: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    with_countries: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None

    def __post_init__(self):
        if not (self.institutions or self.rors or self.countries):
            raise CollabnetError("name institutions (--institution, --ror) or --country")
        for i in self.institutions:
            if not re.fullmatch(r"I\d+", i):
                raise CollabnetError(f"--institution {i!r}: an OpenAlex id such as I121797337")
        for r in self.rors:
            if not re.fullmatch(r"0[a-z0-9]{6}\d{2}", r):
                raise CollabnetError(f"--ror {r!r}: a ROR id such as 018906e22")
        for c in (*self.countries, *self.with_countries):
            if not re.fullmatch(r"[A-Z]{2}", c):
                raise CollabnetError(f"country {c!r}: a two-letter code such as NL")
        if self.year_from and self.year_to and self.year_from > self.year_to:
            raise CollabnetError(f"--years {self.year_from}-{self.year_to}: from after to")

    @classmethod
    def of(cls, *, institutions=(), rors=(), countries=(), with_countries=(), years=None):
        """A query from command-line values: ids with or without their URL prefix, years
        as ``"2010-2024"`` or ``"2015"``."""
        lo = hi = None
        if years:
            m = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?", str(years))
            if not m:
                raise CollabnetError(f"--years {years!r}: give FROM-TO, e.g. 2010-2024")
            lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        return cls(
            institutions=tuple(_bare(i, "https://openalex.org/").upper() for i in institutions),
            rors=tuple(_bare(r, "https://ror.org/").lower() for r in rors),
            countries=tuple(c.strip().upper() for c in countries),
            with_countries=tuple(c.strip().upper() for c in with_countries),
            year_from=lo,
            year_to=hi,
        )


def _bare(value: str, prefix: str) -> str:
    value = value.strip()
    return value[len(prefix) :] if value.lower().startswith(prefix) else value


@dataclass(frozen=True)
class Part:
    """One file of works: where it is, its partition, and what the manifest says of it."""

    path: Path
    updated_date: str
    url: str | None = None
    promised: int | None = None  # record_count in the snapshot's manifest


@dataclass
class Layout:
    """The works of a snapshot on disk."""

    name: str  # "jsonl" (2026), "parquet" (2026) or "legacy"
    works: Path
    manifest: Path | None
    parts: list[Part]
    missing: list[Part] = field(default_factory=list)  # listed, not on disk
    unlisted: list[Path] = field(default_factory=list)  # on disk, not listed
    promised: int | None = None
    snapshot_date: str | None = None
    institutions: list[Path] = field(default_factory=list)  # the institutions entity's parts


def find_layout(root: str | Path, *, prefer: str = "jsonl") -> Layout:
    """The works of the snapshot at `root` (the snapshot's folder, its ``data/`` folder or
    the works folder itself), with the parts its manifest lists."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(root, "no such folder: give the snapshot's folder (holding data/)")
    found = {}
    for base in (root, root / "data", root / "legacy-data"):
        for name, rel in (("jsonl", "jsonl/works"), ("parquet", "parquet/works")):
            if (base / rel).is_dir() and name not in found:
                found[name] = base / rel
        if (base / "works").is_dir() and "legacy" not in found:
            found["legacy"] = base / "works"
    if not found and _PARTITION.search(" ".join(p.name for p in root.iterdir())):
        kind = root.parent.name if root.parent.name in ("jsonl", "parquet") else "legacy"
        found[kind] = root
    if not found:
        raise InputError(
            root,
            "no OpenAlex works here: expected data/jsonl/works/updated_date=*/ (2026) or "
            "data/works/updated_date=*/ (legacy)",
        )
    order = [prefer] + [k for k in ("jsonl", "parquet", "legacy") if k != prefer]
    name = next(k for k in order if k in found)
    if name == "parquet":
        raise InputError(
            found[name],
            "reading the Parquet copy is not supported yet: point at the JSON Lines copy "
            "(data/jsonl/), whose records are the snapshot's as published",
        )
    works = found[name]
    layout = _with_manifest(name, works)
    entity = works.parent / "institutions"
    layout.institutions = sorted(entity.glob("updated_date=*/part_*.gz")) if entity.is_dir() else []
    return layout


def _on_disk(works: Path) -> list[Part]:
    parts = []
    for path in sorted(works.glob("updated_date=*/part_*")):
        if path.is_file() and not path.name.startswith("."):
            parts.append(Part(path, _PARTITION.search(str(path)).group(1)))
    return parts


def _with_manifest(name: str, works: Path) -> Layout:
    disk = _on_disk(works)
    manifest, entries, total, date = _read_manifest(name, works)
    if manifest is None:
        return Layout(name, works, None, disk)
    listed, missing = [], []
    for url, promised in entries:
        rel = url.split("/works/", 1)[-1]
        m = _PARTITION.search(rel)
        if not m:
            raise InputError(manifest, f"an entry's url names no updated_date partition: {url!r}")
        part = Part(works / rel, m.group(1), url, promised)
        (listed if part.path.is_file() else missing).append(part)
    named = {p.path for p in listed} | {p.path for p in missing}
    unlisted = [p.path for p in disk if p.path not in named]
    return Layout(name, works, manifest, listed, missing, unlisted, total, date)


def _read_manifest(name: str, works: Path):
    """``(path, [(url, record_count)], total, date)`` of the works manifest, or Nones."""
    candidates = [works / "manifest"] if name == "legacy" else [works / "manifest.json"]
    if name != "legacy":
        candidates.append(works.parent / "manifest.json")  # the combined one
    for path in candidates:
        if not path.is_file():
            continue
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(path, f"the snapshot's manifest is not JSON: {exc}") from exc
        try:
            if "entries" in doc:  # Redshift format (legacy)
                files = [(e["url"], e["meta"].get("record_count")) for e in doc["entries"]]
                return path, files, doc.get("meta", {}).get("record_count"), None
            if "entities" in doc:  # combined 2026 manifest
                doc = next(e for e in doc["entities"] if e.get("entity") == "works") | {
                    "date": doc.get("date")
                }
            files = [(f["url"], f["meta"].get("record_count")) for f in doc["files"]]
            return path, files, doc.get("record_count"), doc.get("date")
        except (KeyError, TypeError, StopIteration) as exc:
            raise InputError(
                path, f"not an OpenAlex works manifest (no {exc} where one was expected)"
            ) from exc
    return None, [], None, None


# --- the run -------------------------------------------------------------------------------


@dataclass
class PartResult:
    """What a scan found in one part."""

    path: str
    updated_date: str
    records: int | None = None
    matched: int = 0
    promised: int | None = None
    error: str | None = None


@dataclass
class Scan:
    """What an engine found: each part read, every matching copy ``(id, updated_date, path,
    line)``, and every copy ``(id, updated_date, path)`` of the ids it was asked to track
    (the ids of matching copies and those of an earlier run)."""

    parts: list[PartResult]
    hits: list[tuple[str, str, str, str]]
    copies: list[tuple[str, str, str]]
    version: str


def query_row(query: SnapshotQuery, rors: dict) -> dict:
    """The ``q_*`` values :data:`MATCH_SQL` reads (full OpenAlex URLs, bare RORs)."""
    ids = [f"https://openalex.org/{i}" for i in (*query.institutions, *rors.values())]
    return {
        "q_institutions": ids or None,
        "q_rors": [f"https://ror.org/{r}" for r in query.rors] or None,
        "q_countries": list(query.countries) or None,
        "q_with_countries": list(query.with_countries) or None,
        "q_year_from": query.year_from,
        "q_year_to": query.year_to,
    }


def extract(
    root: str | Path,
    out: str | Path,
    query: SnapshotQuery,
    *,
    engine: str = "duckdb",
    allow_partial: bool = False,
    memory_limit: str | None = None,
    spark_master: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write the works of the snapshot at `root` that `query` matches into `out`; return
    the manifest written.

    A part listed but missing, a record count unlike the manifest's or a damaged gzip is
    an error naming the part; with `allow_partial` it is recorded in the manifest and the
    run goes on. Run again into the same `out` (with the same query) after the snapshot
    has new partitions, and only the parts not read before are read; a newer copy of a
    work replaces the one written (or removes it, when the newer copy no longer matches).
    """
    if engine not in ENGINES:
        raise CollabnetError(f"--engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    started = time.time()
    say = progress or (lambda text: None)
    layout = find_layout(root)
    out = Path(out)
    previous = _previous_run(out, query)
    problems = [f"{p.path}: listed in the snapshot's manifest, not on disk" for p in layout.missing]
    _stop_unless(problems, allow_partial)
    parts = [p for p in layout.parts if str(p.path) not in previous["read"]]
    rors = _resolve_rors(layout, query, say) if query.rors else {}
    q = query_row(query, rors)
    say(f"{len(parts):,} part(s) to read with {engine} ({len(previous['read']):,} read before)")
    if engine == "duckdb":
        from .snapshot_duckdb import scan

        found = scan(parts, q, previous["works"], memory_limit=memory_limit, say=say)
    else:
        from .snapshot_spark import scan

        found = scan(parts, q, previous["works"], master=spark_master, say=say)
    for r in found.parts:
        if r.error:
            problems.append(f"{r.path}: {r.error}")
        elif r.promised is not None and r.records != r.promised:
            problems.append(
                f"{r.path}: {r.records:,} records, the manifest promised {r.promised:,}"
            )
    _stop_unless(problems, allow_partial)
    works, older = _newest(found, previous["works"])
    written = _write(out, works)
    query_log = {
        "query": asdict(query),
        "rors_resolved": rors,
        "match_sql": MATCH_SQL,
        "engine": {"name": engine, "version": found.version},
        "memory_limit": memory_limit if engine == "duckdb" else None,
        "spark_master": spark_master if engine == "spark" else None,
        "parts_read": [asdict(r) for r in found.parts],
        "records_read": sum(r.records or 0 for r in found.parts),
        "matching_copies": len(found.hits),
        "older_copies_left_out": older,
        "started": _iso(started),
        "seconds": round(time.time() - started, 1),
    }
    manifest = {
        "data_source": "openalex-snapshot",
        "tool": "collabnet snapshot",
        "collabnet_version": __version__,
        "snapshot": {
            "root": str(Path(root).resolve()),
            "layout": layout.name,
            "works": str(layout.works),
            "manifest": str(layout.manifest) if layout.manifest else None,
            "snapshot_date": layout.snapshot_date,
            "records_promised": layout.promised,
            "parts_listed": len(layout.parts) + len(layout.missing),
            "parts_missing": [str(p.path) for p in layout.missing],
            "parts_not_listed": [str(p) for p in layout.unlisted],
        },
        "queries": (previous["manifest"] or {}).get("queries", []) + [query_log],
        "problems": problems,
        "complete": not problems,
        "unique_works": len(works),
        "files": written,
    }
    _write_json(out / "manifest.json", manifest)
    say(f"{len(works):,} works written to {out}")
    return manifest


def _stop_unless(problems: list[str], allow_partial: bool) -> None:
    if problems and not allow_partial:
        where, what = problems[0].split(": ", 1)
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InputError(where, what + more + "; --allow-partial records it and goes on")


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _newest(found: Scan, before: dict) -> tuple[list[tuple[str, str]], int]:
    """The works to write, ``(id, line)`` sorted by id: each id's newest copy when it
    matches. `before`: ``{id: (updated_date, line)}`` of an earlier run's output."""
    newest: dict[str, tuple] = {i: (d, "", line) for i, (d, line) in before.items()}
    copies = 0
    for i, date, path, line in found.hits:
        copies += 1
        if i not in newest or (date, path) > newest[i][:2]:
            newest[i] = (date, path, line)
    for i, date, path in found.copies:
        if i in newest and (date, path) > newest[i][:2]:
            newest[i] = (date, path, None)  # a newer copy that does not match
    works = sorted((i, v[2]) for i, v in newest.items() if v[2] is not None)
    return works, copies + len(before) - len(works)


def _previous_run(out: Path, query: SnapshotQuery) -> dict:
    """What an earlier run into `out` read (its parts are not read again) and wrote."""
    path = out / "manifest.json"
    if not path.is_file():
        if out.exists() and any(out.iterdir()):
            raise InputError(out, "--out is not empty and holds no snapshot extract")
        return {"read": set(), "manifest": None, "works": {}}
    doc = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("tool") != "collabnet snapshot":
        raise InputError(path, "--out holds something other than a snapshot extract")
    if doc["queries"] and doc["queries"][0]["query"] != json.loads(json.dumps(asdict(query))):
        raise InputError(path, "--out holds an extract of another query: use a new folder")
    read = {r["path"] for q in doc["queries"] for r in q["parts_read"] if not r.get("error")}
    works = {}
    for name in doc.get("files", []):
        with gzip.open(out / name, "rt", encoding="utf-8") as fh:
            for line in fh:
                line = line.rstrip("\n")
                record = json.loads(line)
                works[record["id"]] = (str(record.get("updated_date") or "")[:10], line)
    return {"read": read, "manifest": doc, "works": works}


def _resolve_rors(layout: Layout, query: SnapshotQuery, say) -> dict:
    """``{ror: OpenAlex id}`` from the snapshot's institutions entity; without it, works
    match on their institutions' ROR only (sub-units are then not matched)."""
    if not layout.institutions:
        say("no institutions entity in the snapshot: the ROR ids match institutions exactly")
        return {}
    from .snapshot_duckdb import institutions_by_ror

    return institutions_by_ror(layout.institutions, query.rors)


def _write(out: Path, works: list[tuple[str, str]]) -> list[str]:
    """Write the works as ``works/part_NNNN.jsonl.gz`` (the folder's parts anew)."""
    folder = out / "works"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("part_*.jsonl.gz"):
        old.unlink()
    files = []
    for start in range(0, len(works), PART_WORKS):
        name = folder / f"part_{len(files):04d}.jsonl.gz"
        tmp = name.with_name(f".{name.name}.tmp")
        with gzip.open(tmp, "wt", encoding="utf-8", newline="\n") as fh:
            for _, line in works[start : start + PART_WORKS]:
                fh.write(line + "\n")
        tmp.replace(name)
        files.append(str(name.relative_to(out)))
    return files


def _write_json(path: Path, data) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
