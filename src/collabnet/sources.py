"""Find and read OpenAlex Work records in every form users hold them, decided by content.

OpenAlex data reaches users as JSON Lines (harvests, the snapshot's ``part_NNN.gz`` files,
``.ndjson`` exports), as a JSON array of works (pyalex's ``json.dump(works)``, openalexR), or
as API response pages saved as they came (``{"meta": ..., "results": [...]}``), plain or
compressed (gzip, bzip2, xz). The form of a file is read from its bytes, never from its name.

Every record comes with where it was found: the line of the file (JSON Lines) and the index
within an array or a page's ``results`` (0-based, as JSON counts). A folder contributes every
file that holds works; every other file in it is listed with the reason it was not read.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import itertools
import json
import lzma
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError

try:  # orjson parses OpenAlex records several times faster; json is the fallback.
    import orjson

    _loads = orjson.loads
    _JSONError: tuple[type[Exception], ...] = (orjson.JSONDecodeError,)
except ImportError:  # pragma: no cover - exercised only without orjson
    _loads = json.loads
    _JSONError = (json.JSONDecodeError,)

__all__ = ["STDIN", "Source", "Skipped", "Located", "find_sources", "iter_located"]

#: The path that stands for standard input.
STDIN = "-"

#: A file whose first line is not a whole JSON value is read as one document up to this
#: size (a saved API page is a few megabytes); past it, as JSON Lines with a broken line 1.
_DOCUMENT_MAX = 1 << 30

_COMPRESSED = (
    (b"\x1f\x8b", "gzip", gzip.open),
    (b"BZh", "bzip2", bz2.open),
    (b"\xfd7zXZ\x00", "xz", lzma.open),
)
_UNSUPPORTED = (
    (b"PAR1", "a Parquet file (the snapshot's Parquet layout is not read here; use its jsonl/)"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed (decompress it first, e.g. with `zstd -d`)"),
    (b"PK\x03\x04", "a zip archive (unpack it first)"),
)
_ENTITY = {
    "A": "authors",
    "I": "institutions",
    "S": "sources",
    "P": "publishers",
    "F": "funders",
    "T": "topics",
    "C": "concepts",
}
_BOM = b"\xef\xbb\xbf"
_OPENALEX_ID = re.compile(r"^(?:https?://openalex\.org/)?(?:works/)?([A-Za-z])\d+$")


@dataclass
class Source:
    """One file that holds works, with what was found in it (for the manifest)."""

    path: Path | str  # STDIN for standard input
    in_folder: bool = False  # found in a folder: skipped, not refused, when it holds no works
    form: str = ""  # "json-lines", "json-array", "api-page", "work"
    compression: str | None = None
    records: int = 0
    sha256: str | None = None
    bytes: int | None = None

    def describe(self) -> dict:
        return {
            "path": str(self.path),
            "form": self.form,
            "compression": self.compression,
            "records": self.records,
            "bytes": self.bytes,
            "sha256": self.sha256,
        }


@dataclass
class Skipped:
    """A file in a folder that was not read, and why."""

    path: str
    reason: str


@dataclass
class Located:
    """One record and where it was found."""

    record: object
    line: int | None  # line of the file (JSON Lines); None for a whole-file document
    index: int | None  # position within an array or a page's results; None in plain JSONL


@dataclass
class _Found:
    sources: list[Source] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


class NotWorks(InputError):
    """A file that holds no OpenAlex works (in a folder, it is skipped with this reason)."""


def find_sources(paths: Iterable[str | Path]) -> tuple[list[Source], list[Skipped]]:
    """Expand files and folders into the sources to read, in a stable order.

    A file is taken as given (its form is checked when it is read); a folder contributes
    every file below it, sorted by path, except hidden files and a harvest's unfinished
    ``.tmp`` files, which are listed as skipped. Which of a folder's files hold works is
    decided when they are read (:func:`iter_located` raises :class:`NotWorks`). A path that
    does not exist is an error.
    """
    found = _Found()
    for raw in paths:
        if str(raw) == STDIN:
            found.sources.append(Source(STDIN))
            continue
        path = Path(raw)
        if path.is_dir():
            _add_folder(path, found)
        elif path.is_file():
            found.sources.append(Source(path))
        else:
            raise InputError(path, "no such file or folder")
    return found.sources, found.skipped


def _add_folder(folder: Path, found: _Found) -> None:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    if not files:
        raise InputError(folder, "folder holds no files")
    for path in files:
        relative = path.relative_to(folder).parts
        if any(part.startswith(".") for part in relative):
            found.skipped.append(Skipped(str(path), "hidden file"))
        elif path.name.endswith(".tmp"):
            found.skipped.append(Skipped(str(path), "unfinished temporary file of a harvest"))
        else:
            found.sources.append(Source(path, in_folder=True))


def _raw_bytes(source: Source) -> tuple[io.BufferedIOBase, str | None]:
    """An open binary stream of the source's decompressed bytes, and its compression."""
    if source.path == STDIN:
        data = sys.stdin.buffer.read()
        source.bytes = len(data)
        source.sha256 = hashlib.sha256(data).hexdigest()
        raw: io.BufferedIOBase = io.BytesIO(data)
        head = data[:8]
    else:
        path = Path(source.path)
        try:
            raw = open(path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
            head = raw.read(8)
            raw.seek(0)
        except OSError as exc:
            raise InputError(path, f"cannot be read ({exc.strerror or exc})") from None
    for magic, name, opener in _COMPRESSED:
        if head.startswith(magic):
            return _Closing(opener(raw, "rb"), raw), name
    for magic, what in _UNSUPPORTED:
        if head.startswith(magic):
            raw.close()
            raise NotWorks(source.path, f"not read: {what}")
    return raw, None


class _Closing(io.BufferedReader):
    """A decompressing stream that also closes the file under it."""

    def __init__(self, stream, under):
        super().__init__(stream)
        self._under = under

    def close(self):
        try:
            super().close()
        finally:
            self._under.close()


def iter_located(source: Source) -> Iterator[Located]:
    """Yield every top-level record of one source, with its line and index.

    JSON Lines: one JSON value per line; a line holding an API page yields each of its
    ``results``, a line holding an array each of its items. A file whose first line is not
    a whole JSON value is read as one document (a pretty-printed page, array or work). The
    records are not checked here: :mod:`collabnet.corpus` checks each one.

    Raises :class:`NotWorks` when the file is not JSON at all or holds other OpenAlex
    entities, and :class:`~collabnet.errors.InputError` naming the line (and the byte, for
    invalid UTF-8) for a line that does not parse; bad lines are yielded as
    :class:`~collabnet.errors.InputError` *values* instead when the caller asked to skip them
    (see :func:`collabnet.corpus.read_corpus`).
    """
    stream, source.compression = _raw_bytes(source)
    with stream:
        try:
            yield from _located(source, stream)
        except (OSError, EOFError, lzma.LZMAError) as exc:
            raise InputError(source.path, f"cannot be read to the end ({exc})") from None


def _located(source: Source, stream) -> Iterator[Located]:
    first = _first_line(stream)
    if first is None:
        raise NotWorks(source.path, "holds no works (the file is empty)")
    lineno, line = first
    if not _looks_like_json(line):
        # a README, a TOML query ("[query]"), a Markdown badge ("[![..."): not works
        raise NotWorks(source.path, f"not JSON of OpenAlex works (it starts with {line[:20]!r})")
    values = _parse(line)
    if isinstance(values, _Bad):
        yield from _document_or_lines(source, stream, lineno, line, values)
        return
    for value in values:
        yield from _expand(source, value, lineno, whole=False)
    single = True
    for found in _lines(source, enumerate(stream, start=lineno + 1)):
        single = False
        yield found
    if single and len(values) == 1:  # one page or array on one line (curl, json.dump)
        source.form = _ONE_LINE.get(source.form, source.form)


def _looks_like_json(line: bytes) -> bool:
    """Does a file whose first line is `line` start like OpenAlex JSON: ``{"``, ``{}``,
    ``[{``, ``[]`` (or ``{`` / ``[`` alone: a pretty-printed document)?"""
    head = line.strip()
    if head[:1] not in (b"{", b"["):
        return False
    after = head[1:].lstrip()[:1]
    return after in ((b"", b'"', b"}") if head[:1] == b"{" else (b"", b"{", b"]", b"["))


def _document_or_lines(source: Source, stream, lineno: int, line: bytes, bad) -> Iterator:
    """A first line that is no whole JSON value: one pretty-printed document (a saved page,
    an array, a work; several, when pages were appended to one file), or JSON Lines whose
    first line is broken (then that line is the error). A document is read whole only up to
    _DOCUMENT_MAX bytes."""
    rest = stream.read(_DOCUMENT_MAX)
    if len(rest) < _DOCUMENT_MAX:
        document = _parse(line + rest)
        if not isinstance(document, _Bad):
            for value in document:
                yield from _expand(source, value, None, whole=len(document) == 1)
            return
        if line.strip() in (b"{", b"["):  # surely one document: its own error tells where
            where = _invalid_utf8(line + rest)
            if where is not None:
                at, message = where
                raise InputError(source.path, message, line=lineno + at)
            raise InputError(source.path, f"not valid JSON ({document.exc})")
    else:
        rest += stream.readline()  # end the line the limit cut
    yield _bad(source, bad, lineno, line)
    yield from _lines(
        source, enumerate(itertools.chain(io.BytesIO(rest), stream), start=lineno + 1)
    )


def _lines(source: Source, lines) -> Iterator[Located]:
    """The records of JSON Lines after the first: each line's values, or its error."""
    for lineno, line in lines:
        if not line.strip():
            continue
        values = _parse(line)
        if isinstance(values, _Bad):
            yield _bad(source, values, lineno, line)
            continue
        for value in values:
            yield from _expand(source, value, lineno, whole=False)


_SPACE = re.compile(r"\s*")
_ONE_LINE = {"json-lines (api pages)": "api-page", "json-lines (arrays)": "json-array"}


def _first_line(stream) -> tuple[int, bytes] | None:
    """The first line that is not blank, without a UTF-8 byte order mark (Windows tools
    write one)."""
    for lineno, line in enumerate(stream, start=1):
        if lineno == 1 and line.startswith(_BOM):
            line = line[len(_BOM) :]
        if line.strip():
            return lineno, line
    return None


class _Bad:
    def __init__(self, exc: Exception):
        self.exc = exc


def _parse(data: bytes) -> list | _Bad:
    """The JSON values in `data`: one as a rule; several when documents were appended to
    one another (``curl ... >> pages.json`` writes ``}{``)."""
    try:
        return [_loads(data)]
    except _JSONError as exc:
        first = _Bad(exc)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return first
    decoder, values, at = json.JSONDecoder(), [], 0
    try:
        while True:
            at = _SPACE.match(text, at).end()
            if at >= len(text):
                break
            value, at = decoder.raw_decode(text, at)
            values.append(value)
    except json.JSONDecodeError:
        return first
    return values if len(values) > 1 else first


def _invalid_utf8(data: bytes) -> tuple[int, str] | None:
    """Where `data` is not UTF-8: the line (0 for the first) and a message naming the byte."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        return data.count(b"\n", 0, exc.start), (
            f"invalid UTF-8 at byte {exc.start - line_start + 1} of the line "
            f"({data[exc.start : exc.start + 1].hex(' ')!s} is not a UTF-8 character)"
        )
    return None


def _bad(source: Source, bad: _Bad, lineno: int, line: bytes) -> Located:
    where = _invalid_utf8(line)
    message = f"not valid JSON ({bad.exc})" if where is None else where[1]
    return Located(InputError(source.path, message, line=lineno), lineno, None)


def _is_page(value) -> bool:
    return isinstance(value, dict) and isinstance(value.get("results"), list)


def _expand(source: Source, value, lineno: int | None, *, whole: bool) -> Iterator[Located]:
    """The records a parsed JSON value holds: a page's results, an array's items, or itself."""
    if not source.form:
        source.form = _form(source, value, whole)
    if _is_page(value):
        items = value["results"]
    elif isinstance(value, list):
        items = value
    else:
        yield Located(value, lineno, None)
        return
    for index, item in enumerate(items):
        yield Located(item, lineno, index)


def _form(source: Source, value, whole: bool) -> str:
    """Name the form of a source from its first value; refuse what holds no works."""
    if _is_page(value):
        results = value["results"]
        _check_entity(source, results[0] if results else None)
        return "api-page" if whole else "json-lines (api pages)"
    if isinstance(value, list):
        if value and not isinstance(value[0], dict):
            raise NotWorks(
                source.path,
                f"holds no works: a JSON array of {type(value[0]).__name__}, not of Work objects",
            )
        _check_entity(source, value[0] if value else None)
        return "json-array" if whole else "json-lines (arrays)"
    if isinstance(value, dict):
        _check_entity(source, value)
        if "id" not in value and "authorships" not in value:
            keys = ", ".join(list(value)[:6])
            raise NotWorks(
                source.path,
                f"holds no works: a JSON object with neither 'id' nor 'authorships' "
                f"(keys: {keys}{', ...' if len(value) > 6 else ''})",
            )
        return "work" if whole else "json-lines"
    raise NotWorks(source.path, f"holds no works: JSON {type(value).__name__} at the top")


def _check_entity(source: Source, record) -> None:
    """Refuse a file of other OpenAlex entities (authors, institutions, ...) by its first id."""
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        return
    match = _OPENALEX_ID.match(record["id"])
    if match and match.group(1).upper() in _ENTITY:
        raise NotWorks(
            source.path,
            f"holds OpenAlex {_ENTITY[match.group(1).upper()]}, not works "
            f"(first id {record['id']})",
        )
