"""Tests of the OpenAlex harvest against a fake API on 127.0.0.1 (no network)."""

from __future__ import annotations

import gzip
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pyalex
import pytest
import requests

from collabnet import cli, config
from collabnet import openalex as oa

sys.path.insert(0, str(Path(__file__).parent))
from fake_openalex import NL_CN_INSTITUTIONS as INST  # noqa: E402
from fake_openalex import FakeOpenAlex, make_work  # noqa: E402

KEY = "oa-test-key-7f3c9d2e1b"
EXAMPLE_RORS = ["018906e22", "05xvt9f17", "027bh9e22"]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def api_key(monkeypatch, tmp_path):
    monkeypatch.setenv("OPENALEX_API_KEY", KEY)
    monkeypatch.delenv("OPENALEX_EMAIL", raising=False)
    monkeypatch.delenv("COLLABNET_OPENALEX_URL", raising=False)
    # No developer's real .env may leak into a test.
    monkeypatch.setattr(config, "PROJECT_ROOT", tmp_path / "project")
    return KEY


class Sleeps(list):
    """Records the waits instead of waiting."""

    def __call__(self, seconds):
        self.append(seconds)


def fast_retry(**kw):
    kw.setdefault("backoff", 0.001)
    kw.setdefault("sleep", Sleeps())
    kw.setdefault("seed", 1)
    return oa.RetryPolicy(**kw)


def example_query(**kw):
    kw.setdefault("rors", EXAMPLE_RORS)
    kw.setdefault("with_countries", ["CN"])
    kw.setdefault("years", "2010-2024")
    return oa.HarvestQuery(**kw)


def corpus():
    """Works in and out of the example query; returns (list-view works, full works, expected)."""
    works, expected = [], set()
    nl = [INST["erasmus"], INST["lumc"], INST["leiden"]]
    for i in range(130):  # NL-CN co-authored, 2010-2024: wanted
        works.append(make_work(i, [nl[i % 3], INST["sysu"], None], year=2010 + i % 15))
        expected.add(f"W{3000000000 + i}")
    # A sub-unit of Erasmus MC: only the lineage filter finds it.
    works.append(make_work(500, [INST["erasmus_sub"], INST["ppsuc"]], year=2020))
    expected.add("W3000000500")
    # Not wanted: no Chinese author; out of the years; no Dutch institution.
    works.append(make_work(600, [INST["erasmus"], INST["harvard"]], year=2020))
    works.append(make_work(601, [INST["lumc"], INST["sysu"]], year=2009))
    works.append(make_work(602, [INST["harvard"], INST["sysu"]], year=2020))
    listed, full = make_work(700, [INST["leiden"], INST["ppsuc"]], n_authors=160, truncated=True)
    works.append(listed)
    expected.add("W3000000700")
    return works, [full], expected


@pytest.fixture
def server():
    works, full, expected = corpus()
    with FakeOpenAlex(works, full=full, institutions=INST.values(), page_size=40) as s:
        s.expected = expected
        yield s


def read_dir(out):
    """(work id, is_authors_truncated, n authors, file) for every line the corpus reader sees."""
    rows = []
    for p in sorted(Path(out).rglob("*")):
        if p.name.endswith((".jsonl", ".jsonl.gz")):
            opener = gzip.open if p.name.endswith(".gz") else open
            with opener(p, "rt", encoding="utf-8") as fh:
                for line in fh:
                    w = json.loads(line)
                    rows.append(
                        (
                            w["id"].rsplit("/", 1)[-1],
                            w.get("is_authors_truncated"),
                            len(w["authorships"]),
                            p,
                        )
                    )
    return rows


def list_ids(out):
    """Ids from the paged list files (without the full re-fetches)."""
    return [r[0] for r in read_dir(out) if "full-authorships" not in r[3].parts]


def fetch(server, out, **kw):
    kw.setdefault("retry", fast_retry())
    kw.setdefault("progress", False)
    return oa.fetch_works(kw.pop("query", None) or example_query(), out, base_url=server.url, **kw)


# --- the query ----------------------------------------------------------------------------


def test_example_filter_strings_ror_match():
    q = example_query(match="ror")
    assert q.filters() == [
        "authorships.institutions.ror:018906e22|05xvt9f17|027bh9e22,"
        "authorships.institutions.country_code:CN,publication_year:2010-2024"
    ]


def test_example_filter_strings_lineage_match():
    q = example_query(rors=[f"https://ror.org/{r}" for r in EXAMPLE_RORS])
    ids = {"018906e22": "https://openalex.org/I9000001", "05xvt9f17": "I9000002"}
    ids["027bh9e22"] = "i9000003"
    assert q.filters(ids) == [
        "authorships.institutions.lineage:I9000001|I9000002|I9000003,"
        "authorships.institutions.country_code:CN,publication_year:2010-2024"
    ]
    with pytest.raises(oa.HarvestError, match="resolve_institutions"):
        q.filters()


def test_ror_and_openalex_ids_under_ror_match_are_two_request_series():
    q = oa.HarvestQuery(rors=["018906e22"], institutions=["I42"], match="ror", years=2015)
    assert q.filters() == [
        "authorships.institutions.ror:018906e22,publication_year:2015",
        "authorships.institutions.lineage:I42,publication_year:2015",
    ]


def test_long_or_lists_are_split_under_100_values_and_the_url_limit():
    ids = [f"I{4210000000 + i}" for i in range(250)]
    q = oa.HarvestQuery(institutions=ids, with_countries=["CN", "HK"])
    filters = q.filters()
    assert len(filters) == 3
    seen = []
    for f in filters:
        inst, countries = f.split(",")
        values = inst.split(":", 1)[1].split("|")
        assert len(values) <= oa.MAX_OR_VALUES
        assert countries == "authorships.institutions.country_code:CN|HK"
        seen += values
        url = oa._list_url(oa.OPENALEX_URL, f, None, q.select, cursor="x" * 300)
        assert len(url) <= oa.MAX_URL_LENGTH
    assert seen == ids


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rors": ["not-a-ror"]}, "not a ROR id"),
        ({"rors": ["018906e22"], "years": "2024-2010"}, "run forwards"),
        ({"rors": ["018906e22"], "years": "since 2010"}, "FROM-TO"),
        ({"institutions": ["Leiden"]}, "not an OpenAlex institution id"),
        ({"with_countries": ["CN"]}, "at least one institution"),
        ({"rors": ["018906e22"], "with_countries": ["China"]}, "two-letter"),
    ],
)
def test_bad_query_says_what_is_wrong(kwargs, message):
    with pytest.raises(oa.CollabnetError, match=message):
        oa.HarvestQuery(**kwargs)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "nl-cn.toml",
            'name = "nl-cn"\nror = ["018906e22", "05xvt9f17", "027bh9e22"]\n'
            'with_country = "CN"\nyears = "2010-2024"\n',
        ),
        (
            "nl-cn.yaml",
            "name: nl-cn\nror: [018906e22, 05xvt9f17, 027bh9e22]\nwith_country: CN\n"
            "years: 2010-2024\n",
        ),
    ],
)
def test_query_file_gives_the_same_query_as_the_options(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    q = oa.load_query_file(path)
    assert q.name == "nl-cn"
    assert q.filters({r: f"I{i}" for i, r in enumerate(EXAMPLE_RORS)}) == example_query().filters(
        {r: f"I{i}" for i, r in enumerate(EXAMPLE_RORS)}
    )
    assert q.fingerprint() == example_query().fingerprint()


def test_query_file_typo_names_file_and_key(tmp_path):
    path = tmp_path / "q.toml"
    path.write_text('ror = ["018906e22"]\nwith_contry = "CN"\n')
    with pytest.raises(oa.InputError) as err:
        oa.load_query_file(path)
    assert str(path) in str(err.value)
    assert "with_contry" in str(err.value) and "with_country" in str(err.value)


def test_list_urls_are_built_by_pyalex(server, tmp_path, monkeypatch):
    calls = []
    for entity in (pyalex.Works, pyalex.Institutions):
        real = entity.filter

        def spy(self, _real=real, **kwargs):
            calls.append((type(self).__name__, kwargs))
            return _real(self, **kwargs)

        monkeypatch.setattr(entity, "filter", spy)
    manifest = fetch(server, tmp_path / "out")
    lineage = "I9000001|I9000002|I9000003"
    wanted = {
        "authorships": {"institutions": {"lineage": lineage, "country_code": "CN"}},
        "publication_year": "2010-2024",
    }
    assert calls[0] == ("Institutions", {"ror": "|".join(EXAMPLE_RORS)})
    assert ("Works", wanted) in calls
    # The path and query string are pyalex's; collabnet adds its base URL and the page size.
    built = urlsplit(pyalex.Works().filter(**wanted).select(list(oa.WORK_FIELDS)).url)
    assert built.netloc == "api.openalex.org"
    assert manifest["queries"][0]["url"] == (
        f"{server.url}{built.path}?{built.query}&per-page={oa.PER_PAGE}"
    )
    assert sorted(list_ids(tmp_path / "out")) == sorted(server.expected)


# --- harvesting ---------------------------------------------------------------------------


def test_multi_page_harvest_gets_exactly_the_matching_works(server, tmp_path):
    out = tmp_path / "nl-cn"
    manifest = fetch(server, out)
    ids = list_ids(out)
    assert sorted(ids) == sorted(server.expected)  # nothing missing, nothing extra, no dups
    pages = server.list_requests("/works")
    assert len(pages) == 5  # 132 works at 40 a page: 4 pages + the empty last one
    for r in pages:
        assert r["params"]["per-page"] == ["200"]
        assert r["params"]["select"][0].split(",") == list(oa.WORK_FIELDS)
        assert r["headers"]["Authorization"] == f"Bearer {KEY}"
    assert [r["params"]["cursor"][0] for r in pages[:2]] == ["*", "e0-40"]
    assert manifest["data_source"] == "openalex-api"
    assert manifest["status"] == "complete"
    (q,) = manifest["queries"]
    assert q["meta_count"] == q["works_received"] == q["unique_works"] == 132
    assert manifest["unique_works"] == 132
    assert manifest["count_mismatches"] == []
    assert manifest["versions"]["pyalex"] and manifest["versions"]["collabnet"]
    assert "cursor=" not in q["url"] and q["url"].startswith(server.url + "/works?filter=")
    on_disk = json.loads((out / "manifest.json").read_text())
    assert on_disk["queries"] == manifest["queries"]
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_works_are_written_as_received(server, tmp_path):
    out = tmp_path / "nl-cn"
    fetch(server, out)
    received = {w["id"]: w for w in server.works}
    page = out / "works" / "q001" / "page-000001.jsonl.gz"
    for line in gzip.open(page, "rt", encoding="utf-8"):
        w = json.loads(line)
        assert w == {k: received[w["id"]][k] for k in oa.WORK_FIELDS}


def test_or_chunks_are_merged_and_deduplicated(tmp_path):
    # 150 ids: the two fixture institutions land in different chunks of <= 100.
    padding = [f"I{8000000 + i}" for i in range(148)]
    ids = ["I9000001", *padding[:99], "I9000101", *padding[99:]]
    works = [make_work(i, [INST["erasmus"], INST["sysu"]]) for i in range(30)]
    works += [make_work(100 + i, [INST["sysu"]]) for i in range(5)]
    works += [make_work(200 + i, [INST["erasmus"]]) for i in range(5)]
    q = oa.HarvestQuery(institutions=ids)
    assert len(q.filters()) == 2
    with FakeOpenAlex(works, page_size=25) as s:
        manifest = fetch(s, tmp_path / "out", query=q)
    assert [x["unique_works"] for x in manifest["queries"]] == [35, 35]
    assert manifest["works_received"] == 70
    assert manifest["unique_works"] == 40
    assert len(set(list_ids(tmp_path / "out"))) == 40


def test_truncated_author_list_is_refetched_in_full(server, tmp_path):
    out = tmp_path / "nl-cn"
    manifest = fetch(server, out)
    rows = [r for r in read_dir(out) if r[0] == "W3000000700"]
    assert sorted((r[1], r[2]) for r in rows) == [(False, 160), (True, 100)]
    full = next(r for r in rows if r[2] == 160)
    assert full[3].parent.name == "full-authorships" and full[3].name.endswith(".jsonl.gz")
    assert [r["path"] for r in server.requests if r["path"].startswith("/works/")] == [
        "/works/W3000000700"
    ]
    assert manifest["truncated_works"] == 1
    assert manifest["truncated_refetched"] == 1


def test_unselectable_field_is_dropped_and_truncation_still_found(server, tmp_path):
    server.add_fault(
        "status",
        status=400,
        body={
            "error": "Invalid query parameters error.",
            "message": "is_authors_truncated is not a valid select field",
        },
        match=lambda path, params: path == "/works",
    )
    manifest = fetch(server, tmp_path / "out")
    assert manifest["select_dropped"] == ["is_authors_truncated"]
    assert "is_authors_truncated" not in server.list_requests()[-1]["params"]["select"][0]
    assert manifest["truncated_refetched"] == 1
    assert sorted(list_ids(tmp_path / "out")) == sorted(server.expected)


# --- faults -------------------------------------------------------------------------------


def test_429_waits_as_long_as_retry_after_says(server, tmp_path):
    server.add_fault(
        "status",
        status=429,
        headers={"Retry-After": "7"},
        body={"error": "Too many requests", "message": "slow down"},
        match=lambda path, params: params.get("cursor") == ["e0-40"],
    )
    retry = fast_retry()
    manifest = fetch(server, tmp_path / "out", retry=retry)
    assert retry.sleep == [pytest.approx(7)]
    assert manifest["retries"] == 1 and manifest["queries"][0]["retries"] == 1
    assert sorted(list_ids(tmp_path / "out")) == sorted(server.expected)


@pytest.mark.parametrize(
    "faults",
    [
        [("status", {"status": 500}), ("status", {"status": 503}), ("status", {"status": 502})],
        [("status", {"status": 504})] * 2 + [("status", {"status": 503})] * 2,
        [("reset", {})],
        [("timeout", {"delay": 1.0})],
        [("malformed", {})],
        [("shape", {})],
    ],
    ids=[
        "5xx-burst",
        "503-504-burst",
        "connection-reset",
        "timeout",
        "malformed-json",
        "no-results",
    ],
)
def test_transient_faults_are_retried_with_growing_waits(server, tmp_path, faults):
    for kind, kw in faults:
        server.add_fault(kind, match=lambda path, params: params.get("cursor") == ["e0-80"], **kw)
    retry = fast_retry(backoff=0.01, timeout=(2.0, 0.3))
    manifest = fetch(server, tmp_path / "out", retry=retry)
    assert manifest["retries"] == len(faults)
    assert len(retry.sleep) == len(faults)
    for n, wait in enumerate(retry.sleep):  # exponential, jittered into [0.5, 1] x base
        assert 0.5 * 0.01 * 2**n <= wait <= 0.01 * 2**n
    assert sorted(list_ids(tmp_path / "out")) == sorted(server.expected)


def test_gives_up_after_max_retries_and_resumes_later(server, tmp_path):
    server.add_fault(
        "status", status=503, times=10, match=lambda p, q: q.get("cursor") == ["e0-40"]
    )
    with pytest.raises(
        oa.HarvestError, match="gave up .* after 3 attempts; last problem: HTTP 503"
    ):
        fetch(server, tmp_path / "out", retry=fast_retry(max_retries=2))
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "incomplete" and "resume" in manifest
    server.faults.clear()
    before = len(server.list_requests())
    fetch(server, tmp_path / "out")
    assert server.list_requests()[before]["params"]["cursor"] == ["e0-40"]  # not from the start
    assert sorted(list_ids(tmp_path / "out")) == sorted(server.expected)


def test_spent_budget_stops_cleanly_and_resume_finishes(server, tmp_path):
    server.add_fault(
        "status",
        status=429,
        times=99,
        body={"error": "Rate limit exceeded", "message": "You have used your daily budget."},
        match=lambda path, params: params.get("cursor") == ["e0-80"],
    )
    out = tmp_path / "out"
    with pytest.raises(oa.HarvestStopped) as err:
        fetch(server, out)
    msg = str(err.value)
    assert "daily usage budget" in msg and "Run the same command again" in msg and str(out) in msg
    assert len(server.list_requests()) == 3  # no hammering once the budget is known to be spent
    assert len(list_ids(out)) == 80
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "stopped"
    server.faults.clear()
    manifest = fetch(server, out)
    assert manifest["status"] == "complete"
    assert sorted(list_ids(out)) == sorted(server.expected)


@pytest.mark.parametrize("status", [401, 403])
def test_rejected_key_stops_with_what_to_check(server, tmp_path, status):
    server.add_fault(
        "status",
        status=status,
        body={"error": "Invalid API key"},
        match=lambda path, params: path == "/works",
    )
    with pytest.raises(oa.HarvestStopped, match=f"HTTP {status}.*OPENALEX_API_KEY"):
        fetch(server, tmp_path / "out")
    assert len(server.list_requests()) == 1


def test_429_for_speed_is_retried_although_it_says_remaining_0(server, tmp_path):
    # OpenAlex's answer to more than 100 requests a second also says X-RateLimit-Remaining: 0.
    server.add_fault(
        "status",
        status=429,
        headers={
            "Retry-After": "1",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Remaining-USD": "0",
            "X-RateLimit-Limit-USD": "1",
        },
        body={
            "error": "Rate limit exceeded",
            "message": "Rate limit exceeded: 100 requests per second. Please slow down.",
        },
        match=lambda path, params: params.get("cursor") == ["e0-40"],
    )
    retry = fast_retry()
    manifest = fetch(server, tmp_path / "out", retry=retry)
    assert manifest["status"] == "complete" and manifest["retries"] == 1
    assert retry.sleep == [pytest.approx(1)]
    assert sorted(list_ids(tmp_path / "out")) == sorted(server.expected)


# --- page size ----------------------------------------------------------------------------

PER_PAGE_REFUSAL = {
    "error": "Pagination error.",
    "message": "per-page parameter must be between 1 and 100.",
}


def _works_requests(server):
    return [(r["params"]["per-page"][0], r["params"]["cursor"][0]) for r in server.list_requests()]


def test_refused_per_page_falls_back_to_100_from_the_same_cursor(server, tmp_path):
    unrefused = fetch(server, tmp_path / "unrefused")
    reference = list_ids(tmp_path / "unrefused")
    server.requests.clear()
    # From the second page on, OpenAlex refuses 200 works a page.
    server.add_fault(
        "status",
        status=400,
        times=99,
        body=PER_PAGE_REFUSAL,
        match=lambda path, params: (
            params.get("per-page") == ["200"] and params.get("cursor") == ["e0-40"]
        ),
    )
    out = tmp_path / "out"
    manifest = fetch(server, out)
    asked = _works_requests(server)
    assert asked[:3] == [("200", "*"), ("200", "e0-40"), ("100", "e0-40")]  # the same cursor
    assert {size for size, _ in asked[2:]} == {"100"}  # and 100 for the rest of the harvest
    ids = list_ids(out)
    assert ids == reference and len(ids) == len(set(ids))  # nothing duplicated or skipped
    assert manifest["unique_works"] == unrefused["unique_works"] == len(server.expected)
    (q,) = manifest["queries"]
    fallback = q["per_page_fallback"]
    assert {k: fallback[k] for k in ("query", "page", "cursor", "from", "to", "status")} == {
        "query": 1,
        "page": 2,
        "cursor": "e0-40",
        "from": 200,
        "to": 100,
        "status": 400,
    }
    assert "per-page parameter must be between 1 and 100" in fallback["message"]
    assert manifest["per_page_fallback"] == fallback
    assert manifest["per_page"] == q["per_page"] == 100 and "per-page=100" in q["url"]
    assert unrefused["per_page"] == unrefused["queries"][0]["per_page"] == 200
    assert unrefused["per_page_fallback"] is None


def test_a_per_page_limit_from_the_first_page_holds_through_a_resume(tmp_path, monkeypatch):
    works, full, expected = corpus()
    out = tmp_path / "out"
    with FakeOpenAlex(works, full=full, institutions=INST.values(), max_per_page=100) as s:
        _interrupt_on_page(monkeypatch, 2)
        with pytest.raises(KeyboardInterrupt):
            fetch(s, out)
        monkeypatch.undo()
        monkeypatch.setenv("OPENALEX_API_KEY", KEY)
        assert _works_requests(s) == [("200", "*"), ("100", "*"), ("100", "e0-100")]
        before = len(s.list_requests())
        manifest = fetch(s, out)
        assert _works_requests(s)[before:] == [("100", "e0-100"), ("100", "e0-200")]
    ids = list_ids(out)
    assert len(ids) == len(set(ids)) and set(ids) == expected
    pages = sorted((out / "works" / "q001").iterdir())
    assert [len(list(_read_page(p))) for p in pages] == [100, 32]
    fallback = manifest["queries"][0]["per_page_fallback"]
    assert (fallback["page"], fallback["cursor"], fallback["to"]) == (1, "*", 100)
    assert manifest["per_page"] == 100


def test_an_unexplained_400_on_the_first_page_also_falls_back(server, tmp_path):
    server.add_fault(
        "status",
        status=400,
        times=99,
        body={"error": "Bad Request"},
        match=lambda path, params: path == "/works" and params.get("per-page") == ["200"],
    )
    manifest = fetch(server, tmp_path / "out")
    assert _works_requests(server)[:2] == [("200", "*"), ("100", "*")]
    assert manifest["per_page_fallback"]["status"] == 400
    assert sorted(list_ids(tmp_path / "out")) == sorted(server.expected)


def _read_page(path):
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        yield from (json.loads(line) for line in fh)


# --- resume -------------------------------------------------------------------------------


def _interrupt_on_page(monkeypatch, n, exc=KeyboardInterrupt):
    """Make the n-th page write die half-way: temp file written, never renamed."""
    real = oa._atomic_write
    calls = []

    def dying(path, data):
        if path.name.startswith("page-"):
            calls.append(path)
            if len(calls) == n:
                tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                tmp.write_bytes(data[: len(data) // 2])
                raise exc()
        return real(path, data)

    monkeypatch.setattr(oa, "_atomic_write", dying)
    return calls


def test_interrupted_mid_write_resumes_without_loss_or_duplicates(server, tmp_path, monkeypatch):
    out = tmp_path / "out"
    _interrupt_on_page(monkeypatch, 3)
    with pytest.raises(KeyboardInterrupt):
        fetch(server, out)
    assert len(list_ids(out)) == 80  # the two finished pages are readable, the third is not there
    assert list((out / "works" / "q001").glob(".page-000003*.tmp"))
    monkeypatch.undo()
    monkeypatch.setenv("OPENALEX_API_KEY", KEY)
    before = len(server.list_requests())
    manifest = fetch(server, out)
    assert server.list_requests()[before]["params"]["cursor"] == ["e0-80"]
    ids = list_ids(out)
    assert len(ids) == len(set(ids)) and set(ids) == server.expected
    assert manifest["unique_works"] == len(server.expected)
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_expired_cursor_restarts_the_query_and_deduplicates(server, tmp_path, monkeypatch, caplog):
    out = tmp_path / "out"
    _interrupt_on_page(monkeypatch, 3, exc=RuntimeError)
    with pytest.raises(RuntimeError):
        fetch(server, out)
    monkeypatch.undo()
    monkeypatch.setenv("OPENALEX_API_KEY", KEY)
    server.expire_cursors()
    with caplog.at_level(logging.WARNING, logger="collabnet.openalex"):
        manifest = fetch(server, out)
    assert "expired" in caplog.text
    assert manifest["queries"][0]["restarts"] == 1
    ids = list_ids(out)
    assert len(ids) == len(set(ids)) and set(ids) == server.expected


# The shape of state.json and manifest.json as every collabnet since the harvest's page-size and
# cost accounting has written them: the keys and their order are part of the format.
STATE_KEYS = [
    "format",
    "fingerprint",
    "query",
    "status",
    "select",
    "select_dropped",
    "institutions",
    "started",
    "finished",
    "requests",
    "retries",
    "cost_usd",
    "rate_limit",
    "per_page",
    "per_page_served",
    "per_page_fallback",
    "queries",
    "truncated",
]
STATE_QUERY_KEYS = [
    "n",
    "dir",
    "filter",
    "search",
    "cursor",
    "pages",
    "works_received",
    "meta_count",
    "restarts",
    "retries",
    "cost_usd",
    "rate_limit",
    "per_page",
    "per_page_fallback",
    "truncated",
    "done",
    "started",
    "finished",
]
STATE_TRUNCATED_KEYS = ["done", "missing", "batches", "retries"]
MANIFEST_KEYS = [
    "data_source",
    "status",
    "note",
    "query",
    "institutions",
    "select",
    "select_dropped",
    "queries",
    "works_received",
    "unique_works",
    "count_mismatches",
    "truncated_works",
    "truncated_refetched",
    "truncated_not_found",
    "requests",
    "retries",
    "cost_usd",
    "rate_limit",
    "per_page",
    "per_page_fallback",
    "started",
    "finished",
    "written",
    "files",
    "versions",
]
MANIFEST_QUERY_KEYS = [
    "n",
    "url",
    "filter",
    "search",
    "meta_count",
    "works_received",
    "unique_works",
    "pages",
    "per_page",
    "per_page_fallback",
    "cost_usd",
    "rate_limit",
    "retries",
    "restarts",
    "done",
    "started",
    "finished",
]
# Fields a state.json written before the page-size and cost accounting lacks.
NOT_IN_OLDER_STATE = ["cost_usd", "rate_limit", "per_page", "per_page_served", "per_page_fallback"]
NOT_IN_OLDER_QUERY_STATE = ["cost_usd", "rate_limit", "per_page", "per_page_fallback"]


def _json_text(obj):
    """A JSON file as the harvest writes it."""
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def _ordered_state(state, drop=(), drop_in_query=()):
    """``state`` rebuilt key by key in the order of STATE_KEYS (less ``drop``)."""
    queries = [
        {k: q[k] for k in STATE_QUERY_KEYS if k not in drop_in_query} for q in state["queries"]
    ]
    truncated = {k: state["truncated"][k] for k in STATE_TRUNCATED_KEYS}
    ordered = {k: state[k] for k in STATE_KEYS if k not in drop}
    return dict(ordered, queries=queries, truncated=truncated)


def test_state_and_manifest_keep_their_keys_order_and_layout(server, tmp_path, monkeypatch):
    out = tmp_path / "out"
    _interrupt_on_page(monkeypatch, 3)
    with pytest.raises(KeyboardInterrupt):
        fetch(server, out)
    monkeypatch.undo()
    monkeypatch.setenv("OPENALEX_API_KEY", KEY)
    text = (out / "state.json").read_text(encoding="utf-8")
    state = json.loads(text)
    assert list(state) == STATE_KEYS
    assert [list(q) for q in state["queries"]] == [STATE_QUERY_KEYS]
    assert list(state["truncated"]) == STATE_TRUNCATED_KEYS
    assert text == _json_text(_ordered_state(state))  # byte for byte
    stopped = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert list(stopped) == [*MANIFEST_KEYS, "resume"]
    assert [list(q) for q in stopped["queries"]] == [MANIFEST_QUERY_KEYS]

    # The same state, written key by key in the old order, is what the next run goes on from.
    (out / "state.json").write_text(_json_text(_ordered_state(state)), encoding="utf-8")
    before = len(server.list_requests())
    manifest = fetch(server, out)
    assert server.list_requests()[before]["params"]["cursor"] == ["e0-80"]
    assert list(manifest) == MANIFEST_KEYS
    assert [list(q) for q in manifest["queries"]] == [MANIFEST_QUERY_KEYS]
    assert (out / "manifest.json").read_text(encoding="utf-8") == _json_text(manifest)
    done = json.loads((out / "state.json").read_text(encoding="utf-8"))
    assert list(done) == STATE_KEYS and done["status"] == "complete"
    assert done["requests"] == manifest["requests"] == len(server.requests)
    assert done["truncated"] == {"done": ["W3000000700"], "missing": [], "batches": 1, "retries": 0}
    ids = list_ids(out)
    assert len(ids) == len(set(ids)) and set(ids) == server.expected


def test_a_state_file_without_cost_and_page_size_fields_resumes(server, tmp_path, monkeypatch):
    # As written before the harvest recorded costs and page sizes: those fields are absent.
    out = tmp_path / "out"
    _interrupt_on_page(monkeypatch, 3)
    with pytest.raises(KeyboardInterrupt):
        fetch(server, out)
    monkeypatch.undo()
    monkeypatch.setenv("OPENALEX_API_KEY", KEY)
    state = json.loads((out / "state.json").read_text(encoding="utf-8"))
    older = _ordered_state(state, NOT_IN_OLDER_STATE, NOT_IN_OLDER_QUERY_STATE)
    older["truncated"].pop("retries")
    (out / "state.json").write_text(_json_text(older), encoding="utf-8")
    before = len(server.list_requests())
    manifest = fetch(server, out)
    assert server.list_requests()[before]["params"]["cursor"] == ["e0-80"]
    asked = [("200", "e0-80"), ("200", "e0-120"), ("200", "e0-160")]
    assert _works_requests(server)[before:] == asked
    (q,) = manifest["queries"]
    assert manifest["per_page"] == q["per_page"] == 200 and manifest["per_page_fallback"] is None
    assert q["cost_usd"] == manifest["cost_usd"] == pytest.approx(0.0003)  # this run's 3 pages
    assert set(manifest["rate_limit"]) == RATE_LIMIT_HEADERS
    done = json.loads((out / "state.json").read_text(encoding="utf-8"))
    assert list(done) == STATE_KEYS and [list(q) for q in done["queries"]] == [STATE_QUERY_KEYS]
    ids = list_ids(out)
    assert len(ids) == len(set(ids)) and set(ids) == server.expected


@pytest.mark.parametrize("text", ["[]\n", '{"fingerprint": "%s"}\n'])
def test_a_state_file_that_is_not_a_harvest_state_says_so(server, tmp_path, text):
    out = tmp_path / "out"
    out.mkdir()
    (out / "state.json").write_text(text % example_query().fingerprint() if "%" in text else text)
    with pytest.raises(oa.HarvestError, match="not the state of a collabnet harvest.*--refresh"):
        fetch(server, out)
    assert server.requests == []


def test_killed_process_resumes(tmp_path):
    works, full, expected = corpus()
    out = tmp_path / "out"
    script = (
        "import sys; from collabnet import openalex as oa\n"
        "q = oa.HarvestQuery(rors=sys.argv[3:], with_countries=['CN'], years='2010-2024')\n"
        "oa.fetch_works(q, sys.argv[1], base_url=sys.argv[2], progress=False)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), OPENALEX_API_KEY=KEY)
    with FakeOpenAlex(
        works, full=full, institutions=INST.values(), page_size=20, latency=0.15
    ) as s:
        proc = subprocess.Popen(
            [sys.executable, "-c", script, str(out), s.url, *EXAMPLE_RORS], env=env
        )
        deadline = time.time() + 30
        state = out / "state.json"
        while time.time() < deadline:
            if state.is_file() and json.loads(state.read_text())["queries"][0]["pages"] >= 2:
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        done = json.loads(state.read_text())["queries"][0]
        assert 2 <= done["pages"] < 7 and not done["done"]
        s.latency = 0
        before = len(s.list_requests())
        manifest = fetch(s, out)
        assert s.list_requests()[before]["params"]["cursor"] != ["*"]
    ids = list_ids(out)
    assert len(ids) == len(set(ids)) and set(ids) == expected
    assert manifest["unique_works"] == len(expected)


# --- cache, key, query log ----------------------------------------------------------------


def test_finished_harvest_is_reused_with_zero_requests(server, tmp_path, monkeypatch):
    out = tmp_path / "out"
    first = fetch(server, out)
    n = len(server.requests)
    monkeypatch.delenv("OPENALEX_API_KEY")  # not even a key is needed to reuse it
    again = fetch(server, out)
    assert len(server.requests) == n
    assert again == first
    monkeypatch.setenv("OPENALEX_API_KEY", KEY)
    fetch(server, out, refresh=True)
    assert len(server.requests) > n
    assert sorted(list_ids(out)) == sorted(server.expected)


def test_another_query_into_the_same_folder_is_refused(server, tmp_path):
    fetch(server, tmp_path / "out")
    with pytest.raises(oa.HarvestError, match="another query.*--refresh"):
        fetch(server, tmp_path / "out", query=example_query(years="2015-2024"))


def test_key_appears_in_no_written_file_or_log(server, tmp_path, caplog):
    # An error body that echoes the key (as a proxy quoting the request might) must be redacted.
    server.add_fault(
        "status",
        status=503,
        body={"error": f"upstream said api_key={KEY}"},
        match=lambda path, params: path == "/works",
    )
    server.add_fault("reset", match=lambda path, params: path.startswith("/works/"))
    out = tmp_path / "out"
    with caplog.at_level(logging.DEBUG):
        manifest = fetch(server, out)
    assert manifest["retries"] == 2
    assert all(r["headers"]["Authorization"] == f"Bearer {KEY}" for r in server.requests)
    written = [p for p in out.rglob("*") if p.is_file()]
    assert len(written) >= 6
    for p in written:
        data = p.read_bytes()
        if p.name.endswith(".gz"):
            data = gzip.decompress(data)
        assert KEY.encode() not in data, p
    assert "[OPENALEX_API_KEY]" in caplog.text
    assert KEY not in caplog.text


def test_key_in_a_refusal_message_is_redacted(server, tmp_path):
    server.add_fault("status", status=401, body={"error": f"bad key {KEY}"})
    with pytest.raises(oa.HarvestStopped) as err:
        fetch(server, tmp_path / "out")
    assert KEY not in str(err.value)
    for p in (tmp_path / "out").rglob("*.json"):
        assert KEY not in p.read_text()


def test_no_key_says_how_to_get_one(server, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENALEX_API_KEY")
    with pytest.raises(oa.MissingKeyError) as err:
        fetch(server, tmp_path / "out")
    msg = str(err.value)
    for needed in ("OPENALEX_API_KEY", "openalex.org/settings/api", ".env"):
        assert needed in msg
    assert server.requests == []


def test_key_from_dotenv_is_used(server, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENALEX_API_KEY")
    project = config.PROJECT_ROOT
    project.mkdir(parents=True)
    (project / ".env").write_text(f"OPENALEX_API_KEY='{KEY}-dotenv'\n")
    fetch(server, tmp_path / "out")
    assert server.requests[0]["headers"]["Authorization"] == f"Bearer {KEY}-dotenv"


RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit-USD",
    "X-RateLimit-Remaining-USD",
    "X-RateLimit-Prepaid-Remaining-USD",
    "X-RateLimit-Cost-USD",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Onetime-Remaining",
    "X-RateLimit-Credits-Used",
    "X-RateLimit-Reset",
}


def test_cost_and_rate_limit_headers_are_in_the_query_log(tmp_path):
    works, full, expected = corpus()
    works += [make_work(900 + i, [INST["leiden"], INST["sysu"]], year=2019) for i in range(60)]
    q = oa.HarvestQuery(
        rors=["018906e22"], institutions=["I9000003"], with_countries=["CN"], match="ror"
    )
    with FakeOpenAlex(works, full=full, institutions=INST.values(), page_size=40) as s:
        manifest = fetch(s, tmp_path / "out", query=q)
        pages = len(s.list_requests("/works"))
        spent = s.spent_usd
    first, second = manifest["queries"]
    # A list call costs $0.0001 (meta.cost_usd); re-fetching the truncated work is free.
    assert pages == 3 + 4 and spent == pytest.approx(0.0007)
    assert first["cost_usd"] == pytest.approx(0.0003)  # 44 Erasmus MC works: 2 pages + the end
    assert second["cost_usd"] == pytest.approx(0.0004)  # 104 Leiden works: 3 pages + the end
    assert manifest["cost_usd"] == pytest.approx(spent)
    for entry in (first, second, manifest):
        assert set(entry["rate_limit"]) == RATE_LIMIT_HEADERS  # names as sent
    # the last values seen: after query 1, after query 2, after the (free) singleton
    assert first["rate_limit"]["X-RateLimit-Remaining"] == "9997"
    assert second["rate_limit"]["X-RateLimit-Remaining-USD"] == "0.9993"
    assert second["rate_limit"]["X-RateLimit-Cost-USD"] == "0.0001"
    assert manifest["rate_limit"]["X-RateLimit-Cost-USD"] == "0"
    assert manifest["rate_limit"]["X-RateLimit-Limit-USD"] == "1"
    on_disk = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert on_disk["cost_usd"] == manifest["cost_usd"]
    assert on_disk["rate_limit"] == manifest["rate_limit"]
    # A server that sends neither (a mirror): nothing is made up.
    with FakeOpenAlex(works, full=full, institutions=INST.values(), budget_usd=None) as s:
        bare = fetch(s, tmp_path / "bare", query=q)
    assert bare["cost_usd"] is None and bare["rate_limit"] == {}
    assert bare["queries"][0]["cost_usd"] is None and bare["queries"][0]["rate_limit"] == {}


def test_count_mismatch_is_reported_not_hidden(tmp_path, caplog):
    works, full, expected = corpus()
    with FakeOpenAlex(works, full=full, institutions=INST.values(), meta_count_offset=3) as s:
        with caplog.at_level(logging.WARNING, logger="collabnet.openalex"):
            manifest = fetch(s, tmp_path / "out")
    assert manifest["count_mismatches"] == [
        {"n": 1, "meta_count": len(expected) + 3, "unique_works": len(expected)}
    ]
    assert f"announced {len(expected) + 3} works" in caplog.text


def test_institutions_are_resolved_once_and_cached(server, tmp_path):
    records = oa.resolve_institutions(
        ["https://ror.org/018906e22", "027bh9e22"], tmp_path, base_url=server.url
    )
    assert records["018906e22"]["lineage"] == ["https://openalex.org/I9000001"]
    assert records["027bh9e22"]["display_name"] == "Leiden University"
    n = len(server.requests)
    assert n == 1
    again = oa.resolve_institutions(["027bh9e22", "018906e22"], tmp_path, base_url=server.url)
    assert len(server.requests) == n and again["018906e22"] == records["018906e22"]
    with pytest.raises(oa.HarvestError, match="no institution with ROR 019p4xb90"):
        oa.resolve_institutions(["019p4xb90"], tmp_path, base_url=server.url)


# --- command line -------------------------------------------------------------------------


def test_cli_fetch_example(server, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COLLABNET_OPENALEX_URL", server.url)
    out = tmp_path / "nl-cn"
    argv = [
        "fetch",
        "--out",
        str(out),
        "--ror",
        "018906e22",
        "--ror",
        "05xvt9f17",
        "--ror",
        "027bh9e22",
        "--with-country",
        "CN",
        "--years",
        "2010-2024",
        "--no-progress",
    ]
    assert cli.main(argv) == 0
    assert f"{len(server.expected)} unique works" in capsys.readouterr().out
    assert sorted(list_ids(out)) == sorted(server.expected)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["query"]["rors"] == EXAMPLE_RORS
    assert (
        "authorships.institutions.lineage:I9000001|I9000002|I9000003"
        in (manifest["queries"][0]["filter"])
    )


def test_cli_query_file_and_missing_key(server, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COLLABNET_OPENALEX_URL", server.url)
    qf = tmp_path / "nl-cn.toml"
    qf.write_text(
        f'out = "{tmp_path / "from-file"}"\nror = ["018906e22"]\nwith_country = ["CN"]\n'
        'match = "ror"\n'
    )
    monkeypatch.delenv("OPENALEX_API_KEY")
    assert cli.main(["fetch", "--query-file", str(qf), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "collabnet fetch: error:" in err and "OPENALEX_API_KEY" in err
    assert "Traceback" not in err
    monkeypatch.setenv("OPENALEX_API_KEY", KEY)
    assert cli.main(["fetch", "--query-file", str(qf), "--years", "2018", "--no-progress"]) == 0
    manifest = json.loads((tmp_path / "from-file" / "manifest.json").read_text())
    assert manifest["queries"][0]["filter"] == (
        "authorships.institutions.ror:018906e22,authorships.institutions.country_code:CN,"
        "publication_year:2018"
    )


class _GoesOffline(requests.Session):
    """Answers `online` requests, then fails as requests does when the host name does
    not resolve (no network, no DNS)."""

    def __init__(self, online: int = 0):
        super().__init__()
        self.online = online

    def get(self, url, **kw):
        from urllib3.exceptions import MaxRetryError, NameResolutionError

        if self.online > 0:
            self.online -= 1
            return super().get(url, **kw)
        try:
            try:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            except socket.gaierror as exc:
                raise NameResolutionError("api.example", None, exc) from exc
        except NameResolutionError as exc:
            try:
                raise MaxRetryError(None, url, exc) from exc
            except MaxRetryError as outer:
                raise requests.ConnectionError(outer) from None


OFFLINE = r"could not look up the address of 127.0.0.1 \(3 attempts in a row\).*offline"


def test_an_offline_machine_is_told_in_seconds(server, tmp_path, caplog):
    retry = fast_retry(max_retries=8)
    with pytest.raises(oa.HarvestError, match=OFFLINE):
        fetch(server, tmp_path / "out", retry=retry, session=_GoesOffline())
    assert len(retry.sleep) == retry.max_lookup_retries == 2  # not 8 waits of up to a minute
    assert "retry 2/2 in" in caplog.text and "/8 in" not in caplog.text  # the log says so


def test_going_offline_mid_harvest_stops_soon_and_resumes(server, tmp_path):
    retry = fast_retry(max_retries=8)
    with pytest.raises(oa.HarvestError, match=OFFLINE):
        fetch(server, tmp_path / "out", retry=retry, session=_GoesOffline(online=4))
    assert len(retry.sleep) == 2
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "incomplete" and "resume" in manifest
    fetch(server, tmp_path / "out")  # back online: the harvest finishes
    assert sorted(list_ids(tmp_path / "out")) == sorted(server.expected)


def test_a_refused_connection_is_still_retried_in_full(server, tmp_path):
    class Refused(requests.Session):
        def get(self, url, **kw):
            raise requests.ConnectionError(ConnectionRefusedError(111, "Connection refused"))

    retry = fast_retry(max_retries=4)
    with pytest.raises(oa.HarvestError, match="gave up .* after 5 attempts"):
        fetch(server, tmp_path / "out", retry=retry, session=Refused())
    assert len(retry.sleep) == 4


def test_a_passing_lookup_failure_among_other_faults_does_not_stop_the_harvest(server, tmp_path):
    class Flaky(_GoesOffline):
        """Fails once with each of: 503 (from the server), a lookup failure, a timeout,
        then a lookup failure again, then answers."""

        def __init__(self):
            super().__init__(online=10**6)
            self.script = ["lookup", "timeout", "lookup", "lookup"]

        def get(self, url, **kw):
            if self.script:
                step = self.script.pop(0)
                if step == "timeout":
                    raise requests.Timeout("read timed out")
                self.online = 0
                try:
                    return super().get(url, **kw)
                finally:
                    self.online = 10**6
            return super().get(url, **kw)

    retry = fast_retry(max_retries=8)
    fetch(server, tmp_path / "out", retry=retry, session=Flaky())
    assert len(retry.sleep) == 4  # two lookups in a row at most: never given up
    assert sorted(list_ids(tmp_path / "out")) == sorted(server.expected)


def test_cli_spent_budget_says_what_is_left_and_resume_finishes(tmp_path, monkeypatch, capsys):
    works, full, expected = corpus()
    out = tmp_path / "nl-cn"
    argv = ["fetch", "--out", str(out), "--with-country", "CN", "--years", "2010-2024"]
    argv += [a for r in EXAMPLE_RORS for a in ("--ror", r)] + ["--no-progress"]
    # $0.0003: the institution look-up and two pages, then OpenAlex's 429 "Insufficient budget"
    with FakeOpenAlex(
        works, full=full, institutions=INST.values(), page_size=40, budget_usd=0.0003
    ) as s:
        monkeypatch.setenv("COLLABNET_OPENALEX_URL", s.url)
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err
        (line,) = err.strip().splitlines()  # one line
        assert line.startswith("collabnet fetch: error: OpenAlex says the daily usage budget")
        assert "remaining daily budget: $0.00 (this request costs $0.0001)" in line
        assert "renewed at midnight UTC, in " in line and str(out) in line
        assert "Run the same command again after the daily budget renews" in line
        stopped = json.loads((out / "manifest.json").read_text())
        assert stopped["status"] == "stopped" and len(list_ids(out)) == 80
        assert stopped["rate_limit"]["X-RateLimit-Remaining-USD"] == "0"
        assert stopped["cost_usd"] == pytest.approx(0.0003)
        s.reset_budget()  # the next day
        before = len(s.list_requests())
        assert cli.main(argv) == 0
        assert s.list_requests()[before]["params"]["cursor"] == ["e0-80"]
        spent_today = s.spent_usd
    ids = list_ids(out)
    assert len(ids) == len(set(ids)) and set(ids) == expected
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["cost_usd"] == pytest.approx(0.0003 + spent_today)
