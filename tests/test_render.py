"""HTML leaflets, for every language x operator: every section in the leaflet's
language, nothing left in English, self-contained, and only sourced facts and URLs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.content import Content, messages
from generator.extract import extract_catalog
from generator.filters import css_counters, css_escape
from generator.i18n import html_lang, translator
from generator.localize import Leaflet, formats_locale, localize
from generator.project import Project

from helpers import html_text, normalise, parse_html

URL_RE = re.compile(r"https?://[^\s\"'<>)\]]+")


def allowed_urls(content: Content) -> set[str]:
    """The operators' sites and the facts' sources: nothing else may be linked."""
    urls = set()
    for op in content.operators.values():
        for fact in op.facts.values():
            for text in (fact.value or "", fact.source):
                urls.update(URL_RE.findall(text))
    return urls


def localized(project: Project, content: Content, lang: str, operator: str) -> Leaflet:
    """The guide and operator as the leaflet shows them (translated, placeholders filled)."""
    return localize(project, content, lang, operator, translator(project, lang))


def test_every_section_in_the_leaflets_language(
    project: Project, content: Content, leaflet, lang: str, operator: str
) -> None:
    doc = parse_html(leaflet.html)
    ids = [attrs.get("id") for tag, attrs in doc.tags if tag == "section"]
    assert ids == [s.id for s in content.guide.sections]
    text = html_text(leaflet.html)
    for section in localized(project, content, lang, operator).guide.sections:
        assert section.heading in text


@pytest.mark.translated_only
def test_no_english_source_text_leaks(
    project: Project, content: Content, leaflet, lang: str
) -> None:
    text = html_text(leaflet.html)
    sources = [m.msgid for m in messages(content)]
    for m in extract_catalog(project):
        sources += [m.id] if isinstance(m.id, str) else list(m.id)
    for msgid in sources:
        # Literal runs between placeholders, long enough to be a real English phrase.
        for run in re.split(r"%\(\w+\)[sd]", msgid):
            if len(run.split()) >= 3:
                assert normalise(run) not in text, f"English left in {leaflet.html.name}: {run!r}"


def test_document_language_title_and_staff_passages(
    project: Project, content: Content, leaflet, lang: str
) -> None:
    doc = parse_html(leaflet.html)
    html_attrs = next(attrs for tag, attrs in doc.tags if tag == "html")
    assert html_attrs["lang"] == html_lang(formats_locale(content, lang, project.guide_file))
    source = leaflet.html.read_text("utf-8")
    assert re.search(r"<title>[^<]{10,}</title>", source)
    staff = [attrs for tag, attrs in doc.tags if "staff" in (attrs.get("class") or "").split()]
    assert staff and all(a.get("lang") == content.guide.staff_language for a in staff)


def test_self_contained_no_external_requests(project: Project, leaflet, operator: str) -> None:
    doc = parse_html(leaflet.html)
    assert not [t for t, _ in doc.tags if t in ("script", "iframe", "img", "object")]
    # <link> only for the other language versions: rel=alternate loads nothing.
    siblings = {f"{operator}-{lang}.html" for lang in project.languages()}
    links = [attrs for tag, attrs in doc.tags if tag == "link"]
    assert links and all(a["rel"] == "alternate" and a["href"] in siblings for a in links)
    ids = {attrs["id"] for _, attrs in doc.tags if attrs.get("id")}
    for tag, attr, value in doc.urls:
        if tag == "link":
            continue
        assert tag == "a" and attr == "href", (tag, attr, value)
        if value.startswith("#"):  # within the page (the staff card): a target it has
            assert value == "#" or value[1:] in ids, value
            continue
        assert value.startswith(("https://", "tel:")), value
    assert "url(" not in leaflet.html.read_text("utf-8")
    assert "@import" not in leaflet.html.read_text("utf-8")


def test_only_sourced_urls_appear(content: Content, leaflet) -> None:
    allowed = allowed_urls(content)
    found = set(URL_RE.findall(leaflet.html.read_text("utf-8")))
    assert found, "the official site is linked"
    assert found <= allowed, found - allowed


def test_low_confidence_facts_are_not_printed(content: Content, leaflet, operator: str) -> None:
    text = html_text(leaflet.html)
    op = content.operators[operator]
    for key, fact in op.facts.items():
        if fact.value and not fact.printable:
            assert fact.value not in text, key
        if fact.value and fact.printable and not fact.value.startswith("https://"):
            assert fact.value in text, key


def test_css_escape_cannot_break_out_of_a_string() -> None:
    hostile = 'x"; } body { display: none } </style><script>alert(1)</script>'
    escaped = css_escape(hostile)
    assert '"' not in escaped and "<" not in escaped and "}" not in escaped
    assert (
        str(css_counters("第 {page} 页，共 {pages} 页"))
        == '"第 " counter(page) " 页，共 " counter(pages) " 页"'
    )


def test_pages_footer_translated(leaflet, project: Project, lang: str) -> None:
    tr = translator(project, lang)
    first_word = tr.gettext("Page %(page)s of %(pages)s").split("%")[0].strip()
    if first_word:
        assert css_escape(first_word) in leaflet.html.read_text("utf-8")


def test_html_is_served_as_utf8_document(leaflet: Path) -> None:
    source = leaflet.html.read_text("utf-8")
    assert source.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in source
    assert 'name="viewport"' in source
