"""Raw OpenAlex Work JSON -> tidy tables (works, authorships, institutions, authors)."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ._gc import paused_gc
from .errors import InputError

try:  # orjson parses OpenAlex records several times faster; json is the fallback.
    import orjson

    _loads = orjson.loads
    _JSONError: tuple[type[Exception], ...] = (orjson.JSONDecodeError,)
except ImportError:  # pragma: no cover - exercised only without orjson
    _loads = json.loads
    _JSONError = (json.JSONDecodeError,)

__all__ = [
    "WORK_COLUMNS",
    "AUTHORSHIP_COLUMNS",
    "INSTITUTION_COLUMNS",
    "AUTHOR_COLUMNS",
    "Corpus",
    "BadRecord",
    "work_files",
    "iter_records",
    "read_corpus",
    "short_id",
    "bare_doi",
    "file_sha256",
]

WORK_COLUMNS = [
    "work_id",
    "doi",
    "title",
    "publication_year",
    "type",
    "is_retracted",
    "cited_by_count",
    "funders",
    "is_authors_truncated",
    "n_authors",
    "source_file",
    "source_line",
]
AUTHORSHIP_COLUMNS = [
    "work_id",
    "author_position",
    "author_id",
    "author_name",
    "institution_id",
    "institution_name",
    "ror",
    "country_code",
    "raw_affiliation",
    "is_corresponding",
]
INSTITUTION_COLUMNS = ["institution_id", "ror", "display_name", "country_code", "type", "lineage"]
AUTHOR_COLUMNS = ["author_id", "display_name", "orcid"]

_PREFIXES = ("https://openalex.org/", "http://openalex.org/", "https://ror.org/", "http://ror.org/")
_ORCID_PREFIXES = ("https://orcid.org/", "http://orcid.org/")
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:")


def short_id(value: str | None) -> str | None:
    """Return an OpenAlex or ROR id without its URL prefix.

    Examples
    --------
    >>> short_id("https://openalex.org/W2741809807")
    'W2741809807'
    >>> short_id("https://ror.org/018906e22")
    '018906e22'
    >>> short_id(None) is None
    True
    """
    # fast path: nearly every id in a harvest is an OpenAlex URL
    if value and value.startswith("https://openalex.org/"):
        return value[21:]
    return _strip_prefix(value, _PREFIXES)


def _strip_prefix(value: str | None, prefixes: tuple[str, ...]) -> str | None:
    if not value:
        return None
    for prefix in prefixes:
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def bare_doi(value: str | None) -> str | None:
    """Return a DOI without resolver prefix, lower-cased (DOIs are case-insensitive).

    Examples
    --------
    >>> bare_doi("https://doi.org/10.7717/PeerJ.4375")
    '10.7717/peerj.4375'
    """
    if not value:
        return None
    for prefix in _DOI_PREFIXES:
        if value.lower().startswith(prefix):
            value = value[len(prefix) :]
            break
    return value.strip().lower() or None


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, for the manifest."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def work_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders into the Work JSON Lines files to read, in a stable order.

    A folder (a harvest) contributes every ``*.jsonl`` and ``*.jsonl.gz`` below it, sorted by
    path; a file is taken as given. A path that does not exist, or a folder with no such file,
    is an error: an empty corpus is never built by accident.
    """
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.name.endswith((".jsonl", ".jsonl.gz"))
            )
            if not found:
                raise InputError(path, "folder holds no .jsonl or .jsonl.gz file of works")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(path, "no such file or folder")
    return files


def _open_text(path: Path):
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def iter_records(
    path: str | Path, *, errors: list[InputError] | None = None
) -> Iterator[tuple[int, dict]]:
    """Yield ``(line_number, record)`` for each non-blank line of a JSON Lines file.

    Plain or gzip-compressed (detected from the bytes, not the name). A line that is not a JSON
    object raises :class:`~collabnet.errors.InputError` naming the file and line, or, when an
    ``errors`` list is given, is appended to it and skipped.
    """
    path = Path(path)
    try:
        with _open_text(path) as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    record = _loads(line)
                except _JSONError as exc:
                    problem = InputError(path, f"not valid JSON ({exc})", line=lineno)
                else:
                    if isinstance(record, dict):
                        yield lineno, record
                        continue
                    problem = InputError(
                        path,
                        "expected one OpenAlex Work object per line, "
                        f"found {type(record).__name__}",
                        line=lineno,
                    )
                if errors is None:
                    raise problem
                errors.append(problem)
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot be read ({exc})") from None


@dataclass
class BadRecord:
    """A record that could not be parsed (kept only with ``skip_bad_records=True``)."""

    file: str
    line: int
    message: str


@dataclass
class Corpus:
    """Tidy tables built from Work records, with the counts that reconcile them."""

    works: pd.DataFrame
    authorships: pd.DataFrame
    institutions: pd.DataFrame
    authors: pd.DataFrame
    files: list[Path] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    bad_records: list[BadRecord] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)


def _parse_work(rec: dict, path: Path, lineno: int):
    """Return (work_row, authorship_rows, institutions, authors) for one Work record."""
    wid = short_id(rec.get("id"))
    if not isinstance(wid, str) or not wid.startswith("W"):
        raise InputError(
            path, f"record has no OpenAlex work id (id = {rec.get('id')!r})", line=lineno
        )
    authorships = rec.get("authorships")
    if authorships is None:
        authorships = []
    if not isinstance(authorships, list):
        raise InputError(path, "'authorships' is not a list", line=lineno, record=wid)
    year = rec.get("publication_year")
    if year is not None and not isinstance(year, int):
        raise InputError(
            path, f"'publication_year' is not a whole number: {year!r}", line=lineno, record=wid
        )
    funders = rec.get("funders") or []
    funder_names = "; ".join(
        f.get("display_name") or short_id(f.get("id")) or "" for f in funders if isinstance(f, dict)
    )
    rows = []
    institutions = {}
    authors = {}
    author_ids = set()
    for i, a in enumerate(authorships):
        if not isinstance(a, dict):
            raise InputError(path, f"authorship {i} is not an object", line=lineno, record=wid)
        author = a.get("author") or {}
        aid = short_id(author.get("id"))
        if not aid:
            raise InputError(
                path,
                f"authorship {i} has no author id (author = {author!r})",
                line=lineno,
                record=wid,
            )
        author_ids.add(aid)
        name = author.get("display_name") or a.get("raw_author_name")
        if aid not in authors:
            authors[aid] = (aid, name, short_id_orcid(author.get("orcid")))
        position = a.get("author_position")
        corresponding = bool(a.get("is_corresponding"))
        raws = [
            s for s in (a.get("raw_affiliation_strings") or []) if isinstance(s, str) and s.strip()
        ]
        insts = a.get("institutions") or []
        # Which raw strings OpenAlex linked to which institution (current schema: `affiliations`).
        linked: dict[str, list[str]] = {}
        unlinked: list[str] = []
        affs = a.get("affiliations")
        if isinstance(affs, list) and affs:
            for aff in affs:
                text = (aff or {}).get("raw_affiliation_string")
                ids = [short_id(x) for x in (aff or {}).get("institution_ids") or []]
                if not text:
                    continue
                if ids:
                    for iid in ids:
                        linked.setdefault(iid, []).append(text)
                else:
                    unlinked.append(text)
        elif len(insts) == 1:
            linked[short_id((insts[0] or {}).get("id"))] = raws
        elif insts:
            for inst in insts:
                linked[short_id((inst or {}).get("id"))] = raws
        else:
            unlinked = raws
        countries = [c for c in (a.get("countries") or []) if c]
        hint = countries[0] if len(countries) == 1 else None
        for inst in insts:
            if not isinstance(inst, dict):
                raise InputError(
                    path,
                    f"authorship {i} has an institution that is not an object",
                    line=lineno,
                    record=wid,
                )
            iid = short_id(inst.get("id"))
            if not iid:
                # OpenAlex sometimes lists an institution without id: keep its name as text.
                unlinked.append(inst.get("display_name") or "")
                continue
            ror = short_id(inst.get("ror"))
            cc = inst.get("country_code")
            if iid not in institutions:
                lineage = [short_id(x) for x in (inst.get("lineage") or []) if x]
                institutions[iid] = (
                    iid,
                    ror,
                    inst.get("display_name"),
                    cc,
                    inst.get("type"),
                    lineage,
                )
            raw = " | ".join(dict.fromkeys(linked.get(iid, []))) or None
            rows.append(
                (
                    wid,
                    position,
                    aid,
                    name,
                    iid,
                    inst.get("display_name"),
                    ror,
                    cc,
                    raw,
                    corresponding,
                )
            )
        unlinked = [u for u in dict.fromkeys(unlinked) if u]
        if not insts and not unlinked:
            rows.append((wid, position, aid, name, None, None, None, hint, None, corresponding))
        for text in unlinked:
            rows.append(
                (
                    wid,
                    position,
                    aid,
                    name,
                    None,
                    None,
                    None,
                    hint if not insts else None,
                    text,
                    corresponding,
                )
            )
    doi = bare_doi(rec.get("doi"))
    work = (
        wid,
        doi,
        rec.get("title") or rec.get("display_name"),
        year,
        rec.get("type"),
        bool(rec.get("is_retracted")),
        rec.get("cited_by_count"),
        funder_names or None,
        bool(rec.get("is_authors_truncated")),
        len(author_ids),
        str(path),
        lineno,
    )
    return work, rows, institutions, authors


def short_id_orcid(value: str | None) -> str | None:
    """ORCID without its URL prefix (``0000-0003-1613-5981``)."""
    return _strip_prefix(value, _ORCID_PREFIXES)


def _better(new, old) -> bool:
    """Is ``new`` the better copy of one work? A complete author list first, then more authors."""
    new_work, old_work = new[0], old[0]
    if new_work[8] != old_work[8]:
        return not new_work[8]  # not truncated beats truncated
    return new_work[9] > old_work[9]


def read_corpus(
    paths: Iterable[str | Path] | str | Path, *, skip_bad_records: bool = False
) -> Corpus:
    """Read OpenAlex Work JSON Lines (files or harvest folders) into tidy tables.

    Parameters
    ----------
    paths : path or list of paths
        ``.jsonl`` / ``.jsonl.gz`` files, or folders holding them (e.g. a harvest).
    skip_bad_records : bool, default False
        By default the first malformed line stops the read with an error naming the file and
        line. With ``True`` such lines are skipped, and each is listed in ``Corpus.bad_records``.

    Returns
    -------
    Corpus
        ``works`` (one row per distinct work), ``authorships`` (one row per work, author and
        institution; an author with no matched institution keeps a row with a null institution,
        one per unmatched raw affiliation string), ``institutions``, ``authors``, and ``counts``.

    Notes
    -----
    Duplicates collapse to one work: the same OpenAlex id seen twice (overlapping queries, a
    re-fetched truncated work) keeps the copy with the complete author list; two ids with the same
    DOI (OpenAlex sometimes holds a work twice) keep the first seen, and both ids are listed in
    ``Corpus.duplicates``.
    """
    # Parsing makes millions of small acyclic objects: no collection passes meanwhile.
    with paused_gc():
        if isinstance(paths, (str, Path)):
            paths = [paths]
        files = work_files(paths)
        parsed: dict[str, tuple] = {}
        bad: list[BadRecord] = []
        duplicates: list[dict] = []
        n_read = 0
        line_errors: list[InputError] | None = [] if skip_bad_records else None
        for path in files:
            for lineno, rec in iter_records(path, errors=line_errors):
                n_read += 1
                try:
                    item = _parse_work(rec, path, lineno)
                except InputError as exc:
                    if not skip_bad_records:
                        raise
                    bad.append(BadRecord(exc.path, exc.line or lineno, exc.message))
                    continue
                wid = item[0][0]
                old = parsed.get(wid)
                if old is None:
                    parsed[wid] = item
                else:
                    keep, drop = (item, old) if _better(item, old) else (old, item)
                    parsed[wid] = keep
                    duplicates.append(
                        {
                            "work_id": wid,
                            "reason": "same OpenAlex id",
                            "kept": f"{keep[0][10]}:{keep[0][11]}",
                            "dropped": f"{drop[0][10]}:{drop[0][11]}",
                        }
                    )
        bad.extend(BadRecord(e.path, e.line or 0, e.message) for e in line_errors or [])
        if not parsed:
            where = ", ".join(str(f) for f in files)
            reason = (
                f"all {len(bad)} records are malformed" if bad else "no works (the file is empty)"
            )
            raise InputError(where, reason)
        bad.sort(key=lambda b: (b.file, b.line))
        n_dupe_id = len(duplicates)
        # Same DOI under two OpenAlex ids: keep the first seen.
        by_doi: dict[str, str] = {}
        for wid in list(parsed):
            doi = parsed[wid][0][1]
            if not doi:
                continue
            if doi in by_doi:
                duplicates.append(
                    {
                        "work_id": wid,
                        "reason": f"same DOI as {by_doi[doi]}",
                        "kept": by_doi[doi],
                        "dropped": wid,
                    }
                )
                del parsed[wid]
            else:
                by_doi[doi] = wid

        work_rows, authorship_rows = [], []
        institutions: dict[str, tuple] = {}
        authors: dict[str, tuple] = {}
        for work, rows, insts, auths in parsed.values():
            work_rows.append(work)
            authorship_rows.extend(rows)
            for k, v in insts.items():
                institutions.setdefault(k, v)
            for k, v in auths.items():
                authors.setdefault(k, v)

        works = pd.DataFrame(work_rows, columns=WORK_COLUMNS)
        works = works.astype(
            {
                "publication_year": "Int64",
                "cited_by_count": "Int64",
                "n_authors": "int64",
                "source_line": "int64",
            }
        )
        authorships = pd.DataFrame(authorship_rows, columns=AUTHORSHIP_COLUMNS)
        institutions_df = pd.DataFrame(list(institutions.values()), columns=INSTITUTION_COLUMNS)
        authors_df = pd.DataFrame(list(authors.values()), columns=AUTHOR_COLUMNS)
        for df in (works, authorships, institutions_df, authors_df):
            for col in df.columns:
                if df[col].dtype == object and col not in ("lineage",):
                    df[col] = df[col].astype("string")
        counts = {
            "files": len(files),
            "records_read": n_read,
            "bad_records_skipped": len(bad),
            "duplicates_dropped": len(duplicates),
            "duplicates_same_id": n_dupe_id,
            "duplicates_same_doi": len(duplicates) - n_dupe_id,
            "works": len(works),
            "works_authors_truncated": int(works["is_authors_truncated"].sum()),
            "works_retracted": int(works["is_retracted"].sum()),
            "authorships": len(authorships),
            "authorships_without_institution": int(authorships["institution_id"].isna().sum()),
            "institutions": len(institutions_df),
            "authors": len(authors_df),
        }
        return Corpus(
            works, authorships, institutions_df, authors_df, files, counts, bad, duplicates
        )
