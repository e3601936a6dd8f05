"""Re-check operator facts against their sources: ``make-guide facts verify``.

Each fact whose source is an http(s) URL is looked for on that page (fetched by
:mod:`generator.fetch`, one request at a time, each URL once per run) and gets one
status:

``confirmed``    the value was found on the page
``not_found``    the page was fetched, the value is not on it
``unreachable``  network error, timeout, HTTP error, refused address, page too big
``moved``        the page redirects to another host (not followed)
``skipped``      no URL to fetch, or prose that cannot be matched literally

Values are compared normalised, the way a person reading the page would: phone numbers
by their digits (``8-800-700-06-11`` is ``8 800 700-06-11``, and a Russian ``+7`` is the
domestic ``8``), codes and domains case-folded without spaces, names case-folded. Nothing
here edits content; :mod:`generator.record` does, for confirmed facts only.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

from ada_url import URL

from .characters import refused_reason
from .facts import FactRow
from .fetch import Fetcher, FetchError, Page

log = logging.getLogger(__name__)

Status = Literal["confirmed", "not_found", "unreachable", "moved", "skipped"]
STATUSES: tuple[Status, ...] = ("confirmed", "not_found", "unreachable", "moved", "skipped")


@dataclass(frozen=True)
class Verdict:
    operator: str
    fact: str
    status: Status
    url: str | None
    detail: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


#: A phone number as written in a fact: digits with spaces, dashes, dots, brackets.
_PHONE_VALUE = re.compile(r"\+?[0-9][0-9 ()\-.]*[0-9]")
#: ...and as found on a page (any dash, no-break and thin spaces after NFKC).
_PHONE_RUN = re.compile(r"\+?[0-9](?:[0-9 ()\-.\u2010-\u2015\u2212]*[0-9])?")
#: Numbers this short are looked for as a whole number, never inside a longer one
#: ("0890" is in "8 800 250-08-90").
_SHORT = 6


def _nfkc(text: str) -> str:
    # Full-width digits, no-break spaces and ligatures as their plain forms.
    return unicodedata.normalize("NFKC", text)


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isascii() and c.isdigit())


def _phone_forms(digits: str) -> set[str]:
    """A Russian number written +7 ... or 8 ... is the same number."""
    forms = {digits}
    if len(digits) == 11 and digits[0] in "78":
        forms.add(("8" if digits[0] == "7" else "7") + digits[1:])
    return forms


def _groups(text: str) -> list[str]:
    return re.findall(r"[0-9]+", text)


def _on_group_bounds(form: str, run: str) -> bool:
    """Whether ``form`` is some whole groups of the run in a row, and the whole number
    there: a number is never found inside a longer one ("8 800 250-08-9" in "...08-90",
    "78002500890" in an INN), nor as the first groups of one ("8 800 250-08" in
    "8 800 250-08-90")."""
    groups = list(re.finditer(r"[0-9]+", run))
    for first in range(len(groups)):
        joined = ""
        for i in range(first, len(groups)):
            joined += groups[i].group()
            if joined == form:
                return i + 1 == len(groups) or _ends_there(run, groups, i)
            if not form.startswith(joined):
                break
    return False


def _ends_there(run: str, groups: list[re.Match[str]], last: int) -> bool:
    """Whether the number ends after ``groups[last]`` although the run goes on: the
    next group is a new number (or a bracket), not the rest of this one."""
    gap = run[groups[last].end() : groups[last + 1].start()]
    if not any(c.isspace() for c in gap):
        return False  # "-", "." or nothing: the same number goes on
    if "(" in gap:
        return True  # "8 800 250-08-90 (24/7)", or "(495) ..." starting another number
    rest = sum(len(g.group()) for g in groups[last + 1 :])
    return rest >= 7  # another whole number follows; " 90" is this one's last group


def _find_phone(value: str, text: str) -> str | None:
    digits = _digits(value)
    forms = _phone_forms(digits)
    for run in _PHONE_RUN.finditer(text):
        groups = _groups(run.group())
        if len(digits) <= _SHORT:
            # A short number as a whole number, in the value's own groups ("0611" is not
            # the date "06.11"), and not part of a word ("A611").
            around = text[run.start() - 1 : run.start()] + text[run.end() : run.end() + 1]
            if groups == _groups(value) and not any(c.isalnum() for c in around):
                return run.group()
        elif any(_on_group_bounds(form, run.group()) for form in forms):
            return run.group()
    return None


def _squeeze(text: str) -> str:
    return "".join(text.split()).casefold()


def _find_code(value: str, text: str) -> str | None:
    """A USSD code (``*100#``): case-folded, spaces ignored, not inside a longer code."""
    code = _squeeze(value)
    page = _squeeze(text)
    for match in re.finditer(re.escape(code), page):
        after = page[match.end() : match.end() + 1]
        before = page[match.start() - 1 : match.start()] if match.start() else ""
        inside = (after and (after.isdigit() or after in "*#")) or (
            before and (before.isdigit() or before == "*")
        )
        if not inside:
            return value
    return None


def _find_domain(value: str, text: str) -> str | None:
    """A site (``https://mts.ru``) by its host name, with or without ``www.``; a value
    with a path (``https://mts.ru/roaming``) needs that path too."""
    try:
        host = URL(value).hostname.casefold()
    except ValueError:
        return None
    host = host.removeprefix("www.")
    after_host = value.split("://", 1)[1]
    path = after_host[len(after_host.split("/", 1)[0]) :].rstrip("/")
    path_pattern = rf"{re.escape(path)}/?(?![\w/%-])" if path else r"(?![\w-]|\.\w)"
    pattern = rf"(?<![\w.-])(?:www\.)?{re.escape(host)}{path_pattern}"
    match = re.search(pattern, text, re.IGNORECASE)
    return match.group() if match else None


def _find_name(value: str, text: str) -> str | None:
    """A name (an app): case-folded, whitespace collapsed. A gloss in brackets
    ("Мой МТС (My MTS)") is ours, not the page's: the name before it is enough."""
    page = " ".join(text.split()).casefold()
    whole = " ".join(value.split())
    names = [whole]
    if whole.endswith(")") and " (" in whole:
        names.append(whole[: whole.index(" (")])
    for name in names:
        # A whole word or words: "МТС" is not found in "МТСБанк", nor "12" in "2012".
        if re.search(rf"(?<!\w){re.escape(name.casefold())}(?!\w)", page):
            return name
    return None


def find_value(value: str, text: str) -> str | None:
    """Where ``value`` appears in ``text`` (as written there), normalised; None if absent."""
    value, text = _nfkc(value).strip(), _nfkc(text)
    if _PHONE_VALUE.fullmatch(value) and len(_digits(value)) >= 3:
        return _find_phone(value, text)
    if "*" in value or "#" in value:
        return _find_code(value, text)
    if value.startswith(("https://", "http://")):
        return _find_domain(value, text)
    return _find_name(value, text)


def _shown(text: str, limit: int = 200) -> str:
    """Text from a page or a server, safe to print on a terminal: one line, no control
    or format characters (an escape sequence in a page must not reach the editor's
    terminal, a bidi override must not reorder the line), bounded."""
    text = "".join("\ufffd" if refused_reason(c) else c for c in " ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _snippet(text: str) -> str:
    return _shown(text, 60)


def verify(
    rows: Sequence[FactRow], fetcher: Fetcher, *, deadline: float | None = None
) -> Iterator[Verdict]:
    """One verdict per row, in order; each URL is fetched once (several facts often
    share a source)."""
    pages: dict[str, Page | FetchError] = {}
    for row in rows:
        if row.url is None:
            yield Verdict(row.operator, row.key, "skipped", None, "the source is not a URL")
            continue
        if row.kind != "value":
            why = "prose cannot be matched literally" if row.kind == "text" else "a rule"
            yield Verdict(row.operator, row.key, "skipped", row.url, f"{why}: check by reading")
            continue
        if row.url not in pages:
            log.info("fetching %s", row.url)
            try:
                pages[row.url] = fetcher.get(row.url, deadline=deadline)
            except FetchError as exc:
                pages[row.url] = exc
        page = pages[row.url]
        if isinstance(page, FetchError):
            status: Status = "moved" if page.status == "moved" else "unreachable"
            yield Verdict(row.operator, row.key, status, row.url, _shown(page.detail))
            continue
        found = find_value(row.value, page.text)
        if found is None:
            yield Verdict(
                row.operator,
                row.key,
                "not_found",
                row.url,
                f"«{_shown(row.value)}» is not on the page",
            )
        else:
            yield Verdict(
                row.operator, row.key, "confirmed", row.url, f"found as «{_snippet(found)}»"
            )
