"""The index page of a built set: every leaflet, by language and operator.

Each language's part is labelled in that language (its name from Babel's locale
data, the guide's title from its catalog), so a reader finds their own column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from babel import Locale

from .content import Content
from .i18n import Translator, html_lang
from .project import Project
from .render import localize, render_template

TEMPLATE = "index.html"


@dataclass(frozen=True)
class Entry:
    operator: str
    html: str | None
    pdf: str | None


@dataclass(frozen=True)
class Language:
    lang: str
    html_lang: str
    name: str
    """The language's name in itself: 中文, русский, English."""
    title: str
    entries: list[Entry]


def render_index(
    project: Project,
    content: Content,
    source: Translator,
    languages: Sequence[tuple[str, Translator, dict[str, tuple[str | None, str | None]]]],
) -> str:
    """The index: ``languages`` is ``(lang, translator, {operator: (html, pdf)})``."""
    parts = []
    for lang, translator, files in languages:
        locale = Locale.parse(lang)
        entries = []
        title = ""
        for slug, (html, pdf) in files.items():
            leaflet = localize(project, content, lang, slug, translator)
            title = leaflet.guide.title
            entries.append(Entry(leaflet.operator_name, html, pdf))
        name = locale.get_display_name(locale) or lang
        parts.append(Language(lang, html_lang(locale), name, title, entries))
    own = localize(project, content, source.lang, next(iter(content.operators)), source)
    return render_template(
        project,
        TEMPLATE,
        source,
        languages=parts,
        guide=own.guide,
        html_lang=html_lang(Locale.parse(source.lang)),
    )
