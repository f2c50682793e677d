"""Labels that hold for the year of the work.

A registry entry's category may change at a date (the fire research institutes left the
Ministry of Public Security for the Ministry of Emergency Management in 2018), and an entry
may be designated for a while (the MPS Institute of Forensic Science was on the US Entity
List from 5 June 2020 to 16 November 2023). The registry writes the first as ``periods``
(each with its category, dates and sources; outside them the entry's own ``category``
holds, which is its category today) and the second as ``listings``.

:func:`label_for` decides the label of one entry for one publication year:

- the category is the one in force on **1 July** of the year (:data:`REFERENCE_DAY`), so a
  year is judged by the category that held for most of it;
- the designations are those in force on **any day** of the year, each written with its
  dates, so that a reader sees when in the year it held;
- a work without a year gets the entry's category today, flagged; a year within one year of
  a change (a period's start or end, a listing's start or end) is flagged too. Flagged rows
  go to the review queue.

Examples
--------
>>> fire = Period.of("cn_police", None, "2018-04-15", ["State Council reform, 2018"])
>>> fire.label()
'until 2018-04-15'
>>> ifs = Designation.of("US Entity List", "2020-06-05", "2023-11-16", "85 FR 34503", "...")
>>> ifs.text()
'US Entity List (2020-06-05 – 2023-11-16): 85 FR 34503'
>>> ifs.in_year(2023), ifs.in_year(2024)
(True, False)
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Period", "Designation", "DatedLabel", "label_for", "timeline", "REFERENCE_DAY"]

#: The day of a publication year whose category a work takes (``MM-DD``).
REFERENCE_DAY = "07-01"


def first_day(value: str | None) -> str | None:
    """``2018`` -> ``2018-01-01``, ``2018-04`` -> ``2018-04-01``; a full date unchanged."""
    if not value:
        return None
    parts = value.split("-")
    return "-".join([parts[0], *(parts[1:] + ["01", "01"])[:2]])


def last_day(value: str | None) -> str | None:
    """``2018`` -> ``2018-12-31``, ``2018-02`` -> ``2018-02-28``; a full date unchanged."""
    if not value:
        return None
    parts = value.split("-")
    if len(parts) == 1:
        return f"{parts[0]}-12-31"
    if len(parts) == 2:
        y, m = int(parts[0]), int(parts[1])
        return f"{y:04d}-{m:02d}-{calendar.monthrange(y, m)[1]:02d}"
    return value


def _day_after(day: str) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()


def _day_before(day: str) -> str:
    return (dt.date.fromisoformat(day) - dt.timedelta(days=1)).isoformat()


def _span(start: str | None, end: str | None) -> str:
    if start and end:
        return f"{start} – {end}"
    if end:
        return f"until {end}"
    if start:
        return f"from {start}"
    return ""


@dataclass(frozen=True)
class Period:
    """A time in which an entry had another category than today's: ``start`` and ``end``
    inclusive (None: open), with the sources that say so."""

    category: str
    start: str | None
    end: str | None
    sources: tuple[str, ...]
    confidence: float | None = None
    note: str | None = None

    @classmethod
    def of(cls, category, start, end, sources, confidence=None, note=None) -> Period:
        return cls(category, first_day(start), last_day(end), tuple(sources), confidence, note)

    def holds_on(self, day: str) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def label(self) -> str:
        return _span(self.start, self.end)

    def changes(self) -> list[str]:
        """The days on which this period's category began or ended being the entry's."""
        return [d for d in (self.start, self.end and _day_after(self.end)) if d]


@dataclass(frozen=True)
class Designation:
    """A listing (e.g. the US Entity List) in force from ``start`` to ``end`` (inclusive;
    None: open), cited by ``citation`` (short, e.g. ``85 FR 34503``) and ``source``."""

    list: str
    start: str | None
    end: str | None
    citation: str
    source: str

    @classmethod
    def of(cls, name, start, end, citation, source) -> Designation:
        return cls(name, first_day(start), last_day(end), citation or source, source)

    def text(self) -> str:
        span = f"{self.start or '…'} – {self.end or 'in force'}"
        return f"{self.list} ({span}): {self.citation}"

    def in_year(self, year: int) -> bool:
        return (self.start is None or self.start <= f"{year:04d}-12-31") and (
            self.end is None or f"{year:04d}-01-01" <= self.end
        )

    def changes(self) -> list[str]:
        return [d for d in (self.start, self.end and _day_after(self.end)) if d]


@dataclass(frozen=True)
class DatedLabel:
    """An entry's label for one publication year."""

    category: str
    sources: tuple[str, ...] | None  # the period's; None: the entry's own
    confidence: float | None  # the period's cap, if any
    dates: str  # the dates the category holds for ("" when it always has)
    designations: str  # "; "-joined texts of the designations in force in the year
    flag: str  # why the label depends on the date, or ""


def label_for(
    category: str,
    periods: Sequence[Period],
    designations: Sequence[Designation],
    year: int | None,
) -> DatedLabel:
    """The label of an entry whose category today is `category`, for a work of `year`.

    Examples
    --------
    >>> p = [Period.of("cn_police", None, "2018-04-15", ["reform"])]
    >>> label_for("cn_other", p, [], 2014).category, label_for("cn_other", p, [], 2021).category
    ('cn_police', 'cn_other')
    >>> label_for("cn_other", p, [], 2021).dates
    'from 2018-04-16'
    >>> label_for("cn_other", p, [], 2019).flag
    'within a year of a change on 2018-04-16'
    >>> label_for("cn_other", p, [], None).flag
    "no publication year: today's category, no designation"
    """
    changes = sorted({d for x in (*periods, *designations) for d in x.changes()})
    if year is None:
        return DatedLabel(
            category,
            None,
            None,
            _today_span(periods),
            "",
            "no publication year: today's category, no designation" if changes else "",
        )
    day = f"{year:04d}-{REFERENCE_DAY}"
    near = [d for d in changes if abs(int(d[:4]) - year) <= 1]
    flag = f"within a year of a change on {', '.join(near)}" if near else ""
    listed = "; ".join(d.text() for d in designations if d.in_year(year))
    for p in periods:
        if p.holds_on(day):
            return DatedLabel(p.category, p.sources, p.confidence, p.label(), listed, flag)
    return DatedLabel(category, None, None, _gap_span(periods, day), listed, flag)


def _gap_span(periods: Iterable[Period], day: str) -> str:
    """The dates around `day` in which no period holds: the entry's own category."""
    before = [p.end for p in periods if p.end and p.end < day]
    after = [p.start for p in periods if p.start and p.start > day]
    start = _day_after(max(before)) if before else None
    end = _day_before(min(after)) if after else None
    return _span(start, end)


def _today_span(periods: Sequence[Period]) -> str:
    return _gap_span(periods, dt.date.today().isoformat()) if periods else ""


def timeline(category: str, periods: Sequence[Period]) -> str:
    """An entry's categories through time, oldest first ("" without periods).

    >>> timeline("cn_other", [Period.of("cn_police", None, "2018-04-15", ["reform"])])
    'cn_police until 2018-04-15; cn_other from 2018-04-16'
    """
    if not periods:
        return ""
    ordered = sorted(periods, key=lambda p: p.start or "")
    parts, since = [], None  # since: the first day not covered by a period so far
    for k, p in enumerate(ordered):
        if p.start and (k == 0 or (since and since < p.start)):
            parts.append(f"{category} {_span(since if k else None, _day_before(p.start))}")
        parts.append(f"{p.category} {p.label()}")
        since = _day_after(p.end) if p.end else None
    if since:
        parts.append(f"{category} from {since}")
    return "; ".join(parts)
