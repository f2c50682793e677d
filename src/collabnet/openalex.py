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
from urllib.parse import quote, urlsplit

import requests

from . import __version__, config
from .errors import CollabnetError, InputError

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
        groups: list[tuple[str, list[str]]] = []
        if self.match == "lineage":
            ids = list(self.institutions)
            if self.rors:
                if institution_ids is None:
                    raise HarvestError(
                        "match='lineage' filters on OpenAlex institution ids: pass "
                        "institution_ids from resolve_institutions(query.rors), or use "
                        "match='ror'"
                    )
                missing = [r for r in self.rors if r not in institution_ids]
                if missing:
                    raise HarvestError(f"no OpenAlex institution id given for ROR {missing}")
                ids = _unique([_normalise_institution(institution_ids[r]) for r in self.rors] + ids)
            if ids:
                groups.append(("authorships.institutions.lineage", ids))
        else:
            if self.rors:
                groups.append(("authorships.institutions.ror", list(self.rors)))
            if self.institutions:
                # A different filter key cannot share an OR-list: a separate request series.
                groups.append(("authorships.institutions.lineage", list(self.institutions)))

        country_key = "authorships.institutions.country_code"
        years = f"publication_year:{self.years[0]}-{self.years[1]}" if self.years else None
        if self.years and self.years[0] == self.years[1]:
            years = f"publication_year:{self.years[0]}"

        out: list[str] = []
        group_iter: list[tuple[str, list[str]] | None] = list(groups) or [None]
        for group in group_iter:
            rest = []
            if years:
                rest.append(years)
            # Budget for the two OR-lists: what the URL has without them.
            skeleton = _list_url(
                OPENALEX_URL,
                ",".join(
                    ([f"{group[0]}:"] if group else [])
                    + ([f"{country_key}:"] if self.with_countries else [])
                    + rest
                ),
                self.search,
                self.select,
            )
            room = MAX_URL_LENGTH - len(skeleton) - _CURSOR_ROOM
            inst_chunks = _chunks(group[1], room // 2) if group else [None]
            country_chunks = (
                _chunks(self.with_countries, room // 2) if self.with_countries else [None]
            )
            for inst, countries in itertools.product(inst_chunks, country_chunks):
                parts = []
                if inst:
                    parts.append(f"{group[0]}:{'|'.join(inst)}")
                if countries:
                    parts.append(f"{country_key}:{'|'.join(countries)}")
                parts.extend(rest)
                out.append(",".join(parts))
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
            retry_after = None
            self.requests += 1
            try:
                response = self.session.get(url, timeout=self.retry.timeout)
            except (
                requests.Timeout,
                requests.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                reason = f"{type(exc).__name__}: {self.redact(exc)}"
                lookups = lookups + 1 if _lookup_failed(exc) else 0
                if lookups > self.retry.max_lookup_retries:
                    host = urlsplit(url).hostname
                    raise HarvestError(
                        f"could not look up the address of {host} "
                        f"({lookups} attempts in a row): "
                        "this machine seems to be offline or without DNS. Nothing is lost; "
                        "run the same command again when it is online to resume"
                    ) from exc
            else:
                lookups = 0
                status = response.status_code
                if status == 200:
                    try:
                        data = response.json()
                    except ValueError:
                        self._note(response)
                        reason = "the answer was not valid JSON (cut off?)"
                    else:
                        self._note(response, data)
                        if validate is None or validate(data):
                            return data
                        reason = "the answer was JSON but not in the shape OpenAlex uses"
                else:
                    self._note(response)
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
            if attempt >= self.retry.max_retries:
                if "429" in reason:
                    left = self.remaining_usd
                    note = (
                        f"the last remaining daily budget OpenAlex reported was {_usd(left)}"
                        if left is not None
                        else "OpenAlex did not say how much of the daily budget is left"
                    )
                    raise HarvestStopped(
                        f"OpenAlex kept answering 429 Too Many Requests after "
                        f"{attempt + 1} attempts; the daily budget may be spent ({note})",
                        status=429,
                        remaining_usd=left,
                    )
                raise HarvestError(
                    f"gave up on {url} after {attempt + 1} attempts; last problem: {reason}"
                )
            wait = self.retry.delay(attempt, retry_after)
            # a failed lookup has its own, shorter count (see max_lookup_retries)
            done, most = (attempt + 1, self.retry.max_retries)
            if lookups:
                done, most = lookups, self.retry.max_lookup_retries
            logger.warning("%s for %s; retry %d/%d in %.1f s", reason, url, done, most, wait)
            self.retries += 1
            attempt += 1
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


@contextlib.contextmanager
def _lock(directory: Path):
    """Keep two harvests from writing into the same folder at once (released if killed)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    fh = open(directory / ".harvest.lock", "w")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise HarvestError(
                f"another collabnet fetch is writing into {directory}; wait for it to finish"
            ) from None
        yield
    finally:
        fh.close()


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
        for chunk in _chunks(missing, MAX_URL_LENGTH - 200):
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
                    cache[_normalise_ror(ror)] = record
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


# --- the harvest --------------------------------------------------------------------------


def _is_list_page(data) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("results"), list)
        and isinstance(data.get("meta"), dict)
    )


def _is_work(data) -> bool:
    return isinstance(data, dict) and isinstance(data.get("id"), str)


def _new_state(query: HarvestQuery, filters: list[str], institutions: dict) -> dict:
    return {
        "format": 1,
        "fingerprint": query.fingerprint(),
        "query": query.to_dict(),
        "status": "running",
        "select": list(query.select) if query.select is not None else None,
        "select_dropped": [],
        "institutions": {
            ror: {k: rec.get(k) for k in ("id", "display_name", "country_code", "lineage")}
            for ror, rec in institutions.items()
        },
        "started": _now(),
        "finished": None,
        "requests": 0,
        "retries": 0,
        "cost_usd": None,
        "rate_limit": {},
        "per_page": PER_PAGE,
        "per_page_served": False,  # a page has arrived at this per_page in this harvest
        "per_page_fallback": None,
        "queries": [
            {
                "n": i + 1,
                "dir": f"q{i + 1:03d}",
                "filter": f,
                "search": query.search,
                "cursor": "*",
                "pages": 0,
                "works_received": 0,
                "meta_count": None,
                "restarts": 0,
                "retries": 0,
                "cost_usd": None,
                "rate_limit": {},
                "per_page": None,
                "per_page_fallback": None,
                "truncated": [],
                "done": False,
                "started": None,
                "finished": None,
            }
            for i, f in enumerate(filters)
        ],
        "truncated": {"done": [], "missing": [], "batches": 0, "retries": 0},
    }


def _clear_harvest(out: Path) -> None:
    works = out / _WORKS_DIR
    if works.is_dir():
        shutil.rmtree(works)
    for name in (_STATE_FILE, _MANIFEST_FILE, _INSTITUTION_CACHE):
        with contextlib.suppress(FileNotFoundError):
            (out / name).unlink()


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
    with _lock(out):
        for stale in out.rglob(".*.tmp"):  # left by a kill mid-write
            stale.unlink()
        state_path = out / _STATE_FILE
        if refresh:
            _clear_harvest(out)
        state = _read_json(state_path) if state_path.is_file() else None
        if state is not None and state.get("fingerprint") != query.fingerprint():
            raise HarvestError(
                f"{out} already holds a harvest of another query ({state_path}). Use a new "
                "--out folder, or --refresh to delete that harvest and start this one"
            )
        if state is not None and state.get("status") == "complete":
            manifest_path = out / _MANIFEST_FILE
            if manifest_path.is_file():
                logger.info("%s is complete; nothing to fetch (use refresh to fetch again)", out)
                return _read_json(manifest_path)

        client = _make_client(base_url, retry, session)
        harvest = None
        try:
            if state is None:
                institutions = {}
                if query.rors and query.match == "lineage":
                    institutions = resolve_institutions(query.rors, out, _client=client)
                ids = {r: rec["id"] for r, rec in institutions.items()}
                state = _new_state(query, query.filters(ids or None), institutions)
                _write_json(state_path, state)
            harvest = _Harvest(client, out, state, progress)
            harvest.run()
        except HarvestStopped as exc:
            if harvest is not None:
                harvest.save_manifest(status="stopped", note=exc.reason)
            if exc.status == 429:
                again = "after the daily budget renews"
            else:
                again = "with a valid key (or once the limit is lifted)"
            # One line: the command line prints it as "collabnet fetch: error: ...".
            message = (
                f"{exc.reason}. Stopped cleanly: everything received so far is saved in "
                f"{out}. Run the same command again {again} to continue where it stopped"
            )
            raise HarvestStopped(
                " ".join(message.split()),
                status=exc.status,
                reason=exc.reason,
                remaining_usd=exc.remaining_usd,
            ) from None
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
    def __init__(self, client: _Client, out: Path, state: dict, progress: bool):
        self.client = client
        self.out = out
        self.state = state
        self.progress = progress
        self.base_requests = state["requests"]
        self.base_retries = state["retries"]
        self.base_cost = state.get("cost_usd")  # None: OpenAlex has not said a price yet

    @property
    def per_page(self) -> int:
        return self.state.get("per_page", PER_PAGE)

    def checkpoint(self) -> None:
        st, client = self.state, self.client
        st["requests"] = self.base_requests + client.requests
        st["retries"] = self.base_retries + client.retries
        if client.costs_reported:
            st["cost_usd"] = _add_cost(self.base_cost, client.cost_usd)
        if client.rate_limits_seen:
            st["rate_limit"] = dict(client.rate_limit)
        _write_json(self.out / _STATE_FILE, st)

    @contextlib.contextmanager
    def accounted(self, q: dict):
        """Charge the retries, cost and rate-limit headers of the requests inside to query q."""
        client = self.client
        retries, cost, costs, limits = (
            client.retries,
            client.cost_usd,
            client.costs_reported,
            client.rate_limits_seen,
        )
        try:
            yield
        finally:
            q["retries"] += client.retries - retries
            if client.costs_reported > costs:
                q["cost_usd"] = _add_cost(q.get("cost_usd"), client.cost_usd - cost)
            if client.rate_limits_seen > limits:
                q["rate_limit"] = dict(client.rate_limit)

    # -- list pages

    def run(self) -> None:
        for q in self.state["queries"]:
            if not q["done"]:
                self.run_query(q)
        self.refetch_truncated()
        self.state["status"] = "complete"
        self.state["finished"] = _now()
        self.checkpoint()

    def url(self, q: dict, cursor: str | None = None, per_page: int | None = None) -> str:
        return _list_url(
            self.client.base_url,
            q["filter"],
            q["search"],
            self.state["select"],
            cursor,
            per_page=per_page or self.per_page,
        )

    def run_query(self, q: dict) -> None:
        qdir = self.out / _WORKS_DIR / q["dir"]
        q["started"] = q["started"] or _now()
        n = len(self.state["queries"])
        bar = _progress_bar(
            self.progress, f"query {q['n']}/{n}", q["meta_count"], q["works_received"]
        )

        def refused(status: int, message: str) -> None:
            if self.per_page_refused(q, status, message):
                raise _PerPageRefused(status, message)

        try:
            while True:
                try:
                    with self.accounted(q):
                        data = self.client.get_json(
                            self.url(q, q["cursor"]), validate=_is_list_page, refused=refused
                        )
                except _PerPageRefused as exc:
                    self.fall_back_per_page(q, exc)
                    continue
                except _BadRequest as exc:
                    if self.drop_unselectable(exc):
                        continue
                    if q["cursor"] != "*" and q["restarts"] < 2:
                        self.restart(q, qdir, exc)
                        bar.reset(total=bar.total)
                        continue
                    raise HarvestError(
                        f"OpenAlex rejected the query (HTTP {exc.status}: {exc.message}); "
                        f"URL: {self.url(q)}"
                    ) from None
                q["per_page"] = self.per_page
                self.state["per_page_served"] = True
                results, meta = data["results"], data["meta"]
                if q["meta_count"] is None or meta.get("count") != q["meta_count"]:
                    q["meta_count"] = meta.get("count")
                    bar.total = q["meta_count"]
                    bar.refresh()
                if results:
                    q["pages"] += 1
                    _write_jsonl_gz(qdir / f"page-{q['pages']:06d}.jsonl.gz", results)
                    q["works_received"] += len(results)
                    q["truncated"] += [_short_id(w["id"]) for w in results if _looks_truncated(w)]
                    bar.update(len(results))
                next_cursor = meta.get("next_cursor")
                q["cursor"] = next_cursor
                if not results or not next_cursor:
                    q["done"] = True
                    q["finished"] = _now()
                self.checkpoint()
                if q["done"]:
                    return
        finally:
            bar.close()

    def unselectable(self, message: str) -> str | None:
        """The field OpenAlex says it cannot select, if it is one the harvest can do without."""
        name = "is_authors_truncated"
        return name if name in (self.state["select"] or []) and name in message else None

    def drop_unselectable(self, exc: _BadRequest) -> bool:
        name = self.unselectable(exc.message)
        if name is None:
            return False
        logger.warning("OpenAlex cannot select %s; asking without it", name)
        self.state["select"].remove(name)
        self.state["select_dropped"].append(name)
        return True

    def per_page_refused(self, q: dict, status: int, message: str) -> bool:
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
            and q["cursor"] == "*"
            and not self.state.get("per_page_served")
            and self.unselectable(message) is None
        )

    def fall_back_per_page(self, q: dict, exc: _BadRequest) -> None:
        """Ask at most ``PER_PAGE_FALLBACK`` works a page from now on, from the same cursor.

        Nothing of the refused page was written and the cursor is kept, so the page is asked
        again as it was. That loses and repeats nothing: an OpenAlex cursor is the sort key of
        the last work handed out (Elasticsearch ``search_after``, openalex-elastic-api
        ``core/cursor.py``), not an offset in pages, so it means the same at any page size.
        """
        record = {
            "query": q["n"],
            "page": q["pages"] + 1,
            "cursor": q["cursor"],
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
            q["n"],
            PER_PAGE_FALLBACK,
        )
        self.state["per_page"] = PER_PAGE_FALLBACK
        self.state["per_page_served"] = False
        self.state["per_page_fallback"] = record
        q["per_page_fallback"] = record
        self.checkpoint()

    def restart(self, q: dict, qdir: Path, exc: _BadRequest) -> None:
        logger.warning(
            "OpenAlex refused the saved cursor of query %d (%s): the cursor has probably "
            "expired; starting that query again from the first page",
            q["n"],
            exc.message,
        )
        if qdir.is_dir():
            shutil.rmtree(qdir)
        q.update(cursor="*", pages=0, works_received=0, truncated=[], restarts=q["restarts"] + 1)
        self.checkpoint()

    # -- truncated author lists

    def refetch_truncated(self) -> None:
        wanted = [w for q in self.state["queries"] for w in q["truncated"]]
        t = self.state["truncated"]
        done = set(t["done"]) | set(t["missing"])
        todo = [w for w in _unique(wanted) if w not in done]
        if not todo:
            return
        logger.info("fetching %d works whose author lists were cut at 100", len(todo))
        select = self.state["select"]
        sel = ("?select=" + ",".join(select)) if select else ""
        batch: list[dict] = []
        bar = _progress_bar(self.progress, "full author lists", len(todo), 0)
        before = self.client.retries

        def flush():
            if batch:
                t["batches"] += 1
                name = f"works-{t['batches']:05d}.jsonl.gz"
                _write_jsonl_gz(self.out / _WORKS_DIR / _FULL_DIR / name, batch)
                t["done"].extend(_short_id(w["id"]) for w in batch)
                batch.clear()
            t["retries"] = t.get("retries", 0) + self.client.retries - flush.before
            flush.before = self.client.retries
            self.checkpoint()

        flush.before = before
        try:
            for wid in todo:
                try:
                    work = self.client.get_json(
                        f"{self.client.base_url}/works/{wid}{sel}", validate=_is_work
                    )
                except _BadRequest as exc:
                    logger.warning("work %s could not be fetched in full (%s)", wid, exc)
                    t["missing"].append(wid)
                    continue
                batch.append(work)
                bar.update(1)
                if len(batch) >= _FULL_BATCH:
                    flush()
        finally:
            flush()
            bar.close()

    # -- query log

    def save_manifest(self, *, status: str, note: str | None = None) -> dict:
        self.checkpoint()
        st = self.state
        files = []
        all_ids: set[str] = set()
        per_query: dict[str, set[str]] = {}
        truncated = set()
        for path in _work_files(self.out / _WORKS_DIR):
            h = hashlib.sha256(path.read_bytes()).hexdigest()
            ids = []
            for work in _iter_jsonl(path):
                wid = _short_id(work["id"])
                ids.append(wid)
                if path.parent.name != _FULL_DIR and _looks_truncated(work):
                    truncated.add(wid)
            per_query.setdefault(path.parent.name, set()).update(ids)
            all_ids.update(ids)
            files.append(
                {"path": path.relative_to(self.out).as_posix(), "works": len(ids), "sha256": h}
            )
        queries, mismatches = [], []
        for q in st["queries"]:
            unique = len(per_query.get(q["dir"], ()))
            entry = {
                "n": q["n"],
                "url": self.url(q, per_page=q.get("per_page")),
                "filter": q["filter"],
                "search": q["search"],
                "meta_count": q["meta_count"],
                "works_received": q["works_received"],
                "unique_works": unique,
                "pages": q["pages"],
                "per_page": q.get("per_page"),
                "per_page_fallback": q.get("per_page_fallback"),
                "cost_usd": q.get("cost_usd"),
                "rate_limit": q.get("rate_limit", {}),
                "retries": q["retries"],
                "restarts": q["restarts"],
                "done": q["done"],
                "started": q["started"],
                "finished": q["finished"],
            }
            queries.append(entry)
            if q["done"] and q["meta_count"] is not None and q["meta_count"] != unique:
                mismatches.append(
                    {"n": q["n"], "meta_count": q["meta_count"], "unique_works": unique}
                )
                logger.warning(
                    "query %d: OpenAlex announced %d works (meta.count) but %d unique arrived",
                    q["n"],
                    q["meta_count"],
                    unique,
                )
        t = st["truncated"]
        manifest = {
            "data_source": "openalex-api",
            "status": status,
            "note": note,
            "query": st["query"],
            "institutions": st["institutions"],
            "select": st["select"],
            "select_dropped": st["select_dropped"],
            "queries": queries,
            "works_received": sum(q["works_received"] for q in st["queries"]),
            "unique_works": len(all_ids),
            "count_mismatches": mismatches,
            "truncated_works": len(truncated),
            "truncated_refetched": len(t["done"]),
            "truncated_not_found": t["missing"],
            "requests": st["requests"],
            "retries": st["retries"],
            # What OpenAlex said it charged (meta.cost_usd, else X-RateLimit-Cost-USD), all
            # requests of all runs of this harvest; None if it never said.
            "cost_usd": st.get("cost_usd"),
            # The X-RateLimit-* headers of the last answer, names as OpenAlex sent them.
            "rate_limit": st.get("rate_limit", {}),
            "per_page": st.get("per_page", PER_PAGE),
            "per_page_fallback": st.get("per_page_fallback"),
            "started": st["started"],
            "finished": st["finished"] if status == "complete" else None,
            "written": _now(),
            "files": files,
            "versions": {
                "collabnet": __version__,
                "pyalex": _pyalex_version(),
                "requests": requests.__version__,
                "python": sys.version.split()[0],
            },
        }
        if status != "complete":
            manifest["resume"] = "run the same fetch command again to continue where it stopped"
        _write_json(self.out / _MANIFEST_FILE, manifest)
        return manifest


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
