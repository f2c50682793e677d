"""Seeded synthetic corpora shaped like OpenAlex co-authorship data, for benchmarks."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["synthetic_corpus", "with_consortium_works", "parse_size", "write_openalex_jsonl"]


def parse_size(text: str) -> int:
    """``"10k"`` -> 10000, ``"1.5m"`` -> 1500000, ``"2500"`` -> 2500.

    Examples
    --------
    >>> parse_size("100k"), parse_size("2500")
    (100000, 2500)
    """
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def synthetic_corpus(
    n_works: int, *, seed: int = 0, hyper_share: float = 0.001
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(authorships, works)`` tables for `n_works` synthetic works.

    Shaped after published co-authorship statistics (Newman 2001; OpenAlex): heavy
    tails where real data has them, and an institution count that grows with the corpus.

    - **Team size**: ``1 + Poisson(lognormal(1.0, 0.9))`` distinct authors: median 4,
      ~85% of works with 1–10 authors, ~2% with more than 20.
    - **Hyperauthored works** (share `hyper_share`, 0.1%): 100–3,000 authors. They come
      from a few standing consortia (``sqrt(n_works / 1000)`` of them, roster sizes
      Pareto(1.5) from 100, capped at 3,000) and each such work lists 80–100% of its
      consortium's roster, as ATLAS- or CMS-style papers do. Drawing them from the whole
      author pool instead would make every one a fresh clique of up to 4.5M author
      pairs, which real data does not have.
    - **Productivity**: author weight ``rank**-0.9`` (Zipf-like; most authors write one
      or two works, a few hundreds); ``3 * n_works`` authors.
    - **Institutions**: ``n_works / 10`` of them (1,000 at 10k works, 50,000 at 500k: a
      500k-work OpenAlex slice touches tens of thousands), sizes Zipf (``rank**-1``).
      Each author has a home institution; 30% also have a second one, named on 40%
      of their authorships; 2% of rows name a random third, 3% none (OpenAlex matched
      nothing). So authors belong to 1–3 institutions and the institution graph stays
      sparse instead of near-complete.
    - About 5% of institutions are Dutch and 20% in mainland China, 3% of those
      police-linked. Years run 2000–2024, growing over time.

    Examples
    --------
    >>> a, w = synthetic_corpus(100, seed=1)
    >>> len(w), set(a["work_id"]) <= set(w["work_id"])
    (100, True)
    """
    rng = np.random.default_rng(seed)
    n_authors = max(50, int(n_works * 3))
    n_inst = max(100, n_works // 10)

    # Ordinary works: authors drawn by productivity.
    sizes = 1 + rng.poisson(np.exp(rng.normal(1.0, 0.9, n_works)))
    sizes = np.minimum(sizes, 99)
    hyper = rng.random(n_works) < hyper_share
    sizes[hyper] = 0
    ranks = np.arange(1, n_authors + 1, dtype=float)
    p_author = ranks**-0.9
    p_author /= p_author.sum()
    work_idx = np.repeat(np.arange(n_works), sizes)
    author_idx = rng.choice(n_authors, size=work_idx.size, p=p_author)

    # Hyperauthored works: most of a consortium's roster.
    hyper_works = np.flatnonzero(hyper)
    if hyper_works.size:
        n_cons = max(1, round((n_works / 1000) ** 0.5))
        roster_size = np.minimum(100 * (1 + rng.pareto(1.5, n_cons)), 3000).astype(int)
        roster_size = np.minimum(roster_size, n_authors)
        rosters = [rng.choice(n_authors, size=r, replace=False) for r in roster_size]
        cons_of = rng.integers(0, n_cons, hyper_works.size)
        w_parts, a_parts = [work_idx], [author_idx]
        for wk, c in zip(hyper_works.tolist(), cons_of.tolist(), strict=True):
            roster = rosters[c]
            members = roster[rng.random(roster.size) < rng.uniform(0.8, 1.0)]
            w_parts.append(np.full(members.size, wk))
            a_parts.append(members)
        work_idx = np.concatenate(w_parts)
        author_idx = np.concatenate(a_parts)

    inst_rank = np.arange(1, n_inst + 1, dtype=float)
    p_inst = inst_rank**-1.0
    p_inst /= p_inst.sum()
    home = rng.choice(n_inst, size=n_authors, p=p_inst)
    second = np.where(
        rng.random(n_authors) < 0.3, rng.choice(n_inst, size=n_authors, p=p_inst), home
    )
    inst_idx = np.where(rng.random(work_idx.size) < 0.4, second[author_idx], home[author_idx])
    other = rng.random(work_idx.size) < 0.02
    inst_idx[other] = rng.choice(n_inst, size=other.sum(), p=p_inst)

    u = rng.random(n_inst)
    country = np.where(u < 0.05, "NL", np.where(u < 0.25, "CN", "US"))
    country[(u >= 0.25) & (u < 0.45)] = "DE"
    category = np.where(country == "NL", "nl", np.where(country == "CN", "cn_other", "other"))
    police = (country == "CN") & (rng.random(n_inst) < 0.03)
    category[police] = "cn_police"

    inst_ids = np.array([f"I{i}" for i in range(n_inst)], dtype=object)
    author_ids = np.array([f"A{i}" for i in range(n_authors)], dtype=object)
    work_ids = np.array([f"W{i}" for i in range(n_works)], dtype=object)
    authorships = pd.DataFrame(
        {
            "work_id": work_ids[work_idx],
            "author_id": author_ids[author_idx],
            "author_name": author_ids[author_idx],
            "institution_id": inst_ids[inst_idx],
            "institution_name": inst_ids[inst_idx],
            "country_code": country[inst_idx],
            "category": category[inst_idx],
        }
    ).drop_duplicates(["work_id", "author_id"], ignore_index=True)
    missing = rng.random(len(authorships)) < 0.03
    authorships.loc[missing, ["institution_id", "institution_name", "category"]] = None
    authorships["author_position"] = "middle"

    years = 2000 + np.floor(25 * rng.random(n_works) ** 0.6).astype(int)
    works = pd.DataFrame(
        {
            "work_id": work_ids,
            "doi": [f"https://doi.org/10.5555/{i}" for i in range(n_works)],
            "title": [f"Synthetic work {i}" for i in range(n_works)],
            "publication_year": years,
            "type": "article",
            "is_retracted": False,
            "cited_by_count": rng.zipf(2.0, n_works),
        }
    )
    return authorships, works


def with_consortium_works(
    authorships: pd.DataFrame,
    works: pd.DataFrame,
    *,
    n: int = 3,
    size: int = 3_000,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The corpus of :func:`synthetic_corpus` plus `n` works of `size` authors each.

    Each added work lists `size` authors drawn afresh from the corpus's authors, each with
    one of their institutions: a GBD- or GWAS-style consortium paper (about 4.5 million
    author pairs and, across a 10k-work corpus's 1,000 institutions, a near-complete
    institution clique). The works are ``W900000000``, ``W900000001``, ... (year 2020).

    Examples
    --------
    >>> a, w = synthetic_corpus(200, seed=1)
    >>> a2, w2 = with_consortium_works(a, w, n=2, size=50)
    >>> len(w2) - len(w), len(a2) - len(a), int((a2["work_id"] == "W900000001").sum())
    (2, 100, 50)
    """
    rng = np.random.default_rng(seed)
    people = authorships.drop_duplicates("author_id")
    rows, new = [], []
    for k in range(n):
        pick = people.iloc[rng.choice(len(people), size=min(size, len(people)), replace=False)]
        wid = f"W{900_000_000 + k}"
        rows.append(pick.assign(work_id=wid))
        new.append(
            {
                "work_id": wid,
                "doi": f"https://doi.org/10.5555/consortium.{k}",
                "title": f"Synthetic consortium work {k}",
                "publication_year": 2020,
                "type": "article",
                "is_retracted": False,
                "cited_by_count": 100,
            }
        )
    return (
        pd.concat([authorships, *rows], ignore_index=True),
        pd.concat([works, pd.DataFrame(new)], ignore_index=True),
    )


# --- OpenAlex Work JSON Lines ---------------------------------------------------------------

try:  # orjson encodes several times faster; json is the fallback.
    import orjson

    def _dumps(value) -> str:
        return orjson.dumps(value).decode()

except ImportError:  # pragma: no cover - collabnet itself depends on orjson
    import json

    def _dumps(value) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_OPENALEX = "https://openalex.org/"
_COUNTRY_NAMES = {"NL": "Netherlands", "CN": "China", "US": "USA", "DE": "Germany"}

_WORK = (
    '{"id":%s,"doi":%s,"title":%s,"display_name":%s,"publication_year":%s,"type":%s,'
    '"is_retracted":%s,"cited_by_count":%s,"corresponding_author_ids":[],"funders":[],'
    '"authorships":['
)
# what comes before (the work's opening or a comma), the authorship, what comes after
_AUTHORSHIP = (
    '%s{"author_position":%s,"author":{"id":%s,"display_name":%s,"orcid":null},'
    '"institutions":[%s],"countries":[%s],"raw_affiliation_strings":[%s],'
    '"affiliations":[%s],"is_corresponding":%s,"raw_author_name":%s}%s'
)
_AFFILIATION = '{"raw_affiliation_string":%s,"institution_ids":[%s]}'


def _encoded(values, transform=None, *, bare: bool = False) -> np.ndarray:
    """JSON text of each value, ``null`` when missing; each distinct value is encoded once.

    `transform` maps a value before encoding (an id to its URL). With `bare`, strings come
    escaped but without their quotes, and a missing value as ``""``, to splice into others.
    """
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    encoded = [_dumps(transform(v) if transform else v) for v in uniques.tolist()]
    if bare:
        table = np.array([e[1:-1] for e in encoded] + [""], dtype=object)
    else:
        table = np.array(encoded + ["null"], dtype=object)
    return table[codes]  # the sentinel -1 picks the last entry


def _flags(values) -> np.ndarray:
    """``true``/``false`` for each value (missing is false)."""
    truth = pd.Series(values, dtype=object).fillna(False).astype(bool).to_numpy()
    return np.where(truth, "true", "false").astype(object)


def _url(letter: str):
    """Id -> OpenAlex URL: ``"W12"`` -> ``"https://openalex.org/W12"``; URLs stay as they are.

    A bare id that does not start with the entity's letter gets it (``"12"`` ->
    ``".../W12"``), so that collabnet's reader takes it for that entity.
    """

    def url(value: str) -> str:
        if value.startswith(("https://", "http://")):
            return value
        return _OPENALEX + (value if value.startswith(letter) else letter + value)

    return url


def _synthetic_ror(index: int) -> str:
    """A ROR-shaped id (``0``, six characters, two digits) that no real organisation has.

    Real ROR ids never contain ``u``; these all start with ``0u``.
    """
    digits = "0123456789abcdefghjkmnpqrstvwxyz"
    body = ""
    rest = index
    for _ in range(5):
        rest, r = divmod(rest, 32)
        body = digits[r] + body
    return f"0u{body}{index % 100:02d}"


def _column(df: pd.DataFrame, name: str, default=None) -> np.ndarray:
    if name in df.columns:
        return df[name].to_numpy(dtype=object)
    return np.full(len(df), default, dtype=object)


def _institutions(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per institution, from its first authorship row: JSON pieces for the writer.

    ``object`` is the institution's JSON object, ``url`` its quoted id URL, ``name`` its
    JSON-escaped name without quotes (to splice into raw affiliation strings).
    """
    first = rows.dropna(subset=["institution_id"]).drop_duplicates("institution_id")
    to_url = _url("I")
    urls = [to_url(v) for v in first["institution_id"].tolist()]
    names = first["institution_name"].fillna(first["institution_id"]).astype(str).tolist()
    if "ror" in first.columns:
        rors = first["ror"].tolist()
    else:
        rors = [f"https://ror.org/{_synthetic_ror(i)}" for i in range(len(first))]
    if "institution_type" in first.columns:
        types = first["institution_type"].tolist()
    elif "category" in first.columns:
        types = np.where(first["category"] == "cn_police", "government", "education").tolist()
    else:
        types = ["education"] * len(first)
    ccs = first["country_code"].astype(object).where(first["country_code"].notna(), None)
    objects = [
        _dumps(
            {
                "id": url,
                "display_name": name,
                "ror": ror,
                "country_code": cc,
                "type": kind,
                "lineage": [url],
            }
        )
        for url, name, ror, cc, kind in zip(urls, names, rors, ccs.tolist(), types, strict=True)
    ]
    return pd.DataFrame(
        {
            "object": objects,
            "url": [_dumps(u) for u in urls],
            "name": [_dumps(n)[1:-1] for n in names],
        },
        index=pd.Index(first["institution_id"].to_numpy(dtype=object)),
    )


def write_openalex_jsonl(
    authorships: pd.DataFrame,
    works: pd.DataFrame,
    path: str | Path,
    *,
    chunk_rows: int = 100_000,
    compresslevel: int = 1,
) -> int:
    """Write the tables of :func:`synthetic_corpus` as OpenAlex Work JSON Lines.

    One Work object per line, in the order of ``works``, shaped like the records
    ``collabnet fetch`` harvests and ``collabnet build`` reads: ``id``, ``doi``, ``title`` and
    ``display_name`` (marked ``[synthetic]``, so collabnet labels the outputs
    ``synthetic-demo``), ``publication_year``, ``type``, ``is_retracted``,
    ``cited_by_count``, ``corresponding_author_ids``, ``funders`` and ``authorships``. Ids
    become OpenAlex URLs (``W12`` -> ``https://openalex.org/W12``, likewise ``A`` and ``I``).

    Each (work, author) pair is one authorship, in the order the pair first appears in
    ``authorships``, listing the institutions of all its rows; a row with a null
    ``institution_id`` adds none (``institutions: []`` when it is the pair's only row).
    ``author_position`` and ``is_corresponding`` come from the table when it has them
    (otherwise first/middle/last by order, and false). Institutions get ``lineage`` of
    themselves, a ``type`` and a ROR-shaped id that no real organisation has (unless the
    table has a ``ror`` column). The synthetic ``category`` is not written: collabnet
    classifies institutions itself.

    The tables hold no raw affiliation strings, so each institution of an authorship gets
    one, ``"Department d, Faculty f, <institution>, <country>"`` with ``d`` and ``f`` taken
    from the author, linked to it in ``affiliations``: about as many distinct strings as
    (author, institution) pairs, as in OpenAlex, where an author mostly keeps one wording.
    An authorship without institution whose row has a country gets the same string without
    institution, unlinked (``countries`` names that country).

    Written a chunk of about `chunk_rows` authorship rows at a time, each distinct value
    encoded once, so that 500k works take about a minute and memory stays near the size of
    the tables. Gzip-compressed (at `compresslevel`: fast by default) when `path` ends in
    ``.gz``. Returns the number of works written.

    Examples
    --------
    >>> import json, tempfile
    >>> a, w = synthetic_corpus(50, seed=1)
    >>> out = Path(tempfile.mkdtemp()) / "works.jsonl"
    >>> write_openalex_jsonl(a, w, out)
    50
    >>> rec = json.loads(out.read_text().splitlines()[0])
    >>> rec["id"], rec["title"].startswith("[synthetic] "), len(rec["authorships"]) > 0
    ('https://openalex.org/W0', True, True)
    """
    path = str(path)
    n_works = len(works)
    work_ids = pd.Index(works["work_id"].to_numpy(dtype=object))
    if not work_ids.is_unique:
        raise ValueError("the works table names a work_id twice")
    work_code = work_ids.get_indexer(authorships["work_id"].to_numpy(dtype=object))
    if (work_code < 0).any():
        raise ValueError("authorships name works that are not in the works table")
    # Rows sorted by work, then by (work, author) pair in order of first appearance.
    author_code, _ = pd.factorize(authorships["author_id"])
    span = np.int64(author_code.max() + 1 if len(author_code) else 1)
    pair_code, _ = pd.factorize(work_code.astype(np.int64) * span + author_code)
    order = np.lexsort((pair_code, work_code))
    rows = authorships.iloc[order].reset_index(drop=True)
    row_work, row_author, row_pair = work_code[order], author_code[order], pair_code[order]
    del work_code, author_code, pair_code, order

    insts = _institutions(rows)
    row_inst = insts.index.get_indexer(rows["institution_id"].to_numpy(dtype=object))
    # index -1 (no institution) picks the trailing empty piece
    inst = {col: np.append(insts[col].to_numpy(dtype=object), "") for col in insts.columns}
    del insts

    pair_start = np.flatnonzero(np.r_[True, row_pair[1:] != row_pair[:-1]])
    pair_size = np.diff(np.r_[pair_start, len(rows)])
    pair_work = row_work[pair_start]
    work_pairs = np.bincount(pair_work, minlength=n_works)
    row_end = np.cumsum(np.bincount(row_work, minlength=n_works))
    del row_work, row_pair

    # Chunks of whole works, each about `chunk_rows` rows long.
    cuts = np.searchsorted(row_end, np.arange(chunk_rows, len(rows), chunk_rows)) + 1
    bounds = np.unique(np.r_[0, cuts[cuts < n_works], n_works])

    gz = path.endswith(".gz")
    opener = gzip.open if gz else open
    options = {"compresslevel": compresslevel} if gz else {}
    with opener(path, "wt", encoding="utf-8", newline="\n", **options) as fh:
        for w0, w1 in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            r0, r1 = (int(row_end[w0 - 1]) if w0 else 0), int(row_end[w1 - 1])
            p0, p1 = np.searchsorted(pair_start, [r0, r1])
            fh.write(
                _chunk_text(
                    rows.iloc[r0:r1],
                    works.iloc[w0:w1],
                    row_author=row_author[r0:r1],
                    row_inst=row_inst[r0:r1],
                    pair_start=pair_start[p0:p1] - r0,
                    pair_size=pair_size[p0:p1],
                    pair_work=pair_work[p0:p1] - w0,
                    work_pairs=work_pairs[w0:w1],
                    inst=inst,
                )
            )
    return n_works


def _chunk_text(
    rows: pd.DataFrame,
    works: pd.DataFrame,
    *,
    row_author: np.ndarray,
    row_inst: np.ndarray,
    pair_start: np.ndarray,
    pair_size: np.ndarray,
    pair_work: np.ndarray,
    work_pairs: np.ndarray,
    inst: dict[str, np.ndarray],
) -> str:
    """The JSON Lines of one chunk of whole works (see :func:`write_openalex_jsonl`).

    Values are encoded a column at a time (each distinct value once), then spliced into
    templates; an empty string stands for an absent piece.
    """
    # -- per row: institution, country, raw affiliation string, affiliation -----------------
    cc = _column(rows, "country_code")
    has_cc = pd.notna(cc)
    cc_json = np.where(has_cc, _encoded(cc), "").astype(object)
    country = _encoded(cc, lambda c: _COUNTRY_NAMES.get(c, c), bare=True)
    obj = inst["object"][row_inst]
    url = inst["url"][row_inst]
    raw = np.array(
        [
            f'"Department {a % 97}, Faculty {a % 13}{", " + n if n else ""}{", " + c if c else ""}"'
            if n or c
            else ""
            for a, n, c in zip(
                row_author.tolist(), inst["name"][row_inst].tolist(), country.tolist(), strict=True
            )
        ],
        dtype=object,
    )
    aff = np.array(
        [
            _AFFILIATION % (r, u) if r else ""
            for r, u in zip(raw.tolist(), url.tolist(), strict=True)
        ],
        dtype=object,
    )

    # -- per authorship: the rows of one (work, author) pair --------------------------------
    first = pair_start
    obj_p, cc_p, raw_p, aff_p = obj[first], cc_json[first], raw[first], aff[first]
    for k in np.flatnonzero(pair_size > 1).tolist():
        span = range(first[k], first[k] + pair_size[k])

        def joined(pieces, span=span):
            return ",".join(dict.fromkeys(p for p in (pieces[i] for i in span) if p))

        obj_p[k], cc_p[k], raw_p[k], aff_p[k] = (
            joined(obj),
            joined(cc_json),
            joined(raw),
            joined(aff),
        )

    n_pairs = len(first)
    starts_work = np.r_[True, pair_work[1:] != pair_work[:-1]] if n_pairs else np.zeros(0, bool)
    ends_work = np.r_[pair_work[1:] != pair_work[:-1], True] if n_pairs else np.zeros(0, bool)
    if "author_position" in rows.columns:
        position = _encoded(rows["author_position"].to_numpy(dtype=object)[first])
    else:
        last = ends_work & ~starts_work
        position = np.where(starts_work, '"first"', np.where(last, '"last"', '"middle"')).astype(
            object
        )
    author_id = rows["author_id"].to_numpy(dtype=object)[first]
    names = _column(rows, "author_name")[first]
    name = _encoded(np.where(pd.isna(names), author_id, names))

    # -- per work: the record around its authorships ----------------------------------------
    titles = pd.Series(_column(works, "title"), dtype=object)
    titles = titles.fillna(pd.Series(works["work_id"].to_numpy(dtype=object))).astype(str)
    titles = titles.where(titles.str.startswith("[synthetic]"), "[synthetic] " + titles)
    title = _encoded(titles.to_numpy(dtype=object))
    head = np.array(
        [
            _WORK % t
            for t in zip(
                _encoded(works["work_id"], _url("W")).tolist(),
                _encoded(_column(works, "doi")).tolist(),
                title.tolist(),
                title.tolist(),
                _encoded(_column(works, "publication_year"), int).tolist(),
                _encoded(_column(works, "type")).tolist(),
                _flags(_column(works, "is_retracted", False)).tolist(),
                _encoded(_column(works, "cited_by_count"), int).tolist(),
                strict=True,
            )
        ],
        dtype=object,
    )

    # The first authorship of a work opens its record, the last closes it; a work without
    # authorships is a line of its own, put in its place.
    pieces = [
        _AUTHORSHIP % t
        for t in zip(
            np.where(starts_work, head[pair_work], ",").tolist(),
            position.tolist(),
            _encoded(author_id, _url("A")).tolist(),
            name.tolist(),
            obj_p.tolist(),
            cc_p.tolist(),
            raw_p.tolist(),
            aff_p.tolist(),
            _flags(_column(rows, "is_corresponding", False)[first]).tolist(),
            name.tolist(),
            np.where(ends_work, "]}\n", "").tolist(),
            strict=True,
        )
    ]
    empty = np.flatnonzero(work_pairs == 0)
    if empty.size:
        keys = np.r_[pair_work, empty]
        pieces += [h + "]}\n" for h in head[empty].tolist()]
        pieces = [pieces[i] for i in np.argsort(keys, kind="stable").tolist()]
    return "".join(pieces)
