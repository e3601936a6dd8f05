"""`make-guide check`: clean on the repository, and each kind of problem is caught
on a broken copy of the guide project (one test per kind)."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from pathlib import Path

import pytest
from catalog_edit import catalog, headings, set_msgstr, template_message

from generator.check import check_project
from generator.content import load_content
from generator.i18n import placeholders
from generator.project import Project

from helpers import run_cli as run


def test_repository_is_clean(project: Project) -> None:
    code, out, err = run("check")
    assert code == 0, err
    assert out.rstrip().endswith("check: clean")
    assert not err


def test_json_report_has_every_language_and_section(project: Project, catalog_lang: str) -> None:
    code, out, _ = run("check", "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] is True and report["problems"] == []
    sections = report["languages"][catalog_lang]
    ids = {s.id for s in load_content(project).guide.sections}
    assert {"guide", "facts", "templates"} | {i for i in ids if i} <= set(sections)
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
    first, second = headings(catalog(project_copy, "ru"))[:2]
    a, b = first.context.split("/")[0], second.context.split("/")[0]
    set_msgstr(po, first, "")
    _edit(po, f'msgctxt "{second.context}"', f'#, fuzzy\nmsgctxt "{second.context}"')
    report = check_project(project_copy)
    assert report.counts["ru"][a].untranslated == 1
    assert report.counts["ru"][b].fuzzy == 1
    errors = _errors(project_copy)
    x, y = sorted([a, b])
    assert any(
        re.search(rf"messages\.po: 1 untranslated, 1 fuzzy \({x}: 1, {y}: 1\)", e) for e in errors
    )
    # Each one is listed with its line and msgctxt (also in --json).
    assert any(
        e.startswith(f"{po}:{first.lineno}") and f"untranslated: [{first.context}]" in e
        for e in errors
    )
    assert any(f"fuzzy: [{second.context}]" in e for e in errors)
    code, out, err = run("check", "--project", str(project_copy.root))
    assert code == 1 and "check: " in out and "1 untranslated, 1 fuzzy" in err
    code, out, _ = run("check", "--json", "--project", str(project_copy.root))
    gaps = json.loads(out)["gaps"]["ru"]
    assert {g["msgctxt"] for g in gaps} == {first.context, second.context}
    assert all(re.match(r".+:\d+$", g["where"]) for g in gaps)


def test_check_takes_lang(project_copy: Project) -> None:
    set_msgstr(_po(project_copy, "zh"), headings(catalog(project_copy, "zh"))[0], "")
    code, out, err = run("check", "--lang", "ru", "--project", str(project_copy.root))
    assert code == 0, err
    assert "zh" not in out.split()
    code, _, err = run("check", "--lang", "zh", "--project", str(project_copy.root))
    assert code == 1 and "zh/LC_MESSAGES" in err
    code, _, err = run("check", "--lang", "xx", "--project", str(project_copy.root))
    assert code == 2 and "unknown language 'xx'" in err


def test_percent_placeholder_mismatch(project_copy: Project) -> None:
    message = template_message(catalog(project_copy, "zh"), lambda m: "%(operator)s" in m.id)
    set_msgstr(
        _po(project_copy, "zh"), message, message.string.replace("%(operator)s", "%(operater)s")
    )
    assert any("placeholders ['%(operater)'] in msgstr differ" in e for e in _errors(project_copy))


def test_brace_placeholder_mismatch(project_copy: Project) -> None:
    # Babel's own checker only knows %-placeholders; ours also compares {name}.
    message = headings(catalog(project_copy, "ru"))[0]
    set_msgstr(_po(project_copy, "ru"), message, "Мой {passport}.")
    assert any(
        "['{passport}'] in msgstr differ from [] in msgid" in e for e in _errors(project_copy)
    )
    assert placeholders("{a} {{literal}} %(b)s %%(c)s") == {"{a}", "%(b)"}


def test_wrong_number_of_plural_forms(project_copy: Project) -> None:
    po = _po(project_copy, "ru")
    text = po.read_text("utf-8")
    start = text.index('msgid_plural "')
    end = text.index("\n\n", start)
    entry = text[start:end]
    cut = entry[: entry.index("msgstr[2]")].rstrip("\n")
    po.write_text(text[:start] + cut + text[end:], "utf-8")
    assert any("has 2 plural forms, the language has 3" in e for e in _errors(project_copy))


def test_catalogs_out_of_date_with_sources(project_copy: Project) -> None:
    heading = load_content(project_copy).guide.sections[-1].heading
    _edit(project_copy.guide_file, f"    heading: {heading}", "    heading: Something else")
    errors = _errors(project_copy)
    assert any("messages.pot: out of date with the sources" in e for e in errors)
    assert any(
        e.startswith(str(_po(project_copy, "ru"))) and "out of date with the sources" in e
        for e in errors
    )
    assert any("untranslated" in e for e in errors)


def test_a_rewrapped_catalog_is_not_out_of_date(project_copy: Project, tmp_path: Path) -> None:
    """msgcat, Poedit and Weblate re-wrap lines: the messages are what count."""
    po = _po(project_copy, "ru")
    subprocess.run(["msgcat", "-w", "50", str(po), "-o", str(tmp_path / "w.po")], check=True)
    assert (tmp_path / "w.po").read_bytes() != po.read_bytes()
    po.write_bytes((tmp_path / "w.po").read_bytes())
    assert _errors(project_copy) == []


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
    message = headings(catalog(project_copy, "ru"))[0]
    set_msgstr(_po(project_copy, "ru"), message, message.string + "\n")
    assert any(e.startswith("msgfmt --check:") for e in _errors(project_copy))


def test_every_msgfmt_error_is_reported(project_copy: Project) -> None:
    """A header warning must not hide the fatal errors after it: every line is listed."""
    po = _po(project_copy, "ru")
    first, second = headings(catalog(project_copy, "ru"))[:2]
    set_msgstr(po, second, second.string + "\n")
    set_msgstr(po, first, first.string + "\n")
    _edit(po, '"Language-Team:', '"Language-Team: ru <ru@li.org>\\n"\n"X-Junk:')
    found = [e for e in _errors(project_copy) if e.startswith("msgfmt --check:")]
    assert len(found) >= 2, found


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
    message = headings(catalog(project_copy, "zh"))[0]
    set_msgstr(_po(project_copy, "zh"), message, f"{message.string}{link}")
    assert any(f"link not from an official site: {link}" in e for e in _errors(project_copy))


def test_unofficial_link_in_content(project_copy: Project) -> None:
    _edit(project_copy.guide_file, "before you act.", "before you act: https://wa.me/79990000000.")
    assert any(
        re.search(r"guide\.yaml:\d+: link not from an official site: https://wa\.me", e)
        for e in _errors(project_copy)
    )


def test_official_subdomain_and_sources_are_allowed(project_copy: Project) -> None:
    message = headings(catalog(project_copy, "ru"))[0]
    set_msgstr(_po(project_copy, "ru"), message, f"{message.string} (https://moskva.mts.ru/help)")
    assert not [e for e in _errors(project_copy) if "link not from" in e]


def test_lone_percent_sign(project_copy: Project) -> None:
    # Every string is %-formatted: "100%" breaks at build time, so check refuses it first.
    message = headings(catalog(project_copy, "ru"))[0]
    set_msgstr(_po(project_copy, "ru"), message, f"{message.string} (100%)")
    assert any("a lone % (write %% for a percent sign)" in e for e in _errors(project_copy))
