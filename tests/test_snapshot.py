"""`collabnet snapshot`: the works of a local OpenAlex snapshot, by DuckDB and by Spark."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import pytest
from snapshot_fixtures import CN_OTHER, CN_POLICE, NL, NL_UNIT, US, make_snapshot, work

from collabnet import pipeline, snapshot
from collabnet.cli import main
from collabnet.errors import CollabnetError, InputError

# py4j (PySpark's bridge to Java) leaves its sockets to the garbage collector
pytestmark = [
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


def _spark_available() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "PySpark not installed (pip install 'collabnet[spark]')"
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        return "no Java runtime (apt-get install default-jre-headless)"
    return None


@pytest.fixture(params=["duckdb", "spark"])
def engine(request):
    if request.param == "spark" and (why := _spark_available()):
        if os.environ.get("CI"):
            pytest.fail(f"{why} (CI is set, so the Spark engine must be tested)")
        pytest.skip(why)
    return request.param


#: Works by partition: (updated_date -> parts). W1, W3, W7, W8 match the query below.
PARTITIONS = {
    "2026-05-01": [
        [
            work(1, 2015, [NL], [CN_POLICE]),  # matches
            work(2, 2016, [US], [CN_OTHER]),  # no Dutch institution
            work(3, 2010, [NL_UNIT], [CN_OTHER]),  # a sub-unit (lineage), first year
        ],
        [
            work(4, 2020, [NL], [US]),  # no Chinese co-author
            work(5, 2009, [NL], [CN_POLICE]),  # before the years
            work(6, 2025, [NL], [CN_POLICE]),  # after the years
        ],
    ],
    "2026-06-01": [[work(7, 2024, [NL, CN_POLICE]), work(8, 2018, [CN_OTHER], [NL])]],
    "2026-06-10": [[work(9, None, [NL], [CN_POLICE]), work(10, 2019, [US])]],  # W9: no year
}
QUERY = snapshot.SnapshotQuery.of(institutions=["I1"], with_countries=["CN"], years="2010-2024")
EXPECTED = ["W1", "W3", "W7", "W8"]


def _lines(folder: Path) -> dict[str, str]:
    """id -> the text of each record written (every part)."""
    out = {}
    for part in sorted((folder / "works").glob("part_*.jsonl.gz")):
        with gzip.open(part, "rt", encoding="utf-8") as fh:
            for line in fh:
                out[json.loads(line)["id"].rsplit("/", 1)[-1]] = line.rstrip("\n")
    return out


def _source_lines(root: Path) -> dict[str, str]:
    out = {}
    for part in sorted(root.rglob("works/updated_date=*/part_*.gz")):
        with gzip.open(part, "rt", encoding="utf-8") as fh:
            for line in fh:
                out.setdefault(json.loads(line)["id"].rsplit("/", 1)[-1], []).append(
                    line.rstrip("\n")
                )
    return out


def _records() -> dict[str, dict]:
    works = [w for parts in PARTITIONS.values() for part in parts for w in part]
    return {w["id"].rsplit("/", 1)[-1]: w for w in works}


@pytest.mark.parametrize("layout", ["jsonl", "legacy", "parquet"])
def test_exactly_the_matching_works_as_they_are_in_the_snapshot(tmp_path, engine, layout):
    root = make_snapshot(tmp_path / "snap", PARTITIONS, layout=layout)
    m = snapshot.extract(root, tmp_path / "out", QUERY, engine=engine)
    got = _lines(tmp_path / "out")
    assert sorted(got) == EXPECTED
    if layout == "parquet":  # each row as the JSON object of its columns, every field kept
        assert all(json.loads(got[i]) == _records()[i] for i in got)
        assert "Parquet row" in m["snapshot"]["records_written"]
    else:
        source = _source_lines(root)
        assert all(got[i] == source[i][0] for i in got)  # byte for byte, never edited
    assert m["data_source"] == "openalex-snapshot" and m["complete"] and m["problems"] == []
    assert m["snapshot"]["layout"] == layout and m["unique_works"] == 4
    log = m["queries"][0]
    assert log["engine"]["name"] == engine and log["records_read"] == 10
    assert [(p["records"], p["promised"], p["matched"]) for p in log["parts_read"]] == [
        (3, 3, 2), (3, 3, 0), (2, 2, 2), (2, 2, 0)
    ]  # fmt: skip
    assert m["snapshot"]["records_promised"] == 10


@pytest.mark.parametrize("layout", ["jsonl", "parquet"])
def test_both_engines_give_the_same_works_record_for_record(tmp_path, layout):
    if why := _spark_available():
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    root = make_snapshot(tmp_path / "snap", PARTITIONS, layout=layout)
    for engine in ("duckdb", "spark"):
        snapshot.extract(root, tmp_path / engine, QUERY, engine=engine)
    assert _lines(tmp_path / "duckdb") == _lines(tmp_path / "spark")
    a = (tmp_path / "duckdb" / "works" / "part_0000.jsonl.gz").read_bytes()
    assert gzip.decompress(a) == gzip.decompress(
        (tmp_path / "spark" / "works" / "part_0000.jsonl.gz").read_bytes()
    )


def test_ror_country_and_exact_matches(tmp_path, engine):
    root = make_snapshot(tmp_path / "snap", PARTITIONS)
    # a ROR resolved through the institutions entity matches the sub-unit too (lineage)
    by_ror = snapshot.SnapshotQuery.of(rors=["https://ror.org/018906e22"], with_countries=["CN"])
    m = snapshot.extract(root, tmp_path / "ror", by_ror, engine=engine)
    assert sorted(_lines(tmp_path / "ror")) == ["W1", "W3", "W5", "W6", "W7", "W8", "W9"]
    assert m["queries"][0]["rors_resolved"] == {"018906e22": "I1"}
    # without that entity, the ROR matches the institution itself only
    bare = make_snapshot(tmp_path / "bare", PARTITIONS, institutions=False)
    snapshot.extract(bare, tmp_path / "ror2", by_ror, engine=engine)
    assert sorted(_lines(tmp_path / "ror2")) == ["W1", "W5", "W6", "W7", "W8", "W9"]
    # --country: any institution in the country; years inclusive
    us = snapshot.SnapshotQuery.of(countries=["US"], years="2016-2020")
    snapshot.extract(root, tmp_path / "us", us, engine=engine)
    assert sorted(_lines(tmp_path / "us")) == ["W10", "W2", "W4"]


def test_the_newest_copy_of_a_work_decides(tmp_path, engine):
    parts = {
        "2026-05-01": [[work(1, 2015, [NL], [CN_POLICE]), work(2, 2015, [NL], [CN_POLICE])]],
        # W1 again, still matching (newer text); W2 again, no longer matching
        "2026-06-01": [[work(1, 2016, [NL], [CN_POLICE], updated="2026-06-01")]],
        "2026-06-02": [[work(2, 2015, [NL], [US], updated="2026-06-02")]],
    }
    root = make_snapshot(tmp_path / "snap", parts)
    m = snapshot.extract(root, tmp_path / "out", QUERY, engine=engine)
    got = _lines(tmp_path / "out")
    assert sorted(got) == ["W1"] and json.loads(got["W1"])["publication_year"] == 2016
    assert m["queries"][0]["older_copies_left_out"] == 2


def test_a_rerun_reads_only_the_new_partitions(tmp_path, engine):
    first = {"2026-05-01": PARTITIONS["2026-05-01"]}
    root = make_snapshot(tmp_path / "snap", first)
    out = tmp_path / "out"
    snapshot.extract(root, out, QUERY, engine=engine)
    assert sorted(_lines(out)) == ["W1", "W3"]
    # the next snapshot: two new partitions; W3 was updated and no longer matches
    later = {
        **first,
        "2026-06-01": PARTITIONS["2026-06-01"],
        "2026-06-20": [[work(3, 2010, [NL_UNIT], [US], updated="2026-06-20")]],
    }
    shutil.rmtree(root)
    make_snapshot(root, later)
    m = snapshot.extract(root, out, QUERY, engine=engine)
    assert sorted(_lines(out)) == ["W1", "W7", "W8"]
    assert len(m["queries"]) == 2
    read = [p["updated_date"] for p in m["queries"][1]["parts_read"]]
    assert read == ["2026-06-01", "2026-06-20"]  # the parts of 2026-05-01 are not read again
    with pytest.raises(InputError, match="another query"):
        snapshot.extract(root, out, snapshot.SnapshotQuery.of(institutions=["I2"]), engine=engine)


def test_problems_with_the_snapshot_name_the_part(tmp_path, engine):
    # a part the manifest lists but the disk lacks
    root = make_snapshot(
        tmp_path / "a", PARTITIONS, unlisted_missing=("updated_date=2026-06-30/part_0000.gz",)
    )
    with pytest.raises(InputError, match=r"updated_date=2026-06-30/part_0000\.gz.*not on disk"):
        snapshot.extract(root, tmp_path / "a-out", QUERY, engine=engine)
    m = snapshot.extract(root, tmp_path / "a-out", QUERY, engine=engine, allow_partial=True)
    assert not m["complete"] and "not on disk" in m["problems"][0]
    assert sorted(_lines(tmp_path / "a-out")) == EXPECTED
    # a record count unlike the manifest's
    rel = "updated_date=2026-06-01/part_0000.gz"
    root = make_snapshot(tmp_path / "b", PARTITIONS, manifest_counts={rel: 5})
    with pytest.raises(InputError, match=r"part_0000\.gz.*2 records, the manifest promised 5"):
        snapshot.extract(root, tmp_path / "b-out", QUERY, engine=engine)
    assert not (tmp_path / "b-out" / "manifest.json").exists()  # nothing half-written
    # a truncated gzip
    root = make_snapshot(tmp_path / "c", PARTITIONS)
    part = root / "data" / "jsonl" / "works" / rel
    part.write_bytes(part.read_bytes()[:-30])
    with pytest.raises(InputError, match=r"updated_date=2026-06-01/part_0000\.gz"):
        snapshot.extract(root, tmp_path / "c-out", QUERY, engine=engine)
    m = snapshot.extract(root, tmp_path / "c-out", QUERY, engine=engine, allow_partial=True)
    assert sorted(_lines(tmp_path / "c-out")) == ["W1", "W3"]
    (bad,) = [p for p in m["queries"][0]["parts_read"] if p["error"]]
    assert bad["path"].endswith(rel)


def test_the_combined_manifest_alone_is_read(tmp_path):
    root = make_snapshot(tmp_path / "snap", PARTITIONS)
    (root / "data" / "jsonl" / "works" / "manifest.json").unlink()
    layout = snapshot.find_layout(root)
    assert layout.manifest == root / "data" / "jsonl" / "manifest.json"
    assert layout.promised == 10 and layout.snapshot_date == "2026-06-25"
    assert len(layout.parts) == 4 and not layout.missing and not layout.unlisted
    # the data/ folder and the works folder name the same snapshot
    assert snapshot.find_layout(root / "data").works == layout.works
    assert snapshot.find_layout(layout.works).works == layout.works


def test_bad_queries_and_roots_are_one_line_errors(tmp_path, capsys):
    with pytest.raises(CollabnetError, match="name institutions"):
        snapshot.SnapshotQuery.of(with_countries=["CN"])
    with pytest.raises(CollabnetError, match="--years"):
        snapshot.SnapshotQuery.of(institutions=["I1"], years="2024-2010")
    with pytest.raises(CollabnetError, match="OpenAlex id"):
        snapshot.SnapshotQuery.of(institutions=["Leiden"])
    (tmp_path / "empty").mkdir()
    assert main(["snapshot", str(tmp_path / "empty"), "--out", str(tmp_path / "o"),
                 "--institution", "I1"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "no OpenAlex works here" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_collabnet_build_reads_the_extract_as_a_harvest(tmp_path, capsys):
    root = make_snapshot(tmp_path / "snap", PARTITIONS)
    out = tmp_path / "extract"
    argv = ["snapshot", str(root), "--out", str(out), "--institution", "I1",
            "--with-country", "CN", "--years", "2010-2024", "--quiet"]  # fmt: skip
    assert main(argv) == 0
    assert main(["build", str(out), "--out", str(tmp_path / "b"), "--no-views", "--quiet"]) == 0
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["data_source"] == "openalex-snapshot"
    tables = pipeline.load_tables(tmp_path / "b")
    assert sorted(tables["works"]["work_id"]) == EXPECTED
    # and a build into the extract is refused: its manifest would be lost
    assert main(["build", str(out), "--out", str(out), "--quiet"]) == 2


def test_notebook_01_in_snapshot_mode(tmp_path):
    from collabnet import suite

    root = make_snapshot(tmp_path / "snap", PARTITIONS)
    out = tmp_path / "out"
    suite.run_notebooks(
        out,
        only=["01"],
        progress=False,
        parameters={
            "mode": "snapshot",
            "snapshot_root": str(root),
            "snapshot_query": {
                "institutions": ["I1"],
                "with_countries": ["CN"],
                "years": "2010-2024",
            },
            "snapshot_dir": str(tmp_path / "extract"),
        },
    )
    assert sorted(_lines(tmp_path / "extract")) == EXPECTED
    tables = pipeline.load_tables(out)
    assert sorted(tables["works"]["work_id"]) == EXPECTED
    assert pipeline.read_manifest(out)["data_source"] == "openalex-snapshot"


def _cli(*argv) -> tuple[int, str]:
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["snapshot", *map(str, argv), "--quiet"])
    return code, err.getvalue()


def test_broken_manifests_and_options_are_one_line_errors(tmp_path):
    def case(name, edit):
        root = make_snapshot(tmp_path / name, PARTITIONS)
        path = root / "data" / "jsonl" / "works" / "manifest.json"
        doc = json.loads(path.read_text())
        edit(doc)
        path.write_text(json.dumps(doc))
        code, err = _cli(root, "--out", tmp_path / f"{name}-out", "--institution", "I1")
        assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
        assert str(path) in err
        return err

    assert "lists no works files" in case("empty", lambda d: d.update(files=[]))
    assert "should be a list" in case("dict", lambda d: d.update(files={}))
    assert "whole number" in case("count", lambda d: d["files"][0]["meta"].update(record_count="5"))
    assert "with a url" in case("url", lambda d: d["files"][0].update(url=5))
    escape = "s3://openalex/data/jsonl/works/updated_date=2026-05-01/../../../../secret.gz"
    assert "not a works part" in case("dots", lambda d: d["files"][0].update(url=escape))
    assert "listed twice" in case("twice", lambda d: d["files"].append(dict(d["files"][0])))
    root = make_snapshot(tmp_path / "ok", PARTITIONS)
    (tmp_path / "afile").write_text("x")
    code, err = _cli(root, "--out", tmp_path / "afile", "--institution", "I1")
    assert code == 2 and "--out is a file" in err
    code, err = _cli(root, "--out", tmp_path / "o", "--institution", "I1", "--memory-limit", "lots")
    assert code == 2 and "--memory-limit" in err
    code, err = _cli(root, "--out", tmp_path / "o", "--ror", "03yrm5c26")
    assert code == 2 and "no institution with ROR 03yrm5c26" in err


def test_a_gzip_with_a_wrong_checksum_is_damaged_even_if_it_decompresses(tmp_path):
    root = make_snapshot(tmp_path / "snap", PARTITIONS)
    part = root / "data" / "jsonl" / "works" / "updated_date=2026-06-01" / "part_0000.gz"
    data = bytearray(part.read_bytes())
    data[-8] ^= 0xFF  # the CRC-32 in the trailer: the records still decompress
    part.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"updated_date=2026-06-01/part_0000\.gz: damaged gzip"):
        snapshot.extract(root, tmp_path / "out", QUERY)


def test_a_rerun_reads_a_part_again_when_it_changed(tmp_path):
    root = make_snapshot(tmp_path / "snap", {"2026-05-01": [[work(1, 2015, [NL], [CN_POLICE])]]})
    out = tmp_path / "out"
    snapshot.extract(root, out, QUERY)
    # the same partition, grown in the newer snapshot (same file name, more works)
    shutil.rmtree(root)
    grown = {"2026-05-01": [[work(1, 2015, [NL], [CN_POLICE]), work(8, 2018, [CN_OTHER], [NL])]]}
    make_snapshot(root, grown)
    m = snapshot.extract(root, out, QUERY)
    assert sorted(_lines(out)) == ["W1", "W8"]
    assert [p["rel"] for p in m["queries"][1]["parts_read"]] == [
        "updated_date=2026-05-01/part_0000.gz"
    ]
    # from another folder, a relative root names the same parts: nothing to read
    os.chdir(tmp_path)
    m = snapshot.extract(Path("snap"), out, QUERY)
    assert m["queries"][2]["parts_read"] == [] and sorted(_lines(out)) == ["W1", "W8"]


def test_copies_on_the_same_day_are_decided_by_their_updated_date(tmp_path, engine):
    older = work(1, 2015, [NL], [CN_POLICE], updated="2026-06-01")
    newer = dict(work(1, 2016, [NL], [US]), updated_date="2026-06-01T12:00:00.000000")
    # the newer copy sits in the file that sorts first: the time decides, not the name
    parts = {"2026-06-01": [[newer], [older]]}
    root = make_snapshot(tmp_path / "snap", parts)
    m = snapshot.extract(root, tmp_path / "out", QUERY, engine=engine)
    assert _lines(tmp_path / "out") == {} and m["queries"][0]["older_copies_left_out"] == 1


def test_blank_lines_and_years_as_text_read_alike_in_both_engines(tmp_path, engine):
    from snapshot_fixtures import _dumps

    root = make_snapshot(tmp_path / "snap", PARTITIONS)
    part = root / "data" / "jsonl" / "works" / "updated_date=2026-06-10" / "part_0000.gz"
    text_year = dict(work(11, 2015, [NL], [CN_POLICE]), publication_year="2015")
    with gzip.open(part, "wt", encoding="utf-8") as fh:
        fh.write(_dumps(text_year) + "\n\n" + _dumps(work(12, 2015, [US])) + "\n")
    m = snapshot.extract(root, tmp_path / "out", QUERY, engine=engine)
    assert sorted(_lines(tmp_path / "out")) == sorted([*EXPECTED, "W11"])
    (last,) = [p for p in m["queries"][0]["parts_read"] if p["updated_date"] == "2026-06-10"]
    assert last["records"] == 2  # the blank line is no record


def test_the_parquet_copy_beside_the_jsonl_one(tmp_path, engine, capsys):
    # the 2026 snapshot holds both copies: JSON Lines is read unless the Parquet one is asked for
    root = make_snapshot(tmp_path / "snap", PARTITIONS, layout="parquet")
    make_snapshot(tmp_path / "snap", PARTITIONS, layout="jsonl")
    assert snapshot.find_layout(root).name == "jsonl"
    assert snapshot.find_layout(root / "data" / "parquet").name == "parquet"
    layout = snapshot.find_layout(root, prefer="parquet")
    assert layout.name == "parquet" and layout.promised == 10 and len(layout.parts) == 4
    assert all(p.rel.endswith(".parquet") for p in layout.parts)
    # a ROR is resolved through the Parquet copy of the institutions entity
    by_ror = snapshot.SnapshotQuery.of(rors=["018906e22"], with_countries=["CN"])
    m = snapshot.extract(root, tmp_path / "ror", by_ror, engine=engine, layout="parquet")
    assert m["queries"][0]["rors_resolved"] == {"018906e22": "I1"}
    assert sorted(_lines(tmp_path / "ror")) == ["W1", "W3", "W5", "W6", "W7", "W8", "W9"]
    # the command line, then a build on the extract
    out = tmp_path / "extract"
    argv = ["snapshot", str(root), "--out", str(out), "--institution", "I1", "--layout",
            "parquet", "--with-country", "CN", "--years", "2010-2024", "--quiet"]  # fmt: skip
    assert main(argv) == 0
    assert "parquet layout" in capsys.readouterr().out
    assert main(["build", str(out), "--out", str(tmp_path / "b"), "--no-views", "--quiet"]) == 0
    assert sorted(pipeline.load_tables(tmp_path / "b")["works"]["work_id"]) == EXPECTED
    # a copy that is not there, or a layout that does not exist, is a one-line error
    with pytest.raises(InputError, match="no legacy copy of the works here"):
        snapshot.find_layout(root, prefer="legacy")
    with pytest.raises(CollabnetError, match="--layout must be one of"):
        snapshot.find_layout(root, prefer="csv")


def test_a_damaged_parquet_part_is_named(tmp_path, engine):
    root = make_snapshot(tmp_path / "snap", PARTITIONS, layout="parquet")
    rel = "updated_date=2026-06-01/part_0000.parquet"
    part = root / "data" / "parquet" / "works" / rel
    part.write_bytes(part.read_bytes()[:-40])  # the footer cut off, as by a broken download
    with pytest.raises(InputError, match=r"updated_date=2026-06-01/part_0000\.parquet"):
        snapshot.extract(root, tmp_path / "out", QUERY, engine=engine)
    m = snapshot.extract(root, tmp_path / "out", QUERY, engine=engine, allow_partial=True)
    assert sorted(_lines(tmp_path / "out")) == ["W1", "W3"]
    (bad,) = [p for p in m["queries"][0]["parts_read"] if p["error"]]
    assert bad["path"].endswith(rel) and not m["complete"]
    # a part whose row count is not the manifest's
    root = make_snapshot(tmp_path / "b", PARTITIONS, layout="parquet", manifest_counts={rel: 5})
    with pytest.raises(InputError, match=r"part_0000\.parquet.*2 records, the manifest promised 5"):
        snapshot.extract(root, tmp_path / "b-out", QUERY, engine=engine)


def test_the_jsonl_folder_is_a_root_too(tmp_path):
    root = make_snapshot(tmp_path / "snap", PARTITIONS)
    layout = snapshot.find_layout(root / "data" / "jsonl")
    assert layout.name == "jsonl" and layout.manifest is not None


@pytest.mark.parametrize("n", [0, 1, 6, 7, 8, 14, 15, 23])
def test_the_writer_splits_parts_without_losing_a_line(tmp_path, monkeypatch, n):
    monkeypatch.setattr(snapshot, "PART_WORKS", 7)
    monkeypatch.setattr(snapshot.PartWriter, "BATCH", 3)
    written = snapshot.PartWriter(tmp_path)((str(i), f"L{i} é") for i in range(n))
    lines = [
        line
        for name in written["files"]
        for line in gzip.open(tmp_path / name, "rt", encoding="utf-8").read().splitlines()
    ]
    assert lines == [f"L{i} é" for i in range(n)]
    assert written["works"] == n and len(written["files"]) == -(-n // 7)


def test_a_damaged_earlier_extract_is_a_one_line_error(tmp_path):
    root = make_snapshot(tmp_path / "snap", {"2026-05-01": PARTITIONS["2026-05-01"]})
    out = tmp_path / "out"
    snapshot.extract(root, out, QUERY)
    (out / "works" / "part_0000.jsonl.gz").write_bytes(b"not gzip at all")
    shutil.rmtree(root)
    make_snapshot(root, PARTITIONS)  # newer partitions: the earlier extract must be read
    code, err = _cli(root, "--out", out, "--institution", "I1", "--with-country", "CN",
                     "--years", "2010-2024")  # fmt: skip
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "part_0000.jsonl.gz" in err and "earlier extract" in err


def test_a_parquet_copy_with_fewer_fields_is_read_as_json_without_them(tmp_path, engine):
    import pyarrow as pa
    import pyarrow.parquet as pq

    # institutions without lineage, ror or country; no publication_year or updated_date; a
    # work without authorships; a record without an id
    s = pa.string()
    authorship = pa.struct([("institutions", pa.list_(pa.struct([("id", s)])))])
    schema = pa.schema([("id", s), ("authorships", pa.list_(authorship))])
    rows = [
        {
            "id": "https://openalex.org/W1",
            "authorships": [{"institutions": [{"id": "https://openalex.org/I1"}]}],
        },  # fmt: skip
        {"id": "https://openalex.org/W2", "authorships": None},
        {"id": None, "authorships": []},
    ]
    part = tmp_path / "snap" / "data" / "parquet" / "works" / "updated_date=2026-06-01"
    part.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), part / "part_0000.parquet")
    q = snapshot.SnapshotQuery.of(institutions=["I1"])
    m = snapshot.extract(tmp_path / "snap", tmp_path / "out", q, engine=engine)
    assert sorted(_lines(tmp_path / "out")) == ["W1"]
    (read,) = m["queries"][0]["parts_read"]
    assert (read["records"], read["matched"], read["without_id"]) == (3, 1, 1)
    # a Parquet part that is not of works: one line naming the part and what it lacks
    other = tmp_path / "other" / "data" / "parquet" / "works" / "updated_date=2026-06-01"
    other.mkdir(parents=True)
    pq.write_table(pa.table({"id": ["x"], "title": ["y"]}), other / "part_0000.parquet")
    with pytest.raises(InputError, match="not a Parquet part of OpenAlex works: no authorships"):
        snapshot.extract(tmp_path / "other", tmp_path / "out2", q, engine=engine)
