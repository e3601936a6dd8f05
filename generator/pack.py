"""Travel packs: several leaflets in one PDF, rendered as one WeasyPrint document.

A pack has a cover (title, languages, when the facts were compiled), a table of
contents whose page numbers WeasyPrint fills in (``target-counter``), PDF bookmarks per
leaflet and section, and page labels ("MTS 1", "MTS 2", ...). Rendering it as one
document rather than gluing finished PDFs together keeps it tagged (PDF/UA),
reproducible, and its fonts subset once. Each leaflet's body is rendered with its own
language's catalog, then placed in the pack; each must still fit its paper's page budget.

Packs are given on the command line (``make-guide pack --lang zh``) or declared in the
guide project as ``content/packs/<name>.yaml`` (a title, languages, operators).
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from .characters import check_yaml_characters
from .content import Content, parse_model
from .errors import GuideError
from .i18n import Translator, html_lang, parse_locale, scripts_of
from .links import allowed_links
from .localize import (
    FontRule,
    Leaflet,
    font_rules,
    formats_locale,
    guide_fonts,
    localize,
    money,
    text_direction,
)
from .paper import PrintOptions
from .pdf import Part
from .project import Project
from .render import render_template
from .schema import PackFile
from .yamlsource import load_yaml

log = logging.getLogger(__name__)

TEMPLATE = "pack.html"
BODY_TEMPLATE = "partials/leaflet_body.html"
#: A pack's name is its file's name (``<name>.pdf`` in the output folder): one plain
#: word, so that ``--name ../x`` or ``/tmp/x`` cannot write outside the folder, and
#: the index can link to it as it is.
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")


@dataclass(frozen=True)
class Pack:
    """What goes into one pack PDF."""

    name: str
    languages: tuple[str, ...]
    operators: tuple[str, ...]
    title: str | None = None

    def filename(self, suffix: str = "") -> str:
        """``pack-zh.pdf``; paper and print variants say so (``pack-zh-a5.pdf``)."""
        return f"{self.name}{suffix}.pdf"


def check_name(project: Project, name: str, where: str = "--name") -> None:
    """Refuse a pack name that is not one plain word, or that names a leaflet's file
    (``mts-zh`` would overwrite ``mts-zh.pdf``)."""
    if not NAME_RE.match(name):
        raise GuideError(
            f"{where}: {name[:100]!r} is not a pack name: letters, digits, '-' and '_' "
            "only (at most 100), no folders",
            exit_code=2,
        )
    for slug in project.operators():
        for lang in project.languages():
            if name == f"{slug}-{lang}" or name.startswith(f"{slug}-{lang}-"):
                raise GuideError(
                    f"{where}: '{name}' is the name of the {slug}-{lang} leaflet's files; "
                    "pick another",
                    exit_code=2,
                )


def adhoc_pack(
    project: Project, langs: Sequence[str], operators: Sequence[str] | None, name: str | None
) -> Pack:
    """A pack from the command line: every operator unless some are named (each once)."""
    langs = tuple(dict.fromkeys(langs))
    ops = tuple(dict.fromkeys(operators or project.operators()))
    name = name if name is not None else "pack-" + "-".join(langs)
    check_name(project, name)
    return Pack(name, langs, ops)


def declared_pack(project: Project, name: str, content: Content) -> Pack:
    """The pack ``content/packs/<name>.yaml``, checked against the project.

    Its title is printed as written: like any content, it may hold no control or
    invisible character and name no site but an operator's official one.
    """
    if name not in project.packs():
        known = ", ".join(project.packs()) or "none declared in content/packs/"
        raise GuideError(f"unknown pack '{name}' (choose from: {known})", exit_code=2)
    path = project.packs_dir / f"{name}.yaml"
    source = load_yaml(path)
    check_yaml_characters(source)
    spec = parse_model(PackFile, source)
    assert isinstance(spec, PackFile)
    check_name(project, name, str(path))
    for key, choices in (("languages", project.languages()), ("operators", project.operators())):
        listed: list[str] = getattr(spec, key) or []
        for i, item in enumerate(listed):
            if item not in choices:
                what = "no catalog for language" if key == "languages" else "no operator file for"
                raise source.error((key, i), f"{what} '{item}'")
            if item in listed[:i]:
                raise source.error((key, i), f"'{item}' is listed twice")
    for bad in allowed_links(content).refused([spec.title or ""]):
        raise source.error(("title",), f"link not from an official site: {bad}")
    return Pack(
        name, tuple(spec.languages), tuple(spec.operators or project.operators()), spec.title
    )


def check_title_drawn(project: Project, content: Content, pack: Pack) -> None:
    """Refuse a title with a character the fonts of the pack's first language do not
    draw (it is the one text of a pack no leaflet's check has seen): an empty box must
    never be printed."""
    from .characters import describe

    if not pack.title:
        return
    fonts = guide_fonts(content)
    (script,) = scripts_of(pack.languages[:1]) or {"Latn"}
    missing = fonts.not_drawn(script, sorted(set(pack.title), key=pack.title.index))
    if missing:
        raise GuideError(
            f"{project.packs_dir / (pack.name + '.yaml')}: title: {describe(missing[0])} is "
            f"in none of the fonts of the pack ({', '.join(fonts.stack(script))}); it would "
            "print as an empty box"
        )


@dataclass(frozen=True)
class Language:
    html_lang: str
    name: str
    """The language's name in itself: 中文, русский, English."""
    direction: str
    """``rtl`` or ``ltr``."""


@dataclass(frozen=True)
class PackView:
    """What ``pack.html`` sees."""

    title: str
    subtitle: str
    publisher: str
    html_lang: str
    languages: list[Language]
    compiled: str
    modified: str
    print: PrintOptions
    duplex: bool
    leaflets: list[Leaflet]
    ids: list[str]
    font_rules: tuple[FontRule, ...]
    """The font stack of each language in the pack (and the staff's)."""


def render_pack(
    project: Project,
    content: Content,
    pack: Pack,
    translators: dict[str, Translator],
    *,
    print_options: PrintOptions,
    duplex: bool = False,
    draft: bool = False,
) -> tuple[str, list[Part], list[str]]:
    """The pack as one HTML document, the page budget of each leaflet in it, and each
    leaflet's page-label prefix ("MTS ", or "MTS zh " in a pack of several languages)."""
    leaflets: list[Leaflet] = []
    bodies: list[Markup] = []
    ids: list[str] = []
    parts: list[Part] = []
    for lang in pack.languages:
        tr = translators[lang]
        tr.missing.clear()
        locale = formats_locale(content, lang, project.guide_file)
        for slug in pack.operators:
            leaflet = localize(
                project, content, lang, slug, tr, draft=draft, print_options=print_options
            )
            ident = f"{slug}-{lang}"
            body = render_template(
                project,
                BODY_TEMPLATE,
                tr,
                leaflet=leaflet,
                idp=f"{ident}-",
                money=lambda amount, locale=locale: money(amount, locale),
            )
            leaflets.append(leaflet)
            bodies.append(Markup(body))  # our own template's output, escaped there
            ids.append(ident)
            parts.append(Part(ident, ident, f"{ident}-end", print_options.spec.budget))
        if tr.missing and not draft:
            raise GuideError(
                f"{tr.path}: pack {pack.name}: {tr.missing_summary()}; "
                "translate them, or build with --draft"
            )
    first = leaflets[0]
    staff = content.guide.staff_language
    languages, locales = [], [parse_locale(staff, project.guide_file)] if staff else []
    for lang in pack.languages:
        locale = parse_locale(lang, project.po_file(lang))
        name = locale.get_display_name(locale) or lang
        languages.append(Language(html_lang(locale), name, text_direction(locale)))
        locales.append(locale)
    view = PackView(
        title=pack.title or first.guide.title,
        subtitle=first.guide.subtitle,
        publisher=first.guide.publisher,
        html_lang=first.html_lang,
        languages=languages,
        compiled=min((leaf.compiled_date, leaf.compiled) for leaf in leaflets)[1],
        modified=max(leaf.modified for leaf in leaflets),
        print=print_options,
        duplex=duplex,
        leaflets=leaflets,
        ids=ids,
        font_rules=font_rules(guide_fonts(content), locales),
    )
    html = render_template(
        project, TEMPLATE, translators[pack.languages[0]], pack=view, bodies=bodies
    )
    several = len(pack.languages) > 1
    prefixes = [
        f"{leaf.operator_name} {leaf.lang} " if several else f"{leaf.operator_name} "
        for leaf in leaflets
    ]
    return html, parts, prefixes


def label_pages(pdf: bytes, starts: Sequence[tuple[int, str]]) -> bytes:
    """Add PDF page labels: roman numerals before the first leaflet, then "<prefix>1"...

    ``starts`` are ``(page index, prefix)`` of each leaflet. Saved with a
    content-derived file ID, so the pack stays byte-for-byte reproducible.
    """
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        nums: list[object] = []
        if not starts or starts[0][0] > 0:
            nums += [0, pikepdf.Dictionary(S=pikepdf.Name.r)]
        for index, prefix in starts:
            nums += [index, pikepdf.Dictionary(S=pikepdf.Name.D, P=pikepdf.String(prefix))]
        doc.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array(nums))
        out = io.BytesIO()
        doc.save(out, deterministic_id=True)
        return out.getvalue()


def leaflet_starts(pdf: bytes) -> list[int]:
    """The page index each leaflet starts on, from the pack's level-1 bookmarks."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc, doc.open_outline() as outline:
        pages = {page.objgen: n for n, page in enumerate(doc.pages)}
        starts = []
        for item in outline.root:
            dest = item.destination
            if dest is None and item.action is not None:
                dest = item.action.get("/D")
            starts.append(pages[dest[0].objgen])
        return starts


def build_pack(
    project: Project,
    content: Content,
    pack: Pack,
    translators: dict[str, Translator],
    *,
    print_options: PrintOptions,
    duplex: bool = False,
    draft: bool = False,
    strict: bool = False,
) -> bytes:
    """The pack's PDF: rendered, checked against each leaflet's budget, pages labelled."""
    from .pdf import html_to_pdf
    from .project import cache_dir

    html, parts, prefixes = render_pack(
        project,
        content,
        pack,
        translators,
        print_options=print_options,
        duplex=duplex,
        draft=draft,
    )
    fonts = guide_fonts(content)
    check_title_drawn(project, content, pack)
    cache = cache_dir()
    font_css = fonts.faces_css(scripts_of(pack.languages), html, cache)
    pdf = html_to_pdf(
        html,
        assets_dirs=project.assets_dirs,
        label=f"pack {pack.name} on {print_options.spec.css_size} paper",
        strict=strict,
        font_css=font_css,
        font_dir=cache / "fonts",
        parts=parts,
    )
    return label_pages(pdf, list(zip(leaflet_starts(pdf), prefixes, strict=True)))
