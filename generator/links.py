"""Which links a leaflet may carry.

Only ``https`` links to a domain an operator file declares as official (its ``site``
fact, subdomains included) or to the exact source URL of a fact. Everything else —
a messenger or reseller link, ``http:``, ``javascript:``, ``data:``, ``file:`` — is
refused by ``make-guide check`` and by the build.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from .content import Content

#: Anything that looks like a link in text or markup.
LINK_RE = re.compile(
    r"(?i)\b(?:https?|ftp|file|javascript|vbscript|data|mailto):[^\s\"'<>`]*"
    r"|\bwww\.[^\s\"'<>`]+"
    # protocol-relative: //host.tld/...
    r"|(?<![\w:/])//[a-z0-9-]+(?:\.[a-z0-9-]+)+[^\s\"'<>`]*"
)
_TRAILING = ".,;:!?)]}»”’"


@dataclass(frozen=True)
class Allowed:
    hosts: frozenset[str]
    urls: frozenset[str]

    def permits(self, link: str) -> bool:
        if link in self.urls:
            return True
        parts = urlsplit(link)
        host = (parts.hostname or "").lower()
        return parts.scheme == "https" and any(
            host == h or host.endswith("." + h) for h in self.hosts
        )


def allowed_links(content: Content) -> Allowed:
    """The official domains of every operator and the URLs of every fact's source."""
    hosts, urls = set(), set()
    for operator in content.operators.values():
        hosts.add((urlsplit(operator.site).hostname or "").lower())
        for fact in operator.facts.values():
            urls.update(links_in(fact.source))
            if fact.value:
                urls.update(links_in(fact.value))
    return Allowed(frozenset(hosts - {""}), frozenset(urls))


def links_in(text: str) -> list[str]:
    """Every link-like run in ``text``, without trailing punctuation."""
    return [_trim(m.group(0)) for m in LINK_RE.finditer(text)]


def _trim(link: str) -> str:
    """Drop sentence punctuation after a link, but not a closing bracket it opened."""
    while link and link[-1] in _TRAILING:
        if link[-1] == ")" and link.count("(") >= link.count(")"):
            break
        link = link[:-1]
    return link


def refused(texts: Iterable[str], allowed: Allowed) -> list[str]:
    """The links in ``texts`` that ``allowed`` does not permit, in order, once each."""
    out: list[str] = []
    for text in texts:
        for link in links_in(text):
            if not allowed.permits(link) and link not in out:
                out.append(link)
    return out
