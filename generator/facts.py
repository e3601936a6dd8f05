"""Every operator fact with its age and provenance: what ``make-guide facts`` lists.

A leaflet's value decays as operators change numbers and rules; this is the editor's
view of how old each printed claim is and where it comes from. The rows are plain data
(the command prints them as a table or JSON); the marks say what needs attention: a fact
last checked longer ago than the guide's ``stale_after_months``, a low-confidence fact,
or one whose source is not a URL anyone could re-check.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from .content import Content
from .provenance import is_official
from .schema import Fact

#: What ``--fail-on`` may name, and what each mark means.
MARKS = {
    "stale": "last checked longer ago than the guide's stale_after_months",
    "low": "low confidence (never printed)",
    "no-url": "the source is not an http(s) URL: facts verify cannot re-check it",
}


@dataclass(frozen=True)
class FactRow:
    """One operator fact, as ``make-guide facts`` lists it."""

    operator: str
    key: str
    kind: str
    """``value`` (printed as written), ``text`` (translated prose) or ``rule`` (numbers)."""
    value: str
    confidence: str
    provenance: str
    """``official page`` (a URL on one of the operator's domains) or ``secondary source``."""
    year: int | None
    """The source's own year, when known."""
    source: str
    url: str | None
    """The source when it is an http(s) URL: what ``facts verify`` fetches."""
    checked: dt.date
    verified: dt.date | None
    """The day ``facts verify --record`` found it on its source, while that is its latest check."""
    age_days: int
    marks: tuple[str, ...]
    file: str
    line: int | None

    def as_dict(self) -> dict[str, object]:
        return {
            "operator": self.operator,
            "fact": self.key,
            "kind": self.kind,
            "value": self.value,
            "confidence": self.confidence,
            "provenance": self.provenance,
            "year": self.year,
            "source": self.source,
            "url": self.url,
            "checked": self.checked.isoformat(),
            "verified": self.verified.isoformat() if self.verified else None,
            "age_days": self.age_days,
            "stale": "stale" in self.marks,
            "low": "low" in self.marks,
            "no_url": "no-url" in self.marks,
            "file": self.file,
            "line": self.line,
        }


def months_before(day: dt.date, months: int) -> dt.date:
    """``day`` moved back by whole calendar months (31 May - 3 months = 28 February)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def printed_value(fact: Fact) -> tuple[str, str]:
    """The fact's kind and its content in one line (a rule as its sentences and numbers)."""
    if fact.value is not None:
        return "value", fact.value
    if fact.text is not None:
        return "text", " ".join(fact.text.split())
    parts = []
    for item in fact.rule or []:
        amount = f", amount {item.amount}" if item.amount is not None else ""
        parts.append(f"{item.sentence}: {item.num}{amount}")
    return "rule", "; ".join(parts)


def fact_rows(
    content: Content, today: dt.date, operators: Sequence[str] | None = None
) -> list[FactRow]:
    """Every fact of the given operators (default: all), in file order."""
    stale_before = months_before(today, content.guide.stale_after_months)
    rows = []
    for slug, operator in content.operators.items():
        if operators and slug not in operators:
            continue
        source = content.sources[slug]
        for key, fact in operator.facts.items():
            kind, value = printed_value(fact)
            url = fact.url
            marks = []
            if fact.checked < stale_before:
                marks.append("stale")
            if fact.confidence == "low":
                marks.append("low")
            if url is None:
                marks.append("no-url")
            official = is_official(fact.source, operator.domains)
            rows.append(
                FactRow(
                    operator=slug,
                    key=key,
                    kind=kind,
                    value=value,
                    confidence=fact.confidence,
                    provenance="official page" if official else "secondary source",
                    year=fact.year,
                    source=fact.source,
                    url=url,
                    checked=fact.checked,
                    verified=fact.verified if fact.live else None,
                    age_days=(today - fact.checked).days,
                    marks=tuple(marks),
                    file=str(source.path),
                    line=source.line_of(("facts", key)),
                )
            )
    return rows
