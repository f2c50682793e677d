"""Output folders that never lie: one lock, a staging folder swapped in whole, a manifest of
exactly the files written.

A build writes every file into a staging folder beside ``--out`` and, only when every stage
has succeeded, moves them into place and removes the files of the previous build that it did
not write again. On an error or Ctrl-C the previous output is left as it was. The manifest
lists each file this build wrote with its size, SHA-256 and writer, and nothing else: a
reporter's own notes in the folder are never listed, moved or removed.

Stage functions called one by one (the notebooks) write each file under a temporary name and
rename it (:func:`atomic_path`), so a file is either the old one or the new one, never a part.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from . import __version__
from .errors import CollabnetError, InputError

__all__ = [
    "MANIFEST",
    "TABLE_SCHEMA_VERSION",
    "read_manifest",
    "update_manifest",
    "atomic_path",
    "final_name",
    "file_record",
    "writer",
    "staged_build",
    "check_out_dir",
    "folder_lock",
]

MANIFEST = "manifest.json"

#: The version of the tables' columns and meaning; tables of another version are refused
#: (rebuild them). 2: ``source_index``; ``n_authors`` counts authors without an OpenAlex id.
#: 3: an authorship's category is the one in force in its work's year (``category_dates``,
#: ``designations``, ``category_date_flag``; institutions: ``category_changes``,
#: ``designations``).
TABLE_SCHEMA_VERSION = 3

_LOCK = ".collabnet-build.lock"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def read_manifest(out_dir: str | Path) -> dict:
    """The folder's ``manifest.json`` (an empty dict when there is none yet).

    A manifest that is not a JSON object, cannot be read, or is a folder is an
    :class:`~collabnet.errors.InputError` naming it.
    """
    path = Path(out_dir) / MANIFEST
    if not path.exists():
        return {}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not valid JSON ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            path, f"cannot be read ({getattr(exc, 'strerror', None) or exc})"
        ) from None
    if not isinstance(manifest, dict):
        raise InputError(path, f"not a collabnet manifest (a JSON {type(manifest).__name__})")
    return manifest


def writer() -> str:
    """Who is writing: ``COLLABNET_WRITER`` (set per notebook by ``collabnet demo``), else
    the command line."""
    return os.environ.get("COLLABNET_WRITER") or "collabnet"


def file_record(path: Path) -> dict:
    """``{"bytes", "sha256", "written_by"}`` of one output file."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest(), "written_by": writer()}


def update_manifest(
    out_dir: str | Path, section: str | None = None, data=None, *, files=(), **top
) -> dict:
    """Set ``section`` of the folder's manifest to ``data`` (and any ``top``-level keys), and
    list `files` (paths inside `out_dir` that were just written) under ``outputs``, each
    with its size, SHA-256 and writer.

    The manifest itself is written under a temporary name and renamed.
    """
    out_dir = Path(out_dir)
    manifest = read_manifest(out_dir)
    manifest.setdefault("tool", "collabnet")
    manifest.update(top)
    manifest["collabnet_version"] = __version__
    manifest["updated"] = _now()
    if section is not None:
        manifest[section] = data
    outputs = manifest.setdefault("outputs", {})
    for path in files:
        path = Path(path)
        outputs[path.relative_to(out_dir).as_posix()] = file_record(path)
    manifest["outputs"] = dict(sorted(outputs.items()))
    with atomic_path(out_dir / MANIFEST) as tmp:
        text = json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n"
        tmp.write_text(text, encoding="utf-8")
    return manifest


def final_name(path: str | Path) -> str:
    """The name a file written through :func:`atomic_path` gets (``.x.csv.12.tmp.csv`` ->
    ``x.csv``); other names as they are."""
    name = Path(path).name
    match = re.fullmatch(r"\.(.+)\.\d+\.tmp(\.[^.]*)?", name)
    return match.group(1) if match else name


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside `path` (same suffix, hidden name) to write to; renamed to
    `path` when the block ends without error, removed when it fails."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _is_harvest(manifest: dict) -> bool:
    return "queries" in manifest and "unique_works" in manifest


def check_out_dir(out: str | Path, *, force: bool = False) -> Path:
    """Refuse an output folder a build must not write into; return it as a Path.

    Refused, each with a one-line message: an empty name; a path that is a file or lies
    under a file; a harvest folder (its own manifest would be overwritten); a non-empty
    folder without a collabnet manifest, unless `force` (the files already there are then
    left alone, never listed or removed).
    """
    if not str(out).strip():
        raise CollabnetError("--out is empty: name the folder for the outputs")
    out = Path(out)
    for parent in (out, *out.parents):
        if parent.exists() and not parent.is_dir():
            where = "is" if parent == out else f"lies under {parent}, which is"
            raise CollabnetError(f"--out {out} {where} a file, not a folder")
    if not out.is_dir() or not any(p.name != _LOCK for p in out.iterdir()):
        return out
    try:
        manifest = read_manifest(out)
    except InputError as exc:
        raise CollabnetError(f"--out {out}: {exc}; name another folder") from None
    if _is_harvest(manifest):
        raise CollabnetError(
            f"--out {out} is a harvest folder (collabnet fetch): build into another folder"
        )
    if manifest.get("tool") != "collabnet" and not force:
        raise CollabnetError(
            f"--out {out} is not empty and holds no collabnet build: name an empty or new "
            "folder, or add --force to build there (files not written by collabnet are "
            "left alone)"
        )
    return out


@contextlib.contextmanager
def folder_lock(lock_file: Path, busy: Exception):
    """Hold an exclusive lock on `lock_file` for the block, or raise `busy` when another
    process holds it. The lock goes with the process, even if it is killed. (No lock where
    the system has no ``fcntl``.)"""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    fh = open(lock_file, "w")  # noqa: SIM115 - held for the block
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise busy from None
        yield
    finally:
        fh.close()


@contextlib.contextmanager
def staged_build(out: str | Path, *, keep_failed: bool = False) -> Iterator[Path]:
    """Lock `out`, yield a fresh staging folder beside it, and swap its files in on success.

    On an exception (Ctrl-C included) the staging folder is removed, or with `keep_failed`
    kept and named in the error, and `out` is left as it was.
    """
    out = Path(out)
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = out.parent / f".{out.name}.staging-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
    except OSError as exc:
        raise CollabnetError(f"cannot write to --out {out}: {exc.strerror or exc}") from None
    busy = CollabnetError(f"another collabnet build is writing into {out}; wait for it to finish")
    with folder_lock(out / _LOCK, busy):
        try:
            yield staging
        except BaseException as exc:
            if keep_failed:
                note = f"the unfinished outputs are kept in {staging}"
                if isinstance(exc, CollabnetError):
                    raise CollabnetError(f"{exc} ({note})") from None
                exc.add_note(note)
            else:
                shutil.rmtree(staging, ignore_errors=True)
            if created:  # leave no empty folder behind
                with contextlib.suppress(OSError):
                    (out / _LOCK).unlink()
                    out.rmdir()
            raise
        _swap(staging, out)


def _swap(staging: Path, out: Path) -> None:
    """Move the staged files into `out`; remove the files the previous build listed and this
    one did not write; the manifest last. A crash in between leaves a manifest that says
    ``status: incomplete`` and lists both builds' files, so no file is taken for complete."""
    new = read_manifest(staging)
    old = read_manifest(out) if (out / MANIFEST).is_file() else {}
    old_files = set(old.get("outputs") or {}) if old.get("tool") == "collabnet" else set()
    new_files = set(new.get("outputs") or {})
    marker = {
        "tool": "collabnet",
        "status": "incomplete",
        "note": "a build was replacing these files when it stopped: build again",
        "outputs": {name: {} for name in sorted(old_files | new_files)},
    }
    with atomic_path(out / MANIFEST) as tmp:
        tmp.write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    for name in sorted(new_files):
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / name, target)
    for name in sorted(old_files - new_files):
        with contextlib.suppress(FileNotFoundError):
            (out / name).unlink()
    for folder in sorted({(out / n).parent for n in old_files - new_files}, reverse=True):
        with contextlib.suppress(OSError):  # only folders the build emptied
            if folder != out and not any(folder.iterdir()):
                folder.rmdir()
    os.replace(staging / MANIFEST, out / MANIFEST)
    shutil.rmtree(staging, ignore_errors=True)
