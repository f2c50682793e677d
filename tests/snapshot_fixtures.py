"""Miniature OpenAlex snapshots in both layouts, written the way the snapshot is.

The 2026 layout: ``data/jsonl/works/updated_date=YYYY-MM-DD/part_NNNN.gz``, a per-entity
``manifest.json`` (``date``, ``format``, ``entity``, ``record_count``, ``content_length``,
``files``: ``url`` and ``meta``) and the combined ``data/jsonl/manifest.json`` (``entities``
with one entry per entity, totals in ``meta``), with URLs under ``s3://openalex/data/jsonl/``.
The 2026 Parquet copy: ``data/parquet/works/updated_date=YYYY-MM-DD/part_NNNN.parquet``
(one column per field of the API's records, nested as in them) with the same manifests.
The legacy layout: ``data/works/updated_date=YYYY-MM-DD/part_NNN.gz`` and a Redshift-format
``manifest`` (``entries``: ``url`` and ``meta``; ``meta`` with the totals).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

NL, NL_UNIT, CN_POLICE, CN_OTHER, US = "I1", "I11", "I2", "I3", "I4"
INSTITUTIONS = {
    NL: {"ror": "https://ror.org/018906e22", "country_code": "NL", "lineage": [NL]},
    NL_UNIT: {"ror": "https://ror.org/05xvt9f17", "country_code": "NL", "lineage": [NL_UNIT, NL]},
    CN_POLICE: {"ror": "https://ror.org/02j1m6098", "country_code": "CN", "lineage": [CN_POLICE]},
    CN_OTHER: {"ror": None, "country_code": "CN", "lineage": [CN_OTHER]},
    US: {"ror": "https://ror.org/03vek6s52", "country_code": "US", "lineage": [US]},
}


def institution(key: str) -> dict:
    d = INSTITUTIONS[key]
    return {
        "id": f"https://openalex.org/{key}",
        "display_name": f"Institution {key}",
        "ror": d["ror"],
        "country_code": d["country_code"],
        "type": "education",
        "lineage": [f"https://openalex.org/{i}" for i in d["lineage"]],
    }


def work(n: int, year: int | None, *teams: list[str], updated: str = "2026-06-01") -> dict:
    """A work whose authorships sit at the institutions of each team (one list each)."""
    return {
        "id": f"https://openalex.org/W{n}",
        "doi": f"https://doi.org/10.1234/w{n}",
        "title": f"Work {n} – ünïcode & \u2028",
        "publication_year": year,
        "type": "article",
        "updated_date": f"{updated}T00:00:00.000000",
        "authorships": [
            {
                "author_position": "first" if k == 0 else "middle",
                "author": {"id": f"https://openalex.org/A{n}{k}", "display_name": f"A {n}.{k}"},
                "institutions": [institution(i) for i in team],
                "countries": sorted({INSTITUTIONS[i]["country_code"] for i in team}),
                "raw_affiliation_strings": [f"Institution {i}" for i in team],
            }
            for k, team in enumerate(teams)
        ],
    }


def _dumps(record: dict) -> str:
    # the snapshot's own spacing, so a test can compare the text as written
    return json.dumps(record, ensure_ascii=False, separators=(", ", ": "))


def write_part(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8", newline="\n") as fh:
        for r in records:
            fh.write(_dumps(r) + "\n")
    return path


def parquet_schema():
    """The columns of a works part in the Parquet copy: the fields of :func:`work`."""
    import pyarrow as pa

    s = pa.string()
    inst = pa.struct(
        [("id", s), ("display_name", s), ("ror", s), ("country_code", s), ("type", s),
         ("lineage", pa.list_(s))]
    )  # fmt: skip
    authorship = pa.struct(
        [("author_position", s), ("author", pa.struct([("id", s), ("display_name", s)])),
         ("institutions", pa.list_(inst)), ("countries", pa.list_(s)),
         ("raw_affiliation_strings", pa.list_(s))]
    )  # fmt: skip
    return pa.schema(
        [("id", s), ("doi", s), ("title", s), ("publication_year", pa.int64()), ("type", s),
         ("updated_date", s), ("authorships", pa.list_(authorship))]
    )  # fmt: skip


def write_parquet_part(path: Path, records: list[dict], schema=None) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    schema = schema or parquet_schema()
    pq.write_table(pa.Table.from_pylist(records, schema=schema), path, compression="snappy")
    return path


def make_snapshot(
    root: Path,
    partitions: dict[str, list[list[dict]]],
    *,
    layout: str = "jsonl",
    institutions: bool = True,
    manifest_counts: dict | None = None,
    unlisted_missing: tuple = (),
) -> Path:
    """Write a snapshot under `root`: `partitions` maps ``updated_date`` to a list of parts
    (each a list of works). `manifest_counts` overrides a part's promised record count
    (key: its path relative to the works folder); `unlisted_missing` lists such relative
    paths that the manifest names but the disk lacks."""
    base = root / "data" / ("" if layout == "legacy" else layout)
    works_dir = base / "works"
    digits = 3 if layout == "legacy" else 4
    suffix = ".parquet" if layout == "parquet" else ".gz"
    write = write_parquet_part if layout == "parquet" else write_part
    files = []
    for date, parts in sorted(partitions.items()):
        for k, records in enumerate(parts):
            rel = f"updated_date={date}/part_{k:0{digits}d}{suffix}"
            path = write(works_dir / rel, records)
            promised = (manifest_counts or {}).get(rel, len(records))
            files.append((rel, path.stat().st_size, promised))
    for rel in unlisted_missing:
        files.append((rel, 1000, 7))
    prefix = (
        "s3://openalex/data/works/" if layout == "legacy" else f"s3://openalex/data/{layout}/works/"
    )
    entries = [
        {"url": prefix + rel, "meta": {"content_length": size, "record_count": count}}
        for rel, size, count in sorted(files)
    ]
    total = {
        "record_count": sum(e["meta"]["record_count"] for e in entries),
        "content_length": sum(e["meta"]["content_length"] for e in entries),
    }
    if layout != "legacy":
        entity = {
            "date": "2026-06-25",
            "format": layout,
            "entity": "works",
            **total,
            "files": entries,
        }
        (works_dir / "manifest.json").write_text(json.dumps(entity, indent=2), "utf-8")
        combined = {
            "date": "2026-06-25",
            "format": layout,
            "meta": total,
            "entities": [
                {"entity": "works", **total, "files": entries},
                {"entity": "authors", "record_count": 0, "content_length": 0, "files": []},
            ],
        }
        (base / "manifest.json").write_text(json.dumps(combined, indent=2), "utf-8")
    else:
        (works_dir / "manifest").write_text(
            json.dumps({"entries": entries, "meta": total}), "utf-8"
        )
    if institutions and layout == "parquet":
        import pyarrow as pa

        entry = parquet_schema().field("authorships").type.value_type.field("institutions")
        write_parquet_part(
            base / "institutions" / "updated_date=2026-05-01" / "part_0000.parquet",
            [institution(k) for k in INSTITUTIONS],
            pa.schema(list(entry.type.value_type)),
        )
    elif institutions:
        write_part(
            base / "institutions" / "updated_date=2026-05-01" / f"part_{0:0{digits}d}.gz",
            [institution(k) for k in INSTITUTIONS],
        )
    return root
