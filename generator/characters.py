"""Which characters a leaflet may contain.

Refused wherever they come from (content YAML, catalogs), naming the file and line:

- control characters (Unicode category Cc) other than tab and line feed: NUL, ESC,
  BEL, DEL, C1 controls… make invalid HTML, and ESC drives the terminal that shows an
  error message;
- the line and paragraph separators U+2028 and U+2029 (invisible line breaks);
- every invisible formatting character: category Cf and the other default-ignorable
  code points (variation selectors, the combining grapheme joiner, Hangul fillers, tag
  characters). That includes the bidirectional embeddings, overrides and isolates
  (U+202A–U+202E, U+2066–U+2069), which reorder what the reader sees, and also the
  "harmless" marks U+200E/U+200F/U+061C: in a left-to-right line an RLM in front of a
  phone number displays its groups in reverse order, and any invisible character can
  split a domain or a number so that our checks no longer see it while the reader
  still does (ZWSP, soft hyphen, word joiner). None of the guide's languages needs one.

And a character that no font of the leaflet draws (an emoji, Linear B, Ol Chiki)
fails the build before the PDF is made, naming where it came from: an empty box must
never be printed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from babel.messages.catalog import Catalog

from .errors import located
from .yamlsource import KeyPath, YamlSource, dotted_path

#: Controls YAML and PO text may hold: a tab, a line break.
_ALLOWED_CONTROLS = frozenset("\t\n")
#: Default-ignorable code points outside category Cf (Unicode DerivedCoreProperties).
_IGNORABLE_RANGES = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian variation selectors
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xE0000, 0xE0FFF),  # tags, variation selectors supplement
)


#: The allowed controls, removed before :meth:`str.isprintable`.
_LINE_BREAKS = {ord(ch): None for ch in _ALLOWED_CONTROLS}
#: The ignorables that :meth:`str.isprintable` lets through (they are not in Cf).
_PRINTABLE_IGNORABLE = re.compile(
    "[" + "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in _IGNORABLE_RANGES) + "]"
)


def refused_reason(ch: str) -> str | None:
    """Why ``ch`` may not appear in content or a translation, or None when it may."""
    category = unicodedata.category(ch)
    if category == "Cc":
        return None if ch in _ALLOWED_CONTROLS else "a control character"
    if category in ("Zl", "Zp"):
        return "an invisible line break"
    if category == "Cf" or any(lo <= ord(ch) <= hi for lo, hi in _IGNORABLE_RANGES):
        if "\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069":
            return "a bidirectional control character (it reorders the text the reader sees)"
        return "an invisible formatting character"
    if category == "Cs":
        return "a lone surrogate"
    return None


def describe(ch: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``: the character named, never printed raw."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def character_problem(text: str) -> str | None:
    """What is wrong with the first refused character of ``text``, or None."""
    # Nearly all text passes, and one look at the whole string in C says so: every
    # refused character is either not "printable" to Python (categories Cc, Cf, Cs,
    # Zl, Zp) or one of the printable ignorables. Text that fails this (a line break,
    # a no-break space) is read character by character below, as before.
    if text.translate(_LINE_BREAKS).isprintable() and not _PRINTABLE_IGNORABLE.search(text):
        return None
    for ch in text:
        reason = refused_reason(ch)
        if reason:
            return f"{describe(ch)} is {reason}; remove it"
    return None


def _strings(data: object, path: KeyPath = ()) -> Iterator[tuple[KeyPath, str]]:
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield (*path, key), key
            yield from _strings(value, (*path, key))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _strings(item, (*path, i))


def check_yaml_characters(source: YamlSource) -> None:
    """Refuse a content file holding a refused character, naming its line and key."""
    for path, text in _strings(source.data):
        problem = character_problem(text)
        if problem:
            raise source.error(path, problem)


def origin(ch: str, sources: Iterable[YamlSource], catalog: Catalog, po: Path) -> str:
    """Where ``ch`` comes from: the first catalog line or content key that holds it."""
    for message in catalog:
        forms = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if message.id and any(ch in (form or "") for form in forms):
            return located(po, message.lineno, "msgstr")
    for source in sources:
        for path, text in _strings(source.data):
            if ch in text:
                return located(source.path, source.line_of(path), dotted_path(path))
    return "the templates"
