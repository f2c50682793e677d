"""The Spark engine of :mod:`collabnet.snapshot`: the same filter as a Spark job.

For snapshots past one machine: ``collabnet snapshot ... --engine spark`` runs locally
(``local[*]``) or on a cluster (``--spark-master spark://host:7077``, ``yarn``, ...) over
the same files, with the same view of the works and the same
:data:`collabnet.snapshot.MATCH_SQL`, and returns what the DuckDB engine returns. Records
are read as text (``spark.read.text``), so each matching record is written exactly as it
is in the snapshot; a Parquet part's rows are written as the JSON objects of their
columns. Needs ``pip install 'collabnet[spark]'`` and a Java runtime.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from .errors import CollabnetError
from .snapshot import (
    MATCH_SQL,
    NEWEST_SQL,
    ParquetColumns,
    Part,
    PartResult,
    PartWriter,
    Scan,
    damaged,
    needles,
    parquet_columns,
    parquet_view_fields,
)

__all__ = ["scan", "VIEW_SQL", "WORK_SCHEMA"]

#: What the view reads of each work (every other field stays in the record's text).
WORK_SCHEMA = (
    "id STRING, updated_date STRING, publication_year STRING, authorships ARRAY<STRUCT<"
    "institutions: ARRAY<STRUCT<id: STRING, ror: STRING, country_code: STRING, "
    "lineage: ARRAY<STRING>>>>>"
)

#: The view of the works that :data:`collabnet.snapshot.MATCH_SQL` reads (as
#: :data:`collabnet.snapshot_duckdb.VIEW_SQL` makes it for DuckDB), over ``{source}``: each
#: record's text (``line``), its file, the id and ``updated_date`` read from the text
#: (``rid``, ``rupdated``) and ``w``, the fields the filter reads.
VIEW_SQL = """
SELECT line, path, coalesce(w.id, rid) AS id, coalesce(w.updated_date, rupdated) AS updated,
  try_cast(w.publication_year AS INT) AS year,
  concat(
    flatten(transform(w.authorships, a -> flatten(transform(a.institutions,
      i -> coalesce(i.lineage, cast(array() AS ARRAY<STRING>)))))),
    flatten(transform(w.authorships, a -> transform(a.institutions, i -> i.id)))
  ) AS institutions,
  flatten(transform(w.authorships, a -> transform(a.institutions, i -> i.ror))) AS rors,
  flatten(transform(w.authorships, a -> transform(a.institutions, i -> i.country_code)))
    AS countries
FROM ({source})
"""

#: JSON Lines, from ``raw``: the text of each line (blank lines left out) and its file; a
#: record is parsed only when its text holds one of the query's ids (``{maybe}``).
JSON_SOURCE = """
  SELECT value AS line, path,
    coalesce(nullif(regexp_extract(value, '^[{{]\\\\s*"id"\\\\s*:\\\\s*"([^"]+)"', 1), ''),
      get_json_object(value, '$.id')) AS rid,
    nullif(regexp_extract(value, '"updated_date"\\\\s*:\\\\s*"([^"]+)"', 1), '') AS rupdated,
    CASE WHEN {maybe} THEN from_json(value, '{schema}') END AS w
  FROM raw WHERE trim(value) <> ''
"""

#: Parquet, from ``raw``: the snapshot's columns (the API's fields), ``line`` (the JSON
#: object of those columns) and ``path``.
PARQUET_SOURCE = """
  SELECT line, path, CAST(id AS STRING) AS rid, {updated} AS rupdated,
    named_struct('id', CAST(NULL AS STRING), 'updated_date', CAST(NULL AS STRING),
      'publication_year', {year}, 'authorships', {authorships}) AS w
  FROM raw
"""


def _parquet_source(cols: ParquetColumns) -> str:
    """:data:`PARQUET_SOURCE` for parts with `cols`: fields they lack read as nulls."""
    return PARQUET_SOURCE.format(**parquet_view_fields(cols, "spark"))


def _view_sql(q: dict, parquet: ParquetColumns | None = None) -> str:
    if parquet is not None:
        return VIEW_SQL.format(source=_parquet_source(parquet))
    found = needles(q)
    quoted = ["'" + n.replace("'", "\\'") + "'" for n in found or []]
    maybe = " OR ".join(f"contains(value, {n})" for n in quoted) if found else "true"
    return VIEW_SQL.format(source=JSON_SOURCE.format(maybe=maybe, schema=WORK_SCHEMA))


def _session(master: str | None):
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise CollabnetError(
            "--engine spark needs PySpark and Java: pip install 'collabnet[spark]' and a Java "
            "runtime (e.g. apt-get install default-jre-headless)"
        ) from exc
    from .snapshot_duckdb import default_memory_limit

    builder = SparkSession.builder
    if not master or master.startswith("local"):  # one machine: the JVM gets a quarter of it
        builder = builder.config("spark.driver.memory", default_memory_limit().lower()[:-1])
    spark = (
        builder.master(master or "local[*]")
        .appName("collabnet snapshot")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.files.ignoreCorruptFiles", "false")
        .config("spark.sql.jsonGenerator.ignoreNullFields", "false")  # a Parquet row's nulls
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _local(uri: str) -> str:
    """The path of a ``file:`` URI as Spark gives it (``file:/x`` or ``file:///x``)."""
    return str(Path(unquote(urlparse(uri).path)))


def scan(
    parts: list[Part], q: dict, previous: list[Path], staging: Path, *, master=None, say=None
) -> Scan:
    """Read `parts` in one Spark job, beside the works an earlier run wrote (`previous`
    files), and write the works to keep into `staging`. A part Spark cannot read fails
    the job; the damaged parts are then found (:func:`collabnet.snapshot.damaged`), each
    with its error, and the job runs again on the others."""
    import pyspark

    say = say or (lambda text: None)
    spark = _session(master)
    results = {
        str(p.path): PartResult(
            str(p.path), p.rel, p.updated_date, bytes=p.path.stat().st_size, promised=p.promised
        )
        for p in parts
    }
    try:
        counts, matching, written = _job(spark, parts, q, previous, staging)
    except CollabnetError:
        raise  # ours, already one line (e.g. a Parquet part that is not of works)
    except Exception as exc:  # noqa: BLE001 - Spark wraps every reader error in a Java exception
        say("Spark could not read every part: checking each file")
        for p in parts:
            results[str(p.path)].error = damaged(p.path)
        readable = [p for p in parts if not results[str(p.path)].error]
        if len(readable) == len(parts):
            raise CollabnetError(f"the Spark job failed: {_java_error(exc)}") from exc
        counts, matching, written = _job(spark, readable, q, previous, staging)
    for path, (records, without_id, matched) in counts.items():
        r = results[path]
        r.records, r.without_id, r.matched = records, without_id, matched
    for r in results.values():
        if r.records is None and not r.error:
            r.records = 0  # a part of blank lines only
    say(f"Spark read {len(counts):,} part(s): {matching:,} matching copies")
    ordered = sorted(results.values(), key=lambda r: (r.updated_date, r.rel))
    return Scan(ordered, matching, written, f"pyspark {pyspark.__version__}")


def _java_error(exc: Exception) -> str:
    """The first line of what Java said (e.g. ``java.lang.OutOfMemoryError: Java heap
    space``), not the stack."""
    try:
        text = str(getattr(exc, "java_exception", exc))
    except Exception:  # noqa: BLE001 - py4j may fail to render its own exception
        text = type(exc).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    found = [line for line in lines if "Error" in line or "Exception" in line]
    return (found or lines or [type(exc).__name__])[0][:300]


def _job(spark, parts: list[Part], q: dict, previous: list[Path], staging: Path):
    from pyspark.sql import functions as F

    def view(files: list[Path], name: str):
        parquet = None
        if files[0].suffix == ".parquet":
            parquet = parquet_columns(files)
            rows = spark.read.option("mergeSchema", "true").parquet(*[str(f) for f in files])
            raw = rows.select(
                "*",
                F.to_json(F.struct(*[F.col(f"`{c}`") for c in rows.columns])).alias("line"),
                F.input_file_name().alias("path"),
            )
        else:
            raw = spark.read.text([str(f) for f in files]).withColumn("path", F.input_file_name())
        raw.createOrReplaceTempView("raw")
        spark.sql(_view_sql(q, parquet)).createOrReplaceTempView(name)

    spark.createDataFrame(
        [q],
        "q_institutions ARRAY<STRING>, q_rors ARRAY<STRING>, q_countries ARRAY<STRING>, "
        "q_with_countries ARRAY<STRING>, q_year_from INT, q_year_to INT",
    ).createOrReplaceTempView("query")
    empty = "SELECT CAST(NULL AS STRING) AS id, CAST(NULL AS STRING) AS day, " \
        "CAST(NULL AS STRING) AS updated, CAST(NULL AS STRING) AS path, " \
        "CAST(NULL AS STRING) AS line WHERE false"  # fmt: skip
    counts, matching = {}, 0
    if parts:
        view([p.path for p in parts], "works")
        cur = spark.sql(
            "SELECT id, path, updated, hit, CASE WHEN hit THEN line END AS line, "
            "regexp_extract(path, 'updated_date=([0-9-]{10})', 1) AS day FROM ("
            f"SELECT id, path, updated, line, coalesce({MATCH_SQL}, false) AS hit "
            "FROM works CROSS JOIN query)"
        ).cache()
        cur.createOrReplaceTempView("cur")
        for r in spark.sql(
            "SELECT path, count(*) AS n, count_if(id IS NULL) AS no_id, "
            "count_if(hit AND id IS NOT NULL) AS hits FROM cur GROUP BY path"
        ).collect():
            counts[_local(r["path"])] = (r["n"], r["no_id"], r["hits"])
        matching = sum(c[2] for c in counts.values())
        hits = "SELECT id, day, updated, path, line FROM cur WHERE hit AND id IS NOT NULL"
    else:
        hits = empty
    if previous:
        view(previous, "before")
        before = "SELECT id, substr(updated, 1, 10) AS day, updated, '' AS path, line FROM before"
    else:
        before = empty
    spark.sql(f"{hits} UNION ALL {before}").createOrReplaceTempView("kept")
    others = (
        "SELECT id, day, updated, path, CAST(NULL AS STRING) AS line FROM cur "
        "WHERE NOT hit AND id IN (SELECT id FROM kept)"
        if parts
        else empty
    )
    spark.sql(f"SELECT * FROM kept UNION ALL {others}").createOrReplaceTempView("candidates")
    rows = spark.sql(NEWEST_SQL + " ORDER BY id").toLocalIterator()
    written = PartWriter(staging)((r["id"], r["line"]) for r in rows)
    if parts:
        cur.unpersist()
    return counts, matching, written
