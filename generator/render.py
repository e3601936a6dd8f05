"""Render one leaflet to a self-contained HTML string with Jinja2.

Content strings are translated here (message context + placeholders), template
strings by Jinja2's i18n extension (``{% trans %}`` / ``_()``, newstyle gettext).
Autoescaping is on and undefined variables are errors, so a string from a
catalog can never become markup and a typo in a template cannot print nothing.
Template strings are escaped too: Jinja2's newstyle gettext would take a
translation for markup (only its ``%(name)s`` arguments get escaped), so the
gettext functions installed here return it escaped — every translation is text.
Links are made only by the leaflet's :class:`~generator.links.Policy`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import jinja2
import segno
from babel import Locale
from babel.dates import format_skeleton
from babel.lists import format_list
from babel.numbers import format_currency
from markupsafe import Markup, escape

from .content import (
    OMITTED,
    Content,
    Message,
    fact_placeholders,
    guide_messages,
    operator_messages,
)
from .errors import GuideError, located
from .i18n import Translator, html_lang, parse_locale, writing_script
from .links import Link, Policy, allowed_links, policy
from .loader import BytecodeCache, ProjectLoader
from .paper import PrintOptions
from .project import Project, persistent_cache_dir
from .provenance import Provenance, provenance
from .schema import Guide, Operator
from .yamlsource import dotted_path

log = logging.getLogger(__name__)

TEMPLATE = "leaflet.html"
M = TypeVar("M", Guide, Operator)
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()-]*$")


@dataclass(frozen=True)
class Leaflet:
    """What the templates see about the leaflet being built (content already translated)."""

    lang: str
    html_lang: str
    script: str
    """ISO 15924 script of the leaflet's language (Latn, Cyrl, Hans)."""
    staff_lang: str
    staff_script: str
    """``lang`` attribute for passages in the staff's language."""
    show_meaning: bool
    """False when the leaflet is in the staff's language (the sentence is its own meaning)."""
    guide: Guide
    operator: Operator
    operator_name: str
    site: str
    site_label: str
    links: Policy
    """Makes the leaflet's links (``leaflet.links.link(value)``): official domains only."""
    own_links: Policy
    """The same for its operator's own domains: its site, its QR code."""
    compiled: str
    """The month the printed facts were compiled, in the leaflet's locale."""
    compiled_date: dt.date
    """...and as a date (the oldest check among the printed facts)."""
    provenance: dict[str, Provenance]
    """Where each printed fact comes from, by fact key (low-confidence facts are absent)."""
    omitted: list[str]
    """The keys of the facts left out as low confidence."""
    card_id: str | None
    """The id of the section holding the staff card (a ``phrases`` block), if any."""
    modified: str
    """ISO date for the PDF's metadata: from the content, never the clock."""
    draft: bool
    print: PrintOptions


def operator_name(operator: Operator, locale: Locale) -> str:
    """The name as written on store signs in the reader's script (МТС for Russian)."""
    return operator.names.cyrillic if writing_script(locale) == "Cyrl" else operator.names.latin


# Cyrillic letters drawn like Latin ones: "Т2" on a store sign reads as "T2".
_HOMOGLYPHS = str.maketrans("АВЕКМНОРСТХаеорсух", "ABEKMHOPCTXaeopcyx")


def looks_like(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` look the same to a reader (Т2 and t2 look like T2)."""
    return a.translate(_HOMOGLYPHS).casefold() == b.translate(_HOMOGLYPHS).casefold()


#: Letters of a script, for finding passages in the staff's language inside a leaflet.
_SCRIPT_LETTERS = {"Cyrl": "\u0400-\u04ff", "Grek": "\u0370-\u03ff", "Arab": "\u0600-\u06ff"}


def mark_passages(text: str, leaflet: Leaflet) -> Markup:
    """``text``, escaped, with runs in the staff's script wrapped in ``<span lang>``.

    A Russian app name or service name inside a Chinese or English sentence
    ("Мой МТС", "Добровольная блокировка") is then read by screen readers and
    hyphenated as Russian. Nothing is marked when the leaflet shares the script.
    """
    letters = _SCRIPT_LETTERS.get(leaflet.staff_script)
    if not letters or leaflet.script == leaflet.staff_script:
        return escape(text)
    run = re.compile(f"[{letters}](?:[{letters}\\s«»\"'.,-]*[{letters}»])?")
    out, pos = [], 0
    for match in run.finditer(text):
        out.append(escape(text[pos : match.start()]))
        out.append(Markup('<span lang="{}">{}</span>').format(leaflet.staff_lang, match.group(0)))
        pos = match.end()
    out.append(escape(text[pos:]))
    return Markup("").join(out)


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
    code = segno.make_qr(link.href, error="m")
    # segno escapes the title itself: give it the text, not Jinja2's escaped markup.
    svg = code.svg_inline(scale=4, border=4, omitsize=True, title=_text(label), svgclass="qr")
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


def _bytecode_dir() -> str | None:
    """The folder for compiled templates, or None (no bytecode cache) when the user's
    cache folder cannot be used: it only saves time, so it is simply left off."""
    path = persistent_cache_dir()
    return str(path / "jinja") if path else None


@lru_cache(maxsize=8)
def environment(templates_dir: Path, root: Path | None = None) -> jinja2.Environment:
    """One Jinja2 environment per templates folder, reused across leaflets.

    ``root``: the project, which the templates must not lead out of (default: the
    folder above ``templates_dir``).
    """
    bytecode_dir = _bytecode_dir()
    env = jinja2.Environment(
        loader=ProjectLoader(templates_dir, root or templates_dir.parent),
        # Compiled templates are kept between runs: a cold run skips recompiling them.
        bytecode_cache=BytecodeCache(bytecode_dir) if bytecode_dir else None,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["tel"] = tel_href
    env.filters["looks_like"] = looks_like
    env.filters["passages"] = mark_passages
    env.filters["css_counters"] = css_counters
    env.filters["css_string"] = css_string
    env.globals["qr_svg"] = qr_svg
    return env


def money(amount: Decimal | int, locale: Locale) -> str:
    """Roubles as the reader writes them: "5 ₽" in Russian, "5 Russian roubles", "5俄罗斯卢布".

    The symbol where the locale has one of its own (₽ in Russian); elsewhere the
    currency's display name, pluralised by Babel: CLDR's fallback symbol is "RUB5" in
    English and Chinese, which readers do not parse.
    """
    if locale.currency_symbols.get("RUB", "RUB") != "RUB":
        return format_currency(
            amount, "RUB", format="#,##0.##\u00a0¤", locale=locale, currency_digits=False
        )
    return format_currency(
        amount, "RUB", format="#,##0.##", locale=locale, format_type="name", currency_digits=False
    )


def formats_locale(content: Content, lang: str, where: Path) -> Locale:
    """The locale for dates and money: the guide's ``formats`` for ``lang`` (en -> en_GB)."""
    settings = content.guide.languages.get(lang)
    return parse_locale(settings.formats if settings and settings.formats else lang, where)


def _translated(
    model: M,
    items: list[Message],
    translator: Translator,
    values: dict[str, str],
    links: Policy,
) -> M:
    """A copy of ``model`` with every translatable string in the leaflet's language.

    A translation (or source text) carrying a link that is not official is refused
    here, naming the catalog line (or the content line) it came from.
    """
    data = model.model_dump()
    for message in items:
        text = translator.format(message.context, message.msgid, values)
        line = translator.line_of(message.context, message.msgid)
        where = (
            located(translator.path, line, "msgstr")
            if line
            else located(message.file, message.line, dotted_path(message.path))
        )
        for link in links.refused([text]):
            raise GuideError(f"{where}: link not from an official site: {link}")
        if not text.strip():
            raise GuideError(f"{where}: the translation is blank")
        node: Any = data
        for part in message.path[:-1]:
            node = node[part]
        node[message.path[-1]] = text
    return type(model).model_validate(data)


def localize(
    project: Project,
    content: Content,
    lang: str,
    slug: str,
    translator: Translator,
    *,
    draft: bool = False,
    print_options: PrintOptions | None = None,
) -> Leaflet:
    """What the templates see: the guide and the operator in ``lang``, placeholders filled."""
    source = content.operators[slug]
    locale = formats_locale(content, lang, content.sources["guide"].path)
    staff_locale = parse_locale(content.guide.staff_language, content.sources["guide"].path)
    checked: dt.date = source.checked()
    own, links = policy(source), allowed_links(content)
    site = own.link(source.site)
    assert site is not None  # load_content() checked the site
    values = {
        **fact_placeholders(source),  # first: the names below win (site is the host name)
        "operator": operator_name(source, locale),
        "site": site.label,
        "compiled": format_skeleton("yMMMM", checked, locale=locale),
    }
    guide_items = list(guide_messages(content.guide, content.sources["guide"]))
    operator_items = list(operator_messages(source, content.sources[slug]))
    # The labels of the facts left out (low confidence), for the one "not confirmed" line.
    labels = {m.path[-1]: m for m in guide_items if m.path[:1] == ("facts",)}
    omitted = [
        translator.format(labels[key].context, labels[key].msgid, values)
        for key, fact in source.facts.items()
        if not fact.printable
    ]
    values[OMITTED] = format_list(omitted, locale=locale) if omitted else ""
    return Leaflet(
        lang=lang,
        html_lang=html_lang(locale),
        script=writing_script(locale),
        staff_lang=html_lang(staff_locale),
        staff_script=writing_script(staff_locale),
        show_meaning=locale.language != staff_locale.language,
        guide=_translated(content.guide, guide_items, translator, values, links),
        operator=_translated(source, operator_items, translator, values, links),
        operator_name=values["operator"],
        site=site.href,
        site_label=site.label,
        links=links,
        own_links=own,
        compiled=values["compiled"],
        compiled_date=checked,
        provenance={
            key: provenance(source, fact) for key, fact in source.facts.items() if fact.printable
        },
        omitted=[key for key, fact in source.facts.items() if not fact.printable],
        card_id=next(
            (s.id for s in content.guide.sections if any(b.phrases for b in s.body)), None
        ),
        modified=max(f.checked for f in source.facts.values()).isoformat(),
        draft=draft,
        print=print_options or PrintOptions(),
    )


def _check_template_links(translator: Translator, links: Policy) -> None:
    """Template strings are checked here: content strings are, in :func:`_translated`.

    (Template strings are the messages without a context.)
    """
    for message in translator.catalog:
        forms = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if message.id and message.context is None:
            for link in links.refused(f for f in forms if f):
                where = located(translator.path, message.lineno, "msgstr")
                raise GuideError(f"{where}: link not from an official site: {link}")


def render_html(
    project: Project,
    content: Content,
    lang: str,
    slug: str,
    translator: Translator,
    *,
    draft: bool = False,
    print_options: PrintOptions | None = None,
    alternates: Sequence[tuple[str, str]] = (),
) -> str:
    """The leaflet for ``slug`` in ``lang`` as one HTML document.

    With ``draft``, the page is marked DRAFT (strings the catalog lacks show in English).
    ``alternates`` are ``(hreflang, href)`` of the same leaflet in other languages.
    """
    leaflet = localize(
        project, content, lang, slug, translator, draft=draft, print_options=print_options
    )
    _check_template_links(translator, leaflet.links)
    locale = formats_locale(content, lang, content.sources["guide"].path)
    return render_template(
        project,
        TEMPLATE,
        translator,
        leaflet=leaflet,
        alternates=alternates,
        money=lambda amount: money(amount, locale),
    )


def _escaped(lookup: Callable[..., str]) -> Callable[..., Markup]:
    """``lookup`` returning its translation HTML-escaped.

    Newstyle gettext does ``Markup(translation) % arguments``: given a Markup already,
    it keeps the escaping, and the arguments are escaped as before.
    """

    def call(*args: Any) -> Markup:
        return escape(lookup(*args))

    return call


def render_template(project: Project, name: str, translator: Translator, **context: object) -> str:
    """Render template ``name`` with ``translator``; template mistakes become one-line errors."""
    env = environment(project.templates_dir, project.root)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _escaped(translator.gettext),
        _escaped(translator.ngettext),
        newstyle=True,
        pgettext=_escaped(translator.pgettext),
        npgettext=_escaped(translator.npgettext),
    )
    try:
        return env.get_template(name).render(**context)
    except GuideError:
        raise  # already one line (a catalog's problem found by a gettext call)
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or project.templates_dir / (exc.name or name)
        raise GuideError(
            located(where, exc.lineno, f"template syntax error: {exc.message}")
        ) from None
    except jinja2.TemplateNotFound as exc:
        raise GuideError(f"{project.templates_dir}: template not found: {exc.name}") from None
    except jinja2.UndefinedError as exc:
        where, line = _template_frame(project.templates_dir)
        raise GuideError(located(where, line, f"undefined in template: {exc.message}")) from None
    except Exception as exc:
        # Templates are trusted, but a mistake in one ({{ 1/0 }}, a type error, an include
        # that includes itself) is still one line naming it; -v shows the traceback.
        where, line = _template_frame(project.templates_dir)
        log.debug("template error", exc_info=True)
        message = " ".join(str(exc).split())[:200]
        raise GuideError(
            located(where, line, f"template error: {type(exc).__name__}: {message}")
        ) from None


def _template_frame(templates_dir: Path) -> tuple[Path | str, int | None]:
    """The innermost template file and line of the exception being handled.

    Jinja2 rewrites tracebacks so that template frames carry the template's own
    file name and line number.
    """
    tb = sys.exc_info()[2]
    where: tuple[Path | str, int | None] = (templates_dir, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith(str(templates_dir)):
            where = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return where
