"""The DuckDB engine of :mod:`collabnet.snapshot`: a part at a time, out of core.

Each part is read once by DuckDB's JSON reader (``read_ndjson_objects`` keeps every
record's text as it is in the file); :data:`collabnet.snapshot.MATCH_SQL` marks the works
that match, and only those records reach Python. Memory is bounded by DuckDB's
``memory_limit`` (a quarter of the machine's memory unless given) and the size of one
part, whatever the size of the snapshot.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from .snapshot import MATCH_SQL, Part, PartResult, Scan

__all__ = ["scan", "institutions_by_ror", "VIEW_SQL"]

#: The view of one part's works that :data:`collabnet.snapshot.MATCH_SQL` reads.
VIEW_SQL = """
SELECT json AS line,
  json_extract_string(json, '$.id') AS id,
  TRY_CAST(json_extract_string(json, '$.publication_year') AS INTEGER) AS year,
  list_concat(
    json_extract_string(json, '$.authorships[*].institutions[*].lineage[*]'),
    json_extract_string(json, '$.authorships[*].institutions[*].id')
  ) AS institutions,
  json_extract_string(json, '$.authorships[*].institutions[*].ror') AS rors,
  json_extract_string(json, '$.authorships[*].institutions[*].country_code') AS countries
FROM read_ndjson_objects({path}, compression = 'gzip')
"""


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def default_memory_limit() -> str:
    """A quarter of the machine's memory, as DuckDB takes it (``"4GB"``)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        return "4GB"
    return f"{max(1, total // 4 // 2**30)}GB"


def _connect(memory_limit: str | None):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET memory_limit = {_quote(memory_limit or default_memory_limit())}")
    con.execute("SET preserve_insertion_order = false")
    con.execute("CREATE MACRO arrays_overlap(a, b) AS list_has_any(a, b)")
    return con


def scan(parts: list[Part], q: dict, known: dict, *, memory_limit=None, say=None) -> Scan:
    """Read `parts` (oldest partition first) and return what :class:`Scan` holds. `q`: the
    query's values; `known`: ids of works written by an earlier run, to track."""
    import duckdb

    say = say or (lambda text: None)
    con = _connect(memory_limit)
    con.execute(
        "CREATE TEMP TABLE query AS SELECT ?::VARCHAR[] AS q_institutions, "
        "?::VARCHAR[] AS q_rors, ?::VARCHAR[] AS q_countries, ?::VARCHAR[] AS q_with_countries, "
        "?::INTEGER AS q_year_from, ?::INTEGER AS q_year_to",
        [q[k] for k in ("q_institutions", "q_rors", "q_countries", "q_with_countries")]
        + [q["q_year_from"], q["q_year_to"]],
    )
    con.execute("CREATE TEMP TABLE tracked (id VARCHAR PRIMARY KEY)")
    if known:
        con.executemany("INSERT OR IGNORE INTO tracked VALUES (?)", [[i] for i in known])
    results, hits, copies = [], [], []
    ordered = sorted(parts, key=lambda p: (p.updated_date, str(p.path)))
    for n, part in enumerate(ordered, 1):
        t0 = time.perf_counter()
        result = PartResult(str(part.path), part.updated_date, promised=part.promised)
        results.append(result)
        try:
            view = VIEW_SQL.format(path=_quote(str(part.path)))
            con.execute(
                "CREATE OR REPLACE TEMP TABLE cur AS SELECT id, hit, "
                "CASE WHEN hit THEN line END AS line FROM ("
                f"SELECT line, id, coalesce({MATCH_SQL}, false) AS hit "
                f"FROM ({view}) CROSS JOIN query)"
            )
        except duckdb.Error as exc:
            result.error = _short(exc)
            say(f"part {n}/{len(ordered)} {part.path}: {result.error}")
            continue
        result.records = con.execute("SELECT count(*) FROM cur").fetchone()[0]
        found = con.execute("SELECT id, line FROM cur WHERE hit").fetchall()
        result.matched = len(found)
        hits += [(i, part.updated_date, str(part.path), line) for i, line in found]
        others = con.execute(
            "SELECT id FROM cur WHERE NOT hit AND id IN (SELECT id FROM tracked)"
        ).fetchall()
        copies += [(i, part.updated_date, str(part.path)) for (i,) in others]
        con.execute("INSERT OR IGNORE INTO tracked SELECT id FROM cur WHERE hit")
        say(
            f"part {n}/{len(ordered)} {part.path.parent.name}/{part.path.name}: "
            f"{result.records:,} works, {result.matched:,} match "
            f"({time.perf_counter() - t0:.1f} s)"
        )
    con.close()
    return Scan(results, hits, copies, f"duckdb {duckdb.__version__}")


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:297] + "..."


def institutions_by_ror(paths: list[Path], rors: tuple[str, ...]) -> dict:
    """``{ror: OpenAlex institution id}`` (bare ids) from the institutions entity's parts."""
    con = _connect(None)
    wanted = [f"https://ror.org/{r}" for r in rors]
    files = "[" + ", ".join(_quote(str(p)) for p in paths) + "]"
    rows = con.execute(
        "SELECT json_extract_string(json, '$.ror'), json_extract_string(json, '$.id') "
        f"FROM read_ndjson_objects({files}, compression = 'gzip') "
        "WHERE json_extract_string(json, '$.ror') IN (SELECT unnest(?::VARCHAR[]))",
        [wanted],
    ).fetchall()
    con.close()
    return {
        ror.rsplit("/", 1)[-1]: oid.rsplit("/", 1)[-1] for ror, oid in sorted(rows) if ror and oid
    }
