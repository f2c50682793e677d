"""Harvest works from the OpenAlex API: filters, cursor paging, retries, resume, query log.

Each list request is described with pyalex's query objects (``Works().filter(...).search(...)
.select(...)``); collabnet takes the path and query string from ``Query.url`` (which always
names api.openalex.org) and sends it, with the paging parameters, to its own base URL. The
paging loop itself is collabnet's, not pyalex's: a resumable, lossless harvest needs the raw
pages, the cursor of every page, a count of retries, ``Retry-After`` handling, a fallback to a
smaller ``per-page`` without losing the cursor, the cost and rate-limit headers of every
answer, and a base URL that tests can point at a local fake API, none of which pyalex 0.21's
paginator exposes (its host is fixed and its default is zero retries).

What the 2026 API does, as checked for this module (developers.openalex.org, "Authentication
& Pricing", "Page through Results" and "Error Handling"; OpenAlex's own server code,
github.com/ourresearch/openalex-api-proxy ``src/index.ts`` and ``src/rateLimiter.ts``, and
github.com/ourresearch/openalex-elastic-api ``app.py`` and ``core/paginate.py``, August 2026):

* A free key has a daily budget of $1, renewed at midnight UTC; a list call costs $0.0001
  ($0.10 per 1,000) whatever its page size, a search call ten times that, a singleton
  (``/works/W...``) nothing.
* Answers carry ``X-RateLimit-Limit-USD``, ``X-RateLimit-Remaining-USD``,
  ``X-RateLimit-Cost-USD`` and ``X-RateLimit-Prepaid-Remaining-USD`` (dollars), the older
  ``X-RateLimit-Limit``, ``X-RateLimit-Remaining``, ``X-RateLimit-Credits-Used`` and
  ``X-RateLimit-Onetime-Remaining`` (credits of $0.0001, not dollars) and
  ``X-RateLimit-Reset`` (seconds to midnight UTC). List answers also say their price in
  ``meta.cost_usd``.
* A spent budget is HTTP 429 ``{"error": "Rate limit exceeded", "message": "Insufficient
  budget. This request costs $0.0001 but you only have $0 remaining. Resets at midnight UTC.
  ...", "dailyRemainingUsd": ...}`` with ``Retry-After`` = the seconds to midnight UTC and
  ``X-RateLimit-Cost-Required-USD``. Going over 100 requests a second is also HTTP 429
  ("... requests per second. Please slow down.", ``Retry-After`` about 1 s), and it too says
  ``X-RateLimit-Remaining: 0``: a zero there alone does not mean the budget is spent.
* ``per_page`` is documented as 1-100, while the server still accepted up to 200 (March and
  August 2026); a refusal would be HTTP 400 ``{"error": "Pagination error.", "message":
  "per-page parameter must be between 1 and 100."}``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import difflib
import email.utils
import gzip
import hashlib
import itertools
import json
import logging
import os
import random
import re
import shutil
import socket
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn
from urllib.parse import quote, urlsplit

import requests

from . import __version__, config
from .errors import CollabnetError, InputError
from .outputs import folder_lock

__all__ = [
    "OPENALEX_URL",
    "WORK_FIELDS",
    "PER_PAGE",
    "PER_PAGE_FALLBACK",
    "MAX_OR_VALUES",
    "MAX_URL_LENGTH",
    "HarvestQuery",
    "RetryPolicy",
    "HarvestError",
    "MissingKeyError",
    "HarvestStopped",
    "load_query_file",
    "fetch_works",
    "resolve_institutions",
]

logger = logging.getLogger("collabnet.openalex")

#: Where requests go. ``COLLABNET_OPENALEX_URL`` points them elsewhere (a mirror, a local fake).
OPENALEX_URL = "https://api.openalex.org"

#: Root-level Work fields the corpus reader needs; passed as ``select=`` so pages stay small.
#: ``is_authors_truncated`` is dropped automatically if the API refuses to select it.
WORK_FIELDS = (
    "id",
    "doi",
    "title",
    "display_name",
    "publication_year",
    "publication_date",
    "type",
    "is_retracted",
    "cited_by_count",
    "authorships",
    "corresponding_author_ids",
    "funders",
    "awards",
    "updated_date",
    "is_authors_truncated",
)

#: Page size asked first (``per-page``). A list call costs the same whatever its size, so 200
#: works a call spend half the budget of 100; OpenAlex still served 200 in 2026.
PER_PAGE = 200
#: The documented largest page (developers.openalex.org, "Page through Results": 1-100). If
#: OpenAlex refuses ``PER_PAGE``, the harvest asks the same cursor again with this and keeps it.
PER_PAGE_FALLBACK = 100
#: OpenAlex accepts at most 100 values in one ``|`` (OR) list.
MAX_OR_VALUES = 100
#: Stay well under the URL length servers and proxies accept; longer OR-lists are split.
MAX_URL_LENGTH = 4000
#: Room kept in a URL for the ``cursor=`` value, which OpenAlex makes up as it pages.
_CURSOR_ROOM = 400
#: List responses cut ``authorships`` at this length.
TRUNCATED_AUTHORS = 100

_PER_PAGE_RE = re.compile(r"per[-_ ]?page", re.I)
_ROR_RE = re.compile(r"^0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}$")
_INSTITUTION_RE = re.compile(r"^I\d+$")
_QUERY_KEYS = {
    "name": "name",
    "description": "description",
    "out": "out",
    "ror": "rors",
    "rors": "rors",
    "institution": "institutions",
    "institutions": "institutions",
    "with_country": "with_countries",
    "with_countries": "with_countries",
    "with-country": "with_countries",
    "years": "years",
    "search": "search",
    "match": "match",
}
_STATE_FILE = "state.json"
_MANIFEST_FILE = "manifest.json"
_INSTITUTION_CACHE = "institutions-by-ror.json"
_WORKS_DIR = "works"
# Sorts before the query folders, so a reader taking the first copy of a work gets the full one.
_FULL_DIR = "full-authorships"
_FULL_BATCH = 50
_KEY_HELP = (
    "OpenAlex needs an API key (required since 13 February 2026; it is free). Create an account "
    "at https://openalex.org, copy the key from https://openalex.org/settings/api, and either "
    "run `export OPENALEX_API_KEY=...` or put the line OPENALEX_API_KEY=... in the file {env} "
    "(git-ignored)."
)


# --- errors -------------------------------------------------------------------------------


class HarvestError(CollabnetError):
    """The harvest could not go on; the message says what happened and what to do."""


class MissingKeyError(HarvestError):
    """No OpenAlex API key was found in the environment or in ``.env``."""


class HarvestStopped(HarvestError):
    """OpenAlex refused further requests (spent budget, rejected key); what arrived is saved.

    ``remaining_usd`` is the daily budget OpenAlex said was left (``None`` if it did not say).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        reason: str = "",
        remaining_usd: float | None = None,
    ):
        self.status = status
        self.reason = reason or message
        self.remaining_usd = remaining_usd
        super().__init__(message)


class _BadRequest(Exception):
    def __init__(self, status: int, message: str):
        self.status = status
        self.message = message
        super().__init__(f"HTTP {status}: {message}")


class _PerPageRefused(_BadRequest):
    """OpenAlex refused the page size; the same cursor is asked again with a smaller one."""


class _Transient(Exception):
    """A failed request worth asking again (after a wait)."""

    def __init__(self, reason: str, *, retry_after: float | None = None, lookup_failed=False):
        self.reason = reason
        self.retry_after = retry_after
        self.lookup_failed = lookup_failed  # the host name did not resolve
        super().__init__(reason)


# --- the query ----------------------------------------------------------------------------


def _normalise_ror(value: str) -> str:
    v = str(value).strip().lower()
    for prefix in ("https://ror.org/", "http://ror.org/", "ror.org/", "ror:"):
        if v.startswith(prefix):
            v = v[len(prefix) :]
    if not _ROR_RE.match(v):
        raise InputError(
            "ROR id",
            f"{value!r} is not a ROR id: expected 9 characters like 018906e22 "
            "(or https://ror.org/018906e22); look the institution up at https://ror.org",
        )
    return v


def _normalise_institution(value: str) -> str:
    v = str(value).strip()
    for prefix in ("https://openalex.org/", "http://openalex.org/", "openalex.org/"):
        if v.lower().startswith(prefix):
            v = v[len(prefix) :]
    v = v[:1].upper() + v[1:]
    if not _INSTITUTION_RE.match(v):
        raise InputError(
            "OpenAlex institution id",
            f"{value!r} is not an OpenAlex institution id: expected I followed by digits, "
            "like I121797337 (or https://openalex.org/I121797337)",
        )
    return v


def _normalise_country(value: str) -> str:
    v = str(value).strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", v):
        raise InputError(
            "country code", f"{value!r} is not a two-letter ISO country code like CN or NL"
        )
    return v


def _parse_years(value) -> tuple[int, int] | None:
    if value is None or value == "":
        return None
    if isinstance(value, int):
        first = last = value
    elif isinstance(value, (list, tuple)) and len(value) == 2:
        first, last = (int(v) for v in value)
    else:
        m = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?", str(value))
        if not m:
            raise InputError(
                "years", f"{value!r} is not a year range: write FROM-TO like 2010-2024, or 2015"
            )
        first = int(m.group(1))
        last = int(m.group(2) or m.group(1))
    if not (1000 <= first <= last <= 2100):
        raise InputError("years", f"{value!r}: the range must run forwards, e.g. 2010-2024")
    return (first, last)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


@dataclass
class HarvestQuery:
    """Which works to harvest: an author at one of these institutions, and one in these countries.

    Parameters
    ----------
    rors : list of str
        ROR ids (``018906e22`` or ``https://ror.org/018906e22``) of the institutions of interest.
    institutions : list of str
        OpenAlex institution ids (``I121797337``), OR-ed with ``rors``.
    with_countries : list of str
        ISO country codes; a work must also have an author in one of them (a separate filter,
        so it is AND-ed with the institutions).
    years : tuple of int, optional
        Inclusive publication-year range, e.g. ``(2010, 2024)``; ``"2010-2024"`` is accepted.
    search : str, optional
        Full-text search (``search=``); OpenAlex bills search calls at ten times a list call.
    match : {"lineage", "ror"}
        ``"lineage"`` (default) resolves each ROR to its OpenAlex institution and filters on
        ``authorships.institutions.lineage``, which also catches sub-units (a hospital
        department recorded as its own institution); ``"ror"`` filters on
        ``authorships.institutions.ror`` and needs no look-up.
    name, description, out : str, optional
        A label, free notes and the default output folder (from a query file); not part of
        the query itself.
    select : tuple of str
        Work fields to request (``select=``); ``None`` asks for whole records.

    Examples
    --------
    >>> q = HarvestQuery(rors=["018906e22"], with_countries=["cn"], years="2010-2024",
    ...                  match="ror")
    >>> q.filters()
    ['authorships.institutions.ror:018906e22,authorships.institutions.country_code:CN,publication_year:2010-2024']
    """

    rors: list[str] = field(default_factory=list)
    institutions: list[str] = field(default_factory=list)
    with_countries: list[str] = field(default_factory=list)
    years: tuple[int, int] | None = None
    search: str | None = None
    match: str = "lineage"
    name: str | None = None
    description: str | None = None
    out: str | None = None
    select: tuple[str, ...] | None = WORK_FIELDS

    def __post_init__(self):
        def as_list(v):
            if v is None:
                return []
            return [v] if isinstance(v, str) else list(v)

        self.rors = _unique(_normalise_ror(v) for v in as_list(self.rors))
        self.institutions = _unique(_normalise_institution(v) for v in as_list(self.institutions))
        self.with_countries = _unique(_normalise_country(v) for v in as_list(self.with_countries))
        self.years = _parse_years(self.years)
        self.search = (self.search or "").strip() or None
        if self.match not in ("lineage", "ror"):
            raise InputError("match", f"{self.match!r} is not 'lineage' or 'ror'")
        if self.select is not None:
            self.select = tuple(self.select)
        if not (self.rors or self.institutions or self.search):
            raise InputError(
                "query",
                "name at least one institution (--ror or --institution) or a --search text; "
                "a query on countries or years alone would ask OpenAlex for millions of works",
            )

    def to_dict(self) -> dict:
        """The query as plain JSON-ready values (as stored in the manifest)."""
        d = dataclasses.asdict(self)
        d["years"] = list(self.years) if self.years else None
        d["select"] = list(self.select) if self.select is not None else None
        return d

    def fingerprint(self) -> str:
        """A hash of what is asked (not of the label or output folder)."""
        d = self.to_dict()
        for k in ("name", "description", "out"):
            d.pop(k)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]

    def filters(self, institution_ids: Mapping[str, str] | None = None) -> list[str]:
        """The OpenAlex ``filter=`` values, one per request series.

        Parameters
        ----------
        institution_ids : mapping, optional
            ROR id → OpenAlex institution id (from :func:`resolve_institutions`); needed when
            ``match="lineage"`` and ``rors`` are given.

        Returns
        -------
        list of str
            ``,`` joins filters (AND), ``|`` joins values inside one (OR). An OR-list longer
            than 100 values, or one that would make the URL too long, is split over several
            filters; their results are merged and de-duplicated by :func:`fetch_works`.
        """
        groups = self._institution_lists(institution_ids)
        if not groups:
            return self._split_filter(None, [])
        return [f for key, ids in groups for f in self._split_filter(key, ids)]

    def _institution_lists(self, institution_ids) -> list[tuple[str, list[str]]]:
        """(filter key, OR-list of institutions) for each request series; none if unnamed."""
        lineage = "authorships.institutions.lineage"
        if self.match == "lineage":
            ids = _unique(self._lineage_ids(institution_ids) + self.institutions)
            return [(lineage, ids)] if ids else []
        groups = []
        if self.rors:
            groups.append(("authorships.institutions.ror", list(self.rors)))
        if self.institutions:
            # A different filter key cannot share an OR-list: a separate request series.
            groups.append((lineage, list(self.institutions)))
        return groups

    def _lineage_ids(self, institution_ids) -> list[str]:
        """The OpenAlex institution ids of ``rors`` (looked up by the caller)."""
        if not self.rors:
            return []
        if institution_ids is None:
            raise HarvestError(
                "match='lineage' filters on OpenAlex institution ids: pass "
                "institution_ids from resolve_institutions(query.rors), or use "
                "match='ror'"
            )
        missing = [r for r in self.rors if r not in institution_ids]
        if missing:
            raise HarvestError(f"no OpenAlex institution id given for ROR {missing}")
        return [_normalise_institution(institution_ids[r]) for r in self.rors]

    def _years_filter(self) -> str | None:
        if not self.years:
            return None
        first, last = self.years
        return f"publication_year:{first}" if first == last else f"publication_year:{first}-{last}"

    def _split_filter(self, key: str | None, values: Sequence[str]) -> list[str]:
        """``key`` in ``values``, AND the countries, AND the years; OR-lists split to fit."""
        country_key = "authorships.institutions.country_code"
        years = self._years_filter()
        rest = [years] if years else []
        # Budget for the two OR-lists: what the URL has without them.
        empty = ([f"{key}:"] if key else []) + ([f"{country_key}:"] if self.with_countries else [])
        skeleton = _list_url(OPENALEX_URL, ",".join(empty + rest), self.search, self.select)
        room = MAX_URL_LENGTH - len(skeleton) - _CURSOR_ROOM
        inst_chunks = _chunks(values, room // 2) if key else [None]
        country_chunks = _chunks(self.with_countries, room // 2) if self.with_countries else [None]
        out = []
        for inst, countries in itertools.product(inst_chunks, country_chunks):
            parts = []
            if inst:
                parts.append(f"{key}:{'|'.join(inst)}")
            if countries:
                parts.append(f"{country_key}:{'|'.join(countries)}")
            out.append(",".join(parts + rest))
        return out


def _chunks(values: Sequence[str], room: int) -> list[list[str]]:
    """Split an OR-list into pieces of at most 100 values whose URL-encoded length fits."""
    chunks: list[list[str]] = []
    current: list[str] = []
    used = 0
    for v in values:
        cost = len(quote(v, safe=":")) + 3  # "%7C" separator
        if current and (len(current) >= MAX_OR_VALUES or used + cost > room):
            chunks.append(current)
            current, used = [], 0
        current.append(v)
        used += cost
    if current:
        chunks.append(current)
    return chunks


def _filter_kwargs(filter_: str) -> dict:
    """An OpenAlex ``filter=`` value as keyword arguments of pyalex's ``filter()``.

    Dotted keys become nested dicts, as pyalex writes them (``authorships={"institutions":
    {"lineage": "I1|I2"}}`` is ``authorships.institutions.lineage:I1|I2``); ``|`` inside a
    value is OpenAlex's OR, passed through as pyalex's documentation shows.

    Examples
    --------
    >>> _filter_kwargs("authorships.institutions.ror:018906e22|05xvt9f17,publication_year:2015")
    {'authorships': {'institutions': {'ror': '018906e22|05xvt9f17'}}, 'publication_year': '2015'}
    """
    kwargs: dict = {}
    for part in filter_.split(","):
        key, sep, value = part.partition(":")
        *parents, leaf = key.split(".")
        node = kwargs
        for name in parents:
            node = node.setdefault(name, {})
            if not isinstance(node, dict):
                node = None
                break
        if not sep or not key or node is None or leaf in node:
            raise HarvestError(f"cannot pass the filter {filter_!r} to pyalex (at {part!r})")
        node[leaf] = value
    return kwargs


def _pyalex_query(entity: str, filter_: str, search: str | None = None, select=None):
    """The request as a pyalex query object (``pyalex.Works`` or ``pyalex.Institutions``)."""
    import pyalex

    query = getattr(pyalex, entity)()
    if filter_:
        query = query.filter(**_filter_kwargs(filter_))
    if search:
        query = query.search(search)
    if select:
        query = query.select(list(select))
    return query


def _list_url(
    base: str,
    filter_: str,
    search: str | None,
    select,
    cursor: str | None = None,
    per_page: int = PER_PAGE,
    entity: str = "Works",
) -> str:
    """The URL of one list page: pyalex writes path and query, collabnet adds the paging.

    pyalex's ``Query.url`` always names https://api.openalex.org and leaves the page size and
    cursor out until it sends the request itself, so only its path and query string are kept.
    """
    url = urlsplit(_pyalex_query(entity, filter_, search, select).url)
    params = [url.query] if url.query else []
    params.append(f"per-page={per_page}")
    if cursor is not None:
        params.append("cursor=" + quote(cursor, safe=""))
    return f"{base.rstrip('/')}{url.path}?" + "&".join(params)


def _read_query_data(path: Path) -> dict:
    """The top-level table of a TOML or YAML query file."""
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            import tomllib

            data = tomllib.loads(text)
        elif suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text) or {}
        else:
            raise InputError(path, "a query file ends in .toml, .yaml or .yml")
    except InputError:
        raise
    except Exception as exc:  # the parsers' own errors carry the line number
        raise InputError(path, f"not valid {suffix[1:].upper()}: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(path, "expected key = value pairs (a table/mapping) at the top level")
    return data


def load_query_file(path) -> HarvestQuery:
    """Read a harvest query kept under version control (TOML or YAML).

    Keys: ``ror``, ``institution``, ``with_country`` (lists or single values), ``years``
    (``"2010-2024"``), ``search``, ``match`` (``lineage``/``ror``), ``name``, ``description``
    and ``out`` (default output folder, relative to the current directory).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "nl-cn.toml"
    >>> _ = p.write_text('ror = ["018906e22"]\\nwith_country = "CN"\\nyears = "2010-2024"\\n')
    >>> load_query_file(p).years
    (2010, 2024)
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "query file not found")
    data = _read_query_data(path)
    kwargs = {}
    for key, value in data.items():
        if key not in _QUERY_KEYS:
            hint = difflib.get_close_matches(key, list(_QUERY_KEYS), n=1)
            did = f" Did you mean {hint[0]!r}?" if hint else ""
            raise InputError(
                path, f"unknown key {key!r}.{did} Known keys: {', '.join(sorted(_QUERY_KEYS))}"
            )
        kwargs[_QUERY_KEYS[key]] = value
    try:
        return HarvestQuery(**kwargs)
    except InputError as exc:
        raise InputError(path, f"{exc.path}: {exc.message}") from None


# --- HTTP with retries --------------------------------------------------------------------


@dataclass
class RetryPolicy:
    """How to wait and retry on transient failures.

    Delay before retry *n* (0-based) is ``min(max_backoff, backoff * 2**n)``, scaled by a
    random factor in [0.5, 1] (jitter, so parallel clients do not retry in step); a
    ``Retry-After`` header is honoured as a lower bound. A ``Retry-After`` longer than
    ``max_wait`` seconds means the daily budget is spent: the harvest stops instead.
    A host name that does not resolve (no network, no DNS) is tried
    ``max_lookup_retries`` more times, not ``max_retries``: an offline machine learns
    it in seconds rather than minutes.

    Notes
    -----
    Exponential back-off with jitter, as in AWS Architecture Blog, "Exponential Backoff And
    Jitter" (2015).
    """

    max_retries: int = 8
    max_lookup_retries: int = 2  # the host name did not resolve: offline, most likely
    backoff: float = 1.0
    max_backoff: float = 60.0
    max_wait: float = 600.0
    timeout: tuple[float, float] = (10.0, 60.0)
    retry_statuses: tuple[int, ...] = (429, 500, 502, 503, 504)
    sleep: Callable[[float], None] = time.sleep
    seed: int | None = None

    def __post_init__(self):
        self._random = random.Random(self.seed)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        base = min(self.max_backoff, self.backoff * (2**attempt))
        wait = base * (0.5 + self._random.random() / 2)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return wait


def _retry_after(response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - _dt.datetime.now(_dt.UTC)).total_seconds())


_BUDGET_WORDS = re.compile(r"daily|per day|budget|credit|quota|usage limit|allowance", re.I)
# OpenAlex's 429 for going too fast rather than for money ("Rate limit exceeded: 100 requests per
# second. Please slow down.", openalex-api-proxy src/index.ts) also sends X-RateLimit-Remaining: 0
# and X-RateLimit-Remaining-USD: 0, so those headers alone do not mean the budget is spent.
_TOO_FAST_WORDS = re.compile(r"per second|slow down", re.I)
_RATE_LIMIT_PREFIX = "x-ratelimit-"


def _number(value) -> float | None:
    """A finite, non-negative number from a header or JSON value; ``None`` otherwise."""
    if value is None or isinstance(value, bool):
        return None
    try:
        x = float(str(value).strip().lstrip("$"))
    except ValueError:
        return None
    return x if x >= 0 and x != float("inf") else None


def _usd(value: float) -> str:
    """Dollars with 2 to 4 decimals: ``$0.00``, ``$0.0001``, ``$0.50``, ``$1.00``."""
    text = f"{value:.4f}".rstrip("0")
    if len(text.partition(".")[2]) < 2:
        text = f"{value:.2f}"
    return "$" + text


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, minutes = seconds // 3600, seconds % 3600 // 60
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{seconds} s"


class _Client:
    """One requests session with the key in a header, retries, request counts and costs.

    Every answer's ``X-RateLimit-*`` headers are kept (the last seen, names as sent) and its
    price is added up: ``meta.cost_usd`` of a list page, else the ``X-RateLimit-Cost-USD``
    header (singletons and error answers have no ``meta``).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        email_: str | None,
        retry: RetryPolicy,
        session: requests.Session | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.key = api_key
        self.retry = retry
        self.session = session or requests.Session()
        # The key travels in a header (as pyalex sends it), so it never appears in a URL that
        # is logged, recorded in the manifest or quoted in an exception.
        self.session.headers["Authorization"] = f"Bearer {api_key}"
        self.session.headers["User-Agent"] = (
            f"collabnet/{__version__} (+pyalex {_pyalex_version()})"
        )
        if email_:
            self.session.headers["From"] = email_
        self.requests = 0
        self.retries = 0
        self.cost_usd = 0.0
        self.costs_reported = 0  # answers that said what they cost
        self.rate_limit: dict[str, str] = {}  # the last X-RateLimit-* headers seen
        self.rate_limits_seen = 0
        self.remaining_usd: float | None = None  # the last X-RateLimit-Remaining-USD seen

    def redact(self, text: str) -> str:
        return str(text).replace(self.key, "[OPENALEX_API_KEY]") if self.key else str(text)

    def _note(self, response, data=None) -> None:
        """Keep the rate-limit headers and the price of one answer."""
        limits = {
            k: self.redact(v)
            for k, v in response.headers.items()
            if k.lower().startswith(_RATE_LIMIT_PREFIX)
        }
        if limits:
            self.rate_limit = limits
            self.rate_limits_seen += 1
            left = _number(response.headers.get("X-RateLimit-Remaining-USD"))
            if left is not None:
                self.remaining_usd = left
        meta = data.get("meta") if isinstance(data, dict) else None
        cost = _number(meta.get("cost_usd")) if isinstance(meta, dict) else None
        if cost is None:
            cost = _number(response.headers.get("X-RateLimit-Cost-USD"))
        if cost is not None:
            self.cost_usd += cost
            self.costs_reported += 1

    def get_json(
        self,
        url: str,
        *,
        validate: Callable[[object], bool] | None = None,
        refused: Callable[[int, str], None] | None = None,
    ):
        """GET ``url`` and return its JSON, retrying what is worth retrying.

        ``refused(status, message)`` sees every 4xx answer but 429 first; it may raise.
        """
        attempt = 0
        lookups = 0  # failed host-name lookups in a row
        while True:
            self.requests += 1
            try:
                return self._get_once(url, validate, refused)
            except _Transient as problem:
                lookups = lookups + 1 if problem.lookup_failed else 0
                if lookups > self.retry.max_lookup_retries:
                    raise _offline(url, lookups) from problem.__cause__
                if attempt >= self.retry.max_retries:
                    raise self._gave_up(url, attempt + 1, problem.reason) from None
                self._wait(url, attempt, lookups, problem)
                attempt += 1

    def _get_once(self, url: str, validate, refused):
        """One GET: the JSON, or :class:`_Transient` if it is worth asking again."""
        try:
            response = self.session.get(url, timeout=self.retry.timeout)
        except (
            requests.Timeout,
            requests.ConnectionError,
            requests.exceptions.ChunkedEncodingError,
        ) as exc:
            reason = f"{type(exc).__name__}: {self.redact(exc)}"
            raise _Transient(reason, lookup_failed=_lookup_failed(exc)) from exc
        if response.status_code != 200:
            self._refuse(response, url, refused)
        try:
            data = response.json()
        except ValueError:
            self._note(response)
            raise _Transient("the answer was not valid JSON (cut off?)") from None
        self._note(response, data)
        if validate is None or validate(data):
            return data
        raise _Transient("the answer was JSON but not in the shape OpenAlex uses")

    def _refuse(self, response, url: str, refused) -> NoReturn:
        """Raise what an answer other than 200 means: stop, a bad request, or a retry."""
        self._note(response)
        status = response.status_code
        message = self.redact(_error_message(response))
        retry_after = _retry_after(response)
        if status == 429 and self._budget_spent(response, message, retry_after):
            left, note = self._budget_note(response, retry_after)
            raise HarvestStopped(
                f"OpenAlex says the daily usage budget of this API key is spent; "
                f"{note} (HTTP 429: {message})",
                status=429,
                remaining_usd=left,
            )
        if refused is not None and 400 <= status < 500 and status != 429:
            refused(status, message)
        if status in (401, 403):
            raise HarvestStopped(
                f"OpenAlex refused the request (HTTP {status}: {message}). "
                "Either the API key is not valid (check OPENALEX_API_KEY against "
                "https://openalex.org/settings/api) or its usage limit is reached",
                status=status,
            )
        if status in (400, 404, 410):
            raise _BadRequest(status, message)
        if status not in self.retry.retry_statuses:
            raise HarvestError(f"OpenAlex answered HTTP {status} ({message}) for {url}")
        reason = f"HTTP {status}" + (f" ({message})" if message else "")
        raise _Transient(reason, retry_after=retry_after)

    def _gave_up(self, url: str, attempts: int, reason: str) -> HarvestError:
        if "429" not in reason:
            return HarvestError(
                f"gave up on {url} after {attempts} attempts; last problem: {reason}"
            )
        left = self.remaining_usd
        note = (
            f"the last remaining daily budget OpenAlex reported was {_usd(left)}"
            if left is not None
            else "OpenAlex did not say how much of the daily budget is left"
        )
        return HarvestStopped(
            f"OpenAlex kept answering 429 Too Many Requests after "
            f"{attempts} attempts; the daily budget may be spent ({note})",
            status=429,
            remaining_usd=left,
        )

    def _wait(self, url: str, attempt: int, lookups: int, problem: _Transient) -> None:
        """Log the problem and sleep before retry ``attempt + 1``."""
        wait = self.retry.delay(attempt, problem.retry_after)
        # a failed lookup has its own, shorter count (see max_lookup_retries)
        done, most = (attempt + 1, self.retry.max_retries)
        if lookups:
            done, most = lookups, self.retry.max_lookup_retries
        logger.warning("%s for %s; retry %d/%d in %.1f s", problem.reason, url, done, most, wait)
        self.retries += 1
        self.retry.sleep(wait)

    def _budget_spent(self, response, message: str, retry_after: float | None) -> bool:
        """Whether a 429 means the day's budget is gone (stop) rather than "too fast" (retry)."""
        if retry_after is not None and retry_after > self.retry.max_wait:
            return True  # OpenAlex sends the seconds to midnight UTC when the budget is spent
        if _TOO_FAST_WORDS.search(message):
            return False
        if _BUDGET_WORDS.search(message):
            return True
        headers = response.headers
        left = _number(headers.get("X-RateLimit-Remaining-USD"))
        need = _number(headers.get("X-RateLimit-Cost-Required-USD"))
        if left is not None and (left <= 0 or (need is not None and left < need)):
            return True
        return headers.get("X-RateLimit-Remaining", "").strip() == "0"

    def _budget_note(self, response, retry_after: float | None) -> tuple[float | None, str]:
        """The remaining daily budget in dollars, and a sentence saying it and when it renews.

        From the refusal's ``X-RateLimit-Remaining-USD`` header, else its JSON body's
        ``dailyRemainingUsd``, else the header of the last answer that had one.
        """
        headers = response.headers
        left = _number(headers.get("X-RateLimit-Remaining-USD"))
        if left is None:
            body = _error_body(response)
            left = _number(body.get("dailyRemainingUsd")) if isinstance(body, dict) else None
        if left is not None:
            note = f"remaining daily budget: {_usd(left)}"
        elif self.remaining_usd is not None:
            left = self.remaining_usd
            note = f"remaining daily budget at the last answer before this one: {_usd(left)}"
        else:
            note = "OpenAlex did not say how much of the daily budget is left"
        need = _number(headers.get("X-RateLimit-Cost-Required-USD"))
        if need is not None:
            note += f" (this request costs {_usd(need)})"
        prepaid = _number(headers.get("X-RateLimit-Prepaid-Remaining-USD"))
        if prepaid:
            note += f", prepaid balance: {_usd(prepaid)}"
        reset = _number(headers.get("X-RateLimit-Reset"))
        if reset is None and retry_after is not None and retry_after > self.retry.max_wait:
            reset = retry_after
        note += ", renewed at midnight UTC"
        if reset is not None:
            note += f", in {_duration(reset)}"
        return left, note


def _offline(url: str, lookups: int) -> HarvestError:
    return HarvestError(
        f"could not look up the address of {urlsplit(url).hostname} "
        f"({lookups} attempts in a row): "
        "this machine seems to be offline or without DNS. Nothing is lost; "
        "run the same command again when it is online to resume"
    )


def _lookup_failed(exc: BaseException) -> bool:
    """Whether a connection error comes from a host name that did not resolve."""
    seen, todo = set(), [exc]  # requests -> urllib3 -> socket.gaierror, via causes and reasons
    while todo:
        e = todo.pop()
        if not isinstance(e, BaseException) or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, socket.gaierror):
            return True
        todo += [e.__cause__, e.__context__, getattr(e, "reason", None), *e.args]
    return False


def _error_body(response):
    try:
        return response.json()
    except ValueError:
        return None


def _error_message(response) -> str:
    """``error: message`` of an error answer, on one line, at most 300 characters."""
    body = _error_body(response)
    if body is None:
        text = response.text
    elif isinstance(body, dict):
        text = ": ".join(str(body.get(k)) for k in ("error", "message") if body.get(k))
    else:
        text = str(body)
    return " ".join(text.split())[:300]


def _pyalex_version() -> str:
    try:
        import pyalex

        return pyalex.__version__
    except Exception:  # pragma: no cover - pyalex is a dependency
        return "unknown"


def _base_url(base_url: str | None) -> str:
    url = (base_url or os.environ.get("COLLABNET_OPENALEX_URL") or OPENALEX_URL).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise HarvestError(
            f"refusing to send the API key over plain http to {parts.hostname}; use https"
        )
    if parts.scheme not in ("http", "https"):
        raise HarvestError(f"{url!r} is not an http(s) address")
    return url


def _make_client(base_url, retry, session) -> _Client:
    key = config.openalex_api_key()
    if not key:
        raise MissingKeyError(_KEY_HELP.format(env=config.PROJECT_ROOT / ".env"))
    return _Client(
        _base_url(base_url), key, config.openalex_email(), retry or RetryPolicy(), session
    )


# --- files --------------------------------------------------------------------------------


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _atomic_write(path: Path, data: bytes) -> None:
    """Write a file so that a crash leaves either the old file or the new one, never a part.

    The temporary file ends in ``.tmp``: readers globbing ``*.jsonl*`` never see it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    with contextlib.suppress(OSError):  # not every platform can fsync a directory
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_json(path: Path, obj) -> None:
    _atomic_write(path, (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def _write_jsonl_gz(path: Path, records: Sequence[dict]) -> None:
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    _atomic_write(path, gzip.compress(lines.encode("utf-8"), compresslevel=6, mtime=0))


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HarvestError(
            f"{path}: cannot read ({exc}); remove it, or run again with --refresh to start over"
        ) from None


def _iter_jsonl(path: Path) -> Iterator[dict]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError:
                    raise InputError(path, "not valid JSON; run with --refresh", line=n) from None


def _work_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.rglob("*") if p.name.endswith((".jsonl", ".jsonl.gz")))


def _short_id(openalex_id: str) -> str:
    return str(openalex_id).rstrip("/").rsplit("/", 1)[-1]


def _looks_truncated(work: dict) -> bool:
    flag = work.get("is_authors_truncated")
    if flag is not None:
        return bool(flag)
    # Field absent (not selectable, or dropped): a list answer with exactly the cap may be cut.
    return len(work.get("authorships") or []) >= TRUNCATED_AUTHORS


# --- institutions -------------------------------------------------------------------------


def resolve_institutions(
    rors: Iterable[str],
    cache_dir=None,
    *,
    refresh: bool = False,
    base_url: str | None = None,
    retry: RetryPolicy | None = None,
    session: requests.Session | None = None,
    _client: _Client | None = None,
) -> dict[str, dict]:
    """Look up OpenAlex institution records by ROR id, keeping them in an on-disk cache.

    Parameters
    ----------
    rors : iterable of str
        ROR ids, bare (``018906e22``) or as URLs.
    cache_dir : path, optional
        Folder of the cache file ``institutions-by-ror.json`` (default
        ``data/cache/openalex``). RORs found there cost no request.
    refresh : bool
        Ask OpenAlex again for every ROR.

    Returns
    -------
    dict
        Bare ROR id → the OpenAlex Institution record as received (``id``, ``display_name``,
        ``country_code``, ``type``, ``lineage``, ...).

    Raises
    ------
    HarvestError
        If OpenAlex has no institution with one of the RORs (a typo, or a withdrawn ROR id).
    """
    wanted = _unique(_normalise_ror(r) for r in rors)
    cache_dir = Path(cache_dir) if cache_dir is not None else config.DATA_DIR / "cache" / "openalex"
    cache_path = cache_dir / _INSTITUTION_CACHE
    cache: dict[str, dict] = {}
    if cache_path.is_file() and not refresh:
        cache = _read_json(cache_path)
    missing = [r for r in wanted if r not in cache]
    if missing:
        client = _client or _make_client(base_url, retry, session)
        cache.update(_look_up_institutions(client, missing))
        _write_json(cache_path, cache)
        unknown = [r for r in missing if r not in cache]
        if unknown:
            raise HarvestError(
                "OpenAlex has no institution with ROR "
                + ", ".join(f"{r} (https://ror.org/{r})" for r in unknown)
                + ". Check the id at ror.org (withdrawn ids name a successor); if OpenAlex "
                "lacks the institution, give its OpenAlex id with --institution instead"
            )
    return {r: cache[r] for r in wanted}


def institutions_by_ror(
    rors: Iterable[str],
    *,
    base_url: str | None = None,
    retry: RetryPolicy | None = None,
    session: requests.Session | None = None,
) -> dict[str, dict]:
    """Bare ROR id -> the OpenAlex Institution record, for those of `rors` OpenAlex knows
    (100 RORs a request; no cache, no error for an unknown ROR). Needs the API key."""
    wanted = _unique(_normalise_ror(r) for r in rors)
    return _look_up_institutions(_make_client(base_url, retry, session), wanted) if wanted else {}


def _look_up_institutions(client: _Client, rors: Sequence[str]) -> dict[str, dict]:
    """ROR id -> the OpenAlex Institution record, for those of ``rors`` OpenAlex knows."""
    found = {}
    for chunk in _chunks(rors, MAX_URL_LENGTH - 200):
        # At most 100 RORs a request, one institution each: the documented page size holds them.
        url = _list_url(
            client.base_url,
            "ror:" + "|".join(chunk),
            None,
            None,
            per_page=PER_PAGE_FALLBACK,
            entity="Institutions",
        )
        data = client.get_json(url, validate=_is_list_page)
        for record in data["results"]:
            ror = record.get("ror") or (record.get("ids") or {}).get("ror")
            if ror:
                found[_normalise_ror(ror)] = record
    return found


# --- the harvest: its state ---------------------------------------------------------------
#
# ``state.json`` is a _HarvestState as JSON: its fields in order (dataclasses.asdict), each
# query a _QueryState and the re-fetch of cut author lists a _TruncatedState. A field absent
# from a file takes its default, so a harvest started by a collabnet that wrote fewer fields
# (before cost and page-size accounting) goes on where it stopped.

_INSTITUTION_FIELDS = ("id", "display_name", "country_code", "lineage")


def _from_json(cls, record: Mapping):
    """The dataclass ``cls`` from its JSON record; absent keys take their defaults."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in record.items() if k in names})


@dataclass(kw_only=True)
class _QueryState:
    """One request series (one ``filter=`` value) of a harvest, and how far it has got."""

    n: int  # 1, 2, ... as in the progress bar and the query log
    dir: str  # its folder under works/: q001, q002, ...
    filter: str
    search: str | None
    cursor: str | None = "*"  # where the next page starts ("*": the first page)
    pages: int = 0  # page files written: page-000001.jsonl.gz, ...
    works_received: int = 0
    meta_count: int | None = None  # how many works OpenAlex announced (meta.count)
    restarts: int = 0  # starts from the first page after a refused (expired) cursor
    retries: int = 0
    cost_usd: float | None = None  # None: OpenAlex has not said a price
    rate_limit: dict[str, str] = field(default_factory=dict)  # the last X-RateLimit-* headers
    per_page: int | None = None  # the page size of the last page that arrived
    per_page_fallback: dict | None = None  # the log record of a refused page size
    truncated: list[str] = field(default_factory=list)  # works whose author list was cut
    done: bool = False
    started: str | None = None
    finished: str | None = None

    def start_over(self) -> None:
        """Forget the pages received: the next page asked is the first one."""
        self.cursor, self.pages, self.works_received, self.truncated = "*", 0, 0, []
        self.restarts += 1


@dataclass(kw_only=True)
class _TruncatedState:
    """The re-fetch, one by one, of the works whose author list a list page cut at 100."""

    done: list[str] = field(default_factory=list)  # fetched in full
    missing: list[str] = field(default_factory=list)  # OpenAlex could not give them
    batches: int = 0  # files written in works/full-authorships/
    retries: int = 0


@dataclass(kw_only=True)
class _HarvestState:
    """What a harvest needs to go on where it stopped, and the totals of all its runs."""

    format: int = 1
    fingerprint: str  # HarvestQuery.fingerprint(): a folder holds one query
    query: dict  # HarvestQuery.to_dict()
    status: str = "running"  # "complete" once every query and the re-fetch are done
    select: list[str] | None  # the Work fields asked (select=); None: whole records
    select_dropped: list[str] = field(default_factory=list)
    institutions: dict[str, dict]  # ROR id -> the institution's id, name, country, lineage
    started: str
    finished: str | None = None
    requests: int = 0
    retries: int = 0
    cost_usd: float | None = None
    rate_limit: dict[str, str] = field(default_factory=dict)
    per_page: int = PER_PAGE  # the page size asked from now on
    per_page_served: bool = False  # a page has arrived at this per_page in this harvest
    per_page_fallback: dict | None = None
    queries: list[_QueryState]
    truncated: _TruncatedState = field(default_factory=_TruncatedState)

    @classmethod
    def new(cls, query: HarvestQuery, filters: Sequence[str], institutions: Mapping[str, dict]):
        return cls(
            fingerprint=query.fingerprint(),
            query=query.to_dict(),
            select=list(query.select) if query.select is not None else None,
            institutions={
                ror: {k: rec.get(k) for k in _INSTITUTION_FIELDS}
                for ror, rec in institutions.items()
            },
            started=_now(),
            queries=[
                _QueryState(n=n, dir=f"q{n:03d}", filter=f, search=query.search)
                for n, f in enumerate(filters, 1)
            ],
        )

    @classmethod
    def from_json(cls, record: Mapping) -> _HarvestState:
        return _from_json(
            cls,
            dict(
                record,
                queries=[_from_json(_QueryState, q) for q in record["queries"]],
                truncated=_from_json(_TruncatedState, record["truncated"]),
            ),
        )

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    def truncated_todo(self) -> list[str]:
        """The works cut at 100 authors that are neither fetched in full nor known missing."""
        wanted = _unique(w for q in self.queries for w in q.truncated)
        seen = set(self.truncated.done) | set(self.truncated.missing)
        return [w for w in wanted if w not in seen]


# --- the harvest --------------------------------------------------------------------------


def _is_list_page(data) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("results"), list)
        and isinstance(data.get("meta"), dict)
    )


def _is_work(data) -> bool:
    return isinstance(data, dict) and isinstance(data.get("id"), str)


def _clear_harvest(out: Path) -> None:
    works = out / _WORKS_DIR
    if works.is_dir():
        shutil.rmtree(works)
    for name in (_STATE_FILE, _MANIFEST_FILE, _INSTITUTION_CACHE):
        with contextlib.suppress(FileNotFoundError):
            (out / name).unlink()


def _saved_state(out: Path, query: HarvestQuery) -> _HarvestState | None:
    """The state of the harvest in ``out``, if any; an error if it is one of another query."""
    path = out / _STATE_FILE
    if not path.is_file():
        return None
    record = _read_json(path)
    unreadable = HarvestError(
        f"{path}: not the state of a collabnet harvest; remove it, or run again with --refresh "
        "to start over"
    )
    if not isinstance(record, dict):
        raise unreadable
    if record.get("fingerprint") != query.fingerprint():
        raise HarvestError(
            f"{out} already holds a harvest of another query ({path}). Use a new "
            "--out folder, or --refresh to delete that harvest and start this one"
        )
    try:
        return _HarvestState.from_json(record)
    except (KeyError, TypeError, AttributeError):
        raise unreadable from None


def _new_harvest(query: HarvestQuery, out: Path, client: _Client) -> _HarvestState:
    """The state of a new harvest (institutions looked up first), written to ``state.json``."""
    institutions = {}
    if query.rors and query.match == "lineage":
        institutions = resolve_institutions(query.rors, out, _client=client)
    ids = {r: rec["id"] for r, rec in institutions.items()}
    state = _HarvestState.new(query, query.filters(ids or None), institutions)
    _write_json(out / _STATE_FILE, state.to_json())
    return state


def _stopped_cleanly(exc: HarvestStopped, out: Path) -> HarvestStopped:
    """The refusal, said in one line with what is saved and when to run again."""
    if exc.status == 429:
        again = "after the daily budget renews"
    else:
        again = "with a valid key (or once the limit is lifted)"
    # One line: the command line prints it as "collabnet fetch: error: ...".
    message = (
        f"{exc.reason}. Stopped cleanly: everything received so far is saved in "
        f"{out}. Run the same command again {again} to continue where it stopped"
    )
    return HarvestStopped(
        " ".join(message.split()),
        status=exc.status,
        reason=exc.reason,
        remaining_usd=exc.remaining_usd,
    )


def fetch_works(
    query: HarvestQuery | str | os.PathLike,
    out_dir,
    *,
    refresh: bool = False,
    progress: bool = True,
    base_url: str | None = None,
    retry: RetryPolicy | None = None,
    session: requests.Session | None = None,
) -> dict:
    """Harvest every work matching ``query`` into ``out_dir``, resumably; return the manifest.

    Pages are written as they arrive (``works/qNNN/page-NNNNNN.jsonl.gz``, one Work per line,
    as received) with a checkpoint of the cursor in ``state.json``; running again after a
    crash, Ctrl-C or a spent budget continues where it stopped. A finished harvest is not
    asked again (zero requests) unless ``refresh=True``. Works whose author list OpenAlex cut
    at 100 are then fetched one by one in full into ``works/full-authorships/``.

    Parameters
    ----------
    query : HarvestQuery or path
        The query, or a TOML/YAML query file (see :func:`load_query_file`).
    out_dir : path
        The harvest folder (e.g. ``data/raw/nl-cn``); one query per folder.
    refresh : bool
        Delete this folder's previous harvest and fetch everything again.
    progress : bool
        Show a progress bar per request series (total from OpenAlex's ``meta.count``).
    base_url, retry, session
        Where to send requests, how to retry, and a ``requests.Session`` to use (for tests
        and mirrors; the defaults suit api.openalex.org).

    Returns
    -------
    dict
        The query log also written to ``out_dir/manifest.json``.

    Raises
    ------
    MissingKeyError
        No ``OPENALEX_API_KEY`` (only when a request is needed).
    HarvestStopped
        OpenAlex refused further requests; what arrived is kept for the next run.
    HarvestError
        Retries ran out, or the folder holds a different query.
    """
    if not isinstance(query, HarvestQuery):
        query = load_query_file(query)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    busy = HarvestError(f"another collabnet fetch is writing into {out}; wait for it to finish")
    with folder_lock(out / ".harvest.lock", busy):
        for stale in out.rglob(".*.tmp"):  # left by a kill mid-write
            stale.unlink()
        if refresh:
            _clear_harvest(out)
        state = _saved_state(out, query)
        manifest_path = out / _MANIFEST_FILE
        if state is not None and state.status == "complete" and manifest_path.is_file():
            logger.info("%s is complete; nothing to fetch (use refresh to fetch again)", out)
            return _read_json(manifest_path)

        client = _make_client(base_url, retry, session)
        harvest = None
        try:
            harvest = _Harvest(client, out, state or _new_harvest(query, out, client), progress)
            harvest.run()
        except HarvestStopped as exc:
            if harvest is not None:
                harvest.save_manifest(status="stopped", note=exc.reason)
            raise _stopped_cleanly(exc, out) from None
        except BaseException as exc:
            if harvest is not None:
                note = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)
                with contextlib.suppress(Exception):
                    harvest.save_manifest(status="incomplete", note=client.redact(note))
            raise
        return harvest.save_manifest(status="complete")


def _add_cost(total: float | None, cost: float) -> float:
    return round((total or 0.0) + cost, 6)


class _Harvest:
    """Harvest the list pages of every query, then the full author lists, into ``out``.

    ``state`` is written to ``state.json`` after every page (a checkpoint); a run that stops
    for any reason goes on from there. The client counts this run's requests, retries and
    costs; the checkpoint adds them to those of the earlier runs.
    """

    def __init__(self, client: _Client, out: Path, state: _HarvestState, progress: bool):
        self.client = client
        self.out = out
        self.state = state
        self.progress = progress
        self.base_requests = state.requests
        self.base_retries = state.retries
        self.base_cost = state.cost_usd  # None: OpenAlex has not said a price yet

    @property
    def per_page(self) -> int:
        return self.state.per_page

    def checkpoint(self) -> None:
        st, client = self.state, self.client
        st.requests = self.base_requests + client.requests
        st.retries = self.base_retries + client.retries
        if client.costs_reported:
            st.cost_usd = _add_cost(self.base_cost, client.cost_usd)
        if client.rate_limits_seen:
            st.rate_limit = dict(client.rate_limit)
        _write_json(self.out / _STATE_FILE, st.to_json())

    @contextlib.contextmanager
    def accounted(self, q: _QueryState):
        """Charge the retries, cost and rate-limit headers of the requests inside to query q."""
        client = self.client
        retries, cost = client.retries, client.cost_usd
        costs, limits = client.costs_reported, client.rate_limits_seen
        try:
            yield
        finally:
            q.retries += client.retries - retries
            if client.costs_reported > costs:
                q.cost_usd = _add_cost(q.cost_usd, client.cost_usd - cost)
            if client.rate_limits_seen > limits:
                q.rate_limit = dict(client.rate_limit)

    def run(self) -> None:
        for q in self.state.queries:
            if not q.done:
                self.run_query(q)
        self.refetch_truncated()
        self.state.status = "complete"
        self.state.finished = _now()
        self.checkpoint()

    # -- list pages

    def url(self, q: _QueryState, cursor: str | None = None, per_page: int | None = None) -> str:
        return _list_url(
            self.client.base_url,
            q.filter,
            q.search,
            self.state.select,
            cursor,
            per_page=per_page or self.per_page,
        )

    def query_dir(self, q: _QueryState) -> Path:
        return self.out / _WORKS_DIR / q.dir

    def run_query(self, q: _QueryState) -> None:
        """Ask page after page from q's cursor until OpenAlex has no more."""
        q.started = q.started or _now()
        desc = f"query {q.n}/{len(self.state.queries)}"
        bar = _progress_bar(self.progress, desc, q.meta_count, q.works_received)
        try:
            while not q.done:
                data = self.ask_page(q, bar)
                if data is not None:
                    self.take_page(q, data, bar)
        finally:
            bar.close()

    def ask_page(self, q: _QueryState, bar) -> dict | None:
        """The page at q's cursor; None if it was refused and must be asked again, changed."""

        def refused(status: int, message: str) -> None:
            if self.per_page_refused(q, status, message):
                raise _PerPageRefused(status, message)

        url = self.url(q, q.cursor)
        try:
            with self.accounted(q):
                return self.client.get_json(url, validate=_is_list_page, refused=refused)
        except _PerPageRefused as exc:
            self.fall_back_per_page(q, exc)
        except _BadRequest as exc:
            self.recover(q, exc, bar)
        return None

    def recover(self, q: _QueryState, exc: _BadRequest, bar) -> None:
        """Change what is asked after a refused page, or raise if nothing would help."""
        if self.drop_unselectable(exc):
            return
        if q.cursor != "*" and q.restarts < 2:
            self.restart(q, exc)
            bar.reset(total=bar.total)
            return
        raise HarvestError(
            f"OpenAlex rejected the query (HTTP {exc.status}: {exc.message}); URL: {self.url(q)}"
        ) from None

    def take_page(self, q: _QueryState, data: dict, bar) -> None:
        """Write a page's works, move q's cursor on, and checkpoint."""
        q.per_page = self.per_page
        self.state.per_page_served = True
        results, meta = data["results"], data["meta"]
        if q.meta_count is None or meta.get("count") != q.meta_count:
            q.meta_count = meta.get("count")
            bar.total = q.meta_count
            bar.refresh()
        if results:
            q.pages += 1
            _write_jsonl_gz(self.query_dir(q) / f"page-{q.pages:06d}.jsonl.gz", results)
            q.works_received += len(results)
            q.truncated += [_short_id(w["id"]) for w in results if _looks_truncated(w)]
            bar.update(len(results))
        q.cursor = meta.get("next_cursor")
        if not results or not q.cursor:
            q.done = True
            q.finished = _now()
        self.checkpoint()

    def unselectable(self, message: str) -> str | None:
        """The field OpenAlex says it cannot select, if it is one the harvest can do without."""
        name = "is_authors_truncated"
        return name if name in (self.state.select or []) and name in message else None

    def drop_unselectable(self, exc: _BadRequest) -> bool:
        name = self.unselectable(exc.message)
        if name is None:
            return False
        logger.warning("OpenAlex cannot select %s; asking without it", name)
        self.state.select.remove(name)
        self.state.select_dropped.append(name)
        return True

    def per_page_refused(self, q: _QueryState, status: int, message: str) -> bool:
        """Whether a 4xx answer refuses the page size (then the same page is asked at 100).

        The rule, while the harvest still asks more than ``PER_PAGE_FALLBACK`` works a page:

        * any 4xx but 401 (key) and 429 (budget, speed) whose error names the page size
          (``per-page``, ``per_page``; OpenAlex's own is "per-page parameter must be between
          1 and 100."), on any page of any query;
        * an HTTP 400 or 422 that names no cause, on the first page of a query, as long as no
          page has yet arrived at this size in this harvest (once one has, OpenAlex accepts
          the size and an unexplained 400 is about something else). An error that names the
          unselectable field keeps its own remedy, and 403 keeps its meaning (key or limit).
        """
        if self.per_page <= PER_PAGE_FALLBACK or status in (401, 429):
            return False
        if _PER_PAGE_RE.search(message):
            return True
        return (
            status in (400, 422)
            and q.cursor == "*"
            and not self.state.per_page_served
            and self.unselectable(message) is None
        )

    def fall_back_per_page(self, q: _QueryState, exc: _BadRequest) -> None:
        """Ask at most ``PER_PAGE_FALLBACK`` works a page from now on, from the same cursor.

        Nothing of the refused page was written and the cursor is kept, so the page is asked
        again as it was. That loses and repeats nothing: an OpenAlex cursor is the sort key of
        the last work handed out (Elasticsearch ``search_after``, openalex-elastic-api
        ``core/cursor.py``), not an offset in pages, so it means the same at any page size.
        """
        record = {  # the query log's record of it, kept as written
            "query": q.n,
            "page": q.pages + 1,
            "cursor": q.cursor,
            "from": self.per_page,
            "to": PER_PAGE_FALLBACK,
            "status": exc.status,
            "message": exc.message,
            "at": _now(),
        }
        logger.warning(
            "OpenAlex refused per-page=%d (HTTP %d: %s); asking page %d of query %d again "
            "from the same cursor with per-page=%d, and every later page too",
            self.per_page,
            exc.status,
            exc.message,
            record["page"],
            q.n,
            PER_PAGE_FALLBACK,
        )
        self.state.per_page = PER_PAGE_FALLBACK
        self.state.per_page_served = False
        self.state.per_page_fallback = record
        q.per_page_fallback = record
        self.checkpoint()

    def restart(self, q: _QueryState, exc: _BadRequest) -> None:
        logger.warning(
            "OpenAlex refused the saved cursor of query %d (%s): the cursor has probably "
            "expired; starting that query again from the first page",
            q.n,
            exc.message,
        )
        if self.query_dir(q).is_dir():
            shutil.rmtree(self.query_dir(q))
        q.start_over()
        self.checkpoint()

    # -- truncated author lists

    def refetch_truncated(self) -> None:
        """Fetch one by one, in full, the works whose author list a list page cut at 100."""
        todo = self.state.truncated_todo()
        if not todo:
            return
        logger.info("fetching %d works whose author lists were cut at 100", len(todo))
        batch: list[dict] = []
        bar = _progress_bar(self.progress, "full author lists", len(todo), 0)
        try:
            for wid in todo:
                work = self.fetch_full(wid)
                if work is not None:
                    batch.append(work)
                    bar.update(1)
                    if len(batch) >= _FULL_BATCH:
                        self.save_full(batch)
        finally:
            self.save_full(batch)
            bar.close()

    def fetch_full(self, wid: str) -> dict | None:
        """One work in full, its retries charged to the re-fetch; None if OpenAlex refuses."""
        t, before = self.state.truncated, self.client.retries
        select = self.state.select
        url = f"{self.client.base_url}/works/{wid}"
        if select:
            url += "?select=" + ",".join(select)
        try:
            return self.client.get_json(url, validate=_is_work)
        except _BadRequest as exc:
            logger.warning("work %s could not be fetched in full (%s)", wid, exc)
            t.missing.append(wid)
            return None
        finally:
            t.retries += self.client.retries - before

    def save_full(self, batch: list[dict]) -> None:
        """Write the works fetched in full since the last call (if any) to a file; checkpoint."""
        t = self.state.truncated
        if batch:
            t.batches += 1
            name = f"works-{t.batches:05d}.jsonl.gz"
            _write_jsonl_gz(self.out / _WORKS_DIR / _FULL_DIR / name, batch)
            t.done.extend(_short_id(w["id"]) for w in batch)
            batch.clear()
        self.checkpoint()

    # -- query log

    def save_manifest(self, *, status: str, note: str | None = None) -> dict:
        """Checkpoint, then write the query log ``manifest.json`` and return it."""
        self.checkpoint()
        manifest = self.manifest(status, note, _WorkFiles.scan(self.out))
        if status != "complete":
            manifest["resume"] = "run the same fetch command again to continue where it stopped"
        _write_json(self.out / _MANIFEST_FILE, manifest)
        return manifest

    def manifest(self, status: str, note: str | None, found: _WorkFiles) -> dict:
        st, t = self.state, self.state.truncated
        return {
            "data_source": "openalex-api",
            "status": status,
            "note": note,
            "query": st.query,
            "institutions": st.institutions,
            "select": st.select,
            "select_dropped": st.select_dropped,
            "queries": [self.query_entry(q, found.unique_works(q.dir)) for q in st.queries],
            "works_received": sum(q.works_received for q in st.queries),
            "unique_works": found.unique_works(),
            "count_mismatches": self.count_mismatches(found),
            "truncated_works": len(found.truncated),
            "truncated_refetched": len(t.done),
            "truncated_not_found": t.missing,
            "requests": st.requests,
            "retries": st.retries,
            # What OpenAlex said it charged (meta.cost_usd, else X-RateLimit-Cost-USD), all
            # requests of all runs of this harvest; None if it never said.
            "cost_usd": st.cost_usd,
            # The X-RateLimit-* headers of the last answer, names as OpenAlex sent them.
            "rate_limit": st.rate_limit,
            "per_page": st.per_page,
            "per_page_fallback": st.per_page_fallback,
            "started": st.started,
            "finished": st.finished if status == "complete" else None,
            "written": _now(),
            "files": found.files,
            "versions": _versions(),
        }

    def query_entry(self, q: _QueryState, unique: int) -> dict:
        return {
            "n": q.n,
            "url": self.url(q, per_page=q.per_page),
            "filter": q.filter,
            "search": q.search,
            "meta_count": q.meta_count,
            "works_received": q.works_received,
            "unique_works": unique,
            "pages": q.pages,
            "per_page": q.per_page,
            "per_page_fallback": q.per_page_fallback,
            "cost_usd": q.cost_usd,
            "rate_limit": q.rate_limit,
            "retries": q.retries,
            "restarts": q.restarts,
            "done": q.done,
            "started": q.started,
            "finished": q.finished,
        }

    def count_mismatches(self, found: _WorkFiles) -> list[dict]:
        """The finished queries whose unique works differ from OpenAlex's ``meta.count``."""
        mismatches = []
        for q in self.state.queries:
            unique = found.unique_works(q.dir)
            if q.done and q.meta_count is not None and q.meta_count != unique:
                mismatches.append({"n": q.n, "meta_count": q.meta_count, "unique_works": unique})
                logger.warning(
                    "query %d: OpenAlex announced %d works (meta.count) but %d unique arrived",
                    q.n,
                    q.meta_count,
                    unique,
                )
        return mismatches


@dataclass
class _WorkFiles:
    """What a harvest's work files hold, for the query log."""

    files: list[dict] = field(default_factory=list)  # path, works, sha256 (manifest "files")
    ids: dict[str, set[str]] = field(default_factory=dict)  # folder (q001, ...) -> work ids
    truncated: set[str] = field(default_factory=set)  # works cut at 100 authors in list pages

    @classmethod
    def scan(cls, out: Path) -> _WorkFiles:
        found = cls()
        for path in _work_files(out / _WORKS_DIR):
            sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
            ids = []
            for work in _iter_jsonl(path):
                wid = _short_id(work["id"])
                ids.append(wid)
                if path.parent.name != _FULL_DIR and _looks_truncated(work):
                    found.truncated.add(wid)
            found.ids.setdefault(path.parent.name, set()).update(ids)
            rel = path.relative_to(out).as_posix()
            found.files.append({"path": rel, "works": len(ids), "sha256": sha256})
        return found

    def unique_works(self, folder: str | None = None) -> int:
        """Distinct works in one folder (``q001``), or in all of them."""
        if folder is not None:
            return len(self.ids.get(folder, ()))
        return len(set().union(*self.ids.values()))


def _versions() -> dict:
    return {
        "collabnet": __version__,
        "pyalex": _pyalex_version(),
        "requests": requests.__version__,
        "python": sys.version.split()[0],
    }


def _progress_bar(enabled: bool, desc: str, total: int | None, initial: int):
    from tqdm.auto import tqdm

    return tqdm(
        desc=desc,
        total=total,
        initial=initial,
        unit="work",
        disable=not enabled,
        dynamic_ncols=True,
        file=sys.stderr,
    )
