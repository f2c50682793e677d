"""Reading OpenAlex Work JSON Lines into tidy tables: exact tables, messy shapes, clear errors."""

import json

import pytest
from openalex_fixtures import (
    ERASMUS,
    LEIDEN,
    MPS_RAW,
    SYSU,
    authorship,
    institution,
    small_corpus,
    work,
    write_jsonl,
)

from collabnet.corpus import read_corpus
from collabnet.errors import InputError


def test_small_corpus_gives_exact_tables(tmp_path):
    c = read_corpus(write_jsonl(tmp_path / "works.jsonl", small_corpus()))
    rows = c.authorships[["work_id", "author_id", "institution_id", "ror", "country_code"]]
    got = [
        tuple(None if v is None or v != v else v for v in r)
        for r in rows.astype(object).itertuples(index=False)
    ]
    got = [tuple(None if str(v) == "<NA>" else v for v in r) for r in got]
    assert got == [
        ("W1", "A1", "I1", "018906e22", "NL"),
        ("W1", "A2", "I3", "0064kty71", "CN"),
        ("W1", "A3", None, None, None),
        ("W2", "A1", "I1", "018906e22", "NL"),
        ("W2", "A1", "I2", "027bh9e22", "NL"),
        ("W2", "A4", "I2", "027bh9e22", "NL"),
        ("W3", "A2", "I3", "0064kty71", "CN"),
        ("W3", "A3", None, None, None),
    ]
    # the unmatched author keeps the raw affiliation text, nothing is dropped
    raw = c.authorships.loc[c.authorships["author_id"] == "A3", "raw_affiliation"].tolist()
    assert raw == [MPS_RAW, MPS_RAW]
    assert sorted(c.institutions["institution_id"]) == ["I1", "I2", "I3"]
    assert sorted(c.authors["author_id"]) == ["A1", "A2", "A3", "A4"]
    assert c.works["work_id"].tolist() == ["W1", "W2", "W3"]
    assert c.works["doi"].tolist() == ["10.5555/test.w1", "10.5555/test.w2", "10.5555/test.w3"]
    assert c.works["n_authors"].tolist() == [3, 2, 2]
    assert c.counts["authorships"] == 8
    assert c.counts["authorships_without_institution"] == 2
    assert c.counts["duplicates_dropped"] == 0


def test_raw_string_openalex_did_not_link_gets_its_own_row(tmp_path):
    # OpenAlex matched Erasmus MC but not the second affiliation: it must not vanish.
    a = authorship("A1", "Ann", [ERASMUS], raw=["Erasmus MC, Rotterdam", MPS_RAW])
    c = read_corpus(write_jsonl(tmp_path / "w.jsonl", [work("W1", 2019, [a])]))
    rows = c.authorships[["institution_id", "raw_affiliation"]].astype(object)
    assert rows.where(rows.notna(), None).values.tolist() == [
        ["I1", "Erasmus MC, Rotterdam"],
        [None, MPS_RAW],
    ]


def test_country_code_null_and_non_ascii_names_survive(tmp_path):
    nocc = institution("I9", "Consortium Without Country", None)
    w = work(
        "W1",
        2020,
        [authorship("A1", "Zoë Müller-Ødegård 张伟", [nocc]), authorship("A2", "Lü", [SYSU])],
        title="Étude · 研究 <b>bold</b>",
    )
    c = read_corpus(write_jsonl(tmp_path / "w.jsonl.gz", [w], gz=True))
    assert c.authors.set_index("author_id").loc["A1", "display_name"] == "Zoë Müller-Ødegård 张伟"
    assert c.works.loc[0, "title"] == "Étude · 研究 <b>bold</b>"
    assert c.institutions.set_index("institution_id")["country_code"].isna()["I9"]


def test_duplicates_collapse_and_the_complete_author_list_wins(tmp_path):
    full = work("W1", 2020, [authorship(f"A{i}", f"Person {i}", [LEIDEN]) for i in range(5)])
    cut = work("W1", 2020, full["authorships"][:3], truncated=True)
    same_doi = work("W7", 2020, full["authorships"][:2], doi=full["doi"])
    write_jsonl(tmp_path / "h" / "a.jsonl", [cut, same_doi])
    write_jsonl(tmp_path / "h" / "refetched.jsonl", [full])
    c = read_corpus(tmp_path / "h")
    assert c.works["work_id"].tolist() == ["W1"]
    assert not c.works.loc[0, "is_authors_truncated"]
    assert c.works.loc[0, "n_authors"] == 5
    assert len(c.authorships) == 5
    assert c.counts["duplicates_same_id"] == 1 and c.counts["duplicates_same_doi"] == 1
    assert c.duplicates[1]["reason"] == "same DOI as W1"


def test_a_truncated_work_that_was_not_refetched_is_counted(tmp_path):
    w = work(
        "W1", 2020, [authorship("A1", "A", [LEIDEN]), authorship("A2", "B", [SYSU])], truncated=True
    )
    c = read_corpus(write_jsonl(tmp_path / "w.jsonl", [w]))
    assert c.counts["works_authors_truncated"] == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "https://openalex.org/W2", "authorships": [', "line 2: not valid JSON"),
        ("[1, 2]", "line 2 (item 0): expected an OpenAlex Work object, found a number"),
        ('{"title": "no id"}', "line 2: record has no OpenAlex work id"),
        (
            '{"id": "https://openalex.org/W2", "authorships": {}}',
            "line 2 (W2): field 'authorships' is {} (an object), expected a list",
        ),
        (
            '{"id": "https://openalex.org/W2", "publication_year": "2019"}',
            "line 2 (W2): field 'publication_year' is '2019' (text), expected a whole number",
        ),
        (
            '{"id": "https://openalex.org/W2", "authorships": [{"author": "A1"}]}',
            "line 2 (W2): field 'authorships[0].author' is 'A1' (text), expected an object",
        ),
    ],
)
def test_a_malformed_line_names_the_file_the_line_and_the_problem(tmp_path, line, message):
    path = write_jsonl(tmp_path / "bad.jsonl", [small_corpus()[0], line, small_corpus()[1]])
    with pytest.raises(InputError) as err:
        read_corpus(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_skip_bad_records_skips_and_lists_each_one(tmp_path):
    works = small_corpus()
    path = write_jsonl(tmp_path / "bad.jsonl", [works[0], "{oops", works[1], '"text"', works[2]])
    c = read_corpus(path, skip_bad_records=True)
    assert c.works["work_id"].tolist() == ["W1", "W2", "W3"]
    assert [(b.line, b.message.split(" (")[0]) for b in c.bad_records] == [
        (2, "not valid JSON"),
        (4, "expected an OpenAlex Work object, found text"),
    ]
    assert c.counts["bad_records_skipped"] == 2


def test_missing_paths_and_empty_folders_are_errors(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        read_corpus(tmp_path / "nope.jsonl")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="folder holds no files"):
        read_corpus(tmp_path / "empty")


def test_reads_the_real_record_shape_without_affiliations_field(tmp_path):
    # Older records have raw_affiliation_strings but no `affiliations` list.
    a = authorship("A1", "Ann", [ERASMUS])
    del a["affiliations"]
    w = work("W1", 2010, [a])
    c = read_corpus(write_jsonl(tmp_path / "w.jsonl", [json.loads(json.dumps(w))]))
    assert c.authorships.loc[0, "raw_affiliation"] == "Erasmus MC, Somewhere"
