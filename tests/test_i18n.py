"""Catalogs: every language covers every message the content and templates use,
completely and without fuzzy entries, and the catalogs are valid for gettext tools."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from generator.build import Settings, Target, build
from generator.errors import GuideError
from generator.extract import METHOD_MAP, extract_catalog
from generator.i18n import html_lang, is_complete, load_catalog
from generator.project import Project

from helpers import leaflet_files


@pytest.fixture(scope="module")
def used(project: Project):
    return extract_catalog(project)


def test_every_message_is_translated_and_not_fuzzy(
    project: Project, used, catalog_lang: str
) -> None:
    catalog = load_catalog(project, catalog_lang)
    problems = []
    for message in used:
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        if found is None:
            problems.append(f"missing: [{message.context}] {message.id}")
        elif not is_complete(found, catalog.num_plurals):
            state = "fuzzy" if found.fuzzy else "untranslated"
            problems.append(f"{state}: [{message.context}] {message.id}")
    assert not problems, f"{project.po_file(catalog_lang)}:\n" + "\n".join(problems)


def test_placeholders_agree_with_msgid(project: Project, catalog_lang: str) -> None:
    # Babel's own checkers: python-format placeholders and plural forms.
    catalog = load_catalog(project, catalog_lang)
    errors = [(m.id, [str(e) for e in errs]) for m, errs in catalog.check()]
    assert not errors


def test_gnu_msgfmt_accepts_the_catalog(
    project: Project, catalog_lang: str, tmp_path: Path
) -> None:
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "GNU gettext's msgfmt is installed by the setup (scripts/bootstrap.sh)"
    result = subprocess.run(
        [msgfmt, "--check", "-o", str(tmp_path / "out.mo"), str(project.po_file(catalog_lang))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_committed_pot_matches_extraction(project: Project, used) -> None:
    with project.pot_file.open("rb") as fh:
        pot = read_po(fh)
    keys = lambda cat: {(m.context, m.id) for m in cat if m.id}  # noqa: E731
    assert keys(pot) == keys(used), "run: pybabel extract -F babel.cfg -o locales/messages.pot ."


def test_babel_cfg_uses_the_same_extractors(project: Project) -> None:
    with (project.root / "babel.cfg").open() as fh:
        method_map, _ = parse_mapping_cfg(fh)
    names = {
        "make_guide_content": "generator.extract:extract_content",
        "jinja2": "jinja2.ext:babel_extract",
    }
    assert [(pattern, names[method]) for pattern, method in method_map] == METHOD_MAP


def test_chinese_is_tagged_simplified() -> None:
    assert html_lang(Locale.parse("zh")) == "zh-Hans"
    assert html_lang(Locale.parse("zh_Hant")) == "zh-Hant"
    assert html_lang(Locale.parse("ru")) == "ru"
    assert html_lang(Locale.parse("en")) == "en"


def _po(project: Project, lang: str) -> Path:
    return project.po_file(lang)


def test_po_syntax_error_names_the_line(project_copy: Project) -> None:
    path = _po(project_copy, "ru")
    lines = path.read_text("utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("msgstr") and i > 20)
    lines[at] = 'msgstr "unterminated'
    path.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(GuideError, match=rf"messages\.po:{at + 1}: catalog syntax error"):
        load_catalog(project_copy, "ru")


def _blank(path: Path, msgid_start: str, fuzzy: bool = False) -> None:
    """Empty (or mark fuzzy) the translation of the entry whose msgid starts so."""
    text = path.read_text("utf-8")
    i = text.index(f'msgid "{msgid_start}')
    j = text.index("msgstr", i)
    k = text.index("\n\n", j)
    if fuzzy:
        start = text.rindex("\n\n", 0, i) + 2
        text = text[:start] + "#, fuzzy\n" + text[start:]
    else:
        text = text[:j] + 'msgstr ""' + text[k:]
    path.write_text(text, "utf-8")


@pytest.mark.parametrize("fuzzy", [False, True], ids=["untranslated", "fuzzy"])
def test_leaflet_with_a_gap_is_refused_and_nothing_written(
    project_copy: Project, tmp_path: Path, fuzzy: bool
) -> None:
    _blank(_po(project_copy, "zh"), "Why cancel", fuzzy=fuzzy)
    out = tmp_path / "out"
    results = list(build(project_copy, [Target("zh", "mts"), Target("ru", "mts")], Settings(out)))
    assert results[0].error and "1 string untranslated or fuzzy (why: 1)" in results[0].error
    assert results[0].error.startswith(str(_po(project_copy, "zh")))
    assert not results[1].error
    assert leaflet_files(out) == ["mts-ru.html", "mts-ru.pdf"]


def test_missing_catalog_is_an_error_not_english(project_copy: Project) -> None:
    with pytest.raises(GuideError, match="no catalog for language 'de'"):
        load_catalog(project_copy, "de")
