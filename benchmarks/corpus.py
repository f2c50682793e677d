"""Seeded synthetic corpora shaped like OpenAlex co-authorship data, for benchmarks."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["synthetic_corpus", "parse_size"]


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
