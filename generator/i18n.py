"""Catalogs and locales: read a language's ``.po`` with Babel, look strings up, notice gaps.

The ``.po`` files are the source of truth; they are read (and effectively
compiled) by Babel at build time, so a stale ``.mo`` can never ship. Lookups
never fall back silently: every string a leaflet asks for that is missing,
empty or fuzzy in the catalog is recorded, and :mod:`generator.build` refuses
to ship a leaflet with any (the ``NullTranslations`` trap). What a catalog and
each translation may hold is :mod:`generator.catalog_rules`' concern.
"""

from __future__ import annotations

import gettext as _gettext
import io
import logging
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.core import parse_locale as _split_identifier
from babel.localedata import locale_identifiers
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, read_po

from . import files
from .catalog_rules import check_header, check_po_syntax, format_problem, translation_problem
from .catalog_rules import is_complete as is_complete
from .catalog_rules import placeholders as placeholders
from .content import section_of
from .errors import GuideError, located
from .project import Project
from .schema import MAX_TEXT

log = logging.getLogger(__name__)

Key = tuple[str | None, str]


def parse_locale(lang: str, where: Path | str) -> Locale:
    """The Babel locale for ``lang``, or an error naming ``where`` it came from."""
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        raise GuideError(f"{where}: '{lang}' is not a language Babel knows") from None


def html_lang(locale: Locale) -> str:
    """BCP 47 tag for ``<html lang>``: ``zh`` -> ``zh-Hans``, ``ru`` -> ``ru``.

    The script is spelled out only for languages that CLDR splits by script
    (it has ``zh_Hans`` and ``zh_Hant``, but no ``en_Latn``): there it decides
    which glyph shapes fonts pick, so ``zh`` must say ``Hans``.
    """
    script = locale.script
    if not script and f"{locale.language}_{writing_script(locale)}" in locale_identifiers():
        script = writing_script(locale)
    parts = [locale.language, script, locale.territory]
    return "-".join(p for p in parts if p)


def writing_script(locale: Locale) -> str:
    """ISO 15924 script the language is usually written in (``Latn``, ``Cyrl``, ``Hans``)."""
    if locale.script:
        return locale.script
    # Babel's Locale.parse() drops the script of a likely-subtags identifier
    # ("ru_Cyrl_RU" -> ru_RU), so split the identifier itself.
    likely = get_global("likely_subtags").get(locale.language, "")
    return (_split_identifier(likely)[2] if likely else None) or "Latn"


def scripts_of(langs: Iterable[str]) -> set[str]:
    """The writing scripts of ``langs`` (languages Babel does not know are left out)."""
    scripts = set()
    for lang in langs:
        try:
            scripts.add(writing_script(Locale.parse(lang)))
        except (UnknownLocaleError, ValueError):
            continue
    return scripts


def load_catalog(project: Project, lang: str) -> Catalog:
    """Read ``locales/<lang>/LC_MESSAGES/messages.po``; syntax errors name the line."""
    path = project.po_file(lang)
    if not os.path.lexists(path):
        raise GuideError(f"{path}: no catalog for language '{lang}'", exit_code=2)
    parse_locale(lang, path.parent.parent)
    # Read once, safely (inside the project, a regular file, bounded); parsed from memory.
    raw = files.read_bytes(path, root=project.root)
    check_po_syntax(files.decode(raw, path), path)
    try:
        catalog = read_po(io.BytesIO(raw), locale=lang, abort_invalid=True)
    except PoFileError as exc:
        raise GuideError(located(path, exc.lineno + 1, f"catalog syntax error: {exc}")) from None
    except UnicodeDecodeError:
        raise GuideError(f"{path}: not valid UTF-8 text") from None
    except (ValueError, SyntaxError) as exc:
        raise GuideError(f"{path}: cannot read catalog: {exc}") from None
    check_header(catalog, path)
    return catalog


@dataclass
class Translator:
    """gettext-style lookups over one Babel catalog that record every miss.

    A miss returns the source text, so a ``--draft`` build can still show the
    page; a normal build fails on ``missing``.
    """

    lang: str
    path: Path
    catalog: Catalog
    missing: list[Key] = field(default_factory=list)
    source: bool = False
    """The guide's own language: a string its catalog lacks is the source text itself,
    which is right, so nothing is recorded as missing (the catalog is optional and
    only holds editorial overrides)."""

    def __post_init__(self) -> None:
        n = self.catalog.num_plurals
        self._done: dict[Key, Message] = {
            (m.context, m.id if isinstance(m.id, str) else m.id[0]): m
            for m in self.catalog
            if is_complete(m, n)
        }
        self._plural: Callable[[int], int] = _gettext.c2py(self.catalog.plural_expr)
        self._checked: set[int] = set()

    def _lookup(self, context: str | None, msgid: str) -> Message | None:
        found = self._done.get((context, msgid))
        if found is None and not self.source and (context, msgid) not in self.missing:
            self.missing.append((context, msgid))
        if found is not None and id(found) not in self._checked:
            self._check(found)
            self._checked.add(id(found))
        return found

    def _check(self, message: Message) -> None:
        problem = translation_problem(message, self.catalog.num_plurals)
        if problem:
            ids = [message.id] if isinstance(message.id, str) else list(message.id)
            where = located(self.path, message.lineno, f"msgstr for {ids[0][:40]!r}")
            raise GuideError(f"{where}: {problem}")

    def pgettext(self, context: str | None, msgid: str) -> str:
        found = self._lookup(context, msgid)
        return str(found.string) if found else msgid

    def npgettext(self, context: str | None, singular: str, plural: str, n: int) -> str:
        found = self._lookup(context, singular)
        if found is None:
            return singular if n == 1 else plural
        forms = found.string
        assert isinstance(forms, (list, tuple))  # is_complete() admitted a plural entry
        return forms[self._plural(n)]

    def gettext(self, msgid: str) -> str:
        return self.pgettext(None, msgid)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.npgettext(None, singular, plural, n)

    def line_of(self, context: str | None, msgid: str) -> int | None:
        """The catalog line of a translated message (for error messages)."""
        found = self._done.get((context, msgid))
        return found.lineno if found else None

    def format(self, context: str | None, msgid: str, values: dict[str, str]) -> str:
        """Translate ``msgid`` and fill in its ``%(name)s`` placeholders from ``values``.

        A translation whose placeholders differ from the msgid's is refused: a
        dropped ``%(site)s`` would silently lose a fact. The length limit holds for
        the text as printed too, with the placeholders filled in.
        """
        text = self.pgettext(context, msgid)
        where = located(self.path, self.line_of(context, msgid), f"msgstr for {msgid[:40]!r}")
        problem = format_problem(text)
        if len(text) > MAX_TEXT:
            problem = f"{len(text)} characters, more than a leaflet takes ({MAX_TEXT})"
        if problem:
            raise GuideError(f"{where}: {problem}")
        try:
            filled = text % values
        except (KeyError, ValueError, TypeError) as exc:
            raise GuideError(
                f"{where} has a bad placeholder ({exc!s}); "
                f"allowed: {', '.join(f'%({k})s' for k in values)}"
            ) from None
        if len(filled) > MAX_TEXT:
            raise GuideError(
                f"{where}: {len(filled)} characters with its placeholders filled in, "
                f"more than a leaflet takes ({MAX_TEXT})"
            )
        return filled

    def format_count(
        self, context: str, singular: str, plural: str, n: int, values: dict[str, str]
    ) -> str:
        """Translate a sentence with a count, in the plural form for ``n``, and fill in
        ``%(num)d`` (the count) and the named ``values`` (checked as in :meth:`format`)."""
        text = self.npgettext(context, singular, plural, n)
        where = located(self.path, self.line_of(context, singular), f"msgstr for {singular[:40]!r}")
        problem = format_problem(text)
        if problem:
            raise GuideError(f"{where}: {problem}")
        try:
            filled = text % {**values, "num": n}
        except (KeyError, ValueError, TypeError) as exc:
            raise GuideError(f"{where} has a bad placeholder ({exc!s})") from None
        if len(filled) > MAX_TEXT:
            raise GuideError(f"{where}: {len(filled)} characters, more than a leaflet takes")
        return filled

    def missing_summary(self) -> str:
        """``3 strings (why: 2, templates: 1)`` for the error line."""
        by_context = Counter(section_of(ctx) for ctx, _ in self.missing)
        parts = ", ".join(f"{ctx}: {n}" for ctx, n in sorted(by_context.items()))
        n = len(self.missing)
        return f"{n} string{'s' if n != 1 else ''} untranslated or fuzzy ({parts})"


def translator(project: Project, lang: str) -> Translator:
    """A :class:`Translator` for ``lang`` in ``project``.

    The source language needs no catalog: without one, every string is its source text.
    """
    path = project.po_file(lang)
    if lang == project.source_language():
        parse_locale(lang, project.guide_file)
        catalog = load_catalog(project, lang) if os.path.lexists(path) else Catalog(locale=lang)
        return Translator(lang=lang, path=path, catalog=catalog, source=True)
    return Translator(lang=lang, path=path, catalog=load_catalog(project, lang))
