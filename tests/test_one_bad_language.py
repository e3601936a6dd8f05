"""One bad language does not stop the set: under ``--all`` a broken catalog fails that
language's leaflets only, each failure is listed, every other leaflet and the index
are written, and the exit code is 1."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from catalog_edit import catalog, headings, set_header, set_msgstr, singles

from generator.project import Project

from helpers import run_cli


def _plural_forms(project: Project, lang: str) -> None:
    set_header(project.po_file(lang), "Plural-Forms", "nplurals=1; plural=n/0;")


def _charset(project: Project, lang: str) -> None:
    set_header(project.po_file(lang), "Content-Type", "text/plain; charset=latin-1")


def _markup(project: Project, lang: str) -> None:
    slot = headings(catalog(project, lang))[0]
    set_msgstr(project.po_file(lang), slot, f"{slot.string} <img src=x onerror=alert(1)>")


def _format_spec(project: Project, lang: str) -> None:
    slot = next(m for m in singles(catalog(project, lang)) if "%(site)s" in m.id)
    set_msgstr(project.po_file(lang), slot, slot.string.replace("%(site)s", "%(site)200000s"))


BREAKAGES: dict[str, tuple[Callable[[Project, str], None], str]] = {
    "plural-forms": (_plural_forms, "Plural-Forms"),
    "charset": (_charset, "catalogs must be UTF-8"),
    "markup": (_markup, "(translations are text)"),
    "format-spec": (_format_spec, "only %(name)s and %(name)d are allowed"),
}


@pytest.mark.parametrize("kind", BREAKAGES)
def test_a_broken_catalog_fails_only_its_own_leaflets(
    project_copy: Project, tmp_path: Path, kind: str
) -> None:
    break_it, says = BREAKAGES[kind]
    langs, operators = project_copy.languages(), project_copy.operators()
    bad = next(lang for lang in reversed(langs) if lang != "en")
    break_it(project_copy, bad)
    fmt = ("--format", "both") if kind == "plural-forms" else ("--format", "html")
    code, _, err = run_cli(
        "--all", "-j", "2", *fmt, "--project", str(project_copy.root), "--out", str(tmp_path)
    )
    assert code == 1, err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("make-guide: error: ")]
    assert len(errors) == len(operators), err  # one line per leaflet of that language
    assert all(str(project_copy.po_file(bad)) in line and says in line for line in errors), err
    assert f"{len(operators)} of {len(langs) * len(operators)} leaflet(s) failed" in err
    for lang in langs:
        for op in operators:
            assert (tmp_path / f"{op}-{lang}.html").is_file() == (lang != bad), (op, lang)
    index = (tmp_path / "index.html").read_text("utf-8")
    for lang in langs:
        for op in operators:
            assert (f'href="{op}-{lang}.html"' in index) == (lang != bad), (op, lang)
