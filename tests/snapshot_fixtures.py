"""Miniature OpenAlex snapshots in both layouts, written the way the snapshot is.

The 2026 layout: ``data/jsonl/works/updated_date=YYYY-MM-DD/part_NNNN.gz``, a per-entity
``manifest.json`` (``date``, ``format``, ``entity``, ``record_count``, ``content_length``,
``files``: ``url`` and ``meta``) and the combined ``data/jsonl/manifest.json`` (``entities``
with one entry per entity, totals in ``meta``), with URLs under ``s3://openalex/data/jsonl/``.
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
    base = root / "data" / ("jsonl" if layout == "jsonl" else "")
    works_dir = base / "works"
    digits = 4 if layout == "jsonl" else 3
    files = []
    for date, parts in sorted(partitions.items()):
        for k, records in enumerate(parts):
            rel = f"updated_date={date}/part_{k:0{digits}d}.gz"
            path = write_part(works_dir / rel, records)
            promised = (manifest_counts or {}).get(rel, len(records))
            files.append((rel, path.stat().st_size, promised))
    for rel in unlisted_missing:
        files.append((rel, 1000, 7))
    prefix = "s3://openalex/data/jsonl/works/" if layout == "jsonl" else "s3://openalex/data/works/"
    entries = [
        {"url": prefix + rel, "meta": {"content_length": size, "record_count": count}}
        for rel, size, count in sorted(files)
    ]
    total = {
        "record_count": sum(e["meta"]["record_count"] for e in entries),
        "content_length": sum(e["meta"]["content_length"] for e in entries),
    }
    if layout == "jsonl":
        entity = {
            "date": "2026-06-25",
            "format": "jsonl",
            "entity": "works",
            **total,
            "files": entries,
        }
        (works_dir / "manifest.json").write_text(json.dumps(entity, indent=2), "utf-8")
        combined = {
            "date": "2026-06-25",
            "format": "jsonl",
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
    if institutions:
        write_part(
            base / "institutions" / "updated_date=2026-05-01" / f"part_{0:0{digits}d}.gz",
            [institution(k) for k in INSTITUTIONS],
        )
    return root
