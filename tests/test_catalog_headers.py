"""Catalog headers: a hostile or broken ``Plural-Forms`` or a charset other than UTF-8 is
refused with the catalog's file and line — in ``check`` and in the build, never as a
traceback, and before the rule is ever evaluated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural
from catalog_edit import set_header

from generator.errors import GuideError
from generator.i18n import load_catalog
from generator.project import Project

from helpers import run_cli


def _line(path: Path, field: str) -> int:
    lines = path.read_text("utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.startswith(f'"{field}:'))


def _plural_cases(lang: str, marker: Path) -> list[tuple[str, str]]:
    """(Plural-Forms value, what the error says) for a language with ``n`` forms."""
    n = get_plural(lang).num_plurals
    return [
        (
            f'nplurals={n}; plural=__import__("os").system("touch {marker}");',
            "is not a gettext plural expression",
        ),
        (f"nplurals={n}; plural=n+{n};", f"gives form {n} for n=0"),
        (f"nplurals={n}; plural=n/0;", "fails for n=0"),
        (f"nplurals={n}; plural=(n%0);", "fails for n=0"),
        (f"nplurals={n}; plural=n;", f"gives form {n} for n={n}"),
        (f"nplurals={n}; plural=0-1;", "gives form -1 for n=0"),
        (f"nplurals={n}; plural=n>1?;", "is not a gettext plural expression"),
        (f"nplurals={n}; plural=n == 1 ? 0 : n %% 3;", "is not a gettext plural expression"),
        (f"nplurals={n}; plural={'(' * 200}0{')' * 200};", "the expression is 401 characters"),
        (f"nplurals={n}; plural={'n*' * 2000}0;", "characters long"),
        (f"nplurals={n + 2}; plural=n%{n + 2};", f"nplurals={n + 2}, but {lang} has {n}"),
    ]


def test_every_broken_plural_forms_header_is_refused_with_its_line(
    project_copy: Project, catalog_lang: str, tmp_path: Path
) -> None:
    po = project_copy.po_file(catalog_lang)
    original = po.read_text("utf-8")
    marker = tmp_path / "ran"
    for value, expected in _plural_cases(catalog_lang, marker):
        po.write_text(original, "utf-8")
        set_header(po, "Plural-Forms", value)
        with pytest.raises(GuideError) as info:
            load_catalog(project_copy, catalog_lang)
        message = str(info.value)
        assert message.startswith(f"{po}:{_line(po, 'Plural-Forms')}: Plural-Forms: "), message
        assert expected in message, (value, message)
    assert not marker.exists()


@pytest.mark.parametrize(
    "value",
    ["nplurals=x; plural=n;", "plural=n;", "nplurals=1; plural=0;", "nplurals=; plural=0;"],
)
def test_a_count_babel_cannot_read_is_an_error_with_a_line(
    project_copy: Project, tmp_path: Path, value: str
) -> None:
    # For Russian (3 forms) each of these is wrong: Babel stops at the header or at the
    # first entry with more forms than the header allows; either way, a line is named.
    po = project_copy.po_file("ru")
    set_header(po, "Plural-Forms", value)
    with pytest.raises(GuideError, match=rf"^{re.escape(str(po))}:\d+: "):
        load_catalog(project_copy, "ru")


@pytest.mark.parametrize("charset", ["latin-1", "koi8-r", "ascii", "cp1251", "utf-16", "foo", ""])
def test_a_charset_other_than_utf8_has_its_own_message(
    project_copy: Project, catalog_lang: str, charset: str
) -> None:
    po = project_copy.po_file(catalog_lang)
    set_header(po, "Content-Type", f"text/plain; charset={charset}")
    with pytest.raises(GuideError) as info:
        load_catalog(project_copy, catalog_lang)
    line = _line(po, "Content-Type")
    assert str(info.value) == (
        f"{po}:{line}: the header says charset={charset}: catalogs must be UTF-8 "
        '("Content-Type: text/plain; charset=UTF-8\\n")'
    )


@pytest.mark.parametrize("charset", ["UTF-8", "utf-8", "utf8", "UTF8"])
def test_utf8_spelled_any_way_is_fine(project_copy: Project, charset: str) -> None:
    po = project_copy.po_file("ru")
    set_header(po, "Content-Type", f"text/plain; charset={charset}")
    assert load_catalog(project_copy, "ru").num_plurals == get_plural("ru").num_plurals


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("Plural-Forms", "nplurals=3; plural=n/0;", "fails for n=0"),
        ("Plural-Forms", 'nplurals=3; plural=__import__("os").getcwd();', "not a gettext"),
        ("Content-Type", "text/plain; charset=latin-1", "catalogs must be UTF-8"),
    ],
)
def test_check_and_build_report_a_bad_header_in_one_line(
    project_copy: Project, tmp_path: Path, field: str, value: str, says: str
) -> None:
    po = project_copy.po_file("ru")
    set_header(po, field, value)
    where = f"{po}:{_line(po, field)}: "
    code, _, err = run_cli("check", "--project", str(project_copy.root))
    assert code == 1 and f"make-guide: error: {where}" in err and says in err
    assert "Traceback" not in err
    code, _, err = run_cli(
        "--lang", "ru", "--operator", project_copy.operators()[0],
        "--project", str(project_copy.root), "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 1 and err.startswith(f"make-guide: error: {where}") and says in err
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".pdf", ".html")]
