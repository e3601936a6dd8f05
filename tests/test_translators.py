"""The translators' workflow (`make-guide i18n ...`), plural forms, locale formatting,
draft builds, and adding a language without touching code."""

from __future__ import annotations

import datetime as dt
import gettext
import io
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest
from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.messages.pofile import read_po

from generator.content import Content
from generator.i18n import load_catalog, translator
from generator.localize import formats_locale, money
from generator.project import Project

from helpers import html_text, leaflet_files, normalise, squash
from helpers import run_cli as run


def _counted(content: Content) -> tuple[str, str, str]:
    """A sentence with a count that the guide declares: (context, singular, plural)."""
    key, sentence = next(iter(content.guide.sentences.items()))
    return f"sentences/{key}", sentence.one, sentence.other


@pytest.mark.parametrize(
    ("n", "word"),
    [
        (1, "день"),
        (2, "дня"),
        (5, "дней"),
        (11, "дней"),
        (21, "день"),
        (22, "дня"),
        (25, "дней"),
        (111, "дней"),
        (1001, "день"),
    ],
)
def test_russian_plural_forms(project: Project, content: Content, n: int, word: str) -> None:
    tr = translator(project, "ru")
    context, one, other = _counted(content)
    text = tr.format_count(context, one, other, n, {"amount": "5 ₽"})
    assert f" {n} {word} " in text
    assert not tr.missing


def test_rules_print_days_and_money_in_the_leaflets_language(
    project: Project, content: Content, leaflet, lang: str, operator: str
) -> None:
    tr = translator(project, lang)
    locale = formats_locale(content, lang, project.guide_file)
    text = html_text(leaflet.html)
    for fact in content.operators[operator].facts.values():
        if not fact.printable:
            continue
        for item in fact.rule or []:
            sentence = content.guide.sentences[item.sentence]
            values = {}
            if item.amount is not None:
                values["amount"] = money(item.amount, locale, content.guide.currency or "RUB")
            context = f"sentences/{item.sentence}"
            printed = tr.format_count(context, sentence.one, sentence.other, item.num, values)
            assert normalise(printed) in text
    # The month the facts were compiled, through Babel, in the leaflet's locale.
    checked = content.operators[operator].compiled_on()
    assert normalise(format_skeleton("yMMMM", checked, locale=locale)) in text


def test_english_is_british(project: Project, content: Content) -> None:
    """en leaflets use en_GB formats: "27 November 2026", "roubles"."""
    locale = formats_locale(content, "en", project.guide_file)
    assert str(locale) == "en_GB"
    assert money(5, locale) == "5 Russian roubles"
    assert format_date(dt.date(2026, 11, 27), "long", locale=locale) == "27 November 2026"


def test_money_is_localised() -> None:
    # The symbol where the language has its own (₽ in Russian), else the currency's name.
    assert money(5, Locale.parse("en_GB")) == "5 Russian roubles"
    assert money(5, Locale.parse("ru")) == "5\xa0₽"
    assert money(21, Locale.parse("ru")) == "21\xa0₽"
    assert money(3, Locale.parse("zh")) == "3俄罗斯卢布"
    assert money(3, Locale.parse("zh_Hant")) == "3俄羅斯盧布"


def test_new_language_needs_no_code(project_copy: Project, tmp_path: Path) -> None:
    root = str(project_copy.root)
    code, out, err = run("i18n", "init", "de", "--project", root)
    assert code == 0, err
    assert project_copy.po_file("de").is_file()
    assert out == f"wrote {project_copy.po_file('de')}\n"
    # A translation in progress is marked not released: --all leaves it out.
    assert "de" in project_copy.languages() and "de" not in project_copy.released_languages()
    assert "  de: {released: false}" in project_copy.guide_file.read_text("utf-8")

    code, out, _ = run("--list", "--project", root)
    assert any(line.split()[0] == "de" and "not released" in line for line in out.splitlines())

    code, out, err = run("check", "--project", root)
    assert code == 1
    assert "\nde\n" in "\n" + out
    assert "de/LC_MESSAGES/messages.po:" in err and "untranslated" in err

    dist = tmp_path / "dist"
    code, out, err = run("--all", "--format", "html", "--project", root, "--out", str(dist))
    assert code == 0, err
    assert not [n for n in leaflet_files(dist) if "-de" in n]

    code, _, err = run("--lang", "de", "--operator", "mts", "--project", root, "--out", str(dist))
    assert code == 2
    assert "'de' is not released yet" in err and "--draft" in err

    code, out, err = run(
        "--lang", "de", "--operator", "mts", "--project", root, "--out", str(dist), "--draft"
    )
    assert code == 0, err
    assert {"mts-de-draft.html", "mts-de-draft.pdf"} <= set(leaflet_files(dist))
    reader = pypdf.PdfReader(dist / "mts-de-draft.pdf")
    for page in reader.pages:
        assert "DRAFT" in page.extract_text()
    assert "DRAFT" in html_text(dist / "mts-de-draft.html")


def test_released_language_builds_once_complete(project_copy: Project, tmp_path: Path) -> None:
    """Removing the mark releases the language (here a copy of a complete catalog)."""
    root = str(project_copy.root)
    assert run("i18n", "init", "de", "--project", root)[0] == 0
    guide = project_copy.guide_file
    guide.write_text(guide.read_text("utf-8").replace("  de: {released: false}", ""), "utf-8")
    assert "de" in project_copy.released_languages()
    code, _, err = run(
        "--lang", "de", "--operator", "mts", "--project", root, "--out", str(tmp_path)
    )
    assert code == 1 and "untranslated or fuzzy" in err


def test_complete_leaflet_with_draft_flag_is_not_a_draft(tmp_path: Path) -> None:
    code, out, _ = run("--lang", "ru", "--operator", "mts", "--draft", "--out", str(tmp_path))
    assert code == 0 and "-draft" not in out
    assert leaflet_files(tmp_path) == ["mts-ru.html", "mts-ru.pdf"]
    assert "DRAFT" not in squash(html_text(tmp_path / "mts-ru.html"))


def test_compile_writes_mo_files_gettext_can_read(project_copy: Project) -> None:
    code, out, err = run("i18n", "compile", "--project", str(project_copy.root))
    assert code == 0, err
    assert f"wrote {project_copy.po_file('zh').with_suffix('.mo')}" in out
    with project_copy.po_file("ru").with_suffix(".mo").open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    catalog = load_catalog(project_copy, "ru")
    message = next(m for m in catalog if m.id and isinstance(m.id, str) and m.context)
    assert mo.pgettext(message.context, message.id) == message.string
    context, one, other = next(
        (m.context, m.id[0], m.id[1]) for m in catalog if isinstance(m.id, (list, tuple))
    )
    plural = catalog.get(one, context=context)
    assert plural is not None and mo.npgettext(context, one, other, 22) == plural.string[1]


def test_update_picks_up_changed_source_text(project_copy: Project, content: Content) -> None:
    section = content.guide.sections[-1]
    guide = project_copy.guide_file
    guide.write_text(
        guide.read_text("utf-8").replace(
            f"heading: {section.heading}", f"heading: {section.heading} later"
        ),
        "utf-8",
    )
    old = load_catalog(project_copy, "ru").get(section.heading, context=f"{section.id}/heading")
    code, _, err = run("i18n", "update", "--project", str(project_copy.root))
    assert code == 0, err
    with project_copy.po_file("ru").open("rb") as fh:
        catalog = read_po(fh)
    changed = catalog.get(f"{section.heading} later", context=f"{section.id}/heading")
    assert changed is not None and changed.fuzzy
    assert old is not None and changed.string == old.string  # the old translation, to review
    code, _, err = run("check", "--project", str(project_copy.root))
    assert code == 1 and "fuzzy" in err and "out of date" not in err


def test_extract_matches_committed_template(project_copy: Project) -> None:
    committed = project_copy.pot_file.read_bytes()
    code, _, _ = run("i18n", "extract", "--project", str(project_copy.root))
    assert code == 0
    keys = lambda data: {(m.context, m.id) for m in read_po(io.BytesIO(data)) if m.id}  # noqa: E731
    assert keys(project_copy.pot_file.read_bytes()) == keys(committed)


def test_plain_pybabel_extract_uses_our_extractor(project: Project, tmp_path: Path) -> None:
    pybabel = Path(sys.executable).with_name("pybabel")
    out = tmp_path / "m.pot"
    subprocess.run(
        [str(pybabel), "-q", "extract", "-F", "babel.cfg", "-o", str(out), "."],
        cwd=project.root,
        check=True,
        capture_output=True,
    )
    with out.open("rb") as fh, project.pot_file.open("rb") as ref:
        assert {(m.context, m.id) for m in read_po(fh)} == {(m.context, m.id) for m in read_po(ref)}


def test_unknown_language_for_init(project_copy: Project) -> None:
    code, _, err = run("i18n", "init", "xx_Nope", "--project", str(project_copy.root))
    assert code == 1 and "not a language Babel knows" in err
