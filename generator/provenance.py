"""Where a printed fact comes from: an official operator page, or a secondary source.

Every printed operator fact carries a short label saying which ("official page, 2024 or
earlier", "secondary source, 2010"). The kind is derived, not declared: a source counts
as official only when it is a URL on one of the operator's declared ``domains``, so an
editor cannot promote an SEO page by calling it official. The year is the source's own
(``year`` / ``or_earlier`` in the operator file); the labels are template strings, so
each language words them itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from ada_url import URL

from .schema import Fact, Operator


@dataclass(frozen=True)
class Provenance:
    official: bool
    year: int | None
    or_earlier: bool


def is_official(source: str, domains: list[str]) -> bool:
    """True when ``source`` is an https URL on one of ``domains`` (subdomains included).

    Parsed as browsers do (WHATWG URL, through ada-url): ``https://evil.example\\@mts.ru/``
    is on evil.example, not on mts.ru.
    """
    if not source.startswith("https://") or any(c.isspace() for c in source):
        return False
    try:
        url = URL(source)
    except ValueError:
        return False
    host = url.hostname.lower()
    return url.protocol == "https:" and any(host == d or host.endswith("." + d) for d in domains)


def provenance(operator: Operator, fact: Fact) -> Provenance:
    """The provenance label's parts for one of ``operator``'s facts."""
    return Provenance(
        official=is_official(fact.source, operator.domains),
        year=fact.year,
        or_earlier=fact.or_earlier,
    )
