"""The index page of a built set: every leaflet, by language and operator.

Each language's part is labelled in that language (its name from Babel's locale
data, the guide's title from its catalog), so a reader finds their own column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from babel import Locale

from .build import Settings, Target
from .content import Content
from .i18n import Translator, html_lang
from .localize import font_rules, guide_fonts, localize, operator_name, text_direction
from .output import write_atomic
from .project import INDEX_NAME, Project
from .render import render_template

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
    direction: str
    """``rtl`` or ``ltr``."""
    title: str
    entries: list[Entry]


def render_index(
    project: Project,
    content: Content,
    source: Translator,
    languages: Sequence[tuple[str, Translator, dict[str, tuple[str | None, str | None]]]],
) -> str:
    """The index: ``languages`` is ``(lang, translator, {operator: (html, pdf)})``."""
    parts, locales = [], []
    for lang, translator, files in languages:
        locale = Locale.parse(lang)
        locales.append(locale)
        # The guide's title in this language (any operator's leaflet has it).
        title = localize(project, content, lang, next(iter(files)), translator).guide.title
        entries = [
            Entry(operator_name(content.operators[slug], locale), html, pdf)
            for slug, (html, pdf) in files.items()
        ]
        name = locale.get_display_name(locale) or lang
        parts.append(
            Language(lang, html_lang(locale), name, text_direction(locale), title, entries)
        )
    own = localize(project, content, source.lang, next(iter(content.operators)), source)
    page = Locale.parse(source.lang)
    return render_template(
        project,
        TEMPLATE,
        source,
        languages=parts,
        guide=own.guide,
        html_lang=html_lang(page),
        direction=text_direction(page),
        font_rules=font_rules(guide_fonts(content), [page, *locales]),
    )


def write_index(project: Project, targets: Sequence[Target], settings: Settings) -> Path | None:
    """Write ``index.html`` listing the leaflets of ``targets`` found in the output folder.

    Written only when it changed, so a no-op build leaves it alone. Returns its path,
    or None when there is nothing to list.
    """
    from .content import load_content
    from .i18n import translator

    out, suffix = settings.out_dir, settings.print_options.suffix
    found: dict[str, dict[str, tuple[str | None, str | None]]] = {}
    for target in targets:
        html, pdf = (target.filename(fmt, suffix=suffix) for fmt in ("html", "pdf"))
        files = (html if (out / html).is_file() else None, pdf if (out / pdf).is_file() else None)
        if any(files):
            found.setdefault(target.lang, {})[target.operator] = files
    if not found:
        return None
    content = load_content(project)
    languages = [(lang, translator(project, lang), found[lang]) for lang in sorted(found)]
    # The page itself is in the source language when it is built, else the first one.
    source = next((tr for lang, tr, _ in languages if lang == "en"), languages[0][1])
    page = render_index(project, content, source, languages).encode("utf-8")
    path = out / INDEX_NAME
    if not path.is_file() or path.read_bytes() != page:
        write_atomic(path, page)
    return path
