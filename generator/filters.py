"""Jinja2 filters and globals of the leaflet templates: operator names as on store signs,
passages in the staff's language, ``tel:`` links, QR codes, CSS-escaped strings.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from . import diskcache
from .errors import GuideError
from .links import Link
from .localize import Leaflet

_PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()-]*$")


# Cyrillic letters drawn like Latin ones: "Т2" on a store sign reads as "T2".
_HOMOGLYPHS = str.maketrans("АВЕКМНОРСТХаеорсух", "ABEKMHOPCTXaeopcyx")


def looks_like(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` look the same to a reader (Т2 and t2 look like T2)."""
    return a.translate(_HOMOGLYPHS).casefold() == b.translate(_HOMOGLYPHS).casefold()


#: Letters of a script, for finding passages in the staff's language inside a leaflet.
_SCRIPT_LETTERS = {"Cyrl": "\u0400-\u04ff", "Grek": "\u0370-\u03ff", "Arab": "\u0600-\u06ff"}
#: A number with separators: a phone number, a USSD code, a date. In a right-to-left
#: line the bidirectional algorithm would show its groups in reverse order ("+7 800
#: 250-08-90" as "90-08-250 800 7+"), so there it is isolated as left-to-right.
_NUMBER = r"[+*]?\(?[0-9](?:[0-9 ().*/-]*[0-9)])?#?"


def mark_passages(text: str, leaflet: Leaflet) -> Markup:
    """``text``, escaped, with runs in the staff's script wrapped in ``<span lang>``.

    A Russian app name or service name inside a Chinese or English sentence
    ("Мой МТС", "Добровольная блокировка") is then read by screen readers and
    hyphenated as Russian. Nothing is marked when the leaflet shares the script. On a
    right-to-left page such a run also gets ``dir="ltr"``, and so does a number with
    separators (a phone number, a code), which would otherwise be shown reversed.
    """
    patterns = []
    letters = _SCRIPT_LETTERS.get(leaflet.staff_script or "")
    if letters and leaflet.script != leaflet.staff_script:
        patterns.append(f"(?P<staff>[{letters}](?:[{letters}\\s«»\"'.,-]*[{letters}»])?)")
    if leaflet.direction == "rtl":
        patterns.append(f"(?P<number>{_NUMBER})")
    if not patterns:
        return _keep_last_together(text, leaflet)
    staff_dir = leaflet.staff_direction if leaflet.staff_direction != leaflet.direction else None
    out, pos = [], 0
    for match in re.finditer("|".join(patterns), text):
        run = match.group(0)
        if match.lastgroup == "staff":
            attrs = Markup(' lang="{}"').format(leaflet.staff_lang)
            if staff_dir:
                attrs += Markup(' dir="{}"').format(staff_dir)
        elif run.isdigit():
            continue  # a number alone is shown as it is in any direction
        else:
            attrs = Markup(' dir="ltr"')
        span = Markup("<span{}>{}</span>").format(attrs, run)
        out.append(escape(text[pos : match.start()]))
        out.append(span)
        pos = match.end()
    out.append(_keep_last_together(text[pos:], leaflet))
    return Markup("").join(out)


#: Scripts set without spaces between words: a line may break after any character.
_UNSPACED = {"Hans", "Hant", "Jpan", "Kore"}
#: How many characters end a paragraph together there.
_LAST = 4


def _keep_last_together(text: str, leaflet: Leaflet) -> Markup:
    """``text``, escaped; in Chinese, Japanese and Korean its last characters kept on one
    line (``white-space: nowrap``), so a paragraph never ends in a line of one or two
    characters ("…核/实。")."""
    tail = text[-_LAST:]
    # Only a tail of Chinese characters and punctuation: never inside a Latin word.
    if (
        leaflet.script not in _UNSPACED
        or len(text) <= 2 * _LAST
        or not all(ord(ch) > 0x2E7F for ch in tail)
    ):
        return escape(text)
    return escape(text[:-_LAST]) + Markup('<span class="together">{}</span>').format(tail)


def tel_href(value: str) -> str | None:
    """``tel:`` link for a phone number or USSD code as printed; None for anything else."""
    compact = re.sub(r"[ ()-]", "", value)
    if _PHONE_RE.match(value):
        return f"tel:{compact}"
    if re.fullmatch(r"\*[0-9*]+#", compact):
        return "tel:" + compact.replace("#", "%23")
    return None


def qr_svg(link: Link, label: str) -> Markup:
    """An inline SVG QR code of ``link`` (regular QR: phones do not read Micro QR).

    Only a :class:`Link`, which the leaflet's policy made, can be encoded: a QR code
    cannot carry an unofficial URL.
    """
    if not isinstance(link, Link) or not link.href.startswith("https://"):
        raise GuideError(f"a QR code encodes only an official https link, not {link!r}")
    title = _text(label)
    # Kept between runs (generator.diskcache): segno and what it imports (urllib, ssl)
    # cost a cold build ~20 ms for one small drawing that rarely changes.
    key = diskcache.entry_key(
        diskcache.code_version(__file__), diskcache.library_version("segno"), link.href, title
    )
    svg = diskcache.load("qr", key)
    if not isinstance(svg, str):
        import segno

        code = segno.make_qr(link.href, error="m")
        # segno escapes the title itself: give it the text, not Jinja2's escaped markup.
        svg = code.svg_inline(scale=4, border=4, omitsize=True, title=title, svgclass="qr")
        diskcache.store("qr", key, svg)
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))


def _text(value: str) -> str:
    """Plain text: a Markup value (an escaped translation) unescaped, anything else as is."""
    return value.unescape() if isinstance(value, Markup) else str(value)


def css_escape(text: str) -> str:
    """A CSS string literal body: Jinja2 escapes for HTML, not for CSS (see README)."""
    return "".join(
        ch if (ch.isalnum() or ch in " .,:;!?()[]/-_+·—–…") or ord(ch) > 0x7F else f"\\{ord(ch):x} "
        for ch in text
    )


def css_counters(text: str) -> Markup:
    """``Page {page} of {pages}`` -> ``"Page " counter(page) " of " counter(pages)``."""
    out = []
    for part in re.split(r"(\{page\}|\{pages\})", _text(text)):
        if part in ("{page}", "{pages}"):
            out.append(f"counter({part[1:-1]})")
        elif part:
            out.append(f'"{css_escape(part)}"')
    return Markup(" ".join(out) or '""')


def css_string(text: str) -> Markup:
    """A quoted CSS string for ``content:``."""
    # A translation arrives HTML-escaped: CSS shows "&amp;" as it is, so unescape first.
    return Markup(f'"{css_escape(_text(text))}"')
