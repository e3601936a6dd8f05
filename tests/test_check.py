"""`make-guide check`: clean on the repository, and each kind of problem is caught
on a broken copy of the guide project (one test per kind)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from generator.check import check_project
from generator.i18n import placeholders
from generator.project import Project

from helpers import run_cli as run


def test_repository_is_clean(project: Project) -> None:
    code, out, err = run("check")
    assert code == 0, err
    assert out.rstrip().endswith("check: clean")
    assert not err


def test_json_report_has_every_language_and_section(project: Project, lang: str) -> None:
    code, out, _ = run("check", "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] is True and report["problems"] == []
    sections = report["languages"][lang]
    assert {"guide", "facts", "why", "phrases", "templates"} <= set(sections)
    assert all(s["untranslated"] == s["fuzzy"] == 0 for s in sections.values())


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


def _errors(project: Project, today: dt.date | None = None) -> list[str]:
    return [p.message for p in check_project(project, today).errors]


def _po(project: Project, lang: str) -> Path:
    return project.po_file(lang)


def test_untranslated_and_fuzzy_counted_per_section(project_copy: Project) -> None:
    po = _po(project_copy, "ru")
    _edit(po, 'msgstr "Зачем закрывать номер"', 'msgstr ""')
    _edit(po, 'msgctxt "avoid/heading"', '#, fuzzy\nmsgctxt "avoid/heading"')
    report = check_project(project_copy)
    assert report.counts["ru"]["why"].untranslated == 1
    assert report.counts["ru"]["avoid"].fuzzy == 1
    assert any(
        re.search(r"messages\.po: 1 untranslated, 1 fuzzy \(avoid: 1, why: 1\)", e)
        for e in _errors(project_copy)
    )
    code, out, err = run("check", "--project", str(project_copy.root))
    assert code == 1 and "check: " in out and "1 untranslated, 1 fuzzy" in err


def test_percent_placeholder_mismatch(project_copy: Project) -> None:
    _edit(
        _po(project_copy, "zh"),
        'msgstr "%(operator)s：联系方式"',
        'msgstr "%(operater)s：联系方式"',
    )
    assert any("placeholders ['%(operater)'] in msgstr differ" in e for e in _errors(project_copy))


def test_brace_placeholder_mismatch(project_copy: Project) -> None:
    # Babel's own checker only knows %-placeholders; ours also compares {name}.
    _edit(_po(project_copy, "ru"), 'msgstr "Вот мой паспорт."', 'msgstr "Вот мой {passport}."')
    assert any(
        "['{passport}'] in msgstr differ from [] in msgid" in e for e in _errors(project_copy)
    )
    assert placeholders("{a} {{literal}} %(b)s %%(c)s") == {"{a}", "%(b)"}


def test_wrong_number_of_plural_forms(project_copy: Project) -> None:
    po = _po(project_copy, "ru")
    text = po.read_text("utf-8")
    start = text.index('msgid "After %(num)d day without use')
    end = text.index("\n\n", start)
    entry = text[start:end]
    cut = entry[: entry.index("msgstr[2]")].rstrip("\n")
    po.write_text(text[:start] + cut + text[end:], "utf-8")
    assert any("has 2 plural forms, the language has 3" in e for e in _errors(project_copy))


def test_catalogs_out_of_date_with_sources(project_copy: Project) -> None:
    _edit(
        project_copy.guide_file,
        "    heading: Avoiding trouble",
        "    heading: Staying out of trouble",
    )
    errors = _errors(project_copy)
    assert any("messages.pot: out of date with the sources" in e for e in errors)
    assert any("catalogs out of date with the sources" in e for e in errors)
    assert any("untranslated" in e for e in errors)


def test_content_schema_error(project_copy: Project) -> None:
    _edit(
        project_copy.operators_dir / "mts.yaml",
        "    confidence: medium\n",
        "    confidence: sure\n",
    )
    assert any(
        re.search(r"mts\.yaml:\d+: facts\.short_number\.confidence: Input should be", e)
        for e in _errors(project_copy)
    )


def test_stale_facts_warn_and_future_dates_fail(project_copy: Project) -> None:
    report = check_project(project_copy, today=dt.date(2028, 1, 1))
    assert report.ok
    assert any(
        "checked 2026-11-27, more than 12 months ago" in p.message
        for p in report.problems
        if p.level == "warning"
    )
    errors = _errors(project_copy, today=dt.date(2026, 1, 1))
    assert any("2026-11-27 is in the future" in e for e in errors)


def test_msgfmt_check_runs(project_copy: Project) -> None:
    # A msgstr that ends in a newline where the msgid does not: GNU msgfmt refuses it.
    _edit(
        _po(project_copy, "en"), 'msgstr "Here is my passport."', 'msgstr "Here is my passport.\\n"'
    )
    assert any(e.startswith("msgfmt --check:") for e in _errors(project_copy))


@pytest.mark.parametrize(
    "link",
    [
        "https://t.me/cancel_sim_fast",
        "http://mts.ru",
        "javascript:alert(1)",
        "www.sim-reseller.example",
    ],
)
def test_unofficial_link_in_a_translation(project_copy: Project, link: str) -> None:
    _edit(_po(project_copy, "zh"), 'msgstr "这是我的护照。"', f'msgstr "这是我的护照。{link}"')
    assert any(f"link not from an official site: {link}" in e for e in _errors(project_copy))


def test_unofficial_link_in_content(project_copy: Project) -> None:
    _edit(project_copy.guide_file, "ask the operator.", "ask https://wa.me/79990000000.")
    assert any(
        re.search(r"guide\.yaml:\d+: link not from an official site: https://wa\.me", e)
        for e in _errors(project_copy)
    )


def test_official_subdomain_and_sources_are_allowed(project_copy: Project) -> None:
    _edit(
        _po(project_copy, "en"),
        'msgstr "Here is my passport."',
        'msgstr "Here is my passport (see https://moskva.mts.ru/help)."',
    )
    assert not [e for e in _errors(project_copy) if "link not from" in e]


def test_lone_percent_sign(project_copy: Project) -> None:
    # Every string is %-formatted: "100%" breaks at build time, so check refuses it first.
    _edit(_po(project_copy, "ru"), 'msgstr "Вот мой паспорт."', 'msgstr "Вот мой паспорт (100%)."')
    assert any("a lone % (write %% for a percent sign)" in e for e in _errors(project_copy))
