"""Fonts: which families set each script, which characters they draw, and pre-subset
copies of the big ones for the PDF.

Families are chosen per ISO 15924 script (the usual script of a leaflet's language,
:func:`generator.i18n.writing_script`): :data:`DEFAULT_FAMILIES`, with a guide's
``fonts:`` setting (``content/guide.yaml``) over them script by script. Every stack
goes on with the Latin script's families and ends with :data:`SYMBOLS`: digits, Latin
brand names and arrows appear in every language, and Noto Sans has no arrows. The
stylesheet's ``font-family`` rules are generated from these stacks
(``templates/partials/fonts.html``): no stylesheet names a font.

Pre-subsetting, and why: a CJK font has 65,000 glyphs, and WeasyPrint's own subsetting
keeps the original glyph numbering, so a Chinese PDF would carry ~370 KB of mostly empty
font. A copy cut down to the leaflet's few hundred characters (glyphs renumbered) gives
a ~100 KB PDF with the same glyph shapes: the outlines are copied, not redrawn. Every
family with more than :data:`LARGE` glyphs is treated so (Noto Sans CJK SC, TC, JP and
KR, or a big family a guide configures). The copy is declared with ``@font-face`` as
"<family> Leaflet", which the generated stacks name just before the family: in the PDF
it is the subset; a browser, which has no such font, falls through to the installed
family. (Reusing the family's own name does not work: fontconfig keeps preferring the
installed font.)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import GuideError
from .fontfiles import (
    STYLES,
    draws_in_every_style,
    find_font,
    glyph_count,
    keep_facts,
    prefetch,
    subset,
    substitute,
)

if TYPE_CHECKING:
    from .yamlsource import YamlSource

#: The families that set each script (ISO 15924) unless a guide's ``fonts:`` says otherwise.
DEFAULT_FAMILIES: dict[str, tuple[str, ...]] = {
    "Latn": ("Noto Sans",),
    "Cyrl": ("Noto Sans",),
    "Grek": ("Noto Sans",),
    "Hans": ("Noto Sans CJK SC",),
    "Hant": ("Noto Sans CJK TC",),
    "Jpan": ("Noto Sans CJK JP",),
    "Kore": ("Noto Sans CJK KR",),
    "Arab": ("Noto Sans Arabic",),
    "Hebr": ("Noto Sans Hebrew",),
    "Thai": ("Noto Sans Thai",),
    "Deva": ("Noto Sans Devanagari",),
}
#: The script whose families follow every other script's (digits, Latin brand names).
LATIN = "Latn"
#: The last family of every stack: arrows (→) and the other symbols Noto Sans lacks.
SYMBOLS = "Noto Sans Math"
#: A family with more glyphs than this is pre-subset (CJK: 65,535; Noto Sans: 3,317).
LARGE = 10_000
#: Appended to a family's name for its pre-subset copy.
SUBSET_SUFFIX = " Leaflet"
#: Characters CSS draws that are not in the HTML text: list markers and counters.
GENERATED = "•◦▪0123456789. "


@cache
def is_large(family: str) -> bool:
    """True for a family worth pre-subsetting: more than :data:`LARGE` glyphs."""
    return glyph_count(family) > LARGE


def _unicode_script(ch: str) -> str:
    from fontTools.unicodedata import script  # only `check` asks

    return str(script(ch))


@dataclass(frozen=True)
class Fonts:
    """The font families of each script: the defaults, with a guide's setting over them."""

    families: Mapping[str, tuple[str, ...]]

    def own(self, script: str) -> tuple[str, ...]:
        """The families configured for ``script`` (none for a script without defaults)."""
        return tuple(self.families.get(script, ()))

    def stack(self, script: str) -> list[str]:
        """The families that set text in ``script``, in order: its own, the Latin
        script's, then the symbols face."""
        return list(dict.fromkeys([*self.own(script), *self.own(LATIN), SYMBOLS]))

    def css_stack(self, script: str) -> tuple[str, ...]:
        """The stack as the stylesheet names it: a big family's pre-subset copy first."""
        return tuple(
            name
            for family in self.stack(script)
            for name in ((family + SUBSET_SUFFIX, family) if is_large(family) else (family,))
        )

    def faces(self, scripts: Iterable[str]) -> list[tuple[str, str]]:
        """Every (family, style) of the stacks of ``scripts``."""
        return list(
            dict.fromkeys(
                (family, style)
                for script in sorted(scripts)
                for family in self.stack(script)
                for style in STYLES.values()
            )
        )

    def require(self, scripts: Iterable[str]) -> None:
        """Fail with one line if a face of these stacks is missing (no silent fallback)."""
        faces = self.faces(scripts)
        prefetch(faces)
        for family, style in faces:
            find_font(family, style)

    def not_drawn(self, script: str, chars: Iterable[str]) -> list[str]:
        """The characters of ``chars`` that no family of the ``script`` stack draws in
        every weight, in the order given.

        Such a character would be drawn by whatever fallback font fontconfig finds, or as
        an empty box when there is none.
        """
        stack = self.stack(script)
        self.require([script])
        missing = [ch for ch in chars if not draws_in_every_style(stack, ch)]
        keep_facts()
        return missing

    def fallbacks(self, script: str, chars: Iterable[str]) -> dict[str, list[str]]:
        """The characters of ``chars`` that ``script``'s own families do not draw and that
        a family further down its stack sets where it is not meant to, by that family.

        The families every stack shares are meant for some characters: the Latin ones
        for Latin letters, digits and punctuation (and any script they are configured
        for, such as Cyrillic); the symbols face for symbols such as arrows. "①" in a
        Japanese text that only Noto Sans Math draws is a fallback; "MTS" in an Arabic
        one, set in Noto Sans, is not.
        """
        own, stack = self.own(script), self.stack(script)
        self.require([script])
        found: dict[str, list[str]] = {}
        for ch in chars:
            if own and draws_in_every_style(own, ch):
                continue
            family = next(
                (f for f in stack if f not in own and draws_in_every_style([f], ch)), None
            )
            if family is not None and not self._meant_for(family, ch):
                found.setdefault(family, []).append(ch)
        keep_facts()
        return found

    def _meant_for(self, family: str, ch: str) -> bool:
        script = _unicode_script(ch)
        if script in ("Zyyy", "Zinh"):  # common to all scripts: digits, punctuation, symbols
            if family == SYMBOLS:
                return unicodedata.category(ch).startswith("S")
            return family in self.own(LATIN)
        return family in self.own(script)

    def faces_css(self, scripts: Iterable[str], text: str, cache: Path) -> str:
        """``@font-face`` rules that stand pre-subset copies (the characters of ``text``)
        in for the big families of the stacks of ``scripts``; empty when there are none."""
        chars = frozenset(text) | frozenset(GENERATED)
        big = dict.fromkeys(f for s in sorted(scripts) for f in self.stack(s) if is_large(f))
        rules = []
        for family in big:
            for weight, style in STYLES.items():
                path = subset(find_font(family, style), chars, cache)
                rules.append(
                    f'@font-face {{ font-family: "{family}{SUBSET_SUFFIX}"; '
                    f'font-weight: {weight}; src: url("{path.as_uri()}"); }}'
                )
        return "\n".join(rules)


#: The stacks of a guide that configures no fonts.
DEFAULT_FONTS = Fonts(DEFAULT_FAMILIES)


def configured(setting: Mapping[str, Sequence[str]], source: YamlSource | None = None) -> Fonts:
    """The default families with a guide's ``fonts:`` setting over them, script by script.

    A configured family that fontconfig does not have is an error naming its line in
    ``source`` (guide.yaml): fontconfig would silently set the text in another font.
    """
    prefetch((family, STYLES[400]) for families in setting.values() for family in families)
    for script, families in setting.items():
        for i, family in enumerate(families):
            offered = substitute(family, STYLES[400])
            if offered is None:
                continue
            message = (
                f"font '{family}' is not installed (fontconfig offers '{offered}'); "
                "name an installed family (fc-list : family)"
            )
            raise source.error(("fonts", script, i), message) if source else GuideError(message)
    return Fonts({**DEFAULT_FAMILIES, **{s: tuple(f) for s, f in setting.items()}})


def require_fonts(scripts: Iterable[str]) -> None:
    """Fail with one line if a default family of ``scripts`` is missing.

    Checked before a build reads the content; families a guide configures instead are
    checked by :func:`configured`, with their line in guide.yaml.
    """
    DEFAULT_FONTS.require(scripts)


def font_faces_css(script: str, text: str, cache: Path) -> str:
    """:meth:`Fonts.faces_css` of the default families, for one script."""
    return DEFAULT_FONTS.faces_css([script], text, cache)
