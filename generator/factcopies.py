"""Each fact lives in one place: find copies of operator fact values in prose.

A phone number, a code such as ``*102#`` or an official domain belongs in its operator
file; sentences refer to it by placeholder (``%(tollfree)s``, ``%(site)s``). A copy
typed into a sentence or a translation stays behind when the fact is corrected, and the
leaflet then prints the old number beside the new one. ``make-guide check`` uses this
to name every copy with its file and line.

Numbers are compared by their digits, so "8-800-700-06-11" is the same number as
"8 800 700-06-11"; a digit run is only a copy as a whole ("611" is not found inside
"06-11" or "2611", but it is in "2611 611").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .content import Content

#: A phone number or a USSD code as written in text: digits with spaces, dashes,
#: dots or brackets between them, an optional leading + or *, an optional trailing #.
#: (ASCII-only boundaries: in "拨打0890" the number follows a Chinese letter directly.)
_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z_*+#])[+*]?\d(?:[\d\s().*-]*\d)?#?(?![0-9A-Za-z_#])")
_PLACEHOLDER_RE = re.compile(r"%\(\w+\)[sd]")


@dataclass(frozen=True)
class Copy:
    """A fact value found in a string."""

    operator: str
    fact: str
    found: str


def _digits(text: str) -> str:
    """A number reduced to what identifies it: digits and the + * # signs."""
    return re.sub(r"[^\d+*#]", "", text)


def _runs(token: str) -> Iterator[str]:
    """Every run of whole space-separated parts of ``token``: "2611 611" has "611" in it."""
    parts = token.split()
    for i in range(len(parts)):
        for j in range(i + 1, len(parts) + 1):
            yield " ".join(parts[i:j])


class FactValues:
    """The values worth finding: phone numbers, codes and official domains of every operator."""

    def __init__(self, content: Content) -> None:
        self.numbers: list[tuple[str, str, str]] = []
        self.domains: list[tuple[str, re.Pattern[str]]] = []
        for slug, operator in content.operators.items():
            for key, fact in operator.facts.items():
                value = (fact.value or "").strip()
                if _NUMBER_RE.fullmatch(value):
                    self.numbers.append((slug, key, _digits(value)))
            for domain in operator.domains:
                # The domain as a whole name: "mts.ru", "www.mts.ru", "https://mts.ru/x",
                # but not "xmts.ru" or "mts.rus".
                pattern = (
                    rf"(?<![0-9A-Za-z_.-])(?:[0-9A-Za-z_-]+\.)*{re.escape(domain)}(?![0-9A-Za-z_-])"
                )
                self.domains.append((slug, re.compile(pattern, re.IGNORECASE)))

    def copies_in(self, text: str) -> Iterator[Copy]:
        """Every fact value that ``text`` repeats literally (placeholders aside)."""
        text = _PLACEHOLDER_RE.sub(" ", text)
        found = [
            (run, _digits(run)) for m in _NUMBER_RE.finditer(text) for run in _runs(m.group(0))
        ]
        for slug, key, value in self.numbers:
            for written, digits in found:
                if digits == value:
                    yield Copy(slug, key, written)
        for slug, pattern in self.domains:
            for match in pattern.finditer(text):
                yield Copy(slug, "domains", match.group(0))
