"""What the templates see: one leaflet's guide and operator in its language.

Content strings are translated here (message context + placeholders filled in, each
operator fact by its own placeholder), dates and money are formatted in the leaflet's
locale (``en`` -> ``en_GB``), and each printed fact gets its provenance. Strings that
carry a link that is not official are refused, naming the catalog or content line.
The page's direction (``rtl`` for Arabic, Hebrew, Persian, Urdu) and the font stack of
each language on it (see :mod:`generator.fonts`) are decided here too.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from babel import Locale
from babel.dates import format_skeleton
from babel.lists import format_list
from babel.numbers import format_currency

from .content import (
    FOUND,
    OMITTED,
    VERIFIED,
    Content,
    Message,
    fact_placeholders,
    guide_messages,
    operator_messages,
)
from .errors import GuideError, located
from .fonts import Fonts, configured
from .i18n import Translator, html_lang, parse_locale, writing_script
from .links import Policy, allowed_links, keep_answers, policy
from .paper import PrintOptions
from .project import Project
from .provenance import Provenance, provenance
from .schema import Guide, Operator
from .yamlsource import dotted_path

log = logging.getLogger(__name__)

M = TypeVar("M", Guide, Operator)


@dataclass(frozen=True)
class FontRule:
    """The font stack of one language on a page: ``:lang(<lang>) { font-family: ... }``."""

    lang: str
    """BCP 47 tag, as in the page's ``lang`` attributes."""
    families: tuple[str, ...]
    """CSS font families, a big font's pre-subset copy first (see :mod:`generator.fonts`)."""


@dataclass(frozen=True)
class Leaflet:
    """What the templates see about the leaflet being built (content already translated)."""

    lang: str
    html_lang: str
    script: str
    """ISO 15924 script of the leaflet's language (Latn, Cyrl, Hans)."""
    staff_lang: str | None
    staff_script: str | None
    """``lang`` attribute for passages in the staff's language."""
    show_meaning: bool
    """False when the leaflet is in the staff's language (the sentence is its own meaning)."""
    direction: str
    """``rtl`` for a right-to-left language (``<html dir>``), else ``ltr``."""
    staff_direction: str
    """...and the same for the staff's language (``dir`` of its passages)."""
    font_rules: tuple[FontRule, ...]
    """The font stacks of the leaflet's language and the staff's."""
    guide: Guide
    operator: Operator
    operator_name: str
    site: str | None
    """The official site's URL (None when the guide has no ``site`` fact)."""
    site_label: str | None
    links: Policy
    """Makes the leaflet's links (``leaflet.links.link(value)``): official domains only."""
    own_links: Policy
    """The same for its operator's own domains: its site, its QR code."""
    compiled: str
    """The month the printed facts were compiled, in the leaflet's locale."""
    compiled_date: dt.date
    """...and as a date."""
    verified: bool
    """Some printed fact was found on its live source (``facts verify --record``)."""
    provenance: dict[str, Provenance]
    """Where each printed fact comes from, by fact key (low-confidence facts are absent)."""
    omitted: list[str]
    """The keys of the facts left out as low confidence."""
    rules: dict[str, list[str]]
    """The sentences of each printed ``rule`` fact, in the leaflet's language."""
    keywords: str | None
    """For the metadata: the operator's name and the guide's keywords."""
    card_id: str | None
    """The id of the section holding the staff card (a ``phrases`` block), if any."""
    modified: str
    """ISO date for the PDF's metadata: from the content, never the clock."""
    draft: bool
    print: PrintOptions


def text_direction(locale: Locale) -> str:
    """``rtl`` for languages written right to left (ar, fa, he, ur...), else ``ltr``."""
    return "rtl" if locale.character_order == "right-to-left" else "ltr"


def guide_fonts(content: Content) -> Fonts:
    """The guide's font stacks: its ``fonts:`` setting over the defaults (a family that
    is not installed is an error naming its line in guide.yaml)."""
    return configured(content.guide.fonts, content.sources["guide"])


def font_rules(fonts: Fonts, locales: Iterable[Locale]) -> tuple[FontRule, ...]:
    """One rule per language of ``locales``: its script's stack, as CSS names it.

    Shorter tags first: ``:lang(zh)`` would also match ``zh-Hant``, so the longer,
    more specific rule comes later and wins.
    """
    rules = {html_lang(locale): fonts.css_stack(writing_script(locale)) for locale in locales}
    return tuple(FontRule(lang, rules[lang]) for lang in sorted(rules, key=lambda t: (len(t), t)))


def operator_name(operator: Operator, locale: Locale, staff: Locale | None) -> str:
    """The name as written on store signs when the reader reads the staff's script (МТС
    for Russian), else the Latin name."""
    local = operator.names.local
    if local and staff is not None and writing_script(locale) == writing_script(staff):
        return local
    return operator.names.latin


def money(amount: Decimal | int, locale: Locale, currency: str = "RUB") -> str:
    """Money as the reader writes it: "5 ₽" in Russian, "5 Russian roubles", "5俄罗斯卢布".

    The symbol where the locale has one of its own (₽ in Russian); elsewhere the
    currency's display name, pluralised by Babel: CLDR's fallback symbol is "RUB5" in
    English and Chinese, which readers do not parse. A no-break space keeps the
    number and its sign on one line.
    """
    if locale.currency_symbols.get(currency, currency) != currency:
        return format_currency(
            amount, currency, format="#,##0.##\u00a0¤", locale=locale, currency_digits=False
        )
    text = format_currency(
        amount,
        currency,
        format="#,##0.##",
        locale=locale,
        format_type="name",
        currency_digits=False,
    )
    # CLDR puts a space before the name in Traditional Chinese ("3 俄羅斯盧布") but not in
    # Simplified: Chinese, Japanese and Korean set numbers and words without one.
    return text.replace(" ", "") if locale.language in ("zh", "ja", "ko") else text


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
        if message.plural is not None:
            continue  # a sentence with a count: phrased per operator (see _rules)
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


def _strip_label(label: str) -> str:
    """A fact's label with its operator left out: no leading punctuation or spaces
    (":", "：", "«»"), and none left at the end ("и Госуслуги" keeps its words)."""
    return label.strip(" :：«»\u00a0-–—")


def _rules(
    content: Content,
    operator: Operator,
    translator: Translator,
    values: dict[str, str],
    locale: Locale,
) -> dict[str, list[str]]:
    """Each printed ``rule`` fact as sentences: the guide's sentence, pluralised for the
    operator's number in the leaflet's language, with its amount of money."""
    out: dict[str, list[str]] = {}
    for key, fact in operator.facts.items():
        if not fact.rule or not fact.printable:
            continue
        out[key] = []
        for item in fact.rule:
            sentence = content.guide.sentences[item.sentence]
            filled = dict(values)
            if item.amount is not None and content.guide.currency:
                filled["amount"] = money(item.amount, locale, content.guide.currency)
            out[key].append(
                translator.format_count(
                    f"sentences/{item.sentence}", sentence.one, sentence.other, item.num, filled
                )
            )
    return out


def _keywords(content: Content, translator: Translator, values: dict[str, str]) -> str | None:
    """The operator's name and the guide's keywords, translated, for the metadata."""
    keywords = content.guide.keywords
    if not keywords:
        return values["operator"]
    return f"{values['operator']}, {translator.format('guide/keywords', keywords, values)}"


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
    guide_path = content.sources["guide"].path
    locale = formats_locale(content, lang, guide_path)
    staff = content.guide.staff_language
    staff_locale = parse_locale(staff, guide_path) if staff else None
    checked: dt.date = source.compiled_on()
    verified = source.verified_on()
    own, links = policy(source), allowed_links(content)
    site = own.link(source.site) if source.site else None
    values = {
        **fact_placeholders(source),  # first: the names below win (site is the host name)
        "operator": operator_name(source, locale, staff_locale),
        "compiled": format_skeleton("yMMMM", checked, locale=locale),
    }
    if site is not None:
        values["site"] = site.label
    guide_items = list(guide_messages(content.guide, content.sources["guide"]))
    operator_items = list(operator_messages(source, content.sources[slug]))
    # The labels of facts, listed in one sentence: those left out (low confidence), for
    # the one "not confirmed" line, and those found on their live sources, for a
    # ``verified`` block (only a day on which something was checked is ever printed).
    labels = {m.path[-1]: m for m in guide_items if m.path[:1] == ("facts",)}
    # Named without the operator ("your balance", not "MegaFon: your balance"): the
    # list is about this operator already.
    unnamed = {**values, "operator": ""}

    def listed(keys: list[str]) -> str:
        names = [
            _strip_label(translator.format(labels[k].context, labels[k].msgid, unnamed))
            for k in keys
        ]
        return format_list(names, locale=locale) if names else ""

    facts = source.facts.items()
    values[OMITTED] = listed([key for key, fact in facts if not fact.printable])
    values[FOUND] = listed([key for key, fact in facts if fact.printable and fact.live])
    values[VERIFIED] = format_skeleton("yMMMMd", verified, locale=locale) if verified else ""
    keep_answers()  # the translations' link checks may have asked about new names
    return Leaflet(
        lang=lang,
        html_lang=html_lang(locale),
        script=writing_script(locale),
        staff_lang=html_lang(staff_locale) if staff_locale else None,
        staff_script=writing_script(staff_locale) if staff_locale else None,
        show_meaning=staff_locale is None or locale.language != staff_locale.language,
        direction=text_direction(locale),
        staff_direction=text_direction(staff_locale) if staff_locale else text_direction(locale),
        font_rules=font_rules(guide_fonts(content), [x for x in (locale, staff_locale) if x]),
        guide=_translated(content.guide, guide_items, translator, values, links),
        operator=_translated(source, operator_items, translator, values, links),
        operator_name=values["operator"],
        site=site.href if site else None,
        site_label=site.label if site else None,
        links=links,
        own_links=own,
        compiled=values["compiled"],
        compiled_date=checked,
        verified=verified is not None,
        provenance={
            key: provenance(source, fact) for key, fact in source.facts.items() if fact.printable
        },
        omitted=[key for key, fact in source.facts.items() if not fact.printable],
        rules=_rules(content, source, translator, values, locale),
        keywords=_keywords(content, translator, values),
        card_id=next(
            (s.id for s in content.guide.sections if any(b.phrases for b in s.body)), None
        ),
        modified=max(f.checked for f in source.facts.values()).isoformat(),
        draft=draft,
        print=print_options or PrintOptions(),
    )
