"""The DuckDB engine of :mod:`collabnet.snapshot`: a part at a time, out of core.

Each part is read once by DuckDB's JSON reader (``read_ndjson_objects`` keeps every
record's text as it is in the file), while Python checks the part's gzip checksums beside
it (DuckDB does not); a Parquet part is read by ``read_parquet``.
:data:`collabnet.snapshot.MATCH_SQL` marks the works that match;
their records go to a DuckDB table on disk, never into Python objects, and
:data:`collabnet.snapshot.NEWEST_SQL` streams the works to write. Memory is bounded by
DuckDB's ``memory_limit`` (a quarter of the machine's memory unless given), whatever the
size of the snapshot or of the answer.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .errors import CollabnetError, InputError
from .snapshot import (
    MATCH_SQL,
    NEWEST_SQL,
    Part,
    PartResult,
    PartWriter,
    Scan,
    damaged,
    needles,
    parquet_columns,
    parquet_view_fields,
)

__all__ = ["scan", "institutions_by_ror", "VIEW_SQL"]

#: The view of a file's works that :data:`collabnet.snapshot.MATCH_SQL` reads, over
#: ``{source}``: a file's records as ``line`` (their text), ``id``, ``updated`` and ``w``
#: (the fields the filter reads), from :data:`JSON_SOURCE` or :data:`PARQUET_SOURCE`.
VIEW_SQL = """
SELECT line, id, coalesce(w.updated_date, updated) AS updated,
  TRY_CAST(w.publication_year AS INTEGER) AS year,
  list_concat(
    flatten(list_transform(w.authorships, lambda a: flatten(list_transform(a.institutions,
      lambda i: coalesce(i.lineage, []))))),
    flatten(list_transform(w.authorships, lambda a: list_transform(a.institutions, lambda i: i.id)))
  ) AS institutions,
  flatten(list_transform(w.authorships, lambda a: list_transform(a.institutions, lambda i: i.ror)))
    AS rors,
  flatten(list_transform(w.authorships,
    lambda a: list_transform(a.institutions, lambda i: i.country_code))) AS countries
FROM ({source})
"""

#: A JSON Lines file: a record is parsed (``json_transform``, once) only when its text
#: holds one of the query's ids (``{maybe}``); the id and ``updated_date`` of the others are
#: read from their text, which is kept as it is in the file (``read_ndjson_objects``).
JSON_SOURCE = """
  SELECT json AS line,
    coalesce(nullif(regexp_extract(json, '^\\{{\\s*"id"\\s*:\\s*"([^"]+)"', 1), ''),
             json_extract_string(json, '$.id')) AS id,
    nullif(regexp_extract(json, '"updated_date"\\s*:\\s*"([^"]+)"', 1), '') AS updated,
    CASE WHEN {maybe} THEN json_transform(json, '{schema}') END AS w
  FROM read_ndjson_objects({path}, compression = 'gzip')
"""

#: A Parquet file of the snapshot: its columns are the API's fields; a row's text is the
#: JSON object of its columns.
PARQUET_SOURCE = """
  SELECT to_json(t)::VARCHAR AS line, CAST(t.id AS VARCHAR) AS id, {updated} AS updated,
    {{'updated_date': NULL::VARCHAR, 'publication_year': {year}, 'authorships': {authorships}}}
      AS w
  FROM read_parquet({path}, hive_partitioning = false) AS t
"""


def _parquet_source(path: Path) -> str:
    """:data:`PARQUET_SOURCE` for the part at `path`: fields it lacks (a ``lineage``, a
    ``ror``, ...) read as nulls, as a JSON record without them is read."""
    cols = parquet_columns([path])
    return PARQUET_SOURCE.format(path=_quote(str(path)), **parquet_view_fields(cols, "duckdb"))


#: What the view parses of a JSON record (every other field stays in its text).
SCHEMA = (
    '{"updated_date": "VARCHAR", "publication_year": "VARCHAR", "authorships": '
    '[{"institutions": [{"id": "VARCHAR", "ror": "VARCHAR", "country_code": "VARCHAR", '
    '"lineage": ["VARCHAR"]}]}]}'
)


def _view(path: Path, q: dict) -> str:
    if path.suffix == ".parquet":
        return VIEW_SQL.format(source=_parquet_source(path))
    found = needles(q)
    maybe = " OR ".join(f"contains(json, {_quote(n)})" for n in found) if found else "true"
    source = JSON_SOURCE.format(path=_quote(str(path)), maybe=maybe, schema=SCHEMA)
    return VIEW_SQL.format(source=source)


_BATCH = 10_000


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def default_memory_limit() -> str:
    """A quarter of the machine's memory, as DuckDB takes it (``"4GB"``)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return "4GB"
    return f"{max(1, total // 4 // 2**30)}GB"


def _connect(memory_limit: str | None, database: Path | None = None):
    import duckdb

    con = duckdb.connect(str(database) if database else ":memory:")
    con.execute(f"SET memory_limit = {_quote(memory_limit or default_memory_limit())}")
    if database is not None:
        con.execute(f"SET temp_directory = {_quote(str(database.parent / 'spill'))}")
    con.execute("SET preserve_insertion_order = false")
    con.execute("CREATE MACRO arrays_overlap(a, b) AS list_has_any(a, b)")
    return con


def scan(
    parts: list[Part], q: dict, previous: list[Path], staging: Path, *, memory_limit=None,
    say=None,
) -> Scan:  # fmt: skip
    """Read `parts` (oldest partition first), beside the works an earlier run wrote
    (`previous` files), and write the works to keep into `staging`."""
    import duckdb

    say = say or (lambda text: None)
    con = _connect(memory_limit, staging / "scan.duckdb")
    con.execute(
        "CREATE TABLE query AS SELECT ?::VARCHAR[] AS q_institutions, "
        "?::VARCHAR[] AS q_rors, ?::VARCHAR[] AS q_countries, ?::VARCHAR[] AS q_with_countries, "
        "?::INTEGER AS q_year_from, ?::INTEGER AS q_year_to",
        [q[k] for k in ("q_institutions", "q_rors", "q_countries", "q_with_countries")]
        + [q["q_year_from"], q["q_year_to"]],
    )
    con.execute(
        "CREATE TABLE candidates (id VARCHAR, day VARCHAR, updated VARCHAR, path VARCHAR, "
        "line VARCHAR)"
    )
    con.execute("CREATE TABLE tracked (id VARCHAR PRIMARY KEY)")
    con.execute("CREATE TABLE day_rows (id VARCHAR, day VARCHAR, updated VARCHAR, path VARCHAR)")
    for f in previous:  # the works written before: candidates too, dated by their record
        try:
            con.execute(
                "INSERT INTO candidates SELECT id, substr(updated, 1, 10), updated, '', line "
                f"FROM ({_view(f, q)})"
            )
        except duckdb.Error as exc:
            raise InputError(f, f"a part of the earlier extract cannot be read ({_short(exc)}); "
                             "use a new --out") from exc  # fmt: skip
    con.execute("INSERT OR IGNORE INTO tracked SELECT DISTINCT id FROM candidates")
    results, matching = [], 0
    ordered = sorted(parts, key=lambda p: (p.updated_date, p.rel))
    with ThreadPoolExecutor(1) as checker:
        for n, part in enumerate(ordered, 1):
            if n > 1 and part.updated_date != ordered[n - 2].updated_date:
                _end_of_day(con)
            t0 = time.perf_counter()
            result = PartResult(str(part.path), part.rel, part.updated_date,
                                bytes=part.path.stat().st_size, promised=part.promised)  # fmt: skip
            results.append(result)
            check = checker.submit(damaged, part.path)  # beside DuckDB's read
            try:
                _read_part(con, part, q)
            except duckdb.Error as exc:
                result.error = _short(exc)
            why = check.result()
            if why or result.error:
                result.error = why or result.error
                for table in ("candidates", "day_rows"):
                    con.execute(f"DELETE FROM {table} WHERE path = ?", [str(part.path)])
                say(f"part {n}/{len(ordered)} {part.rel}: {result.error}")
                continue
            result.records, result.without_id, result.matched = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE id IS NULL), "
                "count(*) FILTER (WHERE hit AND id IS NOT NULL) FROM cur"
            ).fetchone()
            matching += result.matched
            say(
                f"part {n}/{len(ordered)} {part.rel}: {result.records:,} works, "
                f"{result.matched:,} match ({time.perf_counter() - t0:.1f} s)"
            )
    _end_of_day(con)
    t0 = time.perf_counter()
    try:
        con.execute("SET threads = 1")  # the sort of the records stays within the memory limit
        cursor = con.execute(NEWEST_SQL + " ORDER BY id")
        written = PartWriter(staging)(_rows(cursor))
    except duckdb.Error as exc:
        raise CollabnetError(
            f"DuckDB could not sort the works to write: {_short(exc)}; give it more memory "
            "(--memory-limit)"
        ) from exc
    say(f"{written['works']:,} works written ({time.perf_counter() - t0:.1f} s)")
    con.close()
    return Scan(results, matching, written, f"duckdb {duckdb.__version__}")


def _read_part(con, part: Part, q: dict) -> None:
    """One part: its rows marked, its matching copies (and the other copies of the ids
    tracked) into ``candidates``."""
    view = _view(part.path, q)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE cur AS SELECT id, updated, hit, "
        "CASE WHEN hit THEN line END AS line FROM ("
        f"SELECT line, id, updated, coalesce({MATCH_SQL}, false) AS hit "
        f"FROM ({view}) CROSS JOIN query)"
    )
    args = [part.updated_date, str(part.path)]
    con.execute(
        "INSERT INTO candidates SELECT id, ?, updated, ?, line FROM cur "
        "WHERE hit AND id IS NOT NULL",
        args,
    )
    # the other copies of the day wait for the day's end: a copy in a file read later the
    # same day may be the one that matches
    con.execute(
        "INSERT INTO day_rows SELECT id, ?, updated, ? FROM cur WHERE NOT hit AND id IS NOT NULL",
        args,
    )
    con.execute(
        "INSERT OR IGNORE INTO tracked SELECT DISTINCT id FROM cur WHERE hit AND id IS NOT NULL"
    )


def _end_of_day(con) -> None:
    """The day's copies that do not match, of the ids that matched: candidates too."""
    con.execute(
        "INSERT INTO candidates SELECT id, day, updated, path, NULL FROM day_rows "
        "WHERE id IN (SELECT id FROM tracked)"
    )
    con.execute("DELETE FROM day_rows")


def _rows(cursor):
    while batch := cursor.fetchmany(_BATCH):
        yield from batch


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:297] + "..."


def institutions_by_ror(paths: list[Path], rors: tuple[str, ...]) -> dict:
    """``{ror: OpenAlex institution id}`` (bare ids) from the institutions entity's parts."""
    import duckdb

    con = _connect(None)
    wanted = [f"https://ror.org/{r}" for r in rors]
    files = "[" + ", ".join(_quote(str(p)) for p in paths) + "]"
    if paths[0].suffix == ".parquet":
        table = (
            f"(SELECT CAST(ror AS VARCHAR) AS ror, CAST(id AS VARCHAR) AS id "
            f"FROM read_parquet({files}, union_by_name = true, hive_partitioning = false))"
        )
    else:
        table = (
            "(SELECT json_extract_string(json, '$.ror') AS ror, "
            "json_extract_string(json, '$.id') AS id "
            f"FROM read_ndjson_objects({files}, compression = 'gzip'))"
        )
    try:
        rows = con.execute(
            f"SELECT ror, id FROM {table} WHERE ror IN (SELECT unnest(?::VARCHAR[]))",
            [wanted],
        ).fetchall()
    except duckdb.Error as exc:
        raise InputError(
            paths[0].parent.parent, f"the institutions entity cannot be read: {_short(exc)}"
        ) from exc
    finally:
        con.close()
    return {
        ror.rsplit("/", 1)[-1]: oid.rsplit("/", 1)[-1] for ror, oid in sorted(rows) if ror and oid
    }
