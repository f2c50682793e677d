"""Raw OpenAlex Work JSON -> tidy tables (works, authorships, institutions, authors)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from ._gc import paused_gc
from .errors import InputError
from .sources import Located, NotWorks, Skipped, Source, find_sources, iter_located

__all__ = [
    "WORK_COLUMNS",
    "AUTHORSHIP_COLUMNS",
    "INSTITUTION_COLUMNS",
    "AUTHOR_COLUMNS",
    "Corpus",
    "BadRecord",
    "work_files",
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
    "source_index",
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


def work_files(paths: Iterable[str | Path]) -> list[Path | str]:
    """The files that :func:`read_corpus` would read for `paths` (folders expanded).

    A path that does not exist is an error (:class:`~collabnet.errors.InputError`); which
    files in a folder hold works is decided when they are read.
    """
    return [s.path for s in find_sources(paths)[0]]


@dataclass
class BadRecord:
    """A record that could not be parsed (kept only with ``skip_bad_records=True``)."""

    file: str
    line: int | None
    message: str


@dataclass
class Corpus:
    """Tidy tables built from Work records, with the counts that reconcile them.

    ``sources`` describes every file read (form, records); ``skipped`` every file of an
    input folder that was not read, with the reason.
    """

    works: pd.DataFrame
    authorships: pd.DataFrame
    institutions: pd.DataFrame
    authors: pd.DataFrame
    sources: list[Source] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    bad_records: list[BadRecord] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def files(self) -> list[Path | str]:
        """The paths of the files read (``"-"`` for standard input)."""
        return [s.path for s in self.sources]


class _Work(NamedTuple):
    """One row of the works table (see ``WORK_COLUMNS``)."""

    work_id: str
    doi: str | None
    title: str | None
    publication_year: int | None
    type: str | None
    is_retracted: bool
    cited_by_count: int | None
    funders: str | None
    is_authors_truncated: bool
    n_authors: int
    source_file: str
    source_line: int | None
    source_index: int | None


class _Parsed(NamedTuple):
    """What one Work record contributes to each table."""

    work: _Work
    authorships: list[tuple]  # rows in AUTHORSHIP_COLUMNS order
    institutions: dict[str, tuple]  # id -> row in INSTITUTION_COLUMNS order
    authors: dict[str, tuple]  # id -> row in AUTHOR_COLUMNS order
    without_author_id: int


_ID = re.compile(r"^[A-Za-z]\d+$")
_KINDS = {
    str: "text",
    int: "a whole number",
    bool: "true or false",
    list: "a list",
    dict: "an object",
}


def _kind(value) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", int: "a number", float: "a number", str: "text"}.get(
        type(value), f"{'a list' if isinstance(value, list) else 'an object'}"
    )


class _Checker:
    """Reads fields of one record, naming the file, line, record and field in every error."""

    __slots__ = ("path", "line", "record")

    def __init__(self, path, line: int | None, index: int | None):
        self.path = path
        self.line = line
        self.record = None if index is None else f"item {index}"

    def error(self, field: str, value, expected: str) -> InputError:
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        return InputError(
            self.path,
            f"field '{field}' is {shown} ({_kind(value)}), expected {expected}",
            line=self.line,
            record=self.record,
        )

    def get(self, obj: dict, key: str, kind: type, field: str):
        """``obj[key]`` when it is of `kind` or null/absent (None); otherwise an error."""
        value = obj.get(key)
        if value is None or (type(value) is kind) or (kind is dict and isinstance(value, dict)):
            return value
        raise self.error(field, value, _KINDS[kind])

    def items(self, obj: dict, key: str, kind: type, field: str) -> list:
        """The list ``obj[key]`` (empty when null/absent), every item of `kind` or null;
        the null items left out."""
        return [v for _, v in self.indexed(obj, key, kind, field)]

    def indexed(self, obj: dict, key: str, kind: type, field: str) -> list[tuple[int, object]]:
        """``(position, item)`` of each item of :meth:`items`: errors about an item name
        its position in the record, null items included."""
        values = self.get(obj, key, list, field) or []
        for i, value in enumerate(values):
            if value is not None and type(value) is not kind:
                raise self.error(f"{field}[{i}]", value, _KINDS[kind])
        return [(i, v) for i, v in enumerate(values) if v is not None]

    def openalex_id(self, obj: dict, key: str, letter: str, field: str) -> str | None:
        """An OpenAlex id without its URL prefix, its letter upper-cased (``w1`` -> ``W1``)."""
        value = self.get(obj, key, str, field)
        if not value:
            return None
        short = short_id(value.strip())
        if not _ID.match(short) or short[0].upper() != letter:
            raise self.error(field, value, f"an OpenAlex id such as {letter}123")
        return letter + short[1:]


def _parse_work(rec, path, line: int | None, index: int | None = None) -> _Parsed:
    """Check one Work record and return what it contributes to each table."""
    check = _Checker(path, line, index)
    if not isinstance(rec, dict):
        raise InputError(
            path,
            f"expected an OpenAlex Work object, found {_kind(rec)}",
            line=line,
            record=check.record,
        )
    wid = check.openalex_id(rec, "id", "W", "id")
    if wid is None:
        raise InputError(
            path,
            "record has no OpenAlex work id ('id' is missing or null)",
            line=line,
            record=check.record,
        )
    check.record = wid if index is None else f"item {index}, {wid}"
    year = check.get(rec, "publication_year", int, "publication_year")
    if year is not None and not 1000 <= year <= 2100:
        raise check.error("publication_year", year, "a year from 1000 to 2100")
    cited = check.get(rec, "cited_by_count", int, "cited_by_count")
    if cited is not None and cited < 0:
        raise check.error("cited_by_count", cited, "a count (0 or more)")
    funder_names = "; ".join(
        name
        for i, f in check.indexed(rec, "funders", dict, "funders")
        if (
            name := check.get(f, "display_name", str, f"funders[{i}].display_name")
            or check.openalex_id(f, "id", "F", f"funders[{i}].id")
        )
    )
    rows: list[tuple] = []
    institutions: dict[str, tuple] = {}
    authors: dict[str, tuple] = {}
    team: set = set()
    missing_ids = 0
    for i, a in check.indexed(rec, "authorships", dict, "authorships"):
        aid, name = _author(check, a, i, authors)
        if aid is None:
            missing_ids += 1
            team.add(("position", i))
        else:
            team.add(aid)
        _authorship_rows(check, a, i, wid, aid, name, institutions, rows)
    work = _Work(
        work_id=wid,
        doi=bare_doi(check.get(rec, "doi", str, "doi")),
        title=check.get(rec, "title", str, "title")
        or check.get(rec, "display_name", str, "display_name"),
        publication_year=year,
        type=check.get(rec, "type", str, "type"),
        is_retracted=bool(check.get(rec, "is_retracted", bool, "is_retracted")),
        cited_by_count=cited,
        funders=funder_names or None,
        is_authors_truncated=bool(
            check.get(rec, "is_authors_truncated", bool, "is_authors_truncated")
        ),
        n_authors=len(team),
        source_file=str(path),
        source_line=line,
        source_index=index,
    )
    return _Parsed(work, rows, institutions, authors, missing_ids)


def _author(check: _Checker, a: dict, i: int, authors: dict) -> tuple[str | None, str | None]:
    """The author id (None when OpenAlex matched nobody) and name of authorship `i`."""
    field = f"authorships[{i}].author"
    author = check.get(a, "author", dict, field) or {}
    aid = check.openalex_id(author, "id", "A", field + ".id")
    name = check.get(author, "display_name", str, field + ".display_name") or check.get(
        a, "raw_author_name", str, f"authorships[{i}].raw_author_name"
    )
    if aid is not None and aid not in authors:
        orcid = check.get(author, "orcid", str, field + ".orcid")
        authors[aid] = (aid, name, short_id_orcid(orcid))
    return aid, name


def _raw_strings(check: _Checker, a: dict, i: int) -> list[str]:
    """The authorship's raw affiliation strings, blanks dropped (2022 schema: singular)."""
    field = f"authorships[{i}]"
    raws = check.items(a, "raw_affiliation_strings", str, field + ".raw_affiliation_strings")
    if not raws:
        legacy = check.get(a, "raw_affiliation_string", str, field + ".raw_affiliation_string")
        raws = [legacy] if legacy else []
    return [s for s in raws if s.strip()]


def _linked_strings(
    check: _Checker, a: dict, i: int, insts: list[dict], raws: list[str]
) -> tuple[dict[str | None, list[str]], list[str]]:
    """Which raw strings OpenAlex linked to which institution, and the strings it did not."""
    field = f"authorships[{i}]"
    linked: dict[str | None, list[str]] = {}
    unlinked: list[str] = []
    affs = check.indexed(a, "affiliations", dict, field + ".affiliations")
    if affs:  # the current schema says which string went to which institution
        for j, aff in affs:
            where = f"{field}.affiliations[{j}]"
            text = check.get(aff, "raw_affiliation_string", str, where + ".raw_affiliation_string")
            ids = check.items(aff, "institution_ids", str, where + ".institution_ids")
            if not text or not text.strip():
                continue
            if ids:
                for iid in ids:
                    linked.setdefault(_upper_id(short_id(iid)), []).append(text)
            else:
                unlinked.append(text)
    else:  # older records: every raw string goes with every institution
        for inst in insts:
            iid = inst.get("id")
            if isinstance(iid, str):
                linked[_upper_id(short_id(iid))] = raws
        if not insts:
            unlinked = raws
    return linked, unlinked


def _upper_id(value: str | None) -> str | None:
    return value[0].upper() + value[1:] if value and _ID.match(value) else value


def _authorship_rows(check, a, i, wid, aid, name, institutions, rows) -> None:
    """Append authorship `i`'s rows: one per institution, one per unlinked raw string, or
    one with no institution; record its institutions."""
    field = f"authorships[{i}]"
    position = check.get(a, "author_position", str, field + ".author_position")
    corresponding = bool(check.get(a, "is_corresponding", bool, field + ".is_corresponding"))
    indexed = check.indexed(a, "institutions", dict, field + ".institutions")
    insts = [inst for _, inst in indexed]
    raws = _raw_strings(check, a, i)
    linked, unlinked = _linked_strings(check, a, i, insts, raws)
    countries = check.items(a, "countries", str, field + ".countries")
    hint = countries[0] if len(countries) == 1 else None
    for j, inst in indexed:
        where = f"{field}.institutions[{j}]"
        iid = check.openalex_id(inst, "id", "I", where + ".id")
        display = check.get(inst, "display_name", str, where + ".display_name")
        if not iid:
            # OpenAlex sometimes lists an institution without id: keep its name as text.
            unlinked.append(display or "")
            continue
        ror = short_id(check.get(inst, "ror", str, where + ".ror"))
        cc = check.get(inst, "country_code", str, where + ".country_code")
        if iid not in institutions:
            lineage = [
                short_id(x) for x in check.items(inst, "lineage", str, where + ".lineage") if x
            ]
            kind = check.get(inst, "type", str, where + ".type")
            institutions[iid] = (iid, ror, display, cc, kind, lineage)
        raw = " | ".join(dict.fromkeys(linked.get(iid, []))) or None
        rows.append((wid, position, aid, name, iid, display, ror, cc, raw, corresponding))
    unlinked = [u for u in dict.fromkeys(unlinked) if u]
    if not insts and not unlinked:
        rows.append((wid, position, aid, name, None, None, None, hint, None, corresponding))
    for text in unlinked:
        country = hint if not insts else None
        rows.append((wid, position, aid, name, None, None, None, country, text, corresponding))


def short_id_orcid(value: str | None) -> str | None:
    """ORCID without its URL prefix (``0000-0003-1613-5981``)."""
    return _strip_prefix(value, _ORCID_PREFIXES)


def _better(new: _Parsed, old: _Parsed) -> bool:
    """Is ``new`` the better copy of one work? A complete author list first, then more authors."""
    if new.work.is_authors_truncated != old.work.is_authors_truncated:
        return not new.work.is_authors_truncated
    return new.work.n_authors > old.work.n_authors


def _lineage(work: _Work) -> str:
    """Where a work was read: ``file:line``, ``file:line[index]`` or ``file[index]``."""
    where = work.source_file
    if work.source_line is not None:
        where += f":{work.source_line}"
    if work.source_index is not None:
        where += f"[{work.source_index}]"
    return where


class _Reader:
    """Reads sources into parsed works, keeping one copy per OpenAlex id."""

    def __init__(self, skip_bad_records: bool, progress=None):
        self.skip_bad_records = skip_bad_records
        self.parsed: dict[str, _Parsed] = {}
        self.bad: list[BadRecord] = []
        self.duplicates: list[dict] = []
        self.skipped: list[Skipped] = []
        self.records_read = 0
        self.progress = progress

    def read(self, source: Source) -> None:
        before = self.records_read
        try:
            for found in iter_located(source):
                self._add(source, found)
        except NotWorks as exc:
            if not source.in_folder:
                raise
            self.skipped.append(Skipped(str(source.path), exc.message))
            return
        source.records = self.records_read - before
        if source.records == 0 and not source.in_folder:
            raise InputError(source.path, f"holds no works (an empty {source.form or 'file'})")

    def _add(self, source: Source, found: Located) -> None:
        self.records_read += 1
        if self.progress is not None:
            self.progress.update(1)
        try:
            if isinstance(found.record, InputError):
                raise found.record
            item = _parse_work(found.record, source.path, found.line, found.index)
        except InputError as exc:
            if not self.skip_bad_records:
                raise
            self.bad.append(BadRecord(exc.path, exc.line, exc.message))
            return
        wid = item.work.work_id
        old = self.parsed.get(wid)
        if old is None:
            self.parsed[wid] = item
            return
        keep, drop = (item, old) if _better(item, old) else (old, item)
        self.parsed[wid] = keep
        self.duplicates.append(
            {
                "work_id": wid,
                "reason": "same OpenAlex id",
                "kept": _lineage(keep.work),
                "dropped": _lineage(drop.work),
            }
        )

    def drop_same_doi(self) -> None:
        """Same DOI under two OpenAlex ids: keep the first seen, list the other."""
        by_doi: dict[str, str] = {}
        for wid in list(self.parsed):
            doi = self.parsed[wid].work.doi
            if not doi:
                continue
            if doi in by_doi:
                self.duplicates.append(
                    {
                        "work_id": wid,
                        "reason": f"same DOI as {by_doi[doi]}",
                        "kept": by_doi[doi],
                        "dropped": wid,
                    }
                )
                del self.parsed[wid]
            else:
                by_doi[doi] = wid


def read_corpus(
    paths: Iterable[str | Path] | str | Path,
    *,
    skip_bad_records: bool = False,
    progress=None,
) -> Corpus:
    """Read OpenAlex Work records, in any form OpenAlex data is saved, into tidy tables.

    Parameters
    ----------
    paths : path or list of paths
        Files or folders: JSON Lines (``.jsonl``, ``.ndjson``, snapshot ``part_NNN.gz``; plain,
        gzip, bzip2 or xz), a JSON array of works, saved API pages (``{"meta", "results"}``),
        harvest folders, snapshot works folders; ``"-"`` reads standard input. The form is
        read from each file's content (see :mod:`collabnet.sources`).
    skip_bad_records : bool, default False
        By default the first malformed record stops the read with an error naming the file,
        line, record and field. With ``True`` such records are skipped, and each is listed in
        ``Corpus.bad_records``.
    progress : collabnet.progress.Progress, optional
        Shows a bar of the records read when reading takes more than a moment.

    Returns
    -------
    Corpus
        ``works`` (one row per distinct work), ``authorships`` (one row per work, author and
        institution; an author with no matched institution keeps a row with a null institution,
        one per unmatched raw affiliation string), ``institutions``, ``authors``, ``counts``,
        ``sources`` (every file read) and ``skipped`` (every file of a folder not read, why).

    Notes
    -----
    An authorship whose ``author.id`` is null (OpenAlex matched no person: an organisation
    listed as an author, an unmatched name) keeps its rows with a null ``author_id`` and the
    name: it counts in the work's ``n_authors`` and in the institution and country graphs,
    but is no node of the author graph (it cannot be told apart from anyone else of that
    name). ``counts["authorships_without_author_id"]`` says how many.

    Duplicates collapse to one work: the same OpenAlex id seen twice (overlapping queries, a
    re-fetched truncated work) keeps the copy with the complete author list; two ids with the same
    DOI (OpenAlex sometimes holds a work twice) keep the first seen, and both ids are listed in
    ``Corpus.duplicates``.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    sources, skipped = find_sources(paths)
    bar = _progress_bar(progress)
    reader = _Reader(skip_bad_records, bar)
    # Parsing makes millions of small acyclic objects: no collection passes meanwhile.
    with paused_gc():
        try:
            for source in sources:
                reader.read(source)
        finally:
            if bar is not None:
                bar.close()
        reader.skipped[:0] = skipped
        read = [s for s in sources if str(s.path) not in {k.path for k in reader.skipped}]
        if not reader.parsed:
            raise InputError(", ".join(str(p) for p in paths), _why_empty(reader, read))
        reader.bad.sort(key=lambda b: (b.file, b.line or 0))
        n_dupe_id = len(reader.duplicates)
        reader.drop_same_doi()
        corpus = _tables(reader.parsed.values())
    corpus.sources, corpus.skipped = read, reader.skipped
    corpus.bad_records, corpus.duplicates = reader.bad, reader.duplicates
    corpus.counts = {
        "files": len(read),
        "files_skipped": len(reader.skipped),
        "records_read": reader.records_read,
        "bad_records_skipped": len(reader.bad),
        "duplicates_dropped": len(reader.duplicates),
        "duplicates_same_id": n_dupe_id,
        "duplicates_same_doi": len(reader.duplicates) - n_dupe_id,
        **corpus.counts,
    }
    return corpus


def _progress_bar(progress):
    if progress is None or not progress.enabled:
        return None
    return progress.bar(None, "records", unit=" records")


def _why_empty(reader: _Reader, read: list[Source]) -> str:
    if reader.bad:
        return f"no works: all {len(reader.bad)} records are malformed"
    if not read and reader.skipped:
        shown = "; ".join(f"{Path(k.path).name}: {k.reason}" for k in reader.skipped[:3])
        more = f" (and {len(reader.skipped) - 3} more)" if len(reader.skipped) > 3 else ""
        return f"no file holds OpenAlex works ({shown}{more})"
    return "no works (the files are empty)"


def _tables(parsed: Iterable[_Parsed]) -> Corpus:
    """The four tables (and their counts) from the parsed works."""
    work_rows, authorship_rows = [], []
    institutions: dict[str, tuple] = {}
    authors: dict[str, tuple] = {}
    without_author_id = 0
    for item in parsed:
        work_rows.append(item.work)
        authorship_rows.extend(item.authorships)
        for k, v in item.institutions.items():
            institutions.setdefault(k, v)
        for k, v in item.authors.items():
            authors.setdefault(k, v)
        without_author_id += item.without_author_id
    works = pd.DataFrame(work_rows, columns=WORK_COLUMNS)
    works = works.astype(
        {
            "publication_year": "Int64",
            "cited_by_count": "Int64",
            "n_authors": "int64",
            "source_line": "Int64",
            "source_index": "Int64",
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
        "works": len(works),
        "works_authors_truncated": int(works["is_authors_truncated"].sum()),
        "works_retracted": int(works["is_retracted"].sum()),
        "works_without_authorships": int((works["n_authors"] == 0).sum()),
        "authorships": len(authorships),
        "authorships_without_institution": int(authorships["institution_id"].isna().sum()),
        "authorships_without_author_id": without_author_id,
        "institutions": len(institutions_df),
        "authors": len(authors_df),
    }
    return Corpus(works, authorships, institutions_df, authors_df, counts=counts)
