"""A small fake OpenAlex API on 127.0.0.1 for tests and benchmarks, with scriptable faults."""

from __future__ import annotations

import datetime as dt
import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

__all__ = ["FakeOpenAlex", "Fault", "make_work", "make_institution", "NL_CN_INSTITUTIONS"]

OA = "https://openalex.org/"
#: OpenAlex bills in credits of $0.0001: a list call 1, a search call 10, a singleton 0
#: (github.com/ourresearch/openalex-api-proxy, src/index.ts and src/endpointClassifier.ts).
CREDIT_USD = 0.0001


def make_institution(iid, name, ror, country, type_="education", parents=()):
    """An Institution record in OpenAlex's shape (fields the harvest and corpus use)."""
    return {
        "id": OA + iid,
        "ror": f"https://ror.org/{ror}" if ror else None,
        "display_name": name,
        "country_code": country,
        "type": type_,
        "lineage": [OA + iid] + [OA + p for p in parents],
        "ids": {"openalex": OA + iid, "ror": f"https://ror.org/{ror}" if ror else None},
    }


#: Fixture institutions (made-up OpenAlex ids; the RORs are those of the real institutions).
NL_CN_INSTITUTIONS = {
    "erasmus": make_institution("I9000001", "Erasmus MC", "018906e22", "NL", "healthcare"),
    "erasmus_sub": make_institution(
        "I9000011", "Erasmus MC Cancer Institute", None, "NL", "healthcare", parents=["I9000001"]
    ),
    "lumc": make_institution("I9000002", "Leiden University Medical Center", "05xvt9f17", "NL"),
    "leiden": make_institution("I9000003", "Leiden University", "027bh9e22", "NL"),
    "sysu": make_institution("I9000101", "Sun Yat-sen University", "0064kty71", "CN"),
    "ppsuc": make_institution(
        "I9000102", "People's Public Security University of China", "04ypx8c21", "CN"
    ),
    "harvard": make_institution("I9000201", "Harvard University", "03vek6s52", "US"),
}


def _inst_ref(inst):
    return {k: inst[k] for k in ("id", "display_name", "ror", "country_code", "type", "lineage")}


def make_work(n, institutions, *, year=2018, n_authors=None, truncated=False, extra=None):
    """A Work in OpenAlex's shape: one authorship per institution (``None`` = no institution).

    ``n_authors`` pads the author list with unaffiliated authors; ``truncated=True`` cuts it at
    100 and sets ``is_authors_truncated`` as list responses do.
    """
    authorships = []
    insts = list(institutions)
    total = max(n_authors or 0, len(insts))
    for i in range(total):
        inst = insts[i] if i < len(insts) else None
        authorships.append(
            {
                "author_position": "first" if i == 0 else ("last" if i == total - 1 else "middle"),
                "author": {
                    "id": f"{OA}A{5000000000 + n * 1000 + i}",
                    "display_name": f"Author {n}-{i}",
                    "orcid": None,
                },
                "institutions": [_inst_ref(inst)] if inst else [],
                "countries": [inst["country_code"]] if inst and inst["country_code"] else [],
                "is_corresponding": i == 0,
                "raw_author_name": f"Author {n}-{i}",
                "raw_affiliation_strings": [inst["display_name"]] if inst else [],
                "affiliations": (
                    [
                        {
                            "raw_affiliation_string": inst["display_name"],
                            "institution_ids": [inst["id"]],
                        }
                    ]
                    if inst
                    else []
                ),
            }
        )
    work = {
        "id": f"{OA}W{3000000000 + n}",
        "doi": f"https://doi.org/10.5555/fake.{n}",
        "title": f"Fixture work {n}",
        "display_name": f"Fixture work {n}",
        "publication_year": year,
        "publication_date": f"{year}-06-01",
        "type": "article",
        "is_retracted": False,
        "cited_by_count": n % 17,
        "authorships": authorships,
        "corresponding_author_ids": [authorships[0]["author"]["id"]] if authorships else [],
        "funders": [],
        "awards": [],
        "updated_date": "2026-02-16T06:00:58",
        "is_authors_truncated": False,
    }
    if extra:
        work.update(extra)
    if truncated:
        listed = dict(work, authorships=authorships[:100], is_authors_truncated=True)
        return listed, work
    return work


def _short(x):
    return str(x).rstrip("/").rsplit("/", 1)[-1].lower()


def _matches(work, filter_value):
    """Evaluate the subset of OpenAlex filter syntax the harvest uses."""
    for part in filter_value.split(","):
        key, _, value = part.partition(":")
        values = {v.lower() for v in value.split("|")}
        insts = [i for a in work["authorships"] for i in a["institutions"]]
        if key == "authorships.institutions.lineage":
            ok = any(_short(x) in values for i in insts for x in i["lineage"])
        elif key == "authorships.institutions.ror":
            ok = any(i["ror"] and _short(i["ror"]) in values for i in insts)
        elif key == "authorships.institutions.country_code":
            ok = any((i["country_code"] or "").lower() in values for i in insts)
        elif key == "publication_year":
            lo, _, hi = value.partition("-")
            ok = int(lo) <= work["publication_year"] <= int(hi or lo)
        else:
            raise ValueError(f"fake OpenAlex does not know filter {key!r}")
        if not ok:
            return False
    return True


@dataclass
class Fault:
    """A scripted failure, served to the next ``times`` requests that ``match`` accepts."""

    kind: str  # "status", "reset", "timeout", "malformed" or "shape"
    times: int = 1
    match: Callable[[str, dict], bool] | None = None  # (path, params) -> bool; None: any
    status: int = 500  # kind "status": the answer's status, headers and JSON body
    headers: dict | None = None
    body: dict | None = None
    delay: float = 1.0  # kind "timeout": seconds before the connection is closed unanswered


class FakeOpenAlex:
    """Serve ``/works``, ``/works/W…`` and ``/institutions`` from fixture records.

    Cursor paging as OpenAlex does it: pages carry ``meta.next_cursor`` until an empty page
    with ``next_cursor: null``. ``page_size`` caps pages below ``per-page`` so tests need few
    fixture works. ``max_per_page`` refuses a larger ``per-page`` with OpenAlex's HTTP 400
    ("per-page parameter must be between 1 and N."). ``faults`` is a list of :class:`Fault`
    consumed in order by matching requests (``add_fault("status", status=503, times=2)``).
    ``latency`` is seconds per request, or a callable returning them.
    ``expire_cursors()`` makes every cursor handed out so far invalid (HTTP 400).

    Billing as OpenAlex's API proxy does it (2026): a daily budget of ``budget_usd`` (a free
    key's $1 by default; ``None`` sends no rate-limit headers at all, like a mirror), every
    answer but the injected faults carries the ``X-RateLimit-*`` headers, list pages say their
    price in ``meta.cost_usd``, and a request the budget cannot pay for is refused with
    OpenAlex's HTTP 429 "Insufficient budget" answer. ``reset_budget()`` is a new day.
    """

    def __init__(
        self,
        works=(),
        *,
        full=None,
        institutions=(),
        page_size=None,
        latency=0.0,
        meta_count_offset=0,
        max_per_page=None,
        budget_usd=1.0,
    ):
        self.works = sorted(works, key=lambda w: w["id"])
        self.full = {_short(w["id"]): w for w in (full or [])}
        self.institutions = list(institutions)
        self.page_size = page_size
        self.latency = latency
        self.meta_count_offset = meta_count_offset
        self.max_per_page = max_per_page
        self.budget_credits = None if budget_usd is None else round(budget_usd / CREDIT_USD)
        self.spent_credits = 0
        self.faults: list[Fault] = []
        self.requests: list[dict] = []
        self.epoch = 0
        self._lock = threading.Lock()
        self.server = None

    # -- lifecycle

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                fake._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def expire_cursors(self):
        self.epoch += 1

    def reset_budget(self):
        """A new day: the daily budget is whole again."""
        with self._lock:
            self.spent_credits = 0

    @property
    def spent_usd(self):
        return round(self.spent_credits * CREDIT_USD, 4)

    def add_fault(self, kind, *, times=1, match=None, **kw):
        self.faults.append(Fault(kind, times=times, match=match, **kw))

    def list_requests(self, path="/works"):
        return [r for r in self.requests if r["path"] == path]

    # -- requests

    def _take_fault(self, path, params):
        with self._lock:
            for f in self.faults:
                if f.times > 0 and (f.match is None or f.match(path, params)):
                    f.times -= 1
                    return f
        return None

    def _handle(self, h):
        parts = urlsplit(h.path)
        path, params = parts.path, parse_qs(parts.query)
        with self._lock:
            self.requests.append({"path": path, "params": params, "headers": dict(h.headers)})
        latency = self.latency() if callable(self.latency) else self.latency
        if latency:
            time.sleep(latency)
        fault = self._take_fault(path, params)
        if fault:
            return self._serve_fault(h, fault)
        credits = _credits(path, params)
        headers = self._charge(credits)
        if headers is None:
            return self._refuse_for_budget(h, credits)
        cost = {"cost_usd": credits * CREDIT_USD} if self.budget_credits is not None else {}
        if path == "/works":
            return self._list_works(h, params, headers, cost)
        if path.startswith("/works/"):
            wid = _short(path.split("/")[-1])
            work = self.full.get(wid) or next(
                (w for w in self.works if _short(w["id"]) == wid), None
            )
            if work is None:
                return self._send(h, 404, b'{"error": "Not found"}', headers)
            return self._send(h, 200, json.dumps(_select(work, params)).encode(), headers)
        if path == "/institutions":
            flt = params.get("filter", [""])[0]
            key, _, value = flt.partition(":")
            assert key == "ror", flt
            wanted = {v.lower() for v in value.split("|")}
            hits = [i for i in self.institutions if i["ror"] and _short(i["ror"]) in wanted]
            body = {"meta": {"count": len(hits), "next_cursor": None, **cost}, "results": hits}
            return self._send(h, 200, json.dumps(body).encode(), headers)
        return self._send(h, 404, b'{"error": "no such endpoint"}', headers)

    def _serve_fault(self, h, fault: Fault):
        if fault.kind == "reset":
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.close()
            h.close_connection = True
            return
        if fault.kind == "timeout":
            time.sleep(fault.delay)
            h.close_connection = True
            return
        if fault.kind == "malformed":
            return self._send(
                h, 200, b'{"meta": {"count": 3, "next_cursor": "x"}, "results": [{"id"'
            )
        if fault.kind == "shape":
            return self._send(h, 200, json.dumps({"unexpected": True}).encode())
        body = {"error": "fault", "message": "injected"} if fault.body is None else fault.body
        body = json.dumps(body)
        return self._send(h, fault.status, body.encode(), fault.headers)

    # -- billing

    def _charge(self, credits):
        """Take ``credits`` from the budget: the rate-limit headers, or None if it cannot pay."""
        if self.budget_credits is None:
            return {}
        with self._lock:
            left = self.budget_credits - self.spent_credits
            if credits > left:
                return None
            self.spent_credits += credits
            left -= credits
        return {
            "X-RateLimit-Limit-USD": _usd(self.budget_credits),
            "X-RateLimit-Remaining-USD": _usd(left),
            "X-RateLimit-Prepaid-Remaining-USD": "0",
            "X-RateLimit-Cost-USD": _usd(credits),
            "X-RateLimit-Limit": str(self.budget_credits),
            "X-RateLimit-Remaining": str(left),
            "X-RateLimit-Onetime-Remaining": "0",
            "X-RateLimit-Credits-Used": str(credits),
            "X-RateLimit-Reset": str(_seconds_to_midnight_utc()),
        }

    def _refuse_for_budget(self, h, credits):
        """OpenAlex's answer when neither the daily budget nor a prepaid balance can pay."""
        with self._lock:
            left = self.budget_credits - self.spent_credits
        wait = _seconds_to_midnight_utc()
        body = {
            "error": "Rate limit exceeded",
            "message": f"Insufficient budget. This request costs ${_usd(credits)} but you only "
            f"have ${_usd(left)} remaining. Resets at midnight UTC. Need more? Add funds at "
            "https://openalex.org/pricing",
            "retryAfter": wait,
            "costUsd": credits * CREDIT_USD,
            "dailyRemainingUsd": left * CREDIT_USD,
            "prepaidRemainingUsd": 0,
            "creditsRequired": credits,
            "creditsRemaining": left,
            "onetimeCreditsRemaining": 0,
        }
        headers = {
            "Retry-After": str(wait),
            "X-RateLimit-Limit-USD": _usd(self.budget_credits),
            "X-RateLimit-Remaining-USD": _usd(left),
            "X-RateLimit-Prepaid-Remaining-USD": "0",
            "X-RateLimit-Cost-Required-USD": _usd(credits),
            "X-RateLimit-Limit": str(self.budget_credits),
            "X-RateLimit-Remaining": str(left),
            "X-RateLimit-Onetime-Remaining": "0",
            "X-RateLimit-Credits-Required": str(credits),
            "X-RateLimit-Reset": str(wait),
        }
        return self._send(h, 429, json.dumps(body).encode(), headers)

    # -- lists

    def _list_works(self, h, params, headers, cost):
        flt = params.get("filter", [""])[0]
        hits = [w for w in self.works if not flt or _matches(w, flt)]
        per_page = int((params.get("per-page") or params.get("per_page") or ["25"])[0])
        if self.max_per_page and not 1 <= per_page <= self.max_per_page:
            body = {
                "error": "Pagination error.",
                "message": f"per-page parameter must be between 1 and {self.max_per_page}.",
            }
            return self._send(h, 400, json.dumps(body).encode(), headers)
        if self.page_size:
            per_page = min(per_page, self.page_size)
        cursor = params.get("cursor", [None])[0]
        if cursor is None:
            offset = 0
        elif cursor == "*":
            offset = 0
        else:
            epoch, _, off = cursor.partition("-")
            if int(epoch.lstrip("e")) != self.epoch:
                return self._send(
                    h,
                    400,
                    b'{"error": "Invalid query parameters error.", "message": "cursor is expired"}',
                    headers,
                )
            offset = int(off)
        page = hits[offset : offset + per_page]
        next_cursor = f"e{self.epoch}-{offset + per_page}" if page else None
        body = {
            "meta": {
                "count": len(hits) + self.meta_count_offset,
                "db_response_time_ms": 5,
                "page": None,
                "per_page": per_page,
                "next_cursor": next_cursor,
                "groups_count": None,
                **cost,
            },
            "results": [_select(w, params) for w in page],
            "group_by": [],
        }
        return self._send(h, 200, json.dumps(body).encode(), headers)

    @staticmethod
    def _send(h, status, body, headers=None):
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                h.send_header(k, str(v))
            h.end_headers()
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


def _credits(path, params):
    """What a request costs in credits: list 1, search 10, singleton 0."""
    if path.count("/") >= 2:  # /works/W123
        return 0
    if "search" in params or any(k.startswith("search.") for k in params):
        return 10
    return 1


def _usd(credits):
    """Credits as dollars, written as OpenAlex writes them (JavaScript's number to string)."""
    text = f"{credits * CREDIT_USD:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def _seconds_to_midnight_utc():
    now = dt.datetime.now(dt.UTC)
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), dt.UTC)
    return max(1, int((midnight - now).total_seconds() + 0.999))


def _select(work, params):
    select = params.get("select", [None])[0]
    if not select:
        return work
    fields = select.split(",")
    return {k: work[k] for k in fields if k in work}
