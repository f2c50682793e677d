"""The deterministic synthetic demo corpus: OpenAlex Work JSON, clearly marked synthetic.

The corpus links real institutions (by name and ROR id) through invented works and invented
people, so the whole suite can run offline. Titles begin ``[synthetic]``, DOIs use the ``10.5555``
test prefix, work/author/institution OpenAlex ids sit in the ``99…`` range that real OpenAlex ids
do not use. None of it is evidence of anything.
"""

from __future__ import annotations

import gzip
import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "DEMO_SEED",
    "DemoInstitution",
    "DEMO_INSTITUTIONS",
    "generate_works",
    "write_demo_corpus",
]

DEMO_SEED = 20200605
OPENALEX = "https://openalex.org/"
ROR = "https://ror.org/"


@dataclass(frozen=True)
class DemoInstitution:
    """An institution of the demo world: real name and (where checked) real ROR id."""

    key: str
    name: str
    ror: str | None
    country: str | None
    type: str
    group: str  # nl, cn, police, military, security, bg, negative
    raw: tuple[str, ...]
    parent: str | None = None
    # "openalex": OpenAlex matched it; "raw": only a raw affiliation string (OpenAlex matched
    # nothing); "mixed": some of each. Real police labs are often unmatched in OpenAlex.
    matching: str = "openalex"
    size: int = 30
    openalex_as: str | None = None  # for raw-only labs: the parent OpenAlex sometimes matches
    oid: str = field(default="", compare=False)


_I = DemoInstitution
_INSTITUTIONS = [
    # --- Dutch institutions of the story (ROR ids from ROR's own records)
    _I(
        "erasmus_mc",
        "Erasmus MC",
        "018906e22",
        "NL",
        "healthcare",
        "nl",
        (
            "Department of Genetic Identification, Erasmus MC University Medical Center Rotterdam, "
            "Rotterdam, The Netherlands",
            "Erasmus MC, Rotterdam, the Netherlands",
        ),
        size=60,
    ),
    _I(
        "eur",
        "Erasmus University Rotterdam",
        "057w15z03",
        "NL",
        "education",
        "nl",
        ("Erasmus University Rotterdam, Rotterdam, The Netherlands",),
        size=25,
    ),
    _I(
        "leiden",
        "Leiden University",
        "027bh9e22",
        "NL",
        "education",
        "nl",
        ("Leiden University, Leiden, The Netherlands", "Universiteit Leiden, Leiden, Nederland"),
        size=45,
    ),
    _I(
        "lumc",
        "Leiden University Medical Center",
        "05xvt9f17",
        "NL",
        "healthcare",
        "nl",
        (
            "Department of Human Genetics, Leiden University Medical Center, Leiden, The Netherlands",
            "Forensic Laboratory for DNA Research, LUMC, Leiden, the Netherlands",
        ),
        size=55,
    ),
    _I(
        "nfi",
        "Netherlands Forensic Institute",
        None,
        "NL",
        "government",
        "nl",
        (
            "Netherlands Forensic Institute, The Hague, The Netherlands",
            "Nederlands Forensisch Instituut, Den Haag",
        ),
        matching="mixed",
        size=20,
    ),
    _I(
        "utrecht",
        "Utrecht University",
        None,
        "NL",
        "education",
        "nl",
        ("Utrecht University, Utrecht, The Netherlands",),
        size=30,
    ),
    _I(
        "radboudumc",
        "Radboud University Medical Center",
        None,
        "NL",
        "healthcare",
        "nl",
        ("Radboud university medical center, Nijmegen, The Netherlands",),
        size=25,
    ),
    _I(
        "politieacademie",
        "Police Academy of the Netherlands",
        None,
        "NL",
        "education",
        "nl",
        ("Politieacademie, Apeldoorn, The Netherlands",),
        size=6,
    ),
    # --- Chinese universities and academies (cn_other)
    _I(
        "sysu",
        "Sun Yat-sen University",
        "0064kty71",
        "CN",
        "education",
        "cn",
        (
            "Faculty of Forensic Medicine, Zhongshan School of Medicine, Sun Yat-sen University, "
            "Guangzhou 510080, China",
        ),
        size=50,
    ),
    _I(
        "fudan",
        "Fudan University",
        "013q1eq08",
        "CN",
        "education",
        "cn",
        (
            "Institute of Forensic Science, Fudan University, Shanghai 200032, China",
            "School of Life Sciences, Fudan University, Shanghai, China",
        ),
        size=45,
    ),
    _I(
        "scu",
        "Sichuan University",
        "011ashp19",
        "CN",
        "education",
        "cn",
        (
            "West China School of Basic Medical Sciences & Forensic Medicine, Sichuan University, "
            "Chengdu 610041, China",
        ),
        size=40,
    ),
    _I(
        "wch",
        "West China Hospital of Sichuan University",
        "007mrxy13",
        "CN",
        "healthcare",
        "cn",
        ("West China Hospital, Sichuan University, Chengdu, China",),
        parent="scu",
        size=25,
    ),
    _I(
        "xjtu",
        "Xi'an Jiaotong University",
        "017zhmm22",
        "CN",
        "education",
        "cn",
        ("Xi'an Jiaotong University, Xi'an, Shaanxi, China",),
        size=35,
    ),
    _I(
        "cas",
        "Chinese Academy of Sciences",
        "034t30j35",
        "CN",
        "government",
        "cn",
        ("Chinese Academy of Sciences, Beijing, China",),
        size=20,
    ),
    _I(
        "big",
        "Beijing Institute of Genomics",
        "049gn7z52",
        "CN",
        "facility",
        "cn",
        (
            "CAS Key Laboratory of Genome Sciences and Information, Beijing Institute of Genomics, "
            "Chinese Academy of Sciences, Beijing 100101, China",
        ),
        parent="cas",
        size=30,
    ),
    _I(
        "afs",
        "Academy of Forensic Science",
        None,
        "CN",
        "government",
        "negative",
        (
            "Shanghai Key Laboratory of Forensic Medicine, Academy of Forensic Science, Ministry of "
            "Justice, Shanghai 200063, China",
        ),
        size=15,
    ),
    # --- PRC public security (police-linked)
    _I(
        "mps",
        "Ministry of Public Security of the People's Republic of China",
        "00bt9we26",
        "CN",
        "government",
        "police",
        ("Ministry of Public Security, Beijing, China",),
        size=8,
    ),
    _I(
        "mps_ifs",
        "Institute of Forensic Science, Ministry of Public Security",
        None,
        "CN",
        "government",
        "police",
        (
            "Key Laboratory of Forensic Genetics, Institute of Forensic Science, Ministry of Public "
            "Security, Beijing 100038, China",
            "National Engineering Laboratory for Forensic Science, Institute of Forensic Science, "
            "Ministry of Public Security, Beijing, China",
            "公安部物证鉴定中心, 北京 100038, 中国",
        ),
        matching="raw",
        size=35,
        openalex_as="mps",
    ),
    _I(
        "first_ri",
        "First Research Institute of the Ministry of Public Security",
        "01dkhme60",
        "CN",
        "government",
        "police",
        ("The First Research Institute of the Ministry of Public Security of PRC, Beijing, China",),
        parent="mps",
        size=15,
    ),
    _I(
        "ppsuc",
        "China People's Public Security University",
        "05twya590",
        "CN",
        "education",
        "police",
        ("People's Public Security University of China, Beijing 100038, China",),
        size=25,
    ),
    _I(
        "cipuc",
        "Criminal Investigation Police University of China",
        "04vnevw94",
        "CN",
        "education",
        "police",
        ("Criminal Investigation Police University of China, Shenyang, Liaoning, China",),
        size=20,
    ),
    _I(
        "npuc",
        "National Police University of China",
        "019p4xb90",
        "CN",
        "education",
        "police",
        ("National Police University of China, Shenyang 110854, China",),
        size=8,
    ),
    _I(
        "gd_psd",
        "Guangdong Provincial Public Security Department",
        None,
        "CN",
        "government",
        "police",
        (
            "Institute of Forensic Science, Guangdong Provincial Public Security Department, "
            "Guangzhou 510050, China",
            "广东省公安厅刑事技术中心, 广州",
        ),
        matching="raw",
        size=15,
    ),
    _I(
        "sh_psb",
        "Shanghai Municipal Public Security Bureau",
        None,
        "CN",
        "government",
        "police",
        (
            "Institute of Criminal Science and Technology, Shanghai Public Security Bureau, "
            "Shanghai 200083, China",
        ),
        matching="raw",
        size=10,
    ),
    # --- PRC military and state security (ASPI China Defence Universities Tracker entries)
    _I(
        "nudt",
        "National University of Defense Technology",
        None,
        "CN",
        "education",
        "military",
        ("College of Computer, National University of Defense Technology, Changsha 410073, China",),
        size=20,
    ),
    _I(
        "amms",
        "Academy of Military Medical Sciences",
        None,
        "CN",
        "government",
        "military",
        (
            "Beijing Institute of Radiation Medicine, Academy of Military Medical Sciences, Beijing, "
            "China",
        ),
        size=15,
    ),
    _I(
        "uir",
        "University of International Relations",
        None,
        "CN",
        "education",
        "security",
        ("University of International Relations, Beijing 100091, China",),
        size=6,
    ),
    # --- hard negatives: police elsewhere, forensic science that is not the MPS
    _I(
        "cpu_tw",
        "Central Police University",
        None,
        "TW",
        "education",
        "negative",
        ("Department of Forensic Science, Central Police University, Taoyuan, Taiwan",),
        size=10,
    ),
    _I(
        "vn_mps",
        "People's Police Academy",
        None,
        "VN",
        "education",
        "negative",
        ("People's Police Academy, Ministry of Public Security, Hanoi, Vietnam",),
        size=6,
    ),
    _I(
        "hku",
        "The University of Hong Kong",
        None,
        "HK",
        "education",
        "negative",
        ("Department of Pathology, The University of Hong Kong, Hong Kong SAR",),
        size=15,
    ),
    # --- background (synthetic institutions elsewhere)
    _I(
        "bg_us",
        "Northfield Institute of Technology (synthetic)",
        None,
        "US",
        "education",
        "bg",
        ("Northfield Institute of Technology, Northfield, USA",),
        size=40,
    ),
    _I(
        "bg_gb",
        "Kingsbridge University (synthetic)",
        None,
        "GB",
        "education",
        "bg",
        ("Kingsbridge University, Kingsbridge, United Kingdom",),
        size=35,
    ),
    _I(
        "bg_de",
        "Hochschule Waldstadt (synthetic)",
        None,
        "DE",
        "education",
        "bg",
        ("Hochschule Waldstadt, Waldstadt, Germany",),
        size=30,
    ),
    _I(
        "bg_fr",
        "Institut Rivebelle (synthetic)",
        None,
        "FR",
        "facility",
        "bg",
        ("Institut Rivebelle, Rivebelle, France",),
        size=20,
    ),
    _I(
        "bg_jp",
        "Minato Medical College (synthetic)",
        None,
        "JP",
        "education",
        "bg",
        ("Minato Medical College, Tokyo, Japan",),
        size=25,
    ),
    _I(
        "bg_au",
        "Southern Cross Research Institute (synthetic)",
        None,
        "AU",
        "facility",
        "bg",
        ("Southern Cross Research Institute, Perth, Australia",),
        size=20,
    ),
    _I(
        "bg_nocc",
        "Open Genomics Consortium (synthetic)",
        None,
        None,
        "other",
        "bg",
        ("Open Genomics Consortium",),
        size=15,
    ),
]
DEMO_INSTITUTIONS: tuple[DemoInstitution, ...] = tuple(
    DemoInstitution(**{**inst.__dict__, "oid": f"I99{i + 1:08d}"})
    for i, inst in enumerate(_INSTITUTIONS)
)
_BY_KEY = {inst.key: inst for inst in DEMO_INSTITUTIONS}

# Collaboration patterns: (weight, groups drawn from, years) — the demo's story is that
# Dutch–police-linked co-authorship rises around 2012–2019 and nearly stops after 2020.
_PATTERNS = [
    (24, ("nl",), None),
    (20, ("cn",), None),
    (9, ("police",), None),
    (10, ("cn", "police"), None),
    (10, ("nl", "cn"), None),
    (4, ("nl", "cn", "police"), (2011, 2020)),
    (2, ("nl", "police"), (2012, 2019)),
    (10, ("bg",), None),
    (6, ("nl", "bg"), None),
    (3, ("cn", "bg"), None),
    (3, ("military", "cn"), None),
    (1, ("security", "cn"), None),
    (3, ("negative", "cn"), None),
    (2, ("negative", "nl"), None),
]

_GIVEN = {
    "NL": [
        "Anna",
        "Pieter",
        "Sanne",
        "Joost",
        "Zoë",
        "Maarten",
        "Eline",
        "Ruud",
        "Fleur",
        "Bram",
        "Ingrid",
        "Sjoerd",
        "Thijs",
        "Lotte",
        "Daan",
        "Noëlle",
        "Kees",
        "Marieke",
    ],
    "CN": [
        "Wei",
        "Jing",
        "Li",
        "Hao",
        "Yan",
        "Xin",
        "Min",
        "Jun",
        "Lei",
        "Ying",
        "Qiang",
        "Fang",
        "Tao",
        "Hui",
        "Yue",
        "Zhen",
        "Xiaoming",
        "Lü",
    ],
    "other": [
        "James",
        "Sophie",
        "Lukas",
        "Amélie",
        "Kenji",
        "Olivia",
        "Søren",
        "José",
        "Mia",
        "Noah",
        "Chloé",
        "Björn",
        "Aiko",
        "Liam",
        "Nguyễn",
    ],
}
_FAMILY = {
    "NL": [
        "de Vries",
        "van Dijk",
        "Bakker",
        "Jansen",
        "Visser",
        "Smit",
        "Meijer",
        "de Boer",
        "Mulder",
        "van den Berg",
        "Dekker",
        "Brouwer",
        "Kuijpers",
        "van 't Hof",
        "Groenewoud",
    ],
    "CN": [
        "Zhang",
        "Wang",
        "Li",
        "Liu",
        "Chen",
        "Yang",
        "Huang",
        "Zhao",
        "Wu",
        "Zhou",
        "Xu",
        "Sun",
        "Ma",
        "Zhu",
        "Hu",
        "Guo",
        "Lü",
        "Ouyang",
    ],
    "other": [
        "Smith",
        "Müller",
        "Dubois",
        "Tanaka",
        "Brown",
        "García",
        "Nielsen",
        "Rossi",
        "Kowalski",
        "O'Brien",
        "Andersson",
        "Suzuki",
        "Tran",
    ],
}
_TOPICS = [
    "forensic DNA phenotyping",
    "Y-chromosome STR haplotypes",
    "ancestry inference from SNP panels",
    "face recognition under occlusion",
    "kinship analysis with massively parallel sequencing",
    "age estimation from DNA methylation",
    "eye and hair colour prediction",
    "population genetic structure",
    "mitochondrial DNA control-region variation",
    "3D facial morphology and genotype",
    "microhaplotype markers",
    "speaker identification",
    "gait recognition from video",
    "rapid DNA instruments",
    "body fluid identification by mRNA",
]
_FORMS = [
    "A study of {t}",
    "{T}: a validation study",
    "Evaluation of {t} in a reference sample",
    "Towards practical {t}",
    "{T} revisited",
    "A new panel for {t}",
    "{T} in forensic casework",
    "Benchmarking methods for {t}",
]


def _name(rng: random.Random, country: str | None) -> tuple[str, str]:
    pool = country if country in ("NL", "CN") else "other"
    given, family = rng.choice(_GIVEN[pool]), rng.choice(_FAMILY[pool])
    if pool == "CN":
        return (
            f"{given} {family}",
            f"{family} {given}" if rng.random() < 0.3 else f"{given} {family}",
        )
    return f"{given} {family}", f"{family}, {given}" if rng.random() < 0.2 else f"{given} {family}"


def _institution_json(inst: DemoInstitution) -> dict:
    lineage = [OPENALEX + inst.oid]
    if inst.parent:
        lineage.append(OPENALEX + _BY_KEY[inst.parent].oid)
    return {
        "id": OPENALEX + inst.oid,
        "display_name": inst.name,
        "ror": ROR + inst.ror if inst.ror else None,
        "country_code": inst.country,
        "type": inst.type,
        "lineage": lineage,
    }


@dataclass
class _Author:
    aid: str
    name: str
    raw_name: str
    home: DemoInstitution
    second: DemoInstitution | None
    weight: float


def _make_authors(rng: random.Random) -> tuple[dict[str, list[_Author]], list[_Author]]:
    pools: dict[str, list[_Author]] = {}
    everyone: list[_Author] = []
    n = 0
    for inst in DEMO_INSTITUTIONS:
        pools[inst.key] = []
        for _ in range(inst.size):
            n += 1
            name, raw = _name(rng, inst.country)
            # heavy-tailed productivity (Lotka-like)
            weight = 1.0 / (rng.random() ** 0.8 + 0.02)
            author = _Author(f"A99{n:08d}", name, raw, inst, None, weight)
            pools[inst.key].append(author)
            everyone.append(author)
    # Brokers: a few people hold two affiliations across groups (visiting researchers).
    pairs = [
        ("lumc", "mps_ifs"),
        ("erasmus_mc", "sysu"),
        ("leiden", "big"),
        ("lumc", "fudan"),
        ("sysu", "gd_psd"),
        ("ppsuc", "xjtu"),
        ("nfi", "cpu_tw"),
        ("erasmus_mc", "ppsuc"),
    ]
    for home, second in pairs:
        author = max(pools[home], key=lambda a: a.weight)  # the most productive one
        for candidate in sorted(pools[home], key=lambda a: -a.weight):
            if candidate.second is None:
                author = candidate
                break
        author.second = _BY_KEY[second]
        pools[second].append(author)
    return pools, everyone


def _team_size(rng: random.Random) -> int:
    # lognormal team sizes: median about 5, a long tail
    return max(1, min(40, int(round(math.exp(rng.gauss(1.55, 0.55))))))


def _pick(rng: random.Random, pool: list[_Author], k: int) -> list[_Author]:
    chosen: list[_Author] = []
    weights = [a.weight for a in pool]
    while len(chosen) < min(k, len(pool)):
        a = rng.choices(pool, weights=weights)[0]
        if a not in chosen:
            chosen.append(a)
    return chosen


def _authorship(
    rng: random.Random,
    author: _Author,
    inst: DemoInstitution,
    position: str,
    corresponding: bool,
    unmatched_rate: float,
) -> dict:
    insts = [inst]
    if author.second is not None and inst is author.home and rng.random() < 0.6:
        insts.append(author.second)
    institutions, raws, affiliations, countries = [], [], [], []
    for i in insts:
        raw = rng.choice(i.raw)
        raws.append(raw)
        unmatched = i.matching == "raw" or (i.matching == "mixed" and rng.random() < 0.5)
        if not unmatched and rng.random() < unmatched_rate:
            unmatched = True
        if unmatched:
            # OpenAlex sometimes maps an unmatched police lab to its ministry
            if i.openalex_as and rng.random() < 0.3:
                parent = _BY_KEY[i.openalex_as]
                institutions.append(_institution_json(parent))
                affiliations.append(
                    {"raw_affiliation_string": raw, "institution_ids": [OPENALEX + parent.oid]}
                )
                countries.append(parent.country)
            else:
                affiliations.append({"raw_affiliation_string": raw, "institution_ids": []})
        else:
            institutions.append(_institution_json(i))
            affiliations.append(
                {"raw_affiliation_string": raw, "institution_ids": [OPENALEX + i.oid]}
            )
            if i.country:
                countries.append(i.country)
    return {
        "author_position": position,
        "author": {"id": OPENALEX + author.aid, "display_name": author.name, "orcid": None},
        "institutions": institutions,
        "countries": sorted(set(countries)),
        "is_corresponding": corresponding,
        "raw_author_name": author.raw_name,
        "raw_affiliation_strings": raws,
        "affiliations": affiliations,
    }


def _work(
    n: int,
    year: int,
    title: str,
    authorships: list[dict],
    *,
    retracted=False,
    truncated=False,
    doi_n: int | None = None,
    cited: int = 0,
) -> dict:
    wid = f"W99{n:08d}"
    doi = f"https://doi.org/10.5555/collabnet.demo.{doi_n if doi_n is not None else n:05d}"
    insts = {i["id"] for a in authorships for i in a["institutions"]}
    countries = {c for a in authorships for c in a["countries"]}
    return {
        "id": OPENALEX + wid,
        "doi": doi,
        "title": title,
        "display_name": title,
        "publication_year": year,
        "publication_date": f"{year}-{(n % 12) + 1:02d}-{(n % 27) + 1:02d}",
        "ids": {"openalex": OPENALEX + wid, "doi": doi},
        "language": "en",
        "type": "article",
        "authorships": authorships,
        "countries_distinct_count": len(countries),
        "institutions_distinct_count": len(insts),
        "corresponding_author_ids": [
            a["author"]["id"] for a in authorships if a["is_corresponding"]
        ],
        "cited_by_count": cited,
        "is_retracted": retracted,
        "is_paratext": False,
        "is_authors_truncated": truncated,
        "funders": [],
        "updated_date": "2026-01-01T00:00:00.000000",
        "created_date": f"{year}-12-31T00:00:00.000000",
    }


def _title(rng: random.Random) -> str:
    topic = rng.choice(_TOPICS)
    form = rng.choice(_FORMS)
    return "[synthetic] " + form.format(t=topic, T=topic[0].upper() + topic[1:])


def _authorships_for(rng, pools, groups, k, unmatched_rate=0.04):
    insts: list[DemoInstitution] = []
    for g in groups:
        candidates = [i for i in DEMO_INSTITUTIONS if i.group == g]
        n_inst = 1 + (rng.random() < 0.35)
        for _ in range(n_inst):
            inst = rng.choices(candidates, weights=[i.size for i in candidates])[0]
            if inst not in insts:
                insts.append(inst)
    k = max(k, len(insts))
    per = [1] * len(insts)
    for _ in range(k - len(insts)):
        per[rng.randrange(len(insts))] += 1
    people: list[tuple[_Author, DemoInstitution]] = []
    for inst, count in zip(insts, per, strict=True):
        for author in _pick(rng, pools[inst.key], count):
            if all(author is not p for p, _ in people):
                people.append((author, inst))
    rng.shuffle(people)
    out = []
    for j, (author, inst) in enumerate(people):
        position = "first" if j == 0 else "last" if j == len(people) - 1 else "middle"
        out.append(_authorship(rng, author, inst, position, j == 0, unmatched_rate))
    return out


def generate_works(n_works: int = 3200, *, seed: int = DEMO_SEED) -> list[dict]:
    """Return the demo corpus as a list of OpenAlex Work dicts (deterministic for a seed).

    Besides ``n_works`` ordinary works it adds the messy cases real harvests have: a
    67-author consortium paper, a work whose author list is cut at 100 with
    ``is_authors_truncated: true``, retracted works, a title carrying HTML markup, an exact
    duplicate record and a second OpenAlex id for an existing DOI.

    Examples
    --------
    >>> works = generate_works(50, seed=1)
    >>> works[0]["title"].startswith("[synthetic]")
    True
    >>> generate_works(50, seed=1) == works
    True
    """
    rng = random.Random(seed)
    pools, everyone = _make_authors(rng)
    weights = [w for w, _, _ in _PATTERNS]
    works: list[dict] = []
    n = 0
    while len(works) < n_works:
        _, groups, span = rng.choices(_PATTERNS, weights=weights)[0]
        lo, hi = span or (2008, 2024)
        # growth: later years have more works
        year = min(hi, int(lo + (hi - lo + 1) * (rng.random() ** 0.7)))
        k = _team_size(rng)
        if k == 1 and len(groups) > 1:
            k = len(groups)
        authorships = _authorships_for(rng, pools, groups, k)
        n += 1
        retracted = "police" in groups and "nl" in groups and rng.random() < 0.12
        works.append(
            _work(
                n,
                year,
                _title(rng),
                authorships,
                retracted=retracted,
                cited=int(rng.paretovariate(1.3)) - 1,
            )
        )
    # A consortium paper with 67 authors across groups.
    n += 1
    big = []
    for g in ("nl", "cn", "bg", "bg", "nl", "cn"):
        big += _authorships_for(rng, pools, (g,), 12)
    seen, consortium = set(), []
    for a in big:
        if a["author"]["id"] not in seen:
            seen.add(a["author"]["id"])
            consortium.append(a)
    consortium = consortium[:67]
    works.append(
        _work(
            n,
            2019,
            "[synthetic] A 67-author consortium study of forensic genomics",
            consortium,
            cited=140,
        )
    )
    # A work cut at 100 authors by a list response (130 in full, which the demo cannot re-fetch).
    n += 1
    many = [a for a in everyone if a.home.group in ("nl", "bg", "cn")]
    rng.shuffle(many)
    cut = []
    for j, author in enumerate(many[:100]):
        position = "first" if j == 0 else "middle"
        cut.append(_authorship(rng, author, author.home, position, j == 0, 0.0))
    works.append(
        _work(
            n,
            2021,
            "[synthetic] Large-scale genotype imputation reference panel",
            cut,
            truncated=True,
            cited=35,
        )
    )
    # A title that carries markup: rendered outputs must show it as text.
    n += 1
    works.append(
        _work(
            n,
            2018,
            "[synthetic] Markup in a title is data <img src=x onerror=alert(1)> & must stay text",
            _authorships_for(rng, pools, ("nl", "cn"), 4),
        )
    )
    # An exact duplicate record (overlapping queries) and a second OpenAlex id for one DOI.
    works.append(json.loads(json.dumps(works[7])))
    twin = json.loads(json.dumps(works[11]))
    n += 1
    twin["id"] = twin["ids"]["openalex"] = f"{OPENALEX}W99{n:08d}"
    works.append(twin)
    return works


def write_demo_corpus(path: str | Path, n_works: int = 3200, *, seed: int = DEMO_SEED) -> Path:
    """Write the demo corpus as gzip JSON Lines, byte-for-byte reproducible for a seed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(
        json.dumps(w, ensure_ascii=False, separators=(",", ":")) + "\n"
        for w in generate_works(n_works, seed=seed)
    ).encode("utf-8")
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(lines)
    return path
