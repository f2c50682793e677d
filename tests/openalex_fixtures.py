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
