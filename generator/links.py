"""Which links a leaflet may carry, and what counts as a link in text.

A leaflet links only to the operators' official domains — the ``domains:`` lists of
the operator files, subdomains included — over ``https``, with no user name, no port
but 443 and no trailing dot; its operator's site and its QR code only to that
operator's own domains. Those lists are the only allowance: a fact's ``source`` is a
citation for editors, and a URL written as a fact's value must itself be on them.

URLs are parsed the way browsers parse them (the WHATWG URL standard, with ada-url):
``https://evil.example\\@mts.ru/`` goes to evil.example, tabs and newlines inside a URL
are dropped, percent-encoded and IDN hosts are decoded. The host checked is the host a
reader's browser would open, and the ``href`` written is that parse's result (or the
value itself when they agree), so WeasyPrint's and a browser's readings cannot differ.

Text (content prose, translations, fact values) is scanned for whatever a reader could
type or tap: URLs with a scheme, ``www.`` names, e-mail domains and bare domains
(``t.me/x``, ``bit.ly/x``, ``мтс.рф``, ``xn--…``). A bare name counts as a domain when
its last label is a real top-level domain (the Public Suffix List), when a path follows
it, or when it is in ``xn--`` form; so "e.g.", "No.5", "3.5" or "ул.Ленина" stay text.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from ada_url import URL, idna_to_unicode

from . import diskcache
from .errors import GuideError

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList

    from .content import Content
    from .schema import Operator

#: Schemes a link in prose may carry without ``//`` (``javascript:alert(1)``).
_OPAQUE_SCHEMES = "javascript|vbscript|data|mailto|file|blob|tg|whatsapp|viber|skype|intent"
#: CJK scripts have no spaces between words: a domain glued to Chinese text starts at
#: the first Latin or Cyrillic letter, and a URL ends where the Chinese text resumes.
#: Text is scanned with these characters (and CJK punctuation) read as spaces.
_CJK_RE = re.compile("[\u2e80-\u2fff\u3000-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
_ALNUM = r"[^\W_]"
_LABEL = rf"{_ALNUM}(?:[\w-]*{_ALNUM})?"
_TAIL = r"[^\s\"'<>`]"

# Case-insensitive only where needed: (?i) over Unicode classes takes ~0.1 s to compile.
LINK_RE = re.compile(
    rf"(?P<url>(?<!{_ALNUM})[a-zA-Z][a-zA-Z0-9+.-]*://{_TAIL}*"
    rf"|(?<!{_ALNUM})(?i:{_OPAQUE_SCHEMES}):{_TAIL}+"
    # protocol-relative: //host.tld/...
    rf"|(?<![\w:/])//{_ALNUM}{_TAIL}*)"
    rf"|(?<!{_ALNUM})(?<![.-])(?P<host>(?:{_LABEL}\.)+"
    rf"(?P<tld>(?i:xn--)[a-zA-Z0-9-]+|[^\W\d_]{{2,63}}))"
    rf"(?!{_ALNUM}|-)(?P<rest>(?::[0-9]+)?[/?#]{_TAIL}*)?"
)
_TRAILING = ".,;:!?)]}»”’"
_SCHEME_RE = re.compile(r"^[a-z][a-z0-9+-]*:", re.IGNORECASE)


@cache
def _suffixes() -> PublicSuffixList:
    """The Public Suffix List, loaded on first use (~50 ms), once per process."""
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList(accept_unknown=False)


def is_public_suffix(name: str) -> bool:
    """``ru``, ``com.ru`` or ``blogspot.com``: names under which anyone can register.

    Answers are kept between runs (:mod:`generator.diskcache`) for this edition of the
    list: the few names a guide asks about do not need its 10,000 rules parsed each time.
    """
    global _NEW
    name = name.lower()
    answers = _answers()[1]
    if name not in answers:
        answers[name] = bool(_suffixes().is_public(name))
        _NEW = True
    return answers[name]


#: Answers not yet stored.
_NEW = False
#: The most answers kept: text decides which names are asked about, and a hostile one
#: must not grow the entry every build reads.
MAX_KEPT_ANSWERS = 2000


def keep_answers() -> None:
    """Store the answers learnt since the last call (once per batch of checks, not per
    name: a text naming thousands of made-up domains must not cost a write each)."""
    global _NEW
    if not _NEW:
        return
    _NEW = False
    key, answers = _answers()
    if len(answers) <= MAX_KEPT_ANSWERS:
        diskcache.store("public-suffixes", key, answers)


def suffix_list_edition() -> str:
    """Which Public Suffix List answers :func:`is_public_suffix` (its version and file)."""
    return _answers()[0]


@cache
def _answers() -> tuple[str, dict[str, bool]]:
    """This list's cache key, and the answers it gave before (name -> public suffix)."""
    import publicsuffixlist

    try:
        stat = os.stat(publicsuffixlist.PSLFILE)
        edition = f"{stat.st_size}:{stat.st_mtime_ns}"
    except OSError:
        edition = "unknown"
    key = diskcache.entry_key(
        diskcache.code_version(__file__), publicsuffixlist.__version__, edition
    )
    kept = diskcache.load("public-suffixes", key)
    answers: dict[str, bool] = {}
    if isinstance(kept, dict):
        answers = {k: v for k, v in kept.items() if isinstance(k, str) and isinstance(v, bool)}
    return key, answers


def links_in(text: str) -> list[str]:
    """Every link-like run in ``text``, without trailing sentence punctuation."""
    found = []
    for m in LINK_RE.finditer(_CJK_RE.sub(" ", text)):
        if m.group("host") is not None:
            host, tld = m.group("host"), m.group("tld")
            if not (
                m.group("rest")
                or host.lower().startswith("www.")
                or "xn--" in host.lower()
                or is_public_suffix(tld)
            ):
                continue
        found.append(_trim(m.group(0)))
    return found


def _trim(link: str) -> str:
    """Drop sentence punctuation after a link, but not a closing bracket it opened."""
    while link and link[-1] in _TRAILING:
        if link[-1] == ")" and link.count("(") >= link.count(")"):
            break
        link = link[:-1]
    return link


def absolute(link: str) -> str:
    """The URL a reader reaches with ``link``: typed into a browser, a bare name is https."""
    if link.startswith("//"):
        return "https:" + link
    scheme = _SCHEME_RE.match(link)
    # "mts.ru:443/x" is a name with a port, not the scheme "mts.ru".
    return link if scheme else "https://" + link


@dataclass(frozen=True)
class Link:
    """A checked link: made only by :meth:`Policy.link`, so only allowed URLs get one."""

    href: str
    """The URL as the WHATWG parser normalised it: what is written into the page."""
    label: str
    """Its host as a reader sees it (Unicode for an IDN)."""


@dataclass(frozen=True)
class Policy:
    """The hosts one leaflet may link to: its operator's official domains."""

    domains: tuple[str, ...]

    def _url(self, link: str) -> URL | None:
        """``link`` parsed, if it is an allowed https URL; else None."""
        try:
            url = URL(absolute(link))
        except ValueError:
            return None
        host = url.hostname
        ok = (
            url.protocol == "https:"
            and not url.username
            and not url.password
            and not url.port  # the parser drops the default :443
            and not host.endswith(".")
        )
        return (
            url if ok and any(host == d or host.endswith("." + d) for d in self.domains) else None
        )

    def permits(self, link: str) -> bool:
        """True when ``link`` (a URL, or a bare name as found in text) is official."""
        return self._url(link) is not None

    def refused(self, texts: Iterable[str]) -> list[str]:
        """The links in ``texts`` this policy does not permit, in order, once each."""
        out: list[str] = []
        for text in texts:
            for link in links_in(text):
                if not self.permits(link) and link not in out:
                    out.append(link)
        return out

    def link(self, value: str) -> Link | None:
        """A :class:`Link` when ``value`` is one URL or domain; None when it is text.

        A value that is a link but not an allowed one is an error: this is where every
        link and QR code of a leaflet is made, so nothing unofficial gets past it.
        """
        value = value.strip()
        if links_in(value) != [value]:
            return None
        url = self._url(value)
        if url is None:
            raise GuideError(f"link not from an official site ({self.describe()}): {value}")
        # The parser's form is written unless it only adds the root's "/" to the value.
        href = value if url.href in (value, value + "/") else url.href
        return Link(href=href, label=idna_to_unicode(url.hostname))

    def describe(self) -> str:
        return ", ".join(self.domains)


def policy(operator: Operator) -> Policy:
    """An operator's own domains: its site and the QR codes of its leaflets."""
    return Policy(tuple(operator.domains))


def allowed_links(content: Content) -> Policy:
    """Every operator's official domains: what any link or printed domain may name."""
    domains = (d for op in content.operators.values() for d in op.domains)
    return Policy(tuple(dict.fromkeys(domains)))
