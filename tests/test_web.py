"""HTML leaflets and the index as web pages: well-formed HTML5, a heading hierarchy
without gaps, unique ids, a language on the page and on every passage in another
language, hreflang links between the language versions, and the index in every
language."""

from __future__ import annotations

import itertools
from pathlib import Path

import html5lib
import pytest
from babel import Locale

from generator.build import Settings, Target, build
from generator.content import load_content
from generator.i18n import html_lang, translator
from generator.index import write_index
from generator.localize import formats_locale
from generator.project import INDEX_NAME, Project

from helpers import parse_html


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, project: Project) -> Path:
    out = tmp_path_factory.mktemp("web")
    targets = [Target(lang, op) for op in project.operators() for lang in project.languages()]
    settings = Settings(out, ("html",))
    assert not [r.error for r in build(project, targets, settings, jobs=2) if r.error]
    write_index(project, settings.out_dir)
    return out


def _pages(project: Project) -> list[str]:
    return [
        *(f"{o}-{lang}.html" for o in project.operators() for lang in project.languages()),
        INDEX_NAME,
    ]


@pytest.mark.parametrize("name", _pages(Project.default()))
def test_well_formed_html5(site: Path, name: str) -> None:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    parser.parse((site / name).read_bytes(), transport_encoding="utf-8")
    assert not parser.errors


@pytest.mark.parametrize("name", _pages(Project.default()))
def test_headings_ids_and_languages(site: Path, name: str) -> None:
    doc = parse_html(site / name)
    levels = [int(tag[1]) for tag, _ in doc.tags if tag in ("h1", "h2", "h3", "h4", "h5", "h6")]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
    ids = [attrs["id"] for _, attrs in doc.tags if attrs.get("id")]
    assert len(ids) == len(set(ids))
    assert next(attrs for tag, attrs in doc.tags if tag == "html").get("lang")


def test_hreflang_links_between_language_versions(
    project: Project, site: Path, operator: str, lang: str
) -> None:
    doc = parse_html(site / f"{operator}-{lang}.html")
    alternates = {
        a["hreflang"]: a["href"] for t, a in doc.tags if t == "link" and a.get("rel") == "alternate"
    }
    assert alternates == {
        _tag(project, other): f"{operator}-{other}.html" for other in project.languages()
    }


def _tag(project: Project, lang: str) -> str:
    """The BCP 47 tag a language's pages carry (en: en-GB, its formats locale)."""
    return html_lang(formats_locale(load_content(project), lang, project.guide_file))


def test_index_lists_every_leaflet_in_its_language(project: Project, site: Path) -> None:
    doc = parse_html(site / INDEX_NAME)
    sections = {a["lang"]: a for t, a in doc.tags if t == "section" and "lang" in a}
    assert set(sections) == {_tag(project, lang) for lang in project.languages()}
    hrefs = {a["href"] for t, a in doc.tags if t == "a"}
    for lang in project.languages():
        for op in project.operators():
            assert f"{op}-{lang}.html" in hrefs
    text = (site / INDEX_NAME).read_text("utf-8")
    for lang in project.languages():
        locale = Locale.parse(lang)
        assert locale.get_display_name(locale) in text
        tr = translator(project, lang)
        assert tr.pgettext("guide/title", "How to cancel a Russian SIM card") in text


def test_index_written_only_by_all_and_left_alone_when_unchanged(
    project: Project, tmp_path: Path
) -> None:
    import io

    from generator.cli import main

    assert (
        main(
            ["--lang", "en", "--format", "html", "--out", str(tmp_path)],
            out=io.StringIO(),
            err=io.StringIO(),
        )
        == 0
    )
    assert not (tmp_path / INDEX_NAME).exists()
    out = io.StringIO()
    assert (
        main(["--all", "--format", "html", "--out", str(tmp_path)], out=out, err=io.StringIO()) == 0
    )
    assert f"wrote {tmp_path / INDEX_NAME}" in out.getvalue()
    stamp = (tmp_path / INDEX_NAME).stat().st_mtime_ns
    assert (
        main(
            ["--all", "--format", "html", "--out", str(tmp_path), "-q"],
            out=io.StringIO(),
            err=io.StringIO(),
        )
        == 0
    )
    assert (tmp_path / INDEX_NAME).stat().st_mtime_ns == stamp


def test_html5_check_can_fail() -> None:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    with pytest.raises(html5lib.html5parser.ParseError):
        parser.parse(b"<!DOCTYPE html><p><table></p><td>x</div>", transport_encoding="utf-8")


def _texts_with_lang(element, lang: str | None = None):
    """(text, language in force) for every text node under ``element``."""
    lang = element.get("lang", lang)
    if element.tag in ("style", "script"):
        return
    if element.text:
        yield element.text, lang
    for child in element:
        yield from _texts_with_lang(child, lang)
        if child.tail:
            yield child.tail, lang


@pytest.mark.parametrize("name", _pages(Project.default()))
def test_every_russian_passage_is_marked(site: Path, name: str) -> None:
    # Russian inside a Chinese or English page (app names, services, the staff card)
    # carries lang="ru", so screen readers switch voice and browsers pick the right font.
    tree = html5lib.parse(
        (site / name).read_bytes(), transport_encoding="utf-8", namespaceHTMLElements=False
    )
    unmarked = [
        text.strip()
        for text, lang in _texts_with_lang(tree)
        if any("\u0400" <= ch <= "\u04ff" for ch in text) and not (lang or "").startswith("ru")
    ]
    assert not unmarked, unmarked
