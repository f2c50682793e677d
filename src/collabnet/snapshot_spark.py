"""The Spark engine of :mod:`collabnet.snapshot`: the same filter as a Spark job.

For snapshots past one machine: ``collabnet snapshot ... --engine spark`` runs locally
(``local[*]``) or on a cluster (``--spark-master spark://host:7077``, ``yarn``, ...) over
the same files, with the same view of the works and the same
:data:`collabnet.snapshot.MATCH_SQL`, and returns what the DuckDB engine returns. Records
are read as text (``spark.read.text``), so each matching record is written exactly as it
is in the snapshot. Needs ``pip install 'collabnet[spark]'`` and a Java runtime.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from urllib.parse import unquote, urlparse

from .errors import CollabnetError
from .snapshot import MATCH_SQL, Part, PartResult, Scan

__all__ = ["scan", "VIEW_SQL", "WORK_SCHEMA"]

#: What the view reads of each work (every other field stays in the record's text).
WORK_SCHEMA = (
    "id STRING, publication_year INT, authorships ARRAY<STRUCT<institutions: "
    "ARRAY<STRUCT<id: STRING, ror: STRING, country_code: STRING, lineage: ARRAY<STRING>>>>>"
)

#: The view of the works that :data:`collabnet.snapshot.MATCH_SQL` reads (as
#: :data:`collabnet.snapshot_duckdb.VIEW_SQL` makes it for DuckDB).
VIEW_SQL = """
SELECT value AS line, path, w.id AS id, w.publication_year AS year,
  concat(
    flatten(transform(w.authorships, a -> flatten(transform(a.institutions,
      i -> coalesce(i.lineage, cast(array() AS ARRAY<STRING>)))))),
    flatten(transform(w.authorships, a -> transform(a.institutions, i -> i.id)))
  ) AS institutions,
  flatten(transform(w.authorships, a -> transform(a.institutions, i -> i.ror))) AS rors,
  flatten(transform(w.authorships, a -> transform(a.institutions, i -> i.country_code)))
    AS countries
FROM (SELECT value, path, from_json(value, '{schema}') AS w FROM raw)
"""


def _session(master: str | None):
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise CollabnetError(
            "--engine spark needs PySpark and Java: pip install 'collabnet[spark]' and a Java "
            "runtime (e.g. apt-get install default-jre-headless)"
        ) from exc
    return (
        SparkSession.builder.master(master or "local[*]")
        .appName("collabnet snapshot")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.files.ignoreCorruptFiles", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )


def _local(uri: str) -> str:
    """The path of a ``file:`` URI as Spark gives it (``file:/x`` or ``file:///x``)."""
    return str(Path(unquote(urlparse(uri).path)))


def damaged(path: Path) -> str | None:
    """Why a gzip file cannot be read to its end, or None (checked in Python, streaming)."""
    try:
        with gzip.open(path, "rb") as fh:
            while fh.read(1 << 20):
                pass
    except (OSError, EOFError, zlib.error) as exc:
        return f"damaged gzip: {exc}"
    return None


def scan(parts: list[Part], q: dict, known: dict, *, master=None, say=None) -> Scan:
    """Read `parts` in one Spark job and return what :class:`collabnet.snapshot.Scan`
    holds. A part Spark cannot read fails the job; the damaged parts are then found and
    left out, each with its error, and the job runs again on the others."""
    say = say or (lambda text: None)
    spark = _session(master)
    spark.sparkContext.setLogLevel("ERROR")
    import pyspark

    results = {
        str(p.path): PartResult(str(p.path), p.updated_date, promised=p.promised) for p in parts
    }
    readable = list(parts)
    try:
        hits, copies, counts = _job(spark, readable, q, known)
    except Exception:  # noqa: BLE001 - Spark wraps every reader error in a Java exception
        say("Spark could not read every part: checking each gzip")
        for p in parts:
            why = damaged(p.path)
            if why:
                results[str(p.path)].error = why
        readable = [p for p in parts if not results[str(p.path)].error]
        if len(readable) == len(parts):
            raise
        hits, copies, counts = _job(spark, readable, q, known)
    date = {str(p.path): p.updated_date for p in parts}
    for path, n in counts.items():
        results[path].records = n
    for p in readable:
        results[str(p.path)].records = results[str(p.path)].records or 0
    for _, path, _ in hits:
        results[path].matched += 1
    say(
        f"Spark read {len(readable):,} part(s): {sum(counts.values()):,} works, {len(hits):,} match"
    )
    return Scan(
        [results[str(p.path)] for p in sorted(parts, key=lambda p: (p.updated_date, str(p.path)))],
        [(i, date[path], path, line) for i, path, line in hits],
        [(i, date[path], path) for i, path in copies],
        f"pyspark {pyspark.__version__}",
    )


def _job(spark, parts: list[Part], q: dict, known: dict):
    from pyspark.sql import functions as F

    if not parts:
        return [], [], {}
    raw = spark.read.text([str(p.path) for p in parts]).withColumn("path", F.input_file_name())
    raw.createOrReplaceTempView("raw")
    spark.sql(VIEW_SQL.format(schema=WORK_SCHEMA)).createOrReplaceTempView("works")
    query = spark.createDataFrame(
        [q],
        "q_institutions ARRAY<STRING>, q_rors ARRAY<STRING>, q_countries ARRAY<STRING>, "
        "q_with_countries ARRAY<STRING>, q_year_from INT, q_year_to INT",
    )
    query.createOrReplaceTempView("query")
    cur = spark.sql(
        f"SELECT id, path, line, coalesce({MATCH_SQL}, false) AS hit FROM works CROSS JOIN query"
    ).cache()
    counts = {_local(r["path"]): r["count"] for r in cur.groupBy("path").count().collect()}
    hits = [
        (r["id"], _local(r["path"]), r["line"])
        for r in cur.filter("hit").select("id", "path", "line").collect()
    ]
    tracked = {i for i, _, _ in hits} | set(known)
    copies = []
    if tracked:
        ids = spark.createDataFrame([(i,) for i in sorted(tracked)], "id STRING")
        others = cur.filter("NOT hit").join(ids, "id", "left_semi").select("id", "path")
        copies = [(r["id"], _local(r["path"])) for r in others.collect()]
    cur.unpersist()
    return hits, copies, counts
