"""``collabnet snapshot`` on a generated snapshot slice: works per second and peak memory.

Usage: ``python benchmarks/bench_snapshot.py [--sizes 0.5M,1M,2M] [--part 400k]
[--no-spark] [--keep DIR]``

A slice of the 2026 snapshot layout is generated once for the largest size:
``data/jsonl/works/updated_date=.../part_NNNN.gz`` of `--part` works each (the snapshot's
400,000), with its ``manifest.json``. Its works come from the seeded synthetic corpus
(``corpus.synthetic_corpus``) written as OpenAlex Work JSON, repeated with new ids until the
slice is full. Each smaller size is the same slice cut at fewer parts (its own manifest).

For each size, in fresh processes: a bare DuckDB count of the same files
(``read_json_objects``: every record read and split, nothing else), then
``collabnet snapshot`` with DuckDB and with Spark (``local[*]``), asking for the works of
the most frequent institution with a Chinese co-author. Printed: seconds, works per
second and peak memory (sampled over the process and its children, the JVM included), and
the ratio to the bare count. The memory of the DuckDB engine should stay flat as the
slice grows: it reads one part at a time.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_build import run_child  # noqa: E402
from corpus import parse_size  # noqa: E402

__all__ = ["main"]

SEED_WORKS = 100_000


def child_seed(path: str) -> None:
    """Write the seeded corpus of SEED_WORKS works as OpenAlex JSON Lines (gzip)."""
    from corpus import synthetic_corpus, write_openalex_jsonl

    authorships, works = synthetic_corpus(SEED_WORKS, seed=0)
    write_openalex_jsonl(authorships, works, path)


def write_slice(folder: Path, n_works: int, part: int) -> Path:
    """The snapshot slice: parts of `part` works, repeating the seed corpus with new ids."""
    folder.mkdir(parents=True, exist_ok=True)
    seed = folder / "seed.jsonl.gz"
    if not seed.is_file():
        result = run_child(
            [sys.executable, __file__, "--child-seed", str(seed)], folder / "seed.log"
        )
        if result["returncode"]:
            raise SystemExit(result["stderr"][-2000:])
    with gzip.open(seed, "rt", encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    works_dir = folder / "data" / "jsonl" / "works"
    files, written, copy = [], 0, 0
    n_parts = -(-n_works // part)
    for k in range(n_parts):
        date = f"2026-06-{1 + k % 28:02d}"
        path = works_dir / f"updated_date={date}" / f"part_{k // 28:04d}.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        count = min(part, n_works - written)
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as out:
            for i in range(count):
                line = lines[(written + i) % len(lines)]
                copy = (written + i) // len(lines)
                # a new id for each repetition of the seed corpus
                out.write(
                    line.replace('"https://openalex.org/W', f'"https://openalex.org/W{copy}0', 1)
                )
                out.write("\n")
        written += count
        files.append((path, count))
    return works_dir


def write_manifest(works_dir: Path, files: list[tuple[Path, int]], fmt: str = "jsonl") -> None:
    entries = [
        {
            "url": f"s3://openalex/data/{fmt}/works/" + str(p.relative_to(works_dir)),
            "meta": {"content_length": p.stat().st_size, "record_count": n},
        }
        for p, n in sorted(files)
    ]
    doc = {
        "date": "2026-06-30",
        "format": fmt,
        "entity": "works",
        "record_count": sum(n for _, n in files),
        "content_length": sum(p.stat().st_size for p, _ in files),
        "files": entries,
    }
    (works_dir / "manifest.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")


def _cut(all_parts: list[Path], cut: Path, size: int, part: int) -> None:
    """The first `size` works of the slice: whole parts linked, the rest in a new part."""
    files = []
    for k, src in enumerate(all_parts[: -(-size // part)]):
        dst = cut / src.parent.name / src.name
        dst.parent.mkdir(parents=True, exist_ok=True)
        n = min(part, size - k * part)
        if n == part:
            dst.symlink_to(src)
        else:
            with (
                gzip.open(src, "rt", encoding="utf-8") as fh,
                gzip.open(dst, "wt", encoding="utf-8", compresslevel=1) as out,
            ):
                for _, line in zip(range(n), fh, strict=False):
                    out.write(line)
        files.append((dst, n))
    write_manifest(cut, files)


def write_parquet(cut: Path, parquet: Path) -> None:
    """The same parts as the snapshot's Parquet copy: one Parquet file for each gzip part,
    the records' fields as nested columns, with its manifest."""
    import duckdb

    con = duckdb.connect()
    files = []
    for src in sorted(cut.glob("updated_date=*/part_*.gz")):
        dst = parquet / src.parent.name / (src.name[: -len(".gz")] + ".parquet")
        dst.parent.mkdir(parents=True, exist_ok=True)
        con.execute(
            f"COPY (SELECT * FROM read_json('{src}', format = 'newline_delimited', "
            "sample_size = -1, maximum_object_size = 1000000000)) "
            f"TO '{dst}' (FORMAT parquet, COMPRESSION snappy)"
        )
        n = con.execute(f"SELECT count(*) FROM read_parquet('{dst}')").fetchone()[0]
        files.append((dst, n))
    write_manifest(parquet, files, "parquet")


def child_count(pattern: str) -> None:
    import duckdb

    con = duckdb.connect()
    if pattern.endswith(".parquet"):
        query = f"SELECT count(*) FROM read_parquet('{pattern}')"
    else:
        query = f"SELECT count(*) FROM read_json_objects('{pattern}', format = 'newline_delimited')"
    n = con.execute(query).fetchone()[0]
    print(json.dumps({"records": n}))


def _top_institution(works_dir: Path, rank: int = 1) -> str:
    import duckdb

    first = sorted(works_dir.glob("updated_date=*/part_*.gz"))[0]
    row = (
        duckdb.connect()
        .execute(
            "SELECT i, count(*) AS n FROM (SELECT unnest(json_extract_string(json, "
            "'$.authorships[*].institutions[*].id')) AS i FROM read_ndjson_objects(?)) "
            "WHERE i IS NOT NULL GROUP BY i ORDER BY n DESC, i LIMIT 1 OFFSET ?",
            [str(first), rank - 1],
        )
        .fetchone()
    )
    return row[0].rsplit("/", 1)[-1]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="0.5M,1M,2M")
    p.add_argument("--part", default="400k", help="works per part (the snapshot's 400,000)")
    p.add_argument("--no-spark", action="store_true")
    p.add_argument(
        "--rank",
        type=int,
        default=1,
        help="ask for the institution of this rank by works (1: the most frequent; 200: a "
        "query that matches a fraction of a percent, as a reporter's does)",
    )
    p.add_argument(
        "--parquet",
        action="store_true",
        help="also time the same parts as the snapshot's Parquet copy (--layout parquet)",
    )
    p.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it")
    p.add_argument("--child-seed", help=argparse.SUPPRESS)
    p.add_argument("--child-count", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child_seed:
        child_seed(args.child_seed)
        return 0
    if args.child_count:
        child_count(args.child_count)
        return 0

    sizes = [parse_size(s.replace("M", "m")) for s in args.sizes.split(",")]
    part = parse_size(args.part)
    folder = Path(args.keep or tempfile.mkdtemp(prefix="collabnet-bench-snapshot-"))
    folder.mkdir(parents=True, exist_ok=True)
    collabnet = str(Path(sys.executable).with_name("collabnet"))
    try:
        full = folder / "full"
        works_dir = full / "data" / "jsonl" / "works"
        if not works_dir.is_dir():
            print(f"writing a slice of {max(sizes):,} works in parts of {part:,} ...", flush=True)
            write_slice(full, max(sizes), part)
        all_parts = sorted(
            works_dir.glob("updated_date=*/part_*.gz"), key=lambda p: (p.parent.name, p.name)
        )
        institution = _top_institution(works_dir, args.rank)
        print(f"query: works of {institution} (rank {args.rank}) with a CN co-author", flush=True)
        for size in sizes:
            n_parts = -(-size // part)
            root = folder / f"slice_{size}"
            cut = root / "data" / "jsonl" / "works"
            if not cut.is_dir():
                _cut(all_parts, cut, size, part)
            runs = {
                "bare DuckDB count": [
                    sys.executable,
                    __file__,
                    "--child-count",
                    str(cut / "updated_date=*" / "part_*.gz"),
                ],
                "snapshot --engine duckdb": [
                    collabnet,
                    "snapshot",
                    str(root),
                    "--out",
                    str(folder / f"out_duckdb_{size}"),
                    "--institution",
                    institution,
                    "--with-country",
                    "CN",
                    "--quiet",
                ],
            }
            if args.parquet:
                parquet = root / "data" / "parquet" / "works"
                if not parquet.is_dir():
                    write_parquet(cut, parquet)
                pattern = str(parquet / "updated_date=*" / "part_*.parquet")
                runs["bare DuckDB count, Parquet"] = [sys.executable, __file__, "--child-count",
                                                      pattern]  # fmt: skip
                runs["snapshot --layout parquet"] = [
                    *runs["snapshot --engine duckdb"][:-1],
                    "--layout",
                    "parquet",
                    "--quiet",
                ]
            if not args.no_spark:
                runs["snapshot --engine spark"] = [
                    collabnet,
                    "snapshot",
                    str(root),
                    "--out",
                    str(folder / f"out_spark_{size}"),
                    "--institution",
                    institution,
                    "--with-country",
                    "CN",
                    "--engine",
                    "spark",
                    "--quiet",
                ]
            gz = sum(f.stat().st_size for f in cut.glob("updated_date=*/part_*.gz"))
            print(
                f"== {size:,} works in {n_parts} part(s), {gz / 1e6:,.0f} MB gzip "
                f"({gz / size:,.0f} bytes a work) ==",
                flush=True,
            )
            base = None
            for name, cmd in runs.items():
                for old in folder.glob(f"out_*_{size}"):
                    shutil.rmtree(old)
                r = run_child(cmd, folder / f"{name.replace(' ', '_')}_{size}.log")
                if r["returncode"]:
                    raise SystemExit(f"{name} failed: {r['stderr'][-1500:]}")
                base = base or r["seconds"]
                print(
                    f"  {name:26} {r['seconds']:7.1f} s  {size / r['seconds']:9,.0f} works/s  "
                    f"{gz / 1e6 / r['seconds']:6.1f} MB/s gzip  "
                    f"peak {r['tree_peak_gib']:.2f} GiB  "
                    f"({r['seconds'] / base:.2f}x the bare count)",
                    flush=True,
                )
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
