"""Works from a local copy of the OpenAlex snapshot, chosen as ``collabnet fetch`` chooses them.

:func:`extract` scans the works of a snapshot (every layout: the 2026
``data/jsonl/works/updated_date=*/part_NNNN.gz`` and
``data/parquet/works/updated_date=*/part_NNNN.parquet`` with their ``manifest.json`` files,
and the legacy ``data/works/updated_date=*/part_NNN.gz`` with its Redshift-format
``manifest``) and writes the works that match into a folder in the form a harvest takes:
the records exactly as they are in the snapshot (JSON Lines, gzip, in parts; a Parquet
row is written as the JSON object of its columns, which hold the API's fields) and a
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
import shutil
import time
from collections.abc import Callable, Iterable
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
    "NEWEST_SQL",
    "ENGINES",
    "LAYOUTS",
    "ParquetColumns",
    "parquet_columns",
    "parquet_view_fields",
]

ENGINES = ("duckdb", "spark")
LAYOUTS = ("jsonl", "parquet", "legacy")

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

#: The works to write: of every id, the newest copy (partition date, then the record's
#: ``updated_date``, then the file), when that copy matches. The newest copies are found
#: on the keys alone and joined back to their text, so the records never pass through the
#: window (DuckDB spills the rest to disk within its memory limit). ``candidates`` holds every
#: matching copy (``line`` set), every copy of those ids that does not match (``line``
#: null), and the works an earlier run wrote. The same text for every engine.
NEWEST_SQL = """
SELECT candidates.id AS id, candidates.line AS line
FROM candidates JOIN (
  SELECT id, day, updated, path FROM (
    SELECT id, day, updated, path, row_number() OVER (
      PARTITION BY id ORDER BY day DESC, updated DESC, path DESC) AS newest
    FROM candidates
  ) AS ranked
  WHERE newest = 1
) AS kept
  ON candidates.id = kept.id AND candidates.day = kept.day AND candidates.path = kept.path
  AND (candidates.updated = kept.updated OR (candidates.updated IS NULL AND kept.updated IS NULL))
WHERE candidates.line IS NOT NULL
"""

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
    rel: str  # its path inside the works folder: updated_date=YYYY-MM-DD/part_NNNN.gz
    promised: int | None = None  # record_count in the snapshot's manifest

    def identity(self) -> dict:
        """What says that a part was read before: its place, size and promised count."""
        return {"rel": self.rel, "bytes": self.path.stat().st_size, "promised": self.promised}


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


def find_layout(root: str | Path, *, prefer: str | None = None) -> Layout:
    """The works of the snapshot at `root` (the snapshot's folder, its ``data/`` folder,
    ``data/jsonl/``, ``data/parquet/`` or the works folder itself), with the parts its
    manifest lists. Where several copies are present, the JSON Lines one is read (its
    records are the snapshot's text as published) unless `prefer` names another."""
    root = Path(root).resolve()
    if prefer is not None and prefer not in LAYOUTS:
        raise CollabnetError(f"--layout must be one of {', '.join(LAYOUTS)}, got {prefer!r}")
    if not root.is_dir():
        raise InputError(root, "no such folder: give the snapshot's folder (holding data/)")
    found: dict[str, Path] = {}
    if root.name in ("jsonl", "parquet") and (root / "works").is_dir():
        found[root.name] = root / "works"
    for base in (root, root / "data", root / "legacy-data"):
        for name in ("jsonl", "parquet"):
            if (base / name / "works").is_dir():
                found.setdefault(name, base / name / "works")
        if (base / "works").is_dir() and root.name not in ("jsonl", "parquet"):
            found.setdefault("legacy", base / "works")
    if not found and any(_PARTITION.fullmatch(p.name) for p in root.iterdir() if p.is_dir()):
        found[root.parent.name if root.parent.name in ("jsonl", "parquet") else "legacy"] = root
    if not found:
        raise InputError(
            root,
            "no OpenAlex works here: expected data/jsonl/works/updated_date=*/ or "
            "data/parquet/works/updated_date=*/ (2026) or data/works/updated_date=*/ (legacy)",
        )
    if prefer is not None and prefer not in found:
        raise InputError(
            root, f"no {prefer} copy of the works here (found: {', '.join(sorted(found))})"
        )
    name = next(k for k in [prefer, "jsonl", "parquet", "legacy"] if k in found)
    works = found[name]
    layout = _with_manifest(name, works)
    entity = works.parent / "institutions"
    pattern = "updated_date=*/*.parquet" if name == "parquet" else "updated_date=*/*.gz"
    layout.institutions = sorted(entity.glob(pattern)) if entity.is_dir() else []
    return layout


def _on_disk(works: Path, suffix: str) -> list[Part]:
    parts = []
    # part_0000.gz (2026), part_013.gz (2023), 0000_part_00.gz (2021-2022), part_0000.parquet
    for path in sorted(works.glob(f"updated_date=*/*{suffix}")):
        if (
            path.is_file()
            and not path.name.startswith(".")
            and _PARTITION.fullmatch(path.parent.name)
        ):
            parts.append(
                Part(path, path.parent.name.split("=")[1], f"{path.parent.name}/{path.name}")
            )
    return parts


_PART_URL = re.compile(
    r"(?:^|/)works/(updated_date=(\d{4}-\d{2}-\d{2})/[A-Za-z0-9_.\-]+\.(gz|parquet))$"
)


def _with_manifest(name: str, works: Path) -> Layout:
    suffix = ".parquet" if name == "parquet" else ".gz"
    disk = _on_disk(works, suffix)
    manifest, entries, total, date = _read_manifest(name, works)
    if manifest is None:
        return Layout(name, works, None, disk)
    listed, missing, seen = [], [], set()
    for url, promised in entries:
        m = _PART_URL.search(url)
        if not m or "." + m.group(3) != suffix:
            raise InputError(
                manifest,
                f"an entry's url is not a works part (…/works/updated_date=…/*{suffix}): {url!r}",
            )
        if m.group(1) in seen:
            raise InputError(manifest, f"the url {url!r} is listed twice")
        seen.add(m.group(1))
        part = Part(works / m.group(1), m.group(2), m.group(1), promised)
        (listed if part.path.is_file() else missing).append(part)
    if not seen:
        raise InputError(manifest, "the manifest lists no works files")
    unlisted = [p.path for p in disk if p.rel not in seen]
    return Layout(name, works, manifest, listed, missing, unlisted, total, date)


def _count(value, path: Path, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(path, f"{what}: record_count must be a whole number, got {value!r}")
    return value


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
        if not isinstance(doc, dict):
            raise InputError(path, "not an OpenAlex manifest: expected a JSON object")
        if "entities" in doc:  # the combined 2026 manifest: its works entry
            works_entry = [e for e in _list(doc, "entities", path) if isinstance(e, dict)
                           and e.get("entity") == "works"]  # fmt: skip
            if not works_entry:
                raise InputError(path, "the combined manifest has no entry for works")
            doc = {**works_entry[0], "date": doc.get("date")}
        key = "entries" if "entries" in doc else "files"  # Redshift format (legacy) or 2026
        files = []
        for k, e in enumerate(_list(doc, key, path)):
            where = f"{key}[{k}]"
            if not isinstance(e, dict) or not isinstance(e.get("url"), str):
                raise InputError(path, f"{where}: expected an object with a url, got {e!r:.80}")
            meta = e.get("meta") if isinstance(e.get("meta"), dict) else {}
            files.append((e["url"], _count(meta.get("record_count"), path, where)))
        meta = doc.get("meta") if isinstance(doc.get("meta"), dict) else {}
        total = doc.get("record_count", meta.get("record_count"))
        date = doc.get("date") if isinstance(doc.get("date"), str) else None
        return path, files, _count(total, path, "the total"), date
    return None, [], None, None


def _list(doc: dict, key: str, path: Path) -> list:
    value = doc.get(key)
    if not isinstance(value, list):
        raise InputError(path, f"not an OpenAlex works manifest: {key!r} should be a list")
    return value


# --- the run -------------------------------------------------------------------------------


@dataclass
class PartResult:
    """What a scan found in one part."""

    path: str
    rel: str
    updated_date: str
    bytes: int = 0
    records: int | None = None
    matched: int = 0
    without_id: int = 0
    promised: int | None = None
    error: str | None = None


@dataclass
class Scan:
    """What an engine found: each part read, how many matching copies, and the works to
    write (:data:`NEWEST_SQL`), which the engine passes to the writer it is given."""

    parts: list[PartResult]
    matching_copies: int
    written: dict
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


def needles(q: dict) -> list[str] | None:
    """Texts of which a matching record holds at least one: each institution's id or ROR
    followed by the quote that ends it (``I27837315"``), so that the engines parse only the
    records that may match. None when the query names only countries."""
    if q["q_countries"]:
        return None
    ids = [v.rsplit("/", 1)[-1] + '"' for v in (q["q_institutions"] or []) + (q["q_rors"] or [])]
    return ids or None


@dataclass(frozen=True)
class ParquetColumns:
    """Which of the fields the filter reads a Parquet part of works has, besides ``id`` and
    ``authorships[].institutions[].id``, which it must have."""

    publication_year: bool = True
    updated_date: bool = True
    ror: bool = True
    country_code: bool = True
    lineage: bool = True

    @property
    def complete(self) -> bool:
        return all(asdict(self).values())


def parquet_columns(paths: Iterable[Path]) -> ParquetColumns:
    """The fields the filter reads that the Parquet parts at `paths` have (read from their
    footers; a field one part has, a merged schema has). A part without ``id``,
    ``authorships`` or ``authorships[].institutions[].id`` is an error naming it; a part
    whose footer cannot be read is left to the engine, which names the damage."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    found: set[str] = set()
    for path in paths:
        try:
            schema = pq.read_schema(path)
        except (OSError, pa.ArrowException):
            continue
        names = set(schema.names)
        inst: set[str] = set()
        if "authorships" in names:
            t = schema.field("authorships").type
            if pa.types.is_list(t) and pa.types.is_struct(t.value_type):
                one = t.value_type
                k = one.get_field_index("institutions")
                t = one.field(k).type if k >= 0 else None
                if t is not None and pa.types.is_list(t) and pa.types.is_struct(t.value_type):
                    inst = {f.name for f in t.value_type}
        missing = [c for c in ("id", "authorships") if c not in names]
        if not missing and "id" not in inst:
            missing.append("authorships[].institutions[].id")
        if missing:
            raise InputError(
                path, f"not a Parquet part of OpenAlex works: no {', '.join(missing)} column"
            )
        found |= {n for n in ("publication_year", "updated_date") if n in names}
        found |= {n for n in ("ror", "country_code", "lineage") if n in inst}
    return ParquetColumns(**{f: f in found for f in asdict(ParquetColumns())})


#: How each engine's SQL writes what :func:`parquet_view_fields` needs.
_DIALECTS = {
    "duckdb": {
        "lambda": "lambda {x}: {body}", "map": "list_transform", "null": "NULL::{t}",
        "struct": lambda kv: "{" + ", ".join(f"'{k}': {v}" for k, v in kv) + "}",
        "text": "VARCHAR", "texts": "VARCHAR[]", "column": "t.{c}",
    },
    "spark": {
        "lambda": "{x} -> {body}", "map": "transform", "null": "CAST(NULL AS {t})",
        "struct": lambda kv: "named_struct(" + ", ".join(f"'{k}', {v}" for k, v in kv) + ")",
        "text": "STRING", "texts": "ARRAY<STRING>", "column": "{c}",
    },
}  # fmt: skip


def parquet_view_fields(cols: ParquetColumns, dialect: str) -> dict:
    """The expressions (``updated``, ``year``, ``authorships``) by which an engine's view
    reads a Parquet part with `cols`, in `dialect` (``duckdb`` or ``spark``): a field the
    part lacks reads as null, as in a JSON record without it."""
    d = _DIALECTS[dialect]
    col, null = d["column"].format, d["null"].format
    authorships = col(c="authorships")
    if not cols.complete:
        inst = d["struct"](
            [("id", "i.id")]
            + [(name, f"i.{name}" if ok else null(t=d[kind]))
               for name, ok, kind in (("ror", cols.ror, "text"),
                                      ("country_code", cols.country_code, "text"),
                                      ("lineage", cols.lineage, "texts"))]
        )  # fmt: skip
        institutions = f"{d['map']}(a.institutions, {d['lambda'].format(x='i', body=inst)})"
        one = d["struct"]([("institutions", institutions)])
        authorships = f"{d['map']}({authorships}, {d['lambda'].format(x='a', body=one)})"

    def text(name, ok):
        return f"CAST({col(c=name)} AS {d['text']})" if ok else null(t=d["text"])

    return {
        "updated": text("updated_date", cols.updated_date),
        "year": text("publication_year", cols.publication_year),
        "authorships": authorships,
    }


def damaged(path: Path) -> str | None:
    """Why a gzip file cannot be read to its end with its checksums right (a Parquet file:
    why its footer cannot be read), or None."""
    import zlib

    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            pq.ParquetFile(path).metadata  # noqa: B018 - reading it is the check
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds
            return f"damaged Parquet file: {' '.join(str(exc).split())[:200]}"
        return None

    try:
        with gzip.open(path, "rb") as fh:
            while fh.read(1 << 22):
                pass
    except (OSError, EOFError, zlib.error) as exc:
        return f"damaged gzip: {exc}"
    return None


_MEMORY = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


def extract(
    root: str | Path,
    out: str | Path,
    query: SnapshotQuery,
    *,
    engine: str = "duckdb",
    layout: str | None = None,
    allow_partial: bool = False,
    memory_limit: str | None = None,
    spark_master: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write the works of the snapshot at `root` that `query` matches into `out`; return
    the manifest written.

    A part listed but missing, a record count unlike the manifest's or a damaged gzip is
    an error naming the part; with `allow_partial` it is recorded in the manifest and the
    run goes on (and the part is read again next time). Run again into the same `out`
    (with the same query) after the snapshot has grown: the parts read before (the same
    place, size and promised count) are not read again; a newer copy of a work replaces
    the one written, or removes it when the newer copy no longer matches.

    `layout` chooses the copy to read where the snapshot holds several (``jsonl``, the
    default, ``parquet`` or ``legacy``).
    """
    if engine not in ENGINES:
        raise CollabnetError(f"--engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if memory_limit is not None and not _MEMORY.fullmatch(memory_limit.strip()):
        raise CollabnetError(f"--memory-limit {memory_limit!r}: give a size such as 8GB")
    started = time.time()
    say = progress or (lambda text: None)
    layout = find_layout(root, prefer=layout)
    out = Path(out)
    previous = _previous_run(out, query)
    problems = [f"{p.path}: listed in the snapshot's manifest, not on disk" for p in layout.missing]
    _stop_unless(problems, allow_partial)
    if layout.unlisted:
        say(f"{len(layout.unlisted):,} file(s) on disk are not in the manifest and are not read")
    parts = [p for p in layout.parts if p.identity() not in previous["read"]]
    rors = _resolve_rors(layout, query, say) if query.rors else {}
    q = query_row(query, rors)
    before = len(layout.parts) - len(parts)
    say(f"{len(parts):,} part(s) to read with {engine} ({before:,} read before)")
    staging = out / ".collabnet-snapshot-staging"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    previous_files = [out / f for f in previous["files"]]
    try:
        if engine == "duckdb":
            from .snapshot_duckdb import scan

            found = scan(parts, q, previous_files, staging, memory_limit=memory_limit, say=say)
        else:
            from .snapshot_spark import scan

            found = scan(parts, q, previous_files, staging, master=spark_master, say=say)
        for r in found.parts:
            if r.error is None and r.promised is not None and r.records != r.promised:
                r.error = f"{r.records:,} records, the manifest promised {r.promised:,}"
            if r.error:
                problems.append(f"{r.path}: {r.error}")
        _stop_unless(problems, allow_partial)
        log = {
            "query": asdict(query),
            "rors_resolved": rors,
            "match_sql": MATCH_SQL,
            "engine": {"name": engine, "version": found.version},
            "memory_limit": memory_limit if engine == "duckdb" else None,
            "spark_master": spark_master if engine == "spark" else None,
            "parts_read": [asdict(r) for r in found.parts],
            "records_read": sum(r.records or 0 for r in found.parts),
            "records_without_id": sum(r.without_id for r in found.parts),
            "matching_copies": found.matching_copies,
            "older_copies_left_out": found.matching_copies
            + previous["works"]
            - found.written["works"],
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
                "records_written": (
                    "each Parquet row as the JSON object of its columns (DuckDB to_json; "
                    "Spark to_json, nulls kept)"
                    if layout.name == "parquet"
                    else "as published, byte for byte"
                ),
                "works": str(layout.works),
                "manifest": str(layout.manifest) if layout.manifest else None,
                "snapshot_date": layout.snapshot_date,
                "records_promised": layout.promised,
                "parts_listed": len(layout.parts) + len(layout.missing),
                "parts_missing": [str(p.path) for p in layout.missing],
                "parts_not_listed": [str(p) for p in layout.unlisted],
            },
            "queries": previous["queries"] + [log],
            "problems": problems,
            "complete": not problems,
            "unique_works": found.written["works"],
            "files": found.written["files"],
        }
        _swap_in(out, staging, manifest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    say(f"{manifest['unique_works']:,} works written to {out}")
    return manifest


def _stop_unless(problems: list[str], allow_partial: bool) -> None:
    if problems and not allow_partial:
        where, what = problems[0].split(": ", 1)
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InputError(where, what + more + "; --allow-partial records it and goes on")


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _previous_run(out: Path, query: SnapshotQuery) -> dict:
    """What an earlier run into `out` read (its parts are not read again) and wrote."""
    none = {"read": [], "queries": [], "files": [], "works": 0}
    path = out / "manifest.json"
    if out.exists() and not out.is_dir():
        raise InputError(out, "--out is a file: give a folder")
    if not path.is_file():
        if out.exists() and any(p.name != ".collabnet-snapshot-staging" for p in out.iterdir()):
            raise InputError(out, "--out is not empty and holds no snapshot extract")
        return none
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("tool") != "collabnet snapshot":
            raise InputError(path, "--out holds something other than a snapshot extract")
        queries = list(doc["queries"])
        first = queries[0]["query"]
        read = [
            {"rel": r["rel"], "bytes": r["bytes"], "promised": r["promised"]}
            for q in queries
            for r in q["parts_read"]
            if not r.get("error")
        ]
        files = [str(f) for f in doc["files"]]
        works = int(doc["unique_works"])
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, IndexError,
            AttributeError, ValueError) as exc:  # fmt: skip
        raise InputError(
            path, f"the extract's manifest is damaged ({exc!r:.80}): use a new --out"
        ) from exc
    if first != json.loads(json.dumps(asdict(query))):
        raise InputError(path, "--out holds an extract of another query: use a new folder")
    for f in files:
        if not (out / f).is_file():
            raise InputError(
                out / f, "listed in the extract's manifest, not on disk: use a new --out"
            )
    return {"read": read, "queries": queries, "files": files, "works": works}


def _resolve_rors(layout: Layout, query: SnapshotQuery, say) -> dict:
    """``{ror: OpenAlex id}`` from the snapshot's institutions entity; without it, works
    match on their institutions' ROR only (sub-units are then not matched)."""
    if not layout.institutions:
        say(
            "no institutions entity in the snapshot (data/jsonl/institutions/): a ROR matches "
            "that institution only, not its sub-units; give --institution ids to match those"
        )
        return {}
    from .snapshot_duckdb import institutions_by_ror

    found = institutions_by_ror(layout.institutions, query.rors)
    unknown = [r for r in query.rors if r not in found]
    if unknown:
        raise InputError(
            layout.institutions[0].parent.parent,
            f"no institution with ROR {', '.join(unknown)} in the snapshot's institutions",
        )
    return found


class PartWriter:
    """Writes the works, ``(id, line)`` in order, as ``works/part_NNNN.jsonl.gz`` parts of
    :data:`PART_WORKS` into a staging folder (gzip level 1: an extract is written once and
    read a few times; level 6 took twice as long for files a fifth smaller)."""

    BATCH = 5_000

    def __init__(self, staging: Path):
        self.folder = staging / "works"
        self.folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, rows: Iterable[tuple[str, str]]) -> dict:
        rows = iter(rows)
        files, count = [], 0
        while True:
            first = next(rows, None)
            if first is None:
                break
            name = self.folder / f"part_{len(files):04d}.jsonl.gz"
            files.append(f"works/{name.name}")
            with gzip.open(name, "wb", compresslevel=1) as fh:
                n_in, batch = 0, [first[1]]
                for _, line in rows:
                    batch.append(line)
                    if len(batch) >= self.BATCH or n_in + len(batch) >= PART_WORKS:
                        fh.write(("\n".join(batch) + "\n").encode("utf-8"))
                        n_in, batch = n_in + len(batch), []
                        if n_in >= PART_WORKS:
                            break
                if batch:
                    fh.write(("\n".join(batch) + "\n").encode("utf-8"))
                    n_in += len(batch)
            count += n_in
        return {"works": count, "files": files}


def _swap_in(out: Path, staging: Path, manifest: dict) -> None:
    """Put the staged parts and the manifest in place of the folder's old ones; the manifest
    goes last, so a folder whose manifest lists parts has them all."""
    _write_json(staging / "manifest.json", manifest)
    old = out / ".collabnet-snapshot-old"
    if old.exists():
        shutil.rmtree(old)
    old.mkdir()
    for name in ("manifest.json", "works"):
        if (out / name).exists():
            (out / name).replace(old / name)
    (staging / "works").replace(out / "works")
    (staging / "manifest.json").replace(out / "manifest.json")
    shutil.rmtree(old)


def _write_json(path: Path, data) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
