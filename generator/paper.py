"""Paper sizes, their page budgets, and the print shop's options (bleed, crop marks).

A leaflet must fit its budget in every language: Russian runs longer than English
and Chinese is denser, so the build counts the pages and refuses an overflow with
a line a translator can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import GuideError


@dataclass(frozen=True)
class Paper:
    css_size: str
    """The CSS ``@page { size }`` value."""
    budget: int
    """The most pages a leaflet may take."""
    top: float
    side: float
    bottom: float
    """``@page`` margins in millimetres (numbers: the page band is placed from them)."""


PAPERS: dict[str, Paper] = {
    "a4": Paper("A4", 3, 13, 14, 14),
    "letter": Paper("letter", 3, 11, 16, 12),
    "a5": Paper("A5", 6, 10, 10, 12),
}
DEFAULT_PAPER = "a4"
#: Ways of placing A5 pages on A4 sheets for office printing (generator.impose).
IMPOSITIONS = ("2up", "booklet")
_LENGTH_RE = re.compile(r"^(\d{1,2}(?:\.\d+)?)(mm|cm|in|pt)$")
_MM = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72}


def parse_length(text: str) -> float:
    """``3mm`` -> 3.0 (millimetres); refuses anything else with a usage error."""
    match = _LENGTH_RE.match(text.strip())
    if not match or float(match.group(1)) * _MM[match.group(2)] > 25:
        raise GuideError(
            f"--bleed: expected a length up to 25mm such as 3mm, got '{text}'", exit_code=2
        )
    return round(float(match.group(1)) * _MM[match.group(2)], 3)


@dataclass(frozen=True)
class PrintOptions:
    """How the PDF is laid out for printing."""

    paper: str = DEFAULT_PAPER
    bleed: float = 0
    """Millimetres the page band reaches past the trim (0: no bleed)."""
    marks: bool = False
    """Crop and registration marks, in the bleed area."""
    duplex: bool = False
    """Pad to an even page count (blank last page), for printing on both sides."""
    impose: str | None = None
    """Also write the A5 pages imposed on A4: ``2up`` or ``booklet`` (see generator.impose)."""

    def __post_init__(self) -> None:
        if self.paper not in PAPERS:
            raise GuideError(
                f"unknown paper '{self.paper}' (choose from: {', '.join(PAPERS)})", exit_code=2
            )
        if self.impose is not None:
            if self.impose not in IMPOSITIONS:
                raise GuideError(
                    f"unknown imposition '{self.impose}' (choose from: {', '.join(IMPOSITIONS)})",
                    exit_code=2,
                )
            if self.paper != "a5" or self.bleed or self.marks:
                raise GuideError(
                    f"--impose {self.impose} places A5 pages on A4 sheets: use it with "
                    "--paper a5 (and without --bleed or --marks)",
                    exit_code=2,
                )

    @property
    def spec(self) -> Paper:
        return PAPERS[self.paper]

    @property
    def suffix(self) -> str:
        """Added to output names so that print variants never overwrite the default."""
        parts = [] if self.paper == DEFAULT_PAPER else [self.paper]
        if self.bleed or self.marks:
            parts.append("print")
        if self.duplex:
            parts.append("duplex")
        return "".join(f"-{p}" for p in parts)

    @property
    def print_shop(self) -> bool:
        """A print shop's file (bleed, crop marks): a PDF, with no HTML twin."""
        return bool(self.bleed or self.marks)
