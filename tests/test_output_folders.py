"""Output folders that never lie: atomic builds, one lock, a manifest of exactly the files."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openalex_fixtures import small_corpus, write_jsonl

from collabnet import pipeline
from collabnet.cli import main

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo" / "works.jsonl.gz"


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_folder_matches_its_manifest(out: Path, foreign=()) -> None:
    """Every listed file exists with its size and hash; every other file is foreign."""
    outputs = _manifest(out)["outputs"]
    for name, record in outputs.items():
        assert (out / name).stat().st_size == record["bytes"], name
        assert _sha(out / name) == record["sha256"], name
    present = {
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and p.name not in ("manifest.json", ".collabnet-build.lock")
    }
    assert present == set(outputs) | set(foreign)


@pytest.fixture
def works(tmp_path):
    return write_jsonl(tmp_path / "works.jsonl", small_corpus())


def _build(works, out, *options):
    return main(["build", str(works), "--out", str(out), "--quiet", *options])


def test_the_manifest_lists_exactly_the_files_written_with_their_hashes(works, tmp_path):
    out = tmp_path / "out"
    assert _build(works, out) == 0
    _assert_folder_matches_its_manifest(out)
    assert _manifest(out)["outputs"]["works.parquet"]["written_by"] == "collabnet"
    assert _manifest(out)["tables"]["schema_version"] == pipeline.TABLE_SCHEMA_VERSION
    assert not list(tmp_path.glob(".out.staging-*"))  # the staging folder is gone


def test_a_rebuild_removes_the_outputs_it_does_not_write_and_leaves_notes_alone(works, tmp_path):
    out = tmp_path / "out"
    assert _build(works, out) == 0
    (out / "my notes.txt").write_text("checked W1 by phone")
    (out / "figures" / "my sketch.png").write_bytes(b"png")
    assert _build(works, out, "--no-views") == 0
    assert not (out / "network_institutions.html").exists()
    assert not (out / "collaborations_per_year.csv").exists()
    assert not (out / "figures" / "network_institutions.png").exists()
    assert (out / "my notes.txt").read_text() == "checked W1 by phone"
    _assert_folder_matches_its_manifest(out, foreign=["my notes.txt", "figures/my sketch.png"])
    assert "network_institutions.html" not in _manifest(out)["outputs"]


def test_two_corpora_never_share_a_folder(works, tmp_path):
    out = tmp_path / "out"
    assert _build(DEMO, out) == 0
    assert _build(works, out, "--no-views") == 0
    manifest = _manifest(out)
    assert manifest["tables"]["counts"]["works"] == 3
    assert [i["path"] for i in manifest["tables"]["inputs"]] == [str(works)]
    assert not (out / "network_authors.html").exists()  # the demo's map is gone
    _assert_folder_matches_its_manifest(out)


def test_a_failed_build_leaves_the_previous_outputs_as_they_were(
    works, tmp_path, monkeypatch, capsys
):
    out = tmp_path / "out"
    assert _build(DEMO, out, "--no-views") == 0
    before = {p.name: _sha(p) for p in out.iterdir() if p.is_file()}

    def broken(*args, **kwargs):
        raise pipeline.CollabnetError("ranking failed")

    monkeypatch.setattr(pipeline, "rank_graphs", broken)
    assert _build(works, out) == 2
    assert "ranking failed" in capsys.readouterr().err
    assert {p.name: _sha(p) for p in out.iterdir() if p.is_file()} == before
    assert not list(tmp_path.glob(".out.staging-*"))

    assert _build(works, out, "--keep-failed") == 2
    err = capsys.readouterr().err
    kept = list(tmp_path.glob(".out.staging-*"))
    assert len(kept) == 1 and str(kept[0]) in err
    assert (kept[0] / "works.parquet").is_file()  # the tables it had made


def _start(works, out, *options) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "collabnet", "build", str(works), "--out", str(out), *options]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for(predicate, seconds=60.0):
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.mark.slow
def test_an_interrupted_build_leaves_the_previous_outputs_as_they_were(works, tmp_path):
    out = tmp_path / "out"
    assert _build(works, out, "--no-views") == 0
    before = {p.name: _sha(p) for p in out.iterdir() if p.is_file()}
    proc = _start(DEMO, out, "--quiet")
    staging = lambda: next(iter(tmp_path.glob(".out.staging-*/works.parquet")), None)  # noqa: E731
    _wait_for(lambda: staging() is not None or proc.poll() is not None)
    assert proc.poll() is None, "the build ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    assert {p.name: _sha(p) for p in out.iterdir() if p.is_file()} == before
    assert not list(tmp_path.glob(".out.staging-*"))
    _assert_folder_matches_its_manifest(out)


@pytest.mark.slow
def test_a_second_build_into_the_same_folder_is_refused_while_the_first_runs(works, tmp_path):
    out = tmp_path / "out"
    first = _start(DEMO, out, "--quiet")
    _wait_for(lambda: any(tmp_path.glob(".out.staging-*")) or first.poll() is not None)
    second = _start(works, out, "--quiet")
    _, err = second.communicate(timeout=60)
    first_out, first_err = first.communicate(timeout=300)
    assert second.returncode == 2
    assert f"another collabnet build is writing into {out}" in err and "Traceback" not in err
    assert first.returncode == 0, first_err
    assert _manifest(out)["tables"]["counts"]["works"] > 3  # the demo corpus, whole
    _assert_folder_matches_its_manifest(out)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: "", "--out is empty"),
        (lambda tmp: tmp / "file.txt", "is a file, not a folder"),
        (lambda tmp: tmp / "file.txt" / "out", "lies under"),
        (lambda tmp: Path("/proc/collabnet-out"), "cannot write to --out /proc/collabnet-out"),
    ],
    ids=["empty", "a file", "under a file", "unwritable"],
)
def test_an_odd_out_is_one_line(works, tmp_path, capsys, make, message):
    (tmp_path / "file.txt").write_text("x")
    assert main(["build", str(works), "--out", str(make(tmp_path)), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_folder_of_other_files_needs_force_and_they_are_left_alone(works, tmp_path, capsys):
    out = tmp_path / "notes"
    out.mkdir()
    (out / "interview.txt").write_text("notes")
    assert _build(works, out) == 2
    assert "is not empty and holds no collabnet build" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["interview.txt"]
    assert _build(works, out, "--force", "--no-views") == 0
    assert (out / "interview.txt").read_text() == "notes"
    _assert_folder_matches_its_manifest(out, foreign=["interview.txt"])


def test_a_harvest_folder_is_never_built_into(works, tmp_path, capsys):
    harvest = tmp_path / "harvest"
    harvest.mkdir()
    log = {"data_source": "openalex-api", "queries": [], "unique_works": 3}
    (harvest / "manifest.json").write_text(json.dumps(log))
    assert _build(works, harvest, "--force") == 2
    assert "is a harvest folder" in capsys.readouterr().err
    assert json.loads((harvest / "manifest.json").read_text()) == log


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda out: _set_schema(out, 1), "schema version 1"),
        (lambda out: (out / "works.parquet").write_bytes(b"PAR1 cut"), "cannot be read"),
        (lambda out: (out / "manifest.json").write_text("[]"), "not a collabnet manifest"),
        (lambda out: _manifest_folder(out), "cannot be read"),
    ],
    ids=["older tables", "truncated table", "manifest is a list", "manifest is a folder"],
)
def test_paths_refuses_tables_it_cannot_trust_with_one_line(
    works, tmp_path, capsys, damage, message
):
    out = tmp_path / "out"
    assert _build(works, out, "--no-views") == 0
    damage(out)
    capsys.readouterr()
    assert main(["paths", "--tables", str(out), "--from", "I1", "--to", "I3"]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def _set_schema(out: Path, version: int) -> None:
    manifest = _manifest(out)
    manifest["tables"]["schema_version"] = version
    (out / "manifest.json").write_text(json.dumps(manifest))


def _manifest_folder(out: Path) -> None:
    (out / "manifest.json").unlink()
    (out / "manifest.json").mkdir()


def test_notebook_writes_record_their_writer(works, tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert _build(works, out, "--no-views") == 0
    monkeypatch.setenv("COLLABNET_WRITER", "notebooks/05-how-close")
    import pandas as pd

    path = pipeline.write_table(pd.DataFrame({"a": [1]}), out, "how_close.csv")
    record = _manifest(out)["outputs"]["how_close.csv"]
    assert record["written_by"] == "notebooks/05-how-close" and record["sha256"] == _sha(path)
    assert not [p for p in out.iterdir() if ".tmp" in p.name]
    assert os.path.getsize(path) == record["bytes"]
