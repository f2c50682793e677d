"""Sourced watchlist registry and the rules that put institutions and affiliations in categories."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from . import config
from .dating import DatedLabel, Designation, Period, first_day, label_for, last_day, timeline
from .errors import InputError

__all__ = [
    "Classification",
    "Entry",
    "Registry",
    "Overrides",
    "load_registry",
    "load_overrides",
    "classify_tables",
    "normalize_text",
    "REVIEW_COLUMNS",
    "openalex_id_report",
    "label_in_year",
    "names_a_unit",
]

ROR_RE = re.compile(r"^0[a-z0-9]{6}[0-9]{2}$")
OPENALEX_RE = re.compile(r"^I\d+$")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NON_CJK_RE = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff0-9]+")

#: Confidence of each kind of evidence (an entry's own ``confidence`` caps it).
CONFIDENCE = {
    "identifier": 1.0,
    "lineage": 0.95,
    "exact": 0.95,
    "contained": 0.9,
    "parts": 0.9,
    "country": 0.5,
    "none": 0.0,
}

#: Columns of the review table returned by :func:`classify_tables`.
REVIEW_COLUMNS = [
    "kind",
    "key",
    "text",
    "country_code",
    "category",
    "rule",
    "entry",
    "entry_name",
    "confidence",
    "n_authorships",
    "flag",
    "source",
]

_ENTRY_KEYS = {
    "id", "name", "name_zh", "aliases", "acronyms", "ror", "ror_withdrawn", "openalex", "country",
    "category", "supervising_body", "sources", "valid_from", "valid_to", "note", "parent",
    "negative", "needs_context", "weak_text", "text_confidence", "confidence", "match_all",
    "no_text_match", "allow_short_zh", "listings", "aspi_category", "periods", "ids_note",
}  # fmt: skip
_PERIOD_KEYS = {"category", "from", "to", "sources", "confidence", "note"}
_LISTING_KEYS = {"list", "from", "to", "citation", "source"}
_FILE_KEYS = {"last_reviewed", "entries", "source_default"}


# --- text normalisation -------------------------------------------------------------------


def normalize_text(text: str | None) -> str:
    """Latin-script form used for matching: lower case, no accents or punctuation, no "the".

    Apostrophes vanish (``People's`` -> ``peoples``, ``Xi'an`` -> ``xian``), other punctuation
    becomes a space, ``&`` becomes ``and`` and the forms of "P.R. China" become ``china``.

    Examples
    --------
    >>> normalize_text("The People's Public Security University of China, Beijing, P.R. China")
    'peoples public security university of china beijing china'
    >>> normalize_text("  Xi’an Jiaotong Univ. & Hospital ")
    'xian jiaotong univ and hospital'
    """
    if not text:
        return ""
    return _normalize(str(text))


@functools.lru_cache(maxsize=1 << 17)
def _normalize(text: str) -> str:
    # Cached: a corpus repeats its affiliation strings, and every string is matched
    # against the same registry phrases.
    s = text
    if not s.isascii():  # NFKD and accent stripping change nothing in ASCII
        s = unicodedata.normalize("NFKD", s)
        s = "".join(c for c in s if not unicodedata.combining(c))
        s = s.replace("đ", "d").replace("Đ", "D")
    s = s.lower()
    s = re.sub(r"['’`´‘]", "", s)
    s = s.replace("&", " and ")
    s = _CJK_RE.sub(" ", s)
    s = re.sub(r"[^a-z0-9+]+", " ", s)
    s = re.sub(r"\bp r (?=china\b)|\bpr (?=china\b)", "", s)
    tokens = [t for t in s.split() if t != "the"]
    return " ".join(tokens)


def _cjk_only(text: str | None) -> str:
    """The Chinese characters (and digits) of ``text``, without spaces or punctuation."""
    if not text or not _CJK_RE.search(text):
        return ""
    return _NON_CJK_RE.sub("", unicodedata.normalize("NFKC", text))


def _is_cjk(phrase: str) -> bool:
    return bool(_CJK_RE.search(phrase))


# --- context: is this string about the PRC? -----------------------------------------------

_PRC_PLACES = """
china chinese prc pla beijing tianjin shanghai chongqing hebei shanxi shaanxi liaoning jilin
heilongjiang jiangsu zhejiang anhui fujian jiangxi shandong henan hubei hunan guangdong guangxi
hainan sichuan guizhou yunnan tibet xizang gansu qinghai ningxia xinjiang guangzhou shenzhen
chengdu wuhan xian nanjing hangzhou shenyang harbin changchun dalian qingdao jinan zhengzhou
changsha kunming nanning fuzhou xiamen hefei nanchang taiyuan shijiazhuang lanzhou urumqi yinchuan
xining hohhot guiyang haikou lhasa suzhou wuxi ningbo dongguan foshan zhuhai langfang baoding
tangshan luoyang wenzhou yantai xuzhou changzhou nantong mianyang shantou zhanjiang tongji
""".split()
_PRC_PLACE_SET = frozenset(_PRC_PLACES)
_PRC_MULTI = ("inner mongolia", "nei mongol")
#: Places that are not mainland China: Taiwan, Hong Kong, Macao, Vietnam.
_FOREIGN_RE = re.compile(
    r"\b(?:taiwan|taipei|taoyuan|kaohsiung|taichung|tainan|hsinchu|keelung|chiayi|hualien|"
    r"roc|r o c|hong kong|hongkong|kowloon|macau|macao|vietnam|viet nam|hanoi|ha noi|"
    r"ho chi minh)\b|(?<!peoples )\brepublic of china\b"
)
_FOREIGN_ZH_RE = re.compile(r"台湾|台灣|臺灣|臺北|台北|桃園|高雄|香港|澳門|澳门|越南|國立")


def _has_foreign_context(norm: str, cjk: str) -> bool:
    return bool(_FOREIGN_RE.search(norm) or (cjk and _FOREIGN_ZH_RE.search(cjk)))


def _has_prc_context(norm: str, cjk: str) -> bool:
    if cjk:
        return True
    tokens = norm.split()
    if any(t in _PRC_PLACE_SET for t in tokens):
        return True
    return any(m in norm for m in _PRC_MULTI)


_PRC_ZH_RE = re.compile(
    "中国|中华人民共和国|北京|上海|天津|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|"
    "河南|湖北|湖南|广东|广西|海南|四川|贵州|云南|西藏|陕西|甘肃|青海|宁夏|新疆|内蒙古|广州|深圳|成都|"
    "武汉|西安|南京|杭州|沈阳|哈尔滨|长春|大连|青岛|济南|郑州|长沙|昆明|南宁|厦门|合肥|苏州|无锡"
)
_NL_RE = re.compile(r"\b(?:netherlands|nederland|holland)\b")
_UNIVERSITY_RE = re.compile(r"\b(?:university|universities|college)\b")


def _text_country(norm: str, cjk: str) -> str | None:
    """The country a string names, when it names mainland China or the Netherlands (else None)."""
    if _has_foreign_context(norm, cjk):
        return None
    cn = any(t in _PRC_PLACE_SET for t in norm.split()) or any(m in norm for m in _PRC_MULTI)
    cn = cn or bool(cjk and _PRC_ZH_RE.search(cjk))
    nl = bool(_NL_RE.search(norm))
    if cn and not nl:
        return "CN"
    if nl and not cn:
        return "NL"
    return None


def _self_contextual(phrase_norm: str) -> bool:
    """A phrase that itself says China (``... of China``, ``PLA ...``) needs no other context."""
    return any(t in _PRC_PLACE_SET for t in phrase_norm.split())


# --- patterns -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pattern:
    name: str
    category: str
    confidence: float
    latin: re.Pattern | None
    zh: re.Pattern | None
    source: str
    unless: re.Pattern | None = None  # Latin text that switches the pattern off
    unless_zh: re.Pattern | None = None


_PATTERN_NOTE = "; requires PRC context (place name, 'China', Chinese characters or country CN)"
_PATTERNS = (
    _Pattern(
        "public-security-bureau",
        "cn_police",
        0.85,
        re.compile(
            r"\bpublic security (?:sub |branch )?(?:bureau|bureaus|office|subbureau|detachment|"
            r"brigade)\b|\b(?:bureau|office) of public security\b"
        ),
        re.compile(
            r"公安局|公安厅|公安分局|公安处|派出所|公安司法鉴定|刑警(?:支队|大队|总队)|刑侦(?:支队|大队|总队|局)"
        ),
        "collabnet pattern 'public-security-bureau': PRC public security bureaus and departments "
        "(公安局, 公安厅, 刑警/刑侦 units)" + _PATTERN_NOTE,
    ),
    # "Department of Public Security" is also a teaching department of civilian universities
    _Pattern(
        "public-security-bureau",
        "cn_police",
        0.85,
        re.compile(
            r"\bpublic security (?:department|division|administration)\b|"
            r"\b(?:department|administration) of public security\b"
        ),
        None,
        "collabnet pattern 'public-security-bureau': PRC public security departments (公安厅)"
        + _PATTERN_NOTE,
        unless=re.compile(r"\b(?:university|college|school|faculty)\b"),
    ),
    _Pattern(
        "police-college",
        "cn_police",
        0.85,
        re.compile(
            r"\bpolice (?:officers? )?(?:college|academy|university|institute)\b|"
            r"\bpublic security (?:college|academy|university|institute|vocational college|"
            r"professional college)\b"
        ),
        re.compile(
            r"(?<!司法)(?:警察学院|警官学院|警察大学)|公安(?:高等)?专科学校|公安职业学院|公安学院"
        ),
        "collabnet pattern 'police-college': PRC police colleges "
        "(警察学院, 警官学院, 公安专科学校), "
        "run by provincial public security departments" + _PATTERN_NOTE,
        unless=re.compile(r"\b(?:armed police|judicial|correctional|prison)\b"),
        unless_zh=re.compile(r"武警|武装警察|司法警|大学公安学院"),
    ),
    _Pattern(
        "criminal-investigation-unit",
        "cn_police",
        0.8,
        re.compile(
            r"\bcriminal (?:police|investigation|science and technology|technology) "
            r"(?:detachment|brigade|corps|bureau|department|division|institute|center|centre)\b"
        ),
        None,
        "collabnet pattern 'criminal-investigation-unit': criminal police / criminal investigation "
        "units of PRC public security organs" + _PATTERN_NOTE,
        unless=re.compile(r"\b(?:university|college|school)\b"),
    ),
    _Pattern(
        "armed-police",
        "cn_military",
        0.8,
        re.compile(r"\barmed police\b"),
        re.compile(r"武警|武装警察"),
        "collabnet pattern 'armed-police': People's Armed Police units (filed as military, as ASPI "
        "does for PAP institutions)" + _PATTERN_NOTE,
    ),
    _Pattern(
        "pla",
        "cn_military",
        0.85,
        re.compile(
            r"\bpla\b|\bpeoples liberation army\b|"
            r"\bmilitary (?:medical university|medical college|region|command|district)\b"
        ),
        re.compile(r"解放军|\d{5}部队|军医大学|战区"),
        "collabnet pattern 'pla': People's Liberation Army units, hospitals and academies"
        + _PATTERN_NOTE,
    ),
    _Pattern(
        "state-security-bureau",
        "cn_state_security",
        0.8,
        re.compile(r"\bstate security (?:bureau|department)\b"),
        re.compile(r"国家安全(?:局|厅)"),
        "collabnet pattern 'state-security-bureau': PRC state security bureaus and departments"
        + _PATTERN_NOTE,
    ),
)
#: Words that make a string worth a second look when it was not labelled cn_police.
_POLICE_HINT_RE = re.compile(r"\b(?:police|public security|criminal investigation)\b")
_POLICE_HINT_ZH_RE = re.compile(r"公安|警察|警官|刑侦|刑警")


# --- registry -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One institution of the registry, as written in ``data/watchlist/*.yaml``."""

    id: str
    name: str
    country: str
    category: str
    sources: tuple[str, ...]
    name_zh: str | None = None
    aliases: tuple[str, ...] = ()
    acronyms: tuple[str, ...] = ()
    ror: tuple[str, ...] = ()
    ror_withdrawn: tuple[str, ...] = ()
    openalex: tuple[str, ...] = ()
    supervising_body: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    note: str | None = None
    parent: str | None = None
    negative: bool = False
    needs_context: bool = False
    weak_text: bool = False
    text_confidence: float | None = None
    confidence: float = 1.0
    match_all: tuple[tuple[str, ...], ...] = ()
    no_text_match: tuple[str, ...] = ()
    allow_short_zh: bool = False
    #: the YAML's ``listings``, dated and checked
    designations: tuple[Designation, ...] = ()
    aspi_category: str | None = None
    periods: tuple[Period, ...] = ()
    ids_note: str | None = None
    file: str = ""
    line: int | None = None

    @property
    def source(self) -> str:
        """The entry's sources, ``"; "``-joined."""
        return "; ".join(self.sources)

    @property
    def dated(self) -> bool:
        """Whether the entry's label depends on the date (periods or listings)."""
        return bool(self.periods or self.designations)

    def label_for(self, year: int | None) -> DatedLabel:
        """The entry's category, dates, designations and date flag for a work of `year`
        (:func:`collabnet.dating.label_for`); a period's sources come with the entry's own
        (what makes it that institution) after them."""
        d = label_for(self.category, self.periods, self.designations, year)
        if d.sources:
            d = replace(d, sources=d.sources + tuple(x for x in self.sources if x not in d.sources))
        return d

    def changes(self) -> str:
        """Its categories through time, e.g. ``"cn_police until 2018-04-15; cn_other from
        2018-04-16"`` ("" when it has always had one) (:func:`collabnet.dating.timeline`)."""
        return timeline(self.category, self.periods)

    def names(self) -> list[str]:
        """Every name the entry is known by: name, Chinese name, aliases and acronyms."""
        out = [self.name]
        if self.name_zh:
            out.append(self.name_zh)
        return out + list(self.aliases) + list(self.acronyms)


@dataclass(frozen=True)
class Classification:
    """The category of one institution or affiliation string, with the rule and source behind it.

    Examples
    --------
    >>> c = Classification("cn_other", None, None, "country:CN", "OpenAlex country_code CN", 0.5)
    >>> c.as_dict()["rule"]
    'country:CN'
    """

    category: str
    entry_id: str | None
    entry_name: str | None
    rule: str
    source: str | None
    confidence: float
    matched_text: str | None = None

    def as_dict(self) -> dict:
        """The fields as a plain dict (for JSON and DataFrames)."""
        return asdict(self)


@dataclass(frozen=True)
class _Candidate:
    category: str
    rule: str
    confidence: float
    matched: str
    length: int
    entry: Entry | None = None
    source: str | None = None

    def result(self) -> Classification:
        e = self.entry
        return Classification(
            category=self.category,
            entry_id=e.id if e else None,
            entry_name=e.name if e else None,
            rule=self.rule,
            source=e.source if e else self.source,
            confidence=round(self.confidence, 3),
            matched_text=self.matched,
        )


_NONE = Classification("other", None, None, "none", None, CONFIDENCE["none"])


def _fallback(country_code: str | None) -> Classification:
    cc = (country_code or "").strip().upper() if isinstance(country_code, str) else ""
    if cc == "CN":
        src = "country_code CN (mainland China; not TW, HK or MO)"
        return Classification("cn_other", None, None, "country:CN", src, CONFIDENCE["country"])
    if cc == "NL":
        src = "country_code NL"
        return Classification("nl", None, None, "country:NL", src, CONFIDENCE["country"])
    return _NONE


def _bare_ror(value) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    s = str(value).strip().lower()
    s = re.sub(r"^https?://(?:www\.)?ror\.org/", "", s).strip("/")
    return s or None


def _bare_openalex(value) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    s = str(value).strip()
    s = re.sub(r"^https?://(?:api\.)?openalex\.org/(?:institutions/)?", "", s, flags=re.I)
    s = s.strip("/")
    return s[:1].upper() + s[1:] if s else None


@dataclass(frozen=True)
class _Text:
    """An affiliation string prepared for matching, with where it places itself."""

    norm: str  #: :func:`normalize_text` form
    cjk: str  #: its Chinese characters and digits (:func:`_cjk_only`)
    cc: str | None  #: the country code given with it (upper case), if any
    prc: bool  #: about mainland China (``cc`` CN or a PRC place) and names no foreign place
    cn_allowed: bool  #: PRC entries may match: ``cc`` is None or CN, and no foreign place

    @classmethod
    def of(cls, text: str, cc: str | None) -> _Text:
        norm = normalize_text(text)
        cjk = _cjk_only(text)
        foreign = _has_foreign_context(norm, cjk)
        prc = (cc == "CN" or _has_prc_context(norm, cjk)) and not foreign
        cn_allowed = (cc is None or cc == "CN") and not foreign
        return cls(norm, cjk, cc, prc, cn_allowed)


def _candidate(
    t: _Text, e: Entry, rule: str, matched: str, length: int, level: str, phrase_norm: str
) -> _Candidate | None:
    """Entry ``e`` matched in ``t`` by ``matched`` (``length`` long, evidence ``level``).

    Returns
    -------
    _Candidate or None
        None when ``e`` is a PRC entry and the string is placed outside mainland China, or
        ``e`` needs context that neither the string, the Chinese match nor the phrase
        (``phrase_norm``) gives. Else the candidate, its confidence capped by the entry's
        ``text_confidence`` (weak names) and ``confidence``; a negative entry's rule is
        ``negative:<id>``.
    """
    if e.category.startswith("cn_") and not e.negative:
        if not t.cn_allowed:
            return None
        if e.needs_context and not (t.prc or _is_cjk(matched) or _self_contextual(phrase_norm)):
            return None
    conf = CONFIDENCE[level]
    if e.weak_text and e.text_confidence is not None:
        conf = min(conf, e.text_confidence)
    conf = min(conf, e.confidence)
    if e.negative:
        rule = f"negative:{e.id}"
    return _Candidate(e.category, rule, conf, matched, length, entry=e)


def _part_length(phrase: str, t: _Text) -> int:
    """The match length of ``phrase`` in ``t`` (a Chinese character counts 3); 0 if absent."""
    if _is_cjk(phrase):
        z = _cjk_only(phrase)
        return 3 * len(z) if z and z in t.cjk else 0
    pn = normalize_text(phrase)
    return len(pn) if pn and f" {pn} " in f" {t.norm} " else 0


def _pattern_candidates(t: _Text) -> list[_Candidate]:
    """Every :data:`_PATTERNS` match in ``t``, Latin and Chinese (3 per character of length).

    A pattern's ``unless`` (Latin) or ``unless_zh`` (Chinese) match switches that half off.
    """
    out = []
    for p in _PATTERNS:
        m = p.latin.search(t.norm) if p.latin is not None else None
        mz = p.zh.search(t.cjk) if (p.zh is not None and t.cjk) else None
        if p.unless is not None and p.unless.search(t.norm):
            m = None
        if p.unless_zh is not None and t.cjk and p.unless_zh.search(t.cjk):
            mz = None
        for match, scale in ((m, 1), (mz, 3)):
            if match is not None:
                text = match.group(0)
                rule = f"pattern:{p.name}"
                out.append(
                    _Candidate(p.category, rule, p.confidence, text, scale * len(text),
                               source=p.source)
                )  # fmt: skip
    return out


def _names_university(t: _Text) -> bool:
    """Whether the string names a university or college (大学, 学院)."""
    return bool(_UNIVERSITY_RE.search(t.norm) or (t.cjk and re.search("大学|学院", t.cjk)))


def _country_label(t: _Text) -> Classification:
    """The label of the given country code, else of a country the text names (0.4), else none."""
    if t.cc:
        return _fallback(t.cc)
    inferred = _text_country(t.norm, t.cjk)
    if inferred:
        fb = _fallback(inferred)
        where = "mainland China" if inferred == "CN" else "the Netherlands"
        src = f"no country_code; the text names a place in {where}"
        return Classification(fb.category, None, None, fb.rule, src, 0.4)
    return _NONE


class Registry:
    """The watchlist: entries, their identifiers and the names they are matched by.

    Use :func:`load_registry` to read one; ``Registry(entries)`` builds one from
    :class:`Entry` objects (tests do this).
    """

    def __init__(self, entries: Iterable[Entry], *, last_reviewed: str | None = None, path=None):
        self.entries: dict[str, Entry] = {}
        self.path = str(path) if path is not None else None
        self.last_reviewed = last_reviewed
        self._ror: dict[str, Entry] = {}
        self._ror_withdrawn: dict[str, Entry] = {}
        self._openalex: dict[str, Entry] = {}
        self._latin: dict[str, list[tuple[Entry, str]]] = {}
        self._zh: list[tuple[str, Entry, str]] = []
        self._max_words = 1
        self._cache: dict[tuple[str, str | None], Classification] = {}
        for e in entries:
            self.entries[e.id] = e
            for r in e.ror:
                self._ror[r] = e
            for r in e.ror_withdrawn:
                self._ror_withdrawn[r] = e
            for o in e.openalex:
                self._openalex[o] = e
            skip = set(e.no_text_match)
            phrases = [(e.name, "name")]
            if e.name_zh:
                phrases.append((e.name_zh, "name-zh"))
            phrases += [(a, "alias") for a in e.aliases]
            for phrase, kind in phrases:
                if phrase in skip:
                    continue
                if _is_cjk(phrase):
                    zh = _cjk_only(phrase)
                    if len(zh) >= 4 or (e.allow_short_zh and len(zh) >= 3):
                        self._zh.append((zh, e, "name-zh"))
                else:
                    norm = normalize_text(phrase)
                    if norm:
                        self._latin.setdefault(norm, []).append((e, kind))
                        self._max_words = max(self._max_words, len(norm.split()))
        # longest first, so that the most specific Chinese name is tried first
        self._zh.sort(key=lambda t: -len(t[0]))
        self._parts = tuple(e for e in self.entries.values() if e.match_all)

    def __repr__(self) -> str:
        return f"Registry({len(self.entries)} entries, path={self.path!r})"

    # -- look-ups ------------------------------------------------------------------------

    def find(self, query: str) -> list[Entry]:
        """Entries matching a ROR id or URL, an OpenAlex id or URL, an entry id, or a name.

        Names, Chinese names, aliases and acronyms are compared after :func:`normalize_text`
        (so case and punctuation do not matter).

        Examples
        --------
        >>> reg = load_registry()
        >>> [e.id for e in reg.find("https://ror.org/019p4xb90")]
        ['criminal-investigation-police-university-of-china']
        >>> [e.id for e in reg.find("people's public security university of china")]
        ['peoples-public-security-university-of-china']
        """
        q = (query or "").strip()
        if not q:
            return []
        ror = _bare_ror(q)
        if ror and ROR_RE.match(ror):
            hit = self._ror.get(ror) or self._ror_withdrawn.get(ror)
            return [hit] if hit else []
        oa = _bare_openalex(q)
        if oa and OPENALEX_RE.match(oa):
            hit = self._openalex.get(oa)
            return [hit] if hit else []
        if q in self.entries:
            return [self.entries[q]]
        nq, zq = normalize_text(q), _cjk_only(q)
        out = []
        for e in self.entries.values():
            for n in e.names():
                if (zq and _cjk_only(n) == zq) or (nq and not zq and normalize_text(n) == nq):
                    out.append(e)
                    break
        return out

    # -- classification ------------------------------------------------------------------

    def _from_entry(self, e: Entry, rule: str, level: str, matched: str | None) -> Classification:
        conf = min(CONFIDENCE[level], e.confidence)
        return Classification(
            e.category, e.id, e.name, rule, e.source, round(conf, 3), matched_text=matched
        )

    def classify_institution(
        self,
        *,
        institution_id=None,
        ror=None,
        lineage=(),
        display_name=None,
        country_code=None,
    ) -> Classification:
        """Classify an OpenAlex institution: ROR, then OpenAlex id, lineage, name, country.

        Examples
        --------
        >>> reg = load_registry()
        >>> reg.classify_institution(ror="019p4xb90").rule
        'ror-withdrawn'
        >>> reg.classify_institution(ror="https://ror.org/05twya590").category
        'cn_police'
        >>> reg.classify_institution(display_name="Zhejiang University", country_code="CN").rule
        'country:CN'
        """
        r = _bare_ror(ror)
        if r:
            if r in self._ror:
                return self._from_entry(self._ror[r], "ror", "identifier", r)
            if r in self._ror_withdrawn:
                return self._from_entry(self._ror_withdrawn[r], "ror-withdrawn", "identifier", r)
        oa = _bare_openalex(institution_id)
        if oa and oa in self._openalex:
            return self._from_entry(self._openalex[oa], "openalex-id", "identifier", oa)
        if lineage is not None and not isinstance(lineage, str | float):
            for lid in lineage:
                lid = _bare_openalex(lid)
                if lid and lid != oa and lid in self._openalex:
                    return self._from_entry(self._openalex[lid], "lineage", "lineage", lid)
        if isinstance(display_name, str) and display_name.strip():
            return self.classify_affiliation(display_name, country_code=country_code)
        return _fallback(country_code)

    def classify_affiliation(self, text: str, *, country_code: str | None = None) -> Classification:
        """Classify a raw affiliation string by names, Chinese names, patterns and country.

        Rules, strongest first: a registry name or alias (the longest match wins; a hard
        negative wins a tie and always beats a pattern), then a pattern (public security
        bureaus, police colleges, ...) that needs PRC context, then a weak name (a bare
        "Ministry of Public Security"), then the country hint. Names of PRC institutions are
        ignored when the string places itself in Taiwan, Hong Kong, Macao or Vietnam, or when
        ``country_code`` is given and is not ``CN``.

        Examples
        --------
        >>> reg = load_registry()
        >>> text = "Hubei Provincial Public Security Department, Wuhan, China"
        >>> c = reg.classify_affiliation(text)
        >>> c.category, c.rule
        ('cn_police', 'pattern:public-security-bureau')
        >>> reg.classify_affiliation("Central Police University, Taoyuan, Taiwan").rule
        'negative:tw-central-police-university'
        >>> text = "School of Public Health, Peking University"
        >>> reg.classify_affiliation(text, country_code="CN").rule
        'country:CN'
        """
        if text is None or (isinstance(text, float) and pd.isna(text)):
            return _fallback(country_code) if country_code else _NONE
        cc = country_code.strip().upper() if isinstance(country_code, str) else None
        cc = cc or None
        key = (str(text), cc)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._classify_text(str(text), cc)
            if len(self._cache) > 500_000:
                self._cache.clear()
            self._cache[key] = hit
        return hit

    def _classify_text(self, text: str, cc: str | None) -> Classification:
        """The label of one string (uncached); see :meth:`classify_affiliation` for the rules.

        Returns
        -------
        Classification
            The longest registry name (a negative wins a tie), else the longest pattern match
            when the string is about the PRC, else the longest weak name unless a university is
            named, else the label of the country (given, or named by the text).
        """
        t = _Text.of(text, cc)
        if not t.norm and not t.cjk:
            return _fallback(cc)
        found = [c for c in self._name_candidates(t) if c is not None]
        strong = [c for c in found if not c.entry.weak_text]
        weak = [c for c in found if c.entry.weak_text]
        if strong:
            return max(strong, key=lambda c: (c.length, c.entry.negative)).result()
        patterns = _pattern_candidates(t) if t.prc and t.cn_allowed else []
        if patterns:
            return max(patterns, key=lambda c: c.length).result()
        # a bare "Ministry of Public Security" next to a university names a key laboratory
        # hosted by that university: not enough for a police label (the review lists it)
        if weak and not _names_university(t):
            return max(weak, key=lambda c: c.length).result()
        return _country_label(t)

    def _name_candidates(self, t: _Text) -> Iterator[_Candidate | None]:
        """Every registry name found in ``t``: Latin names, Chinese names, names in parts.

        Yields
        ------
        _Candidate or None
            One per match, in that order; None where the context rules the entry out.
        """
        yield from self._latin_names(t)
        yield from self._chinese_names(t)
        yield from self._names_in_parts(t)

    def _latin_names(self, t: _Text) -> Iterator[_Candidate | None]:
        """Names and aliases that are an n-gram of the normalised string (length in letters)."""
        tokens = t.norm.split()
        n_tok = len(tokens)
        for i in range(n_tok):
            for j in range(i + 1, min(n_tok, i + self._max_words) + 1):
                phrase = " ".join(tokens[i:j])
                for e, kind in self._latin.get(phrase, ()):
                    level = "exact" if phrase == t.norm and not t.cjk else "contained"
                    yield _candidate(t, e, kind, phrase, len(phrase), level, phrase)

    def _chinese_names(self, t: _Text) -> Iterator[_Candidate | None]:
        """Chinese names found in the string's Chinese characters, longest name first.

        A Chinese character counts as three Latin letters of match length. A name ending in
        学院 right after 大学 or 学院 is skipped: "...大学国际关系学院" is a school of another
        university, not the institution.
        """
        if not t.cjk:
            return
        for zh, e, kind in self._zh:
            pos = t.cjk.find(zh)
            if pos < 0:
                continue
            if zh.endswith("学院") and t.cjk[:pos].endswith(("大学", "学院")):
                continue
            level = "exact" if zh == t.cjk and not t.norm else "contained"
            yield _candidate(t, e, kind, zh, 3 * len(zh), level, "")

    def _names_in_parts(self, t: _Text) -> Iterator[_Candidate | None]:
        """Entries whose ``match_all`` groups all have a phrase in the string.

        ("Institute of Forensic Science" ... "Ministry of Public Security"). The first phrase
        found of each group counts; the match length is the sum of theirs.
        """
        for e in self._parts_entries():
            found = []
            for group in e.match_all:
                hit = next((p for p in group if _part_length(p, t)), None)
                if hit is None:
                    break
                found.append(hit)
            else:
                length = sum(_part_length(p, t) for p in found)
                yield _candidate(t, e, "name-parts", " + ".join(found), length, "parts", "")

    def _parts_entries(self) -> tuple[Entry, ...]:
        return self._parts

    def counts(self) -> dict[str, int]:
        """Number of entries per category (negatives included), in ``config.CATEGORIES`` order."""
        out = dict.fromkeys(config.CATEGORIES, 0)
        for e in self.entries.values():
            out[e.category] += 1
        return out


# --- loading and validating the registry --------------------------------------------------


def _parse_date(value, path, record, line, what) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    s = str(value).strip()
    # the canonical, zero-padded form: dates are compared as text
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            parsed = dt.datetime.strptime(s, fmt)
        except ValueError:
            continue
        if re.fullmatch(r"\d{4}(-\d{1,2}){0,2}", s):
            return parsed.strftime(fmt)
    raise InputError(path, f"{what} {s!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)",
                     line=line, record=record)  # fmt: skip


def _str_list(value, path, record, line, what) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InputError(path, f"{what} must be a list of non-empty strings", line=line,
                         record=record)  # fmt: skip
    return tuple(v.strip() for v in value)


def _entry_lines(text: str) -> list[int | None]:
    """Line numbers (1-based) of the items of ``entries:``, from the YAML node tree."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    for k, v in root.value:
        if getattr(k, "value", None) == "entries" and isinstance(v, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in v.value]
    return []


def _parse_entry(raw, path: Path, index: int, line: int | None) -> Entry:
    """Check one item of ``entries:`` and make it an :class:`Entry`.

    Returns
    -------
    Entry
        The entry, its lists as tuples and its dates as ISO strings. A malformed item raises
        :class:`~collabnet.errors.InputError` naming the file, the line and the entry.
    """
    record = _check_entry_head(raw, path, index, line)
    _check_entry_fields(raw, path, record, line)
    return _build_entry(raw, path, record, line)


def _check_entry_head(raw, path: Path, index: int, line: int | None) -> str:
    """Check the item is a mapping of known fields with a slug id, name, country and category.

    Returns
    -------
    str
        How errors name the entry: ``entry 'its-id'``, or ``entry <n>`` without a usable id.
    """
    if not isinstance(raw, dict):
        raise InputError(path, "each entry must be a mapping of fields", line=line,
                         record=f"entry {index + 1}")  # fmt: skip
    eid = raw.get("id")
    record = f"entry {eid!r}" if eid else f"entry {index + 1}"
    if not isinstance(eid, str) or not SLUG_RE.match(eid):
        raise InputError(path, f"id {eid!r} must be a slug (lower-case letters, digits, '-')",
                         line=line, record=record)  # fmt: skip
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise InputError(path, f"unknown field(s) {sorted(unknown)}; known: {sorted(_ENTRY_KEYS)}",
                         line=line, record=record)  # fmt: skip
    for req in ("name", "country", "category"):
        if not isinstance(raw.get(req), str) or not raw[req].strip():
            raise InputError(path, f"missing required field {req!r}", line=line, record=record)
    if raw["category"] not in config.CATEGORIES:
        raise InputError(path, f"category {raw['category']!r} is not one of {config.CATEGORIES}",
                         line=line, record=record)  # fmt: skip
    if not re.fullmatch(r"[A-Z]{2}", raw["country"]):
        raise InputError(path, f"country {raw['country']!r} must be an ISO 3166 alpha-2 code",
                         line=line, record=record)  # fmt: skip
    return record


def _check_entry_fields(raw: dict, path: Path, record: str, line: int | None) -> None:
    """Check sources, ROR and OpenAlex ids, ``match_all``, listings and confidences."""
    sources = _str_list(raw.get("sources"), path, record, line, "sources")
    if not sources:
        raise InputError(path, "every entry needs at least one source (citation or URL)",
                         line=line, record=record)  # fmt: skip
    rors = _str_list(raw.get("ror"), path, record, line, "ror")
    withdrawn = _str_list(raw.get("ror_withdrawn"), path, record, line, "ror_withdrawn")
    for r in rors + withdrawn:
        if not ROR_RE.match(r):
            raise InputError(path, f"ROR id {r!r} is not a bare ROR id like '018906e22'",
                             line=line, record=record)  # fmt: skip
    for o in _str_list(raw.get("openalex"), path, record, line, "openalex"):
        if not OPENALEX_RE.match(o):
            raise InputError(path, f"OpenAlex id {o!r} is not a bare institution id like 'I123'",
                             line=line, record=record)  # fmt: skip
    match_all = raw.get("match_all") or []
    if not isinstance(match_all, list) or not all(isinstance(g, list) and g for g in match_all):
        raise InputError(path, "match_all must be a list of non-empty lists of names",
                         line=line, record=record)  # fmt: skip
    for item in raw.get("listings") or []:
        if not isinstance(item, dict) or not item.get("list") or not item.get("source"):
            raise InputError(path, "each listing needs 'list' and 'source'", line=line,
                             record=record)  # fmt: skip
        if not all(isinstance(item.get(k), str) for k in ("list", "source")) or not isinstance(
            item.get("citation", ""), str
        ):
            raise InputError(path, "a listing's 'list', 'citation' and 'source' must be text",
                             line=line, record=record)  # fmt: skip
        if "; " in item.get("citation", "") or "; " in item["list"]:
            raise InputError(path, "a listing's 'list' and 'citation' may not hold '; ' (it "
                             "joins designations)", line=line, record=record)  # fmt: skip
        if unknown := set(item) - _LISTING_KEYS:
            what = f"listing {item['list']!r}: unknown field(s) {sorted(unknown)}"
            raise InputError(path, f"{what}; known: {sorted(_LISTING_KEYS)}", line=line,
                             record=record)  # fmt: skip
        _check_span(item, path, record, line, f"listing {item['list']!r}")
    _check_periods(raw, path, record, line)
    conf, tconf = raw.get("confidence", 1.0), raw.get("text_confidence")
    for what, v in (("confidence", conf), ("text_confidence", tconf)):
        if v is not None and not (isinstance(v, int | float) and 0 <= v <= 1):
            raise InputError(path, f"{what} must be a number between 0 and 1", line=line,
                             record=record)  # fmt: skip


def _check_span(item: dict, path: Path, record: str, line, what: str) -> tuple:
    """The ``from`` and ``to`` of a listing or period as first and last days; ``from``
    after ``to`` is an error."""
    start = first_day(_parse_date(item.get("from"), path, record, line, f"{what}: 'from'"))
    end = last_day(_parse_date(item.get("to"), path, record, line, f"{what}: 'to'"))
    if start and end and start > end:
        raise InputError(path, f"{what}: 'from' {start} is after 'to' {end}", line=line,
                         record=record)  # fmt: skip
    return start, end


def _designation(item: dict, path: Path, record: str, line) -> Designation:
    """A listing as a :class:`~collabnet.dating.Designation` (its dates checked)."""
    start, end = _check_span(item, path, record, line, f"listing {item['list']!r}")
    return Designation.of(item["list"], start, end, item.get("citation"), item["source"])


def _check_periods(raw: dict, path: Path, record: str, line: int | None) -> None:
    """Each period: a category, dates in order, its own sources; periods do not overlap,
    and none holds today unless it has the entry's category (which is today's)."""
    periods = raw.get("periods") or []
    if not isinstance(periods, list):
        raise InputError(path, "periods must be a list", line=line, record=record)
    spans = []
    for k, item in enumerate(periods):
        what = f"period {k + 1}"
        if not isinstance(item, dict):
            raise InputError(path, f"{what} must be a mapping", line=line, record=record)
        if unknown := set(item) - _PERIOD_KEYS:
            raise InputError(path, f"{what}: unknown field(s) {sorted(unknown)}; known: "
                             f"{sorted(_PERIOD_KEYS)}", line=line, record=record)  # fmt: skip
        if item.get("category") not in config.CATEGORIES:
            raise InputError(path, f"{what}: category {item.get('category')!r} is not one of "
                             f"{config.CATEGORIES}", line=line, record=record)  # fmt: skip
        if not _str_list(item.get("sources"), path, record, line, f"{what}: sources"):
            raise InputError(path, f"{what} needs its own sources (the change is a claim too)",
                             line=line, record=record)  # fmt: skip
        start, end = _check_span(item, path, record, line, what)
        if not (start or end):
            raise InputError(path, f"{what} needs 'from' or 'to'", line=line, record=record)
        today = dt.date.today().isoformat()
        if (
            (start or "") <= today
            and (end is None or today <= end)
            and (item["category"] != raw["category"])
        ):
            raise InputError(path, f"{what} ({item['category']}) holds today: the entry's "
                             "category must be today's", line=line, record=record)  # fmt: skip
        c = item.get("confidence")
        if c is not None and not (isinstance(c, int | float) and 0 <= c <= 1):
            raise InputError(path, f"{what}: confidence must be a number between 0 and 1",
                             line=line, record=record)  # fmt: skip
        spans.append((start or "0000-01-01", end or "9999-12-31", what))
    spans.sort()
    for (_, end, a), (start, _, b) in zip(spans, spans[1:], strict=False):
        if start <= end:
            raise InputError(path, f"{a} and {b} overlap", line=line, record=record)


def _build_entry(raw: dict, path: Path, record: str, line: int | None) -> Entry:
    """The :class:`Entry` of an item checked by :func:`_check_entry_head` and ``_fields``."""

    def strings(key: str) -> tuple[str, ...]:
        return _str_list(raw.get(key), path, record, line, key)

    def date(key: str) -> str | None:
        return _parse_date(raw.get(key), path, record, line, key)

    return Entry(
        id=raw["id"],
        name=raw["name"].strip(),
        country=raw["country"],
        category=raw["category"],
        sources=strings("sources"),
        name_zh=raw.get("name_zh") or None,
        aliases=strings("aliases"),
        acronyms=strings("acronyms"),
        ror=strings("ror"),
        ror_withdrawn=strings("ror_withdrawn"),
        openalex=strings("openalex"),
        supervising_body=raw.get("supervising_body") or None,
        valid_from=date("valid_from"),
        valid_to=date("valid_to"),
        note=raw.get("note") or None,
        parent=raw.get("parent") or None,
        negative=bool(raw.get("negative", False)),
        needs_context=bool(raw.get("needs_context", False)),
        weak_text=bool(raw.get("weak_text", False)),
        text_confidence=raw.get("text_confidence"),
        confidence=float(raw.get("confidence", 1.0)),
        match_all=tuple(tuple(str(p) for p in g) for g in raw.get("match_all") or []),
        no_text_match=strings("no_text_match"),
        allow_short_zh=bool(raw.get("allow_short_zh", False)),
        designations=tuple(_designation(i, path, record, line) for i in raw.get("listings") or []),
        aspi_category=raw.get("aspi_category") or None,
        periods=tuple(
            Period.of(
                p["category"],
                *_check_span(p, path, record, line, f"period {k + 1}"),
                _str_list(p["sources"], path, record, line, "sources"),
                p.get("confidence"),
                p.get("note"),
            )
            for k, p in enumerate(raw.get("periods") or [])
        ),  # fmt: skip
        ids_note=raw.get("ids_note") or None,
        file=str(path),
        line=line,
    )


def _validate(entries: list[Entry]) -> None:
    """Cross-entry checks: unique ids and RORs, names not shared across categories, parents."""
    seen: dict[str, Entry] = {}
    for e in entries:
        if e.id in seen:
            o = seen[e.id]
            raise InputError(e.file, f"duplicate id (also in {o.file}, line {o.line})",
                             line=e.line, record=f"entry {e.id!r}")  # fmt: skip
        seen[e.id] = e
    ror_seen: dict[str, Entry] = {}
    oa_seen: dict[str, Entry] = {}
    names: dict[str, Entry] = {}
    for e in entries:
        for r in e.ror + e.ror_withdrawn:
            if r in ror_seen and ror_seen[r].id != e.id:
                raise InputError(e.file, f"ROR id {r} is also given to entry {ror_seen[r].id!r}",
                                 line=e.line, record=f"entry {e.id!r}")  # fmt: skip
            ror_seen[r] = e
        for o in e.openalex:
            if o in oa_seen and oa_seen[o].id != e.id:
                raise InputError(e.file, f"OpenAlex id {o} is also given to {oa_seen[o].id!r}",
                                 line=e.line, record=f"entry {e.id!r}")  # fmt: skip
            oa_seen[o] = e
        for n in [e.name, e.name_zh or ""] + list(e.aliases):
            key = _cjk_only(n) if _is_cjk(n) else normalize_text(n)
            if not key:
                continue
            other = names.get(key)
            if other is not None and other.id != e.id and other.category != e.category:
                raise InputError(
                    e.file,
                    f"name {n!r} is also a name of {other.id!r} ({other.category}); a name may not "
                    "point to two categories",
                    line=e.line,
                    record=f"entry {e.id!r}",
                )
            names.setdefault(key, e)
        if e.parent and e.parent not in seen:
            raise InputError(e.file, f"parent {e.parent!r} is not an entry id", line=e.line,
                             record=f"entry {e.id!r}")  # fmt: skip


def _registry_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(
            path, "watchlist registry not found (a folder of *.yaml files or one file)"
        )
    files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
    if not files:
        raise InputError(path, "no *.yaml files in the watchlist folder")
    return files


@lru_cache(maxsize=8)
def _load_cached(path: str, stamp: tuple) -> Registry:
    entries: list[Entry] = []
    reviewed: list[str] = []
    for f in _registry_files(Path(path)):
        text = f.read_text(encoding="utf-8")
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            raise InputError(
                f, f"not valid YAML: {getattr(exc, 'problem', exc)}", line=line
            ) from None
        if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
            raise InputError(f, "expected a mapping with 'last_reviewed' and a list 'entries'")
        unknown = set(doc) - _FILE_KEYS
        if unknown:
            raise InputError(f, f"unknown top-level field(s) {sorted(unknown)}")
        lr = _parse_date(doc.get("last_reviewed"), f, "last_reviewed", None, "last_reviewed")
        if lr is None:
            raise InputError(f, "missing 'last_reviewed' date")
        reviewed.append(lr)
        lines = _entry_lines(text)
        for i, raw in enumerate(doc["entries"]):
            entries.append(_parse_entry(raw, f, i, lines[i] if i < len(lines) else None))
    _validate(entries)
    return Registry(entries, last_reviewed=min(reviewed), path=path)


def load_registry(path: str | Path | None = None) -> Registry:
    """Read and validate the watchlist registry (default ``config.WATCHLIST_DIR``); cached.

    Every ``*.yaml`` file of the folder is read. A malformed file raises
    :class:`~collabnet.errors.InputError` naming the file, the line and the entry.

    Examples
    --------
    >>> reg = load_registry()
    >>> reg.entries["mps-institute-of-forensic-science"].name_zh
    '公安部物证鉴定中心'
    """
    p = Path(config.WATCHLIST_DIR if path is None else path).resolve()
    files = _registry_files(p)
    stamp = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    return _load_cached(str(p), stamp)


# --- overrides (the reporter's corrections) -----------------------------------------------


@dataclass(frozen=True)
class _Override:
    category: str
    note: str
    line: int


@dataclass
class Overrides:
    """Hand corrections: a key (raw string, ROR or OpenAlex id) mapped to a category."""

    path: str = ""
    by_ror: dict[str, _Override] = field(default_factory=dict)
    by_openalex: dict[str, _Override] = field(default_factory=dict)
    by_text: dict[str, _Override] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.by_ror) + len(self.by_openalex) + len(self.by_text)

    def _result(self, o: _Override, key: str) -> Classification:
        src = f"override ({Path(self.path).name}, line {o.line})" + (
            f": {o.note}" if o.note else ""
        )
        return Classification(o.category, None, None, "override", src, 1.0, matched_text=key)

    def for_institution(self, institution_id=None, ror=None) -> Classification | None:
        """The override for an institution id or ROR, if any."""
        oa, r = _bare_openalex(institution_id), _bare_ror(ror)
        if oa and oa in self.by_openalex:
            return self._result(self.by_openalex[oa], oa)
        if r and r in self.by_ror:
            return self._result(self.by_ror[r], r)
        return None

    def unused(self, institution_ids=(), rors=(), texts=()) -> list[str]:
        """The keys that match none of the given institution ids, RORs or raw strings.

        An override that matches nothing is most likely a typo: the build reports it.
        """
        ids = {_bare_openalex(i) for i in institution_ids if isinstance(i, str)}
        found_rors = {_bare_ror(r) for r in rors if isinstance(r, str)}
        keys = set()
        for t in texts:
            if isinstance(t, str):
                keys.add(normalize_text(t) or _cjk_only(t))
                keys.add(_cjk_only(t))
        return sorted(
            [k for k in self.by_openalex if k not in ids]
            + [k for k in self.by_ror if k not in found_rors]
            + [k for k in self.by_text if k not in keys]
        )

    def for_text(self, text) -> Classification | None:
        """The override for a raw string (compared after :func:`normalize_text`), if any."""
        if not isinstance(text, str):
            return None
        key = normalize_text(text) or _cjk_only(text)
        o = self.by_text.get(key) or self.by_text.get(_cjk_only(text) or "\0")
        return self._result(o, text) if o else None


def load_overrides(path) -> Overrides:
    """Read the reporter's corrections file: CSV with columns ``key``, ``category``, ``note``.

    ``key`` is a raw affiliation string, a ROR id (bare or URL) or an OpenAlex institution id
    (bare ``I123`` or URL). Errors name the file and the line.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "overrides.csv"
    >>> _ = p.write_text("key,category,note\\nI42,cn_police,checked by hand\\n")
    >>> load_overrides(p).for_institution("I42").category
    'cn_police'
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(p, "overrides file not found")
    out = Overrides(path=str(p))
    with p.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = [c.strip() for c in (reader.fieldnames or [])]
        missing = {"key", "category"} - set(cols)
        if missing:
            raise InputError(p, f"missing column(s) {sorted(missing)}; expected key,category,note",
                             line=1)  # fmt: skip
        for row in reader:
            line = reader.line_num
            row = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
            key, cat = row.get("key", ""), row.get("category", "")
            if not key and not cat:
                continue
            if not key:
                raise InputError(p, "empty key", line=line)
            if cat not in config.CATEGORIES:
                raise InputError(p, f"category {cat!r} is not one of {config.CATEGORIES}",
                                 line=line, record=key)  # fmt: skip
            o = _Override(cat, row.get("note", ""), line)
            ror, oa = _bare_ror(key), _bare_openalex(key)
            if ror and ROR_RE.match(ror):
                table, k = out.by_ror, ror
            elif oa and OPENALEX_RE.match(oa):
                table, k = out.by_openalex, oa
            else:
                table, k = out.by_text, normalize_text(key) or _cjk_only(key)
                if not k:
                    raise InputError(p, "key has no letters or Chinese characters", line=line)
            if k in table and table[k].category != cat:
                raise InputError(p, f"key also on line {table[k].line} with another category",
                                 line=line, record=key)  # fmt: skip
            table[k] = o
    return out


# --- tables -------------------------------------------------------------------------------

_TEXT_RULE_PREFIXES = ("name", "alias", "pattern:", "negative:", "country:")
_POLICE_FLAG = "mentions police words, not labelled cn_police"
#: Columns :func:`classify_tables` adds to the authorships table, in order.
_AUTHORSHIP_COLUMNS = (
    "category",
    "category_rule",
    "category_entry",
    "category_entry_name",
    "category_confidence",
    "category_source",
    "raw_category",
    "category_flag",
    "category_dates",
    "designations",
    "category_date_flag",
)
#: Label columns of the lookup frames (``i_category``, ...) and the Classification field of each.
_LABEL_FIELDS = {
    "category": "category",
    "rule": "rule",
    "entry": "entry_id",
    "entry_name": "entry_name",
    "confidence": "confidence",
    "source": "source",
}


def _from_text(rule: str) -> bool:
    return rule.startswith(_TEXT_RULE_PREFIXES)


def _police_hint(text) -> bool:
    if not isinstance(text, str):
        return False
    return bool(_POLICE_HINT_RE.search(normalize_text(text)) or _POLICE_HINT_ZH_RE.search(text))


def _doubtful(label: Classification) -> bool:
    """Whether a label (not an override) came from text or has confidence below 0.9."""
    return label.rule not in ("none", "override") and (
        _from_text(label.rule) or label.confidence < 0.9
    )


def _as_list(v) -> list:
    if v is None or isinstance(v, float | str):
        return []
    try:
        return list(v)
    except TypeError:
        return []


#: Columns of :func:`openalex_id_report`.
ID_REPORT_COLUMNS = ["entry", "name", "ror", "registry_openalex", "openalex", "openalex_name",
                     "status"]  # fmt: skip


def openalex_id_report(reg: Registry, found: Mapping[str, Mapping]) -> pd.DataFrame:
    """How each entry's OpenAlex ids agree with what OpenAlex says of its ROR ids.

    `found` maps bare ROR ids to OpenAlex Institution records
    (:func:`collabnet.openalex.institutions_by_ror`). One row per (entry, ROR): ``status``
    is ``agrees`` (the registry has the id OpenAlex gives), ``add`` (the registry lacks
    it), ``differs`` (the registry has other ids: check by hand) or ``not in OpenAlex``;
    an entry without a ROR id is one row, ``no ROR``.
    """
    rows = []
    for e in reg.entries.values():
        if e.negative:
            continue
        have = "; ".join(e.openalex)
        if not e.ror:
            rows.append([e.id, e.name, None, have, None, None, "no ROR"])
        for ror in e.ror:
            rec = found.get(ror)
            oid = _bare_openalex((rec or {}).get("id")) if rec else None
            if oid is None:
                status = "not in OpenAlex"
            elif oid in e.openalex:
                status = "agrees"
            else:
                status = "differs" if e.openalex else "add"
            name = (rec or {}).get("display_name")
            rows.append([e.id, e.name, ror, have, oid, name, status])
    return pd.DataFrame(rows, columns=ID_REPORT_COLUMNS)


def classify_tables(
    institutions: pd.DataFrame,
    authorships: pd.DataFrame,
    registry: Registry | None = None,
    overrides: Overrides | str | Path | None = None,
    works: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Add categories to the institutions and authorships tables; list labels to check by hand.

    A label from an entry whose category changed at a date, or that was designated for a
    while (``periods``, ``listings`` in the registry), is decided for the publication year of
    each row's work (:mod:`collabnet.dating`): ``category`` is the category in force that
    year, ``category_dates`` the dates it held for, ``designations`` the designations in force
    in the year, and ``category_date_flag`` says why the label depends on the date (a year
    within a year of a change, or no year: today's category is used).

    Each unique institution and each unique (raw affiliation, country) pair is classified once
    and merged back. An authorship takes its institution's category; the category of its raw
    string is kept as ``raw_category`` and ``category_flag`` says when the two disagree. An
    authorship without institution takes the raw string's category; with neither, ``other``.
    Every authorship row carries the rule, entry, confidence and source of its label.

    Parameters
    ----------
    institutions, authorships : pandas.DataFrame
        The corpus tables (:func:`collabnet.corpus.read_corpus`); they are not changed.
    registry : Registry, optional
        The watchlist (default :func:`load_registry`).
    overrides : Overrides or path, optional
        The reporter's corrections (a path is read with :func:`load_overrides`); an override
        beats every rule.
    works : pandas.DataFrame, optional
        ``work_id`` and ``publication_year``: the year of each row's work. Without it every
        row is dated as a work without a year.

    Returns
    -------
    institutions, authorships, review : pandas.DataFrame
        Copies of the tables: ``institutions`` with ``category``, ``category_rule``,
        ``category_source``, ``category_entry`` and ``category_confidence``; ``authorships``
        with ``category``, ``category_rule``, ``category_entry``, ``category_entry_name``,
        ``category_confidence``, ``category_source``, ``raw_category`` and ``category_flag``.
        ``review`` has :data:`REVIEW_COLUMNS`: every label that came from text (names,
        patterns, country) or has confidence < 0.9, every disagreement, and every string that
        mentions police words but was not labelled ``cn_police``.

    Examples
    --------
    >>> inst = pd.DataFrame({"institution_id": ["I1"], "ror": ["05twya590"],
    ...     "display_name": ["China People's Public Security University"],
    ...     "country_code": ["CN"], "type": ["education"], "lineage": [["I1"]]})
    >>> auth = pd.DataFrame({"work_id": ["W1"], "author_position": ["first"],
    ...     "author_id": ["A1"], "author_name": ["X"], "institution_id": ["I1"],
    ...     "institution_name": ["China People's Public Security University"], "ror": ["05twya590"],
    ...     "country_code": ["CN"], "raw_affiliation": ["PPSUC, Beijing"],
    ...     "is_corresponding": [False]})
    >>> i, a, r = classify_tables(inst, auth)
    >>> i.loc[0, ["category", "category_rule"]].tolist()
    ['cn_police', 'ror']
    >>> a.loc[0, ["category", "raw_category"]].tolist()
    ['cn_police', 'cn_other']
    """
    reg = registry if registry is not None else load_registry()
    if overrides is not None and not isinstance(overrides, Overrides):
        overrides = load_overrides(overrides)
    institution_labels = _label_institutions(institutions, authorships, reg, overrides)
    by_inst = institution_labels.by_id
    keys = _authorship_keys(authorships, works)
    by_text = _label_affiliations(keys, reg, overrides)
    labels = _merge_labels(keys, by_inst, by_text, reg)
    review = _review_queue(institutions, by_inst, keys, by_text, labels)
    auth = authorships.copy()
    for col in _AUTHORSHIP_COLUMNS:
        auth[col] = labels[col].values
    inst = _with_institution_labels(institutions, institution_labels.rows, reg)
    return inst, auth, review


# -- institutions: by identifier, lineage and name, once per institution -------------------


@dataclass(frozen=True)
class _InstitutionLabels:
    """The labels of :func:`_label_institutions`."""

    #: One per row of the institutions table, in order.
    rows: list[Classification]
    #: By institution id: every id of the institutions table, then the ids that only
    #: authorships name.
    by_id: dict[str, Classification]


def _label_institutions(
    institutions: pd.DataFrame,
    authorships: pd.DataFrame,
    reg: Registry,
    overrides: Overrides | None,
) -> _InstitutionLabels:
    """Label every institution of the institutions table, and those only authorships name.

    Returns
    -------
    _InstitutionLabels
        The label of each row of ``institutions`` and the label of each institution id
        (from :func:`_institution_label`). Rows whose id is not a string have no ``by_id``
        entry; a repeated id keeps the label of its last row.
    """
    rows = [_institution_label(r, reg, overrides) for r in institutions.to_dict("records")]
    by_id = {
        iid: c
        for iid, c in zip(institutions["institution_id"], rows, strict=True)
        if isinstance(iid, str)
    }
    for r in _unlisted_institutions(institutions, authorships).to_dict("records"):
        by_id[r["institution_id"]] = _institution_label(r, reg, overrides)
    return _InstitutionLabels(rows, by_id)


def _institution_label(row: Mapping, reg: Registry, overrides: Overrides | None) -> Classification:
    """The label of one institution record (``institution_id``, ``ror``, ``display_name``, ...).

    Returns
    -------
    Classification
        The override for its id or ROR, else for its display name; else
        :meth:`Registry.classify_institution` (ROR, OpenAlex id, lineage, name, country).
    """
    if overrides is not None:
        o = overrides.for_institution(row.get("institution_id"), row.get("ror"))
        o = o or overrides.for_text(row.get("display_name"))
        if o is not None:
            return o
    cc = row.get("country_code")
    return reg.classify_institution(
        institution_id=row.get("institution_id"),
        ror=row.get("ror"),
        lineage=_as_list(row.get("lineage")),
        display_name=row.get("display_name"),
        country_code=cc if isinstance(cc, str) else None,
    )


def _unlisted_institutions(institutions: pd.DataFrame, authorships: pd.DataFrame) -> pd.DataFrame:
    """Institutions that authorships name but the institutions table lacks.

    Returns
    -------
    pandas.DataFrame
        One row per such ``institution_id`` (from its first authorship), with columns
        ``institution_id``, ``ror``, ``display_name`` and ``country_code``; no rows if none.
    """
    if "institution_id" not in authorships.columns:  # pragma: no cover - the contract has it
        return pd.DataFrame()
    ids = authorships["institution_id"]
    known = set(institutions["institution_id"].dropna()) if len(institutions) else set()
    extra = authorships.loc[ids.notna() & ~ids.isin(known)]
    if not len(extra):
        return extra
    extra = extra.drop_duplicates("institution_id")
    extra = extra.rename(columns={"institution_name": "display_name"})
    return extra.reindex(columns=["institution_id", "ror", "display_name", "country_code"])


def _with_institution_labels(
    institutions: pd.DataFrame, labels: list[Classification], reg: Registry
) -> pd.DataFrame:
    """A copy of ``institutions`` with the label of each row as ``category*`` columns: the
    category of today, ``category_changes`` (its categories through time) and
    ``designations`` (every one, with its dates)."""
    inst = institutions.copy()
    inst["category"] = [c.category for c in labels]
    inst["category_rule"] = [c.rule for c in labels]
    inst["category_source"] = [c.source for c in labels]
    inst["category_entry"] = [c.entry_id for c in labels]
    inst["category_confidence"] = [c.confidence for c in labels]
    entries = [_dated_entry(c.entry_id, c.rule, reg) for c in labels]
    inst["category_changes"] = [e.changes() if e else "" for e in entries]
    inst["designations"] = [
        "; ".join(d.text() for d in e.designations) if e else "" for e in entries
    ]
    return inst


def _dated_entry(entry_id, rule, reg: Registry) -> Entry | None:
    """The entry behind a label when its label depends on the date (not an override)."""
    if not isinstance(entry_id, str) or rule == "override":
        return None
    e = reg.entries.get(entry_id)
    return e if e is not None and e.dated else None


# -- affiliation strings: by raw text, once per (string, country) ---------------------------


def _authorship_keys(authorships: pd.DataFrame, works: pd.DataFrame | None = None) -> pd.DataFrame:
    """What each authorship row is labelled by.

    Returns
    -------
    pandas.DataFrame
        One row per authorship, in order (a new RangeIndex), with columns ``institution_id``,
        ``raw`` (the raw affiliation; None when missing or blank), ``cc`` (the country
        code; None when missing) and ``year`` (the publication year of its work from
        `works`, Int64; missing when unknown). Columns the authorships lack are all None.
    """
    n = len(authorships)
    year = pd.Series(pd.NA, index=range(n), dtype="Int64")
    if works is not None and len(works) and "work_id" in authorships.columns:
        by_work = works.drop_duplicates("work_id").set_index("work_id")["publication_year"]
        found = pd.to_numeric(authorships["work_id"].map(by_work), errors="coerce")
        year = pd.Series(found.to_numpy(), dtype="Int64")

    def column(name: str) -> pd.Series:
        return authorships[name] if name in authorships.columns else pd.Series([None] * n)

    raw, cc = column("raw_affiliation"), column("country_code")
    raw = raw.where(raw.notna() & (raw.astype(str).str.strip() != ""), None)
    return pd.DataFrame(
        {
            "institution_id": column("institution_id").values,
            "raw": raw.values,
            "cc": cc.where(cc.notna(), None).values,
            "year": year.values,
        }
    )


def _label_affiliations(
    keys: pd.DataFrame, reg: Registry, overrides: Overrides | None
) -> dict[tuple, Classification]:
    """Label each distinct (raw affiliation, country code) pair of the authorships.

    Returns
    -------
    dict
        ``(raw, cc)`` (as in ``keys``) to the override for the string if there is one, else
        :meth:`Registry.classify_affiliation` of the string and the country code, in order of
        first appearance. Rows without a raw string are left out.
    """
    pairs = keys[["raw", "cc"]].dropna(subset=["raw"]).drop_duplicates()
    labels: dict[tuple, Classification] = {}
    for text, cc in zip(pairs["raw"], pairs["cc"], strict=True):
        o = overrides.for_text(text) if overrides is not None else None
        labels[(text, cc)] = o or reg.classify_affiliation(
            text, country_code=cc if isinstance(cc, str) else None
        )
    return labels


# -- merging the two per authorship row ----------------------------------------------------


def _merge_labels(
    keys: pd.DataFrame,
    inst_labels: dict[str, Classification],
    text_labels: dict[tuple, Classification],
    reg: Registry | None = None,
) -> pd.DataFrame:
    """The label of each authorship row: its institution's, else its raw string's, else none.

    Returns
    -------
    pandas.DataFrame
        One row per authorship with the :data:`_AUTHORSHIP_COLUMNS` (rule ``none``, category
        ``other`` and confidence 0.0 when neither label exists; ``raw_category`` is the raw
        string's category; ``category_flag`` from :func:`_disagreements`) and
        ``from_institution``, True where the institution gave the label. Both labels are
        dated (:func:`_date_labels`) before they are compared and chosen; a raw string that
        names a unit of the matched institution (its registry entry's ``parent``) gives the
        label.
    """
    both = _labels_side_by_side(keys, inst_labels, text_labels)
    if reg is not None:
        _date_labels(both, keys["year"], reg)
    for prefix in ("i_", "r_"):
        for name in ("dates", "designations", "date_flag"):
            if f"{prefix}{name}" not in both.columns:
                both[f"{prefix}{name}"] = ""
    has_i = both["i_category"].notna()
    if reg is not None:
        # the raw string names a unit of the institution OpenAlex matched (the MPS's fire
        # research institute, linked by OpenAlex to the MPS itself): the unit's label is the
        # more specific one, and the one dated for the unit
        unit = names_a_unit(reg, both["i_entry"], both["r_entry"])
        unit &= (both["i_rule"] != "override") & (both["r_rule"] != "override")
        has_i = has_i & ~unit

    def chosen(name: str) -> pd.Series:
        return both[f"i_{name}"].where(has_i, both[f"r_{name}"])

    return pd.DataFrame(
        {
            "category": chosen("category").fillna("other"),
            "category_rule": chosen("rule").fillna("none"),
            "category_entry": chosen("entry"),
            "category_entry_name": chosen("entry_name"),
            "category_confidence": pd.to_numeric(chosen("confidence"), errors="coerce").fillna(0.0),
            "category_source": chosen("source"),
            "raw_category": both["r_category"],
            "category_flag": _disagreements(both),
            "category_dates": chosen("dates").fillna(""),
            "designations": chosen("designations").fillna(""),
            "category_date_flag": chosen("date_flag").fillna(""),
            "from_institution": has_i,
        }
    )


def label_in_year(
    label: Classification, year: int | None, reg: Registry
) -> tuple[Classification, DatedLabel | None]:
    """`label` as it holds for a work of `year`, and what the date decided.

    When the label's entry has ``periods`` or ``listings`` (and the label is not an
    override), the category is the one in force in `year` (:meth:`Entry.label_for`), the
    source the period's sources then the entry's own, the confidence capped by the period's;
    the :class:`~collabnet.dating.DatedLabel` says the dates, designations and flag. Otherwise
    `label` unchanged and None.
    """
    e = _dated_entry(label.entry_id, label.rule, reg)
    if e is None:
        return label, None
    d = e.label_for(year)
    source = "; ".join(d.sources) if d.sources else label.source
    cap = label.confidence if d.confidence is None else min(label.confidence, d.confidence)
    return replace(label, category=d.category, source=source, confidence=cap), d


def names_a_unit(reg: Registry, institution_entry: pd.Series, text_entry: pd.Series) -> pd.Series:
    """Whether each row's raw text names a unit (an entry whose ``parent`` is the entry of
    the institution OpenAlex matched): such a row takes the unit's label, and is a node of
    the unit in the institution graph."""
    parent_of = {eid: e.parent for eid, e in reg.entries.items() if e.parent}
    parent = pd.Series(text_entry.to_numpy(), dtype=object).map(parent_of)
    same = parent.to_numpy() == pd.Series(institution_entry.to_numpy(), dtype=object).to_numpy()
    return pd.Series(parent.notna().to_numpy() & same, index=text_entry.index)


def _date_labels(both: pd.DataFrame, years: pd.Series, reg: Registry) -> None:
    """Decide, in place, each label from a dated entry for the year of its row's work.

    For the institution's label (``i_``) and the raw string's (``r_``), by
    :func:`label_in_year`: ``category``, ``source`` and ``confidence`` as they hold in the
    year, and ``dates``, ``designations`` and ``date_flag`` columns (empty for rows whose
    label does not depend on the date). Each distinct (entry, year, source, confidence) is
    decided once.
    """
    dated = {eid for eid, e in reg.entries.items() if e.dated}
    years = pd.Series(years.values, index=both.index, dtype="Int64")
    for prefix in ("i_", "r_"):
        entry, rule = both[f"{prefix}entry"], both[f"{prefix}rule"]
        rows = entry.isin(dated) & (rule != "override")
        for name in ("dates", "designations", "date_flag"):
            both[f"{prefix}{name}"] = ""
        if not rows.any():
            continue
        keys = ["e", "y", "source", "confidence"]
        sub = pd.DataFrame(
            {
                "e": entry[rows].astype(object),
                "y": years[rows].fillna(-1).astype(int),  # -1: no year
                "source": both.loc[rows, f"{prefix}source"].astype(object).fillna(""),
                "confidence": pd.to_numeric(both.loc[rows, f"{prefix}confidence"]),
            }
        )
        combos = sub.drop_duplicates()
        decided = [
            label_in_year(Classification("", e, None, "", src or None, float(conf)),
                          None if y < 0 else int(y), reg)
            for e, y, src, conf in combos.itertuples(index=False)
        ]  # fmt: skip
        table = combos.assign(
            new_category=[c.category for c, _ in decided],
            new_source=[c.source for c, _ in decided],
            new_confidence=[c.confidence for c, _ in decided],
            dates=[d.dates for _, d in decided],
            designations=[d.designations for _, d in decided],
            date_flag=[d.flag for _, d in decided],
        )
        m = sub.reset_index().merge(table, on=keys, how="left").set_index("index")
        both.loc[m.index, f"{prefix}category"] = m["new_category"].values
        both.loc[m.index, f"{prefix}source"] = m["new_source"].values
        both.loc[m.index, f"{prefix}confidence"] = m["new_confidence"].values
        for name in ("dates", "designations", "date_flag"):
            both.loc[m.index, f"{prefix}{name}"] = m[name].values


def _labels_side_by_side(
    keys: pd.DataFrame,
    inst_labels: dict[str, Classification],
    text_labels: dict[tuple, Classification],
) -> pd.DataFrame:
    """Each authorship row with the label of its institution and that of its raw string.

    Returns
    -------
    pandas.DataFrame
        One row per authorship, in order: the keys ``_iid``, ``_raw``, ``_cc``, the
        institution's label as ``i_category``, ``i_rule``, ``i_entry``, ``i_entry_name``,
        ``i_confidence``, ``i_source`` and the raw string's as the same ``r_`` columns
        (null where there is no label).
    """
    left = pd.DataFrame(
        {
            "_iid": keys["institution_id"].values,
            "_raw": keys["raw"].values,
            "_cc": keys["cc"].values,
        }
    )
    left["_cc"] = left["_cc"].astype(object)
    fi = _label_frame({"_iid": list(inst_labels)}, list(inst_labels.values()), "i_")
    text_keys = {"_raw": [t for t, _ in text_labels], "_cc": [cc for _, cc in text_labels]}
    fr = _label_frame(text_keys, list(text_labels.values()), "r_")
    if len(fr):
        fr["_cc"] = fr["_cc"].astype(object)
    m = left.merge(fi, on="_iid", how="left") if len(fi) else left.assign(i_category=None)
    m = m.merge(fr, on=["_raw", "_cc"], how="left") if len(fr) else m.assign(r_category=None)
    for prefix in ("i_", "r_"):
        for name in _LABEL_FIELDS:
            if f"{prefix}{name}" not in m.columns:
                m[f"{prefix}{name}"] = None
    return m


def _label_frame(keys: dict[str, list], labels: list[Classification], prefix: str) -> pd.DataFrame:
    """A lookup frame: the ``keys`` columns, then each label's fields as ``{prefix}category``...

    The label columns are those of :data:`_LABEL_FIELDS`, one row per label.
    """
    cols = dict(keys)
    for name, attr in _LABEL_FIELDS.items():
        cols[f"{prefix}{name}"] = [getattr(c, attr) for c in labels]
    return pd.DataFrame(cols)


def _disagreements(both: pd.DataFrame) -> pd.Series:
    """The ``category_flag`` of each row of :func:`_labels_side_by_side`.

    Returns
    -------
    pandas.Series
        ``"institution says <category> (<rule>); raw affiliation says <category> (<rule>)"``
        where both labels exist, their categories differ and the raw string's rule is not
        ``none``; else ``""`` (object dtype).
    """
    has_i, has_r = both["i_category"].notna(), both["r_category"].notna()
    differ = both["i_category"] != both["r_category"]
    disagree = has_i & has_r & differ & (both["r_rule"] != "none")
    flag = pd.Series("", index=both.index, dtype=object)
    if disagree.any():
        d = both.loc[disagree]
        flag.loc[disagree] = (
            "institution says " + d["i_category"] + " (" + d["i_rule"] + "); raw affiliation says "
            + d["r_category"] + " (" + d["r_rule"] + ")"
        )  # fmt: skip
    return flag


# -- the review queue ----------------------------------------------------------------------


@dataclass(frozen=True)
class _ReviewRow:
    """One row of the review table; the fields are :data:`REVIEW_COLUMNS`, in order."""

    kind: str
    key: str
    text: str | None
    country_code: str | None
    category: str
    rule: str
    entry: str | None
    entry_name: str | None
    confidence: float
    n_authorships: int
    flag: str
    source: str | None

    @classmethod
    def of(cls, kind, key, text, country_code, label: Classification, n: int, flag: str):
        """The row of an institution or raw string (``kind``) with label ``label``."""
        return cls(
            kind=kind,
            key=key,
            text=text,
            country_code=country_code,
            category=label.category,
            rule=label.rule,
            entry=label.entry_id,
            entry_name=label.entry_name,
            confidence=label.confidence,
            n_authorships=n,
            flag=flag,
            source=label.source,
        )


def _review_queue(
    institutions: pd.DataFrame,
    inst_labels: dict[str, Classification],
    keys: pd.DataFrame,
    text_labels: dict[tuple, Classification],
    labels: pd.DataFrame,
) -> pd.DataFrame:
    """The labels to check by hand: institutions first, then raw strings, then sorted.

    Returns
    -------
    pandas.DataFrame
        :data:`REVIEW_COLUMNS`, rows from :func:`_institutions_to_review` and
        :func:`_affiliations_to_review`, sorted by category (``config.CATEGORIES`` order),
        then most authorships first, then key; a fresh RangeIndex.
    """
    rows = _institutions_to_review(institutions, inst_labels, keys)
    rows += _affiliations_to_review(keys, labels, text_labels)
    rows += _dated_to_review(keys, labels)
    review = pd.DataFrame([asdict(r) for r in rows], columns=REVIEW_COLUMNS)
    if len(review):
        order = {c: i for i, c in enumerate(config.CATEGORIES)}
        review["_o"] = review["category"].map(order)
        review = review.sort_values(["_o", "n_authorships", "key"], ascending=[True, False, True])
        review = review.drop(columns="_o").reset_index(drop=True)
    return review


def _institutions_to_review(
    institutions: pd.DataFrame, inst_labels: dict[str, Classification], keys: pd.DataFrame
) -> list[_ReviewRow]:
    """Institutions whose label is doubtful or whose name mentions police but is not cn_police.

    Returns
    -------
    list of _ReviewRow
        In ``inst_labels`` order: labels from text or below 0.9 confidence (not overrides
        or ``none``), and names with police words labelled otherwise (flagged), each with
        its number of authorships.
    """
    names = dict(
        zip(institutions.get("institution_id", []), institutions.get("display_name", []),
            strict=False)
    )  # fmt: skip
    country_of = {}
    if "country_code" in institutions.columns:
        first = institutions.drop_duplicates("institution_id")
        country_of = dict(zip(first["institution_id"], first["country_code"], strict=True))
    n_by_inst = keys["institution_id"].value_counts()
    out = []
    for iid, c in inst_labels.items():
        name = names.get(iid)
        hint = _police_hint(name) and c.category != "cn_police"
        if not (hint or _doubtful(c)):
            continue
        cc = country_of.get(iid)
        cc = None if pd.isna(cc) else cc
        n = int(n_by_inst.get(iid, 0))
        out.append(_ReviewRow.of("institution", iid, name, cc, c, n, _POLICE_FLAG if hint else ""))
    return out


def _dated_to_review(keys: pd.DataFrame, labels: pd.DataFrame) -> list[_ReviewRow]:
    """Labels that depend on the date: rows within a year of a change of their entry, and
    rows of works without a year (today's category used).

    Returns
    -------
    list of _ReviewRow
        One per (entry, publication year, category) with a ``category_date_flag``, kind
        ``dated_label``, key ``"<entry> <year>"`` (``"<entry> no year"``), the dates the
        category holds for as its rule, in order of entry then year.
    """
    flagged = labels["category_date_flag"].astype(str) != ""
    if not flagged.any():
        return []
    rows = labels.loc[flagged].copy()
    rows["y"] = keys.loc[flagged, "year"].fillna(-1).astype(int).values
    out = []
    grouped = rows.groupby(["category_entry", "y", "category"], sort=True, dropna=False)
    for (entry, y, category), g in grouped:
        first = g.iloc[0]
        label = Classification(
            category, entry, first["category_entry_name"],
            f"dated: {category} {first['category_dates']}".strip(),
            first["category_source"], float(g["category_confidence"].max()),
        )  # fmt: skip
        when = "no year" if y < 0 else str(y)
        flag = first["category_date_flag"]
        if first["designations"]:
            flag += f"; designations: {first['designations']}"
        out.append(_ReviewRow.of("dated_label", f"{entry} {when}", first["category_entry_name"],
                                 None, label, len(g), flag))  # fmt: skip
    return out


def _affiliations_to_review(
    keys: pd.DataFrame, labels: pd.DataFrame, text_labels: dict[tuple, Classification]
) -> list[_ReviewRow]:
    """Raw strings whose label was used and is doubtful, disagrees, or misses police words.

    Returns
    -------
    list of _ReviewRow
        One per (string, country) in order of first appearance: a doubtful label
        (:func:`_doubtful`) that some authorship without institution label took, a
        disagreement flag of any of its rows, or police words in a string not labelled
        ``cn_police`` (not by override); the flags ``"; "``-joined.
    """
    used = pd.DataFrame({"raw": keys["raw"], "cc": keys["cc"],
                         "no_inst": ~labels["from_institution"].values,
                         "flag": labels["category_flag"].values})  # fmt: skip
    used = used.dropna(subset=["raw"])
    if not len(used):
        return []
    grp = used.groupby(["raw", "cc"], dropna=False, sort=False).agg(
        n=("raw", "size"), no_inst=("no_inst", "any"), flag=("flag", "max")
    )
    out = []
    columns = (grp["n"].tolist(), grp["no_inst"].tolist(), grp["flag"].tolist())
    for (text, cc), n, no_inst, row_flag in zip(grp.index, *columns, strict=True):
        cc = cc if isinstance(cc, str) else None
        c = text_labels.get((text, cc)) or text_labels.get((text, None))
        if c is None:
            continue
        hint = _police_hint(text) and c.category != "cn_police" and c.rule != "override"
        if not ((no_inst and _doubtful(c)) or row_flag or hint):
            continue
        flag = "; ".join(f for f in (row_flag, _POLICE_FLAG if hint else "") if f)
        out.append(_ReviewRow.of("raw_affiliation", text, text, cc, c, int(n), flag))
    return out
