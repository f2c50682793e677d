"""The bundled demo corpus is what the seeded generator makes, with the messy cases in it."""

import gzip
import json

import pytest

from collabnet import config, demo


@pytest.fixture(scope="module")
def records():
    with gzip.open(config.DEMO_WORKS, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_committed_demo_corpus_is_what_the_generator_makes(tmp_path):
    path = demo.write_demo_corpus(tmp_path / "works.jsonl.gz")
    assert path.read_bytes() == config.DEMO_WORKS.read_bytes()


def test_every_work_is_marked_synthetic(records):
    assert 2000 <= len(records) <= 5000
    assert all(r["title"].startswith("[synthetic]") for r in records)
    assert all(r["doi"].startswith("https://doi.org/10.5555/") for r in records)
    assert all(r["id"].startswith("https://openalex.org/W99") for r in records)
    years = {r["publication_year"] for r in records}
    assert min(years) == 2008 and max(years) == 2024


def test_the_messy_cases_are_there(records):
    authorships = [a for r in records for a in r["authorships"]]
    assert any(not a["institutions"] and a["raw_affiliation_strings"] for a in authorships)
    assert any(i["country_code"] is None for a in authorships for i in a["institutions"])
    assert sum(r["is_authors_truncated"] for r in records) == 1
    assert sum(r["is_retracted"] for r in records) >= 3
    assert max(len(r["authorships"]) for r in records if not r["is_authors_truncated"]) >= 60
    ids = [r["id"] for r in records]
    assert len(ids) - len(set(ids)) == 1
    dois = [r["doi"] for r in records]
    assert len(dois) - len(set(dois)) == 2  # the exact duplicate and a second id for one DOI
    names = {a["author"]["display_name"] for a in authorships}
    assert any(not n.isascii() for n in names)
    assert any("<img src=x onerror=alert(1)>" in r["title"] for r in records)
    rors = {i["ror"] for a in authorships for i in a["institutions"] if i["ror"]}
    assert "https://ror.org/019p4xb90" in rors  # withdrawn id, succeeded by 04vnevw94
    raws = " ".join(s for a in authorships for s in a["raw_affiliation_strings"])
    for needle in (
        "Erasmus MC",
        "Leiden University Medical Center",
        "Netherlands Forensic Institute",
        "Institute of Forensic Science, Ministry of Public Security",
        "Central Police University",
    ):
        assert needle in raws
