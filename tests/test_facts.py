"""Each fact lives in one place and says where it comes from.

- No operator fact value (a phone number, a code, an official domain) is copied into
  guide prose, operator prose or any catalog: sentences use placeholders, and
  ``make-guide check`` names every copy with its file, line and fact.
- A sentence may refer only to facts that are printed for every operator it is shown for.
- Every printed fact carries its provenance label (official page / secondary source,
  with the source's year); low-confidence facts stay out, named once in one line.
"""

from __future__ import annotations

import io
import re

import pytest

from generator.check import check_project
from generator.cli import main
from generator.content import Content, load_content, messages
from generator.errors import GuideError
from generator.factcopies import FactValues
from generator.i18n import load_catalog, translator
from generator.project import Project
from generator.provenance import is_official

from helpers import html_text, normalise, parse_html
from test_render import localized


def test_no_fact_value_is_copied_into_content_prose(content: Content) -> None:
    values = FactValues(content)
    copies = [
        (str(m.file), m.line, c) for m in messages(content) for c in values.copies_in(m.msgid)
    ]
    assert copies == []


def test_no_fact_value_is_copied_into_a_catalog(
    project: Project, content: Content, catalog_lang: str
) -> None:
    values = FactValues(content)
    catalog = load_catalog(project, catalog_lang)
    copies = []
    for m in catalog:
        strings = m.string if isinstance(m.string, (list, tuple)) else [m.string]
        for s in strings:
            copies += [(m.lineno, c) for c in values.copies_in(s or "")]
    assert copies == []


@pytest.mark.parametrize(
    "written, fact",
    [
        ("8 800 700-06-11", "tollfree"),  # as in the operator file
        ("8-800-700-06-11", "tollfree"),  # other separators: the same number
        ("0611", "short_number"),
        ("*102#", "balance_code"),
        ("beeline.ru", "domains"),
        ("https://www.beeline.ru/help", "domains"),
    ],
)
def test_values_are_found_however_written(content: Content, written: str, fact: str) -> None:
    found = list(FactValues(content).copies_in(f"Call {written} now"))
    assert [(c.operator, c.fact) for c in found] == [("beeline", fact)]


@pytest.mark.parametrize(
    "text",
    [
        "Call %(tollfree)s now",  # a placeholder is not a copy
        "since 1 January 2025, at most 10 numbers, 72 hours",
        "8 800 700-06-12",  # another number
        "xbeeline.rux and beeline.russia",
        "Мой номер: +7",
    ],
)
def test_ordinary_text_is_not_a_copy(content: Content, text: str) -> None:
    assert list(FactValues(content).copies_in(text)) == []


def _first_text_fact(content: Content) -> tuple[str, str]:
    """An operator and one of its printed prose facts."""
    for slug, operator in content.operators.items():
        for key, fact in operator.facts.items():
            if fact.text and fact.printable:
                return slug, key
    raise AssertionError("no printed prose fact")


def test_check_names_a_copied_fact_in_content_and_in_a_catalog(project_copy: Project) -> None:
    content = load_content(project_copy)
    slug, key = _first_text_fact(content)
    number_key, number = next(
        (k, f.value)
        for k, f in content.operators[slug].facts.items()
        if f.value and f.printable and f.value[-1].isdigit()
    )
    path = project_copy.operator_file(slug)
    text = content.operators[slug].facts[key].text
    assert text
    path.write_text(path.read_text("utf-8").replace(text, text + f" Or call {number}.", 1), "utf-8")
    po = project_copy.po_file("ru")
    lines = po.read_text("utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith('msgstr "') and len(line) > 12)
    lines[at] = lines[at][:-1] + f' {number}"'
    po.write_text("\n".join(lines) + "\n", "utf-8")
    report = check_project(project_copy)
    copies = [p.message for p in report.errors if "copies" in p.message]
    assert any(m.startswith(f"{path}:") and f"{slug}'s fact '{number_key}'" in m for m in copies), (
        copies
    )
    assert any(m.startswith(f"{po}:{at}:") for m in copies), copies  # the msgid's line
    assert f"%({number_key})s" in copies[0]


def test_a_sentence_cannot_print_a_low_confidence_fact(project_copy: Project) -> None:
    content = load_content(project_copy)
    for slug, operator in content.operators.items():  # noqa: B007  (used after the loop)
        low = [k for k, f in operator.facts.items() if f.value and not f.printable]
        prose = [k for k, f in operator.facts.items() if f.text and f.printable]
        if low and prose:
            break
    else:
        raise AssertionError("no operator with both a low-confidence value and a sentence")
    path = project_copy.operator_file(slug)
    text = operator.facts[prose[0]].text
    assert text
    path.write_text(path.read_text("utf-8").replace(text, f"{text} Call %({low[0]})s.", 1), "utf-8")
    with pytest.raises(GuideError, match=rf"{slug}'s fact '{low[0]}' is low confidence"):
        load_content(project_copy)


def _expected_label(project: Project, lang: str, official: bool, year, or_earlier) -> str:
    tr = translator(project, lang)
    kind = "official page" if official else "secondary source"
    if year and or_earlier:
        return tr.gettext(f"{kind}, %(year)s or earlier") % {"year": year}
    if year:
        return tr.gettext(f"{kind}, %(year)s") % {"year": year}
    return tr.gettext(kind if official else f"{kind}, undated")


def test_every_printed_fact_says_where_it_comes_from(
    project: Project, content: Content, leaflet, lang: str, operator: str
) -> None:
    op = content.operators[operator]
    doc = parse_html(leaflet.html)
    shown = [
        attrs["class"].split()[1].removeprefix("fact-")
        for tag, attrs in doc.tags
        if tag == "div" and "fact" in (attrs.get("class") or "").split()
    ]
    assert shown, "the leaflet shows some facts"
    listed = {k for s in content.guide.sections for b in s.body for k in b.facts or []}
    assert set(shown) == {k for k in listed if op.facts[k].printable}
    source = leaflet.html.read_text("utf-8")
    for key in shown:
        fact = op.facts[key]
        block = re.search(rf'<div class="fact fact-{key}[ "].*?</div>', source, re.S)
        assert block, key
        label = re.findall(r'<span class="provenance">(.*?)</span>', block.group(0), re.S)
        official = is_official(fact.source, op.domains)
        expected = _expected_label(project, lang, official, fact.year, fact.or_earlier)
        assert [normalise(x) for x in label] == [normalise(expected)], key


def test_official_means_a_url_on_the_operators_domains() -> None:
    domains = ["t2.ru", "tele2.ru"]
    assert is_official("https://lipetsk.tele2.ru/help/article/contract-termination", domains)
    assert is_official("https://t2.ru", domains)
    for source in [
        "secondary pages (t2.ru)",  # a description is not a page
        "http://t2.ru/x",  # not https
        "https://evil.example\\@t2.ru/",  # WHATWG: the host is evil.example
        "https://t2.ru.evil.example/",
        "https://nott2.ru/",
        "https://tatarstan.megafon.ru/help/sim_limit",
    ]:
        assert not is_official(source, domains), source


def test_low_confidence_facts_stay_out_and_are_named_once(
    project: Project, content: Content, leaflet, lang: str, operator: str
) -> None:
    op = content.operators[operator]
    text = html_text(leaflet.html)
    for key, fact in op.facts.items():
        if fact.value and not fact.printable:
            assert fact.value not in text, key
    doc = parse_html(leaflet.html)
    lines = [attrs for tag, attrs in doc.tags if "unconfirmed" in (attrs.get("class") or "")]
    omitted = [k for k, f in op.facts.items() if not f.printable]
    assert len(lines) == (1 if omitted else 0)
    leaf = localized(project, content, lang, operator)
    for key in omitted:
        # Named without the operator ("your balance"): the line is about it already.
        label = leaf.guide.facts[key].replace(leaf.operator_name, "").strip(" :：«»\u00a0")
        assert normalise(label) in text, key


def test_check_is_clean_for_the_repository_copies(project: Project) -> None:
    """The copies rule is part of check (and the repository passes it)."""
    err = io.StringIO()
    main(["check", "--project", str(project.root)], out=io.StringIO(), err=err)
    assert "copies" not in err.getvalue()


def test_source_descriptions_are_citations_not_links(content: Content, leaflet) -> None:
    """A fact's source is never printed or linked: only its kind and year are."""
    source = leaflet.html.read_text("utf-8")
    for operator in content.operators.values():
        for fact in operator.facts.values():
            if "://" in fact.source or len(fact.source) > 25:
                assert fact.source not in source, fact.source


def _lines(html: str, cls: str) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>", "", m).split())
        for m in re.findall(rf'<p class="{cls}">(.*?)</p>', html, re.S)
    ]


def test_no_leaflet_claims_a_live_check_that_was_not_done(
    content: Content, leaflet, operator: str
) -> None:
    """The repository's facts were compiled from stored copies: every leaflet says none
    was checked on the live sites, and names no verification day."""
    assert not any(f.verified for f in content.operators[operator].facts.values())
    html = leaflet.html.read_text("utf-8")
    assert len(_lines(html, "unverified")) == 1
    assert _lines(html, "verified") == []


def _mark_live(project: Project, slug: str, keys: list[str]) -> None:
    """As ``facts verify --record`` leaves a fact: verified on the day it was checked."""
    path = project.root / "content" / "operators" / f"{slug}.yaml"
    text = path.read_text("utf-8")
    for key in keys:
        text, n = re.subn(
            rf"(\n  {key}:\n(?:    .*\n)*?    checked: (\S+)\n)", r"\g<1>    verified: \2\n", text
        )
        assert n == 1, key
    path.write_text(text, "utf-8")


def test_a_live_check_is_printed_with_its_latest_day(project_copy: Project) -> None:
    """After a recorded verification: the facts found and the latest day, in every
    language; the "none was checked" line is gone."""
    from babel.dates import format_skeleton

    from generator.api import build_leaflet
    from generator.localize import formats_locale

    content = load_content(project_copy)
    slug = next(
        s
        for s, op in content.operators.items()
        if sum(1 for f in op.facts.values() if f.printable and "://" in f.source) >= 1
    )
    keys = [
        k for k, f in content.operators[slug].facts.items() if f.printable and "://" in f.source
    ]
    _mark_live(project_copy, slug, keys)
    content = load_content(project_copy)
    op = content.operators[slug]
    day = op.verified_on()
    assert day is not None and day == max(op.facts[k].checked for k in keys)
    for lang in project_copy.languages():
        html = build_leaflet(project_copy, lang, slug, fmt="html").decode("utf-8")
        assert _lines(html, "unverified") == []
        (line,) = _lines(html, "verified")
        locale = formats_locale(content, lang, project_copy.guide_file)
        assert normalise(format_skeleton("yMMMMd", day, locale=locale)) in normalise(line)
        leaf = localized(project_copy, content, lang, slug)
        for key in keys:
            label = leaf.guide.facts[key].replace(leaf.operator_name, "").strip(" :：«»\u00a0")
            assert normalise(label) in normalise(line), (lang, key)
        # Still compiled when it was: the compile month did not move.
        assert normalise(leaf.compiled) in normalise(html_text_of(html))


def html_text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_hand_check_after_the_live_one_withdraws_it(project_copy: Project) -> None:
    """``verified`` counts only while it is the latest check: an editor who re-checks
    by hand (a later ``checked``) leaves the fact unverified on the leaflet."""
    from generator.api import build_leaflet

    content = load_content(project_copy)
    slug = project_copy.operators()[0]
    path = project_copy.root / "content" / "operators" / f"{slug}.yaml"
    text = path.read_text("utf-8")
    text = re.sub(
        r"(\n  site:\n(?:    .*\n)*?    checked: )(\S+)\n",
        r"\g<1>2026-12-01\n    verified: \2\n",
        text,
    )
    path.write_text(text, "utf-8")
    content = load_content(project_copy)
    assert content.operators[slug].facts["site"].verified is not None
    assert content.operators[slug].verified_on() is None
    html = build_leaflet(project_copy, "en", slug, fmt="html").decode("utf-8")
    assert len(_lines(html, "unverified")) == 1 and _lines(html, "verified") == []
