"""Small OpenAlex Work records in the shape the API returns, for hand-checkable tests."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

OA = "https://openalex.org/"


def institution(iid, name, country="NL", ror=None, type_="education", lineage=None):
    return {
        "id": OA + iid,
        "display_name": name,
        "ror": f"https://ror.org/{ror}" if ror else None,
        "country_code": country,
        "type": type_,
        "lineage": [OA + x for x in (lineage or [iid])],
    }


def authorship(aid, name, insts=(), raw=None, position="middle", corresponding=False, link=True):
    """An authorship; ``raw`` strings are linked to the institutions in order when ``link``."""
    insts = list(insts)
    raw = list(raw) if raw is not None else [i["display_name"] + ", Somewhere" for i in insts]
    affiliations = []
    for j, text in enumerate(raw):
        ids = [insts[j]["id"]] if link and j < len(insts) else []
        affiliations.append({"raw_affiliation_string": text, "institution_ids": ids})
    return {
        "author_position": position,
        "author": {"id": OA + aid, "display_name": name, "orcid": None},
        "institutions": insts,
        "countries": sorted({i["country_code"] for i in insts if i["country_code"]}),
        "is_corresponding": corresponding,
        "raw_author_name": name,
        "raw_affiliation_strings": raw,
        "affiliations": affiliations,
    }


def work(wid, year, authorships, *, title=None, doi=None, retracted=False, truncated=False):
    doi = doi if doi is not None else f"https://doi.org/10.5555/test.{wid.lower()}"
    return {
        "id": OA + wid,
        "doi": doi,
        "title": title if title is not None else f"[synthetic] Work {wid}",
        "display_name": title if title is not None else f"[synthetic] Work {wid}",
        "publication_year": year,
        "type": "article",
        "authorships": authorships,
        "cited_by_count": 0,
        "is_retracted": retracted,
        "is_authors_truncated": truncated,
        "funders": [],
    }


def write_jsonl(path: Path, records, *, gz: bool = False) -> Path:
    text = "".join(
        (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# A tiny world: two Dutch institutions, one Chinese university, one police lab that OpenAlex
# did not match (raw affiliation only).
ERASMUS = institution("I1", "Erasmus MC", "NL", ror="018906e22", type_="healthcare")
LEIDEN = institution("I2", "Leiden University", "NL", ror="027bh9e22")
SYSU = institution("I3", "Sun Yat-sen University", "CN", ror="0064kty71")
MPS_RAW = (
    "Key Laboratory of Forensic Genetics, Institute of Forensic Science, Ministry of Public "
    "Security, Beijing 100038, China"
)


def small_corpus() -> list[dict]:
    """Three works, hand-checkable.

    W1 (2015): Ann (Erasmus), Bo (SYSU), Cai (raw MPS only)
    W2 (2016): Ann (Erasmus + Leiden), Dirk (Leiden)
    W3 (2017): Bo (SYSU), Cai (raw MPS only)
    """
    return [
        work(
            "W1",
            2015,
            [
                authorship("A1", "Ann de Vries", [ERASMUS], position="first", corresponding=True),
                authorship("A2", "Bo Zhang", [SYSU]),
                authorship("A3", "Cai Li", [], raw=[MPS_RAW], position="last"),
            ],
        ),
        work(
            "W2",
            2016,
            [
                authorship("A1", "Ann de Vries", [ERASMUS, LEIDEN], position="first"),
                authorship("A4", "Dirk Jansen", [LEIDEN], position="last"),
            ],
        ),
        work(
            "W3",
            2017,
            [
                authorship("A2", "Bo Zhang", [SYSU], position="first"),
                authorship("A3", "Cai Li", [], raw=[MPS_RAW], position="last"),
            ],
        ),
    ]


# --- Shapes of real OpenAlex data beyond one harvested Work per line ---------------------


def unmatched_authorship(name, insts=(), raw=None, position="middle"):
    """An authorship OpenAlex matched to no person (``author.id`` null): an organisation
    listed as an author, or a name it could not match."""
    a = authorship("A0", name, insts, raw=raw, position=position)
    a["author"]["id"] = None
    return a


NWO = "Nederlandse Organisatie voor Wetenschappelijk Onderzoek"


def work_2026(wid, year, authorships, **kw):
    """A Work as the API returns it in 2026: ``awards``, ``funders`` (objects), ``has_content``,
    ``is_xpac``, top-level ``institutions``, and no ``is_authors_truncated``."""
    w = work(wid, year, authorships, **kw)
    del w["is_authors_truncated"]
    insts = {i["id"]: i for a in authorships for i in a["institutions"]}
    w.update(
        {
            "awards": [
                {
                    "id": "https://openalex.org/G1234567",
                    "display_name": None,
                    "funder_award_id": "016.Vici.185.081",
                    "funder_id": OA + "F4320321800",
                    "funder_display_name": NWO,
                    "doi": None,
                }
            ],
            "funders": [
                {
                    "id": OA + "F4320321800",
                    "display_name": NWO,
                    "ror": "https://ror.org/04jsz6e67",
                }
            ],
            "has_content": {"grobid_xml": False, "pdf": False},
            "is_xpac": False,
            "institutions": list(insts.values()),
            "countries_distinct_count": len({i["country_code"] for i in insts.values()}),
            "updated_date": "2026-02-16T05:12:47.123456",
        }
    )
    return w


def work_2022(wid, year, authors):
    """A Work in the 2022 schema: ``host_venue``, a singular ``raw_affiliation_string``,
    institutions without ``lineage``, no ``affiliations``, ``countries`` or ``funders``.

    ``authors`` holds ``(author_id, name, [institution, ...], raw_affiliation_string)``.
    """
    authorships = []
    for k, (aid, name, insts, raw) in enumerate(authors):
        authorships.append(
            {
                "author_position": "first" if k == 0 else "middle",
                "author": {"id": OA + aid, "display_name": name, "orcid": None},
                "institutions": [
                    {key: i[key] for key in ("id", "display_name", "ror", "country_code", "type")}
                    for i in insts
                ],
                "raw_affiliation_string": raw,
            }
        )
    return {
        "id": OA + wid,
        "doi": f"https://doi.org/10.5555/old.{wid.lower()}",
        "title": f"[synthetic] Old work {wid}",
        "display_name": f"[synthetic] Old work {wid}",
        "publication_year": year,
        "publication_date": f"{year}-03-01",
        "host_venue": {
            "id": OA + "S137773608",
            "issn_l": "0028-0836",
            "display_name": "Nature",
            "publisher": "Nature Portfolio",
            "type": "journal",
            "url": None,
            "is_oa": False,
        },
        "type": "journal-article",
        "authorships": authorships,
        "cited_by_count": 3,
        "is_retracted": False,
        "is_paratext": False,
        "concepts": [],
        "alternate_host_venues": [],
        "updated_date": "2022-11-22T04:40:01.118945",
    }


def api_page(
    results, *, page=None, cursor="IlsxNjk0ODEyNTE5MDAwLCAnaHR0cHM6Ly9vcGVuYWxleC5vcmcnXSI="
):
    """One API response saved as it came: ``meta``, ``results`` and ``group_by``."""
    return {
        "meta": {
            "count": 1234,
            "db_response_time_ms": 87,
            "page": page,
            "per_page": 200,
            "next_cursor": cursor,
            "groups_count": None,
            "cost_usd": 0.0001,
        },
        "results": results,
        "group_by": [],
    }


def compress(data: bytes, how: str | None) -> bytes:
    """``data`` compressed as gzip, bzip2 or xz (None: as is)."""
    import bz2
    import lzma

    openers = {None: lambda b: b, "gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress}
    return openers[how](data)


def write_bytes(path: Path, data: bytes, how: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(compress(data, how))
    return path
