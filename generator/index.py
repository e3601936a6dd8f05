"""The index page of an output folder: every leaflet and pack make-guide wrote there.

Each language's part is labelled in that language (its name from Babel's locale data,
the guide's title from its catalog), so a reader finds their own column. Every variant
in the folder is listed — A4, A5, Letter, duplex, print-shop, imposed booklets and 2-up
sheets, packs — grouped by language and operator: what is listed comes from the folder's
manifest (what make-guide wrote), so builds with other options add to the page instead
of replacing it. Drafts and unreleased languages are not listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale

from .content import Content
from .i18n import Translator
from .localize import font_rules, guide_fonts, localize, operator_name, text_direction
from .manifest import Manifest
from .output import write_atomic
from .project import INDEX_NAME, Project
from .render import render_template

TEMPLATE = "index.html"
#: How a leaflet's file name says which variant it is (see PrintOptions.suffix).
PAPER_LABELS = {"": "A4", "-a5": "A5", "-letter": "Letter"}


@dataclass(frozen=True)
class Link:
    href: str
    kind: str
    """``html``, ``pdf``, ``2up`` or ``booklet``."""
    paper: str
    """A4, A5, Letter."""
    print_shop: bool = False
    duplex: bool = False


@dataclass
class Entry:
    operator: str
    html: str | None = None
    """The leaflet as a web page (A4's, the plain one), the entry's main link."""
    links: list[Link] = field(default_factory=list)


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


def _pattern(project: Project) -> re.Pattern[str]:
    ops = "|".join(re.escape(o) for o in project.operators())
    langs = "|".join(re.escape(lang) for lang in project.released_languages())
    return re.compile(
        rf"^(?P<op>{ops})-(?P<lang>{langs})(?P<paper>-a5|-letter)?(?P<print>-print)?"
        r"(?P<duplex>-duplex)?(?:-(?P<impose>2up|booklet))?\.(?P<ext>pdf|html)$"
    )


def found(project: Project, out_dir: Path) -> tuple[dict[str, dict[str, list[Link]]], list[str]]:
    """What the folder holds, from its manifest: ``{lang: {operator: [links]}}`` and the
    packs' file names. Files deleted since are left out."""
    manifest = Manifest.load(out_dir)
    pattern = _pattern(project)
    leaflets: dict[str, dict[str, list[Link]]] = {}
    packs = []
    for key, entry in sorted(manifest.entries.items()):
        for name in sorted(entry.get("outputs", {})):
            if not (out_dir / name).is_file():
                continue
            if key.startswith("pack:"):
                packs.append(name)
            elif match := pattern.match(name):
                kind = match["impose"] or match["ext"]
                link = Link(
                    name,
                    kind,
                    PAPER_LABELS[match["paper"] or ""],
                    bool(match["print"]),
                    bool(match["duplex"]),
                )
                links = leaflets.setdefault(match["lang"], {}).setdefault(match["op"], [])
                if link not in links:
                    links.append(link)
    return leaflets, packs


def render_index(
    project: Project,
    content: Content,
    source: Translator,
    translators: dict[str, Translator],
    leaflets: dict[str, dict[str, list[Link]]],
    packs: list[str],
) -> str:
    """The index page, in ``source``'s language, each language's part in that language."""
    parts, locales = [], []
    staff = content.guide.staff_language
    staff_locale = Locale.parse(staff) if staff else None
    for lang in sorted(leaflets):
        locale = Locale.parse(lang)
        locales.append(locale)
        by_operator = leaflets[lang]
        # The guide's title in this language (any operator's leaflet has it).
        title = localize(project, content, lang, next(iter(by_operator)), translators[lang])
        entries = []
        for slug in project.operators():
            if slug not in by_operator:
                continue
            links = sorted(
                by_operator[slug],
                key=lambda k: (list(PAPER_LABELS.values()).index(k.paper), k.print_shop, k.href),
            )
            html = next((k.href for k in links if k.kind == "html" and k.paper == "A4"), None)
            name = operator_name(content.operators[slug], locale, staff_locale)
            entries.append(Entry(name, html, [k for k in links if k.href != html]))
        display = locale.get_display_name(locale) or lang
        parts.append(
            Language(
                lang,
                title.html_lang,
                display,
                text_direction(locale),
                title.guide.title,
                entries,
            )
        )
    own = localize(project, content, source.lang, next(iter(content.operators)), source)
    page = Locale.parse(source.lang)
    return render_template(
        project,
        TEMPLATE,
        source,
        languages=parts,
        packs=packs,
        guide=own.guide,
        html_lang=own.html_lang,
        direction=text_direction(page),
        font_rules=font_rules(guide_fonts(content), [page, *locales]),
    )


def write_index(project: Project, out_dir: Path) -> Path | None:
    """Write ``index.html`` listing what the output folder holds (see :func:`found`).

    Written only when it changed, so a no-op build leaves it alone. Returns its path,
    or None when there is nothing to list.
    """
    from .content import load_content
    from .i18n import translator

    leaflets, packs = found(project, out_dir)
    if not leaflets and not packs:
        return None
    content = load_content(project)
    langs = sorted(set(leaflets) | {project.source_language()})
    translators = {lang: translator(project, lang) for lang in langs}
    # The page itself is in the source language.
    source = translators[project.source_language()]
    page = render_index(project, content, source, translators, leaflets, packs).encode("utf-8")
    path = out_dir / INDEX_NAME
    if not path.is_file() or path.read_bytes() != page:
        write_atomic(path, page)
    return path
