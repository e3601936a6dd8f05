"""Bad input: each case gives one clear line naming the file and line (or key), a
documented exit code, no traceback, and leaves the existing outputs untouched."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.cli import main
from generator.project import Project

PREVIOUS = b"previous good output"


def edit(rel: str, old: str, new: str, count: int = 1) -> Callable[[Project], None]:
    def apply(project: Project) -> None:
        path = project.root / rel
        text = path.read_text("utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, count), "utf-8")

    return apply


def write(rel: str, data: bytes) -> Callable[[Project], None]:
    def apply(project: Project) -> None:
        path = project.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    return apply


def edit_bytes(rel: str, old: bytes, new: bytes) -> Callable[[Project], None]:
    def apply(project: Project) -> None:
        path = project.root / rel
        data = path.read_bytes()
        assert old in data
        path.write_bytes(data.replace(old, new, 1))

    return apply


def remove(rel: str) -> Callable[[Project], None]:
    return lambda project: (project.root / rel).unlink()


def truncate_after(rel: str, marker: str, tail: str) -> Callable[[Project], None]:
    def apply(project: Project) -> None:
        path = project.root / rel
        text = path.read_text("utf-8")
        path.write_text(text[: text.index(marker)] + tail, "utf-8")

    return apply


def cut_plural_form(project: Project) -> None:
    path = project.po_file("ru")
    text = path.read_text("utf-8")
    start = text.index('msgid "After %(num)d day without paid activity')
    end = text.index("\n\n", start)
    entry = text[start:end]
    path.write_text(
        text[:start] + entry[: entry.index("msgstr[2]")].rstrip("\n") + text[end:], "utf-8"
    )


def copy_catalog(lang: str) -> Callable[[Project], None]:
    def apply(project: Project) -> None:
        target = project.po_file(lang)
        target.parent.mkdir(parents=True)
        shutil.copy(project.po_file("ru"), target)

    return apply


MTS = "content/operators/mts.yaml"
GUIDE = "content/guide.yaml"
RU_PO = "locales/ru/LC_MESSAGES/messages.po"
LEAFLET = "templates/partials/leaflet_body.html"
BLOCKS = "templates/partials/blocks.html"


@dataclass
class Case:
    id: str
    mutate: Callable[[Project], None] | None
    expected: str  # regex for the text after "make-guide: error: "
    code: int = 1
    argv: tuple[str, ...] = ("--lang", "ru", "--operator", "mts")


QUOTED_0890 = 'value: "0890"'


def _line(needle: str) -> int:
    """The line of the repository's mts.yaml where ``needle`` first appears."""
    text = (Project.default().operator_file("mts")).read_text("utf-8")
    return text[: text.index(needle)].count("\n") + 1


CASES = [
    Case(
        "yaml-syntax",
        edit(GUIDE, "title: How", "title: [How"),
        r"guide\.yaml:\d+: YAML syntax error",
    ),
    Case(
        "wrong-type",
        edit(MTS, "  latin: MTS", "  latin: [MTS]"),
        rf"mts\.yaml:{_line('  latin: MTS')}: names\.latin: Input should be a valid string",
    ),
    Case(
        "unknown-key",
        edit(MTS, "  latin: MTS", "  latin: MTS\n  colour: red"),
        rf"mts\.yaml:{_line('  latin: MTS') + 1}: names\.colour: unknown key",
    ),
    Case(
        "duplicate-key",
        edit(MTS, "  latin: MTS", "  latin: MTS\n  latin: MTC"),
        rf"mts\.yaml:{_line('  latin: MTS') + 1}: names\.latin: duplicate key "
        rf"\(first at line {_line('  latin: MTS')}\)",
    ),
    Case(
        "missing-field",
        edit(MTS, "  latin: MTS\n", ""),
        r"mts\.yaml:\d+: names\.latin: required key is missing",
    ),
    Case(
        "number-not-quoted",
        edit(MTS, 'value: "0890"', "value: 0890"),
        rf"mts\.yaml:{_line(QUOTED_0890)}: facts\.short_number\.value: write it in quotes",
    ),
    Case(
        "fact-referenced-not-defined",
        edit(GUIDE, "facts: [unused]", "facts: [unsed]"),
        r"guide\.yaml:\d+: sections\[0\]\.body\[1\]\.facts\[0\]: fact 'unsed' is not defined",
    ),
    Case(
        "operator-without-facts",
        truncate_after(MTS, "facts:", "facts: {}\n"),
        r"mts\.yaml:\d+: facts: fact 'site' is missing",
    ),
    Case(
        "operator-no-facts-key",
        truncate_after(MTS, "facts:", ""),
        r"mts\.yaml:\d+: facts: required key is missing",
    ),
    Case("empty-content-file", write(MTS, b""), r"mts\.yaml: the file is empty"),
    Case(
        "content-not-utf8",
        write(MTS, "names:\n  latin: M\xe9TS\n".encode("latin-1")),
        r"mts\.yaml:2: not valid UTF-8 text",
    ),
    Case(
        "yaml-alias",
        edit(
            GUIDE,
            "publisher: make-guide contributors",
            "publisher: &p make-guide contributors\nstaff_language: *p",
        ),
        r"guide\.yaml:\d+: staff_language: anchors and aliases are not supported",
    ),
    Case(
        "bad-date",
        edit(MTS, "checked: 2026-11-27", "checked: 2026-02-30"),
        rf"mts\.yaml:{_line('checked: 2026-11-27')}: facts\.site\.checked: .*date",
    ),
    Case(
        "bad-confidence",
        edit(MTS, "confidence: high", "confidence: sure"),
        rf"mts\.yaml:{_line('confidence: high')}: facts\.site\.confidence: "
        r"Input should be 'high', 'medium' or 'low'",
    ),
    Case(
        "site-not-https",
        edit(MTS, "value: https://mts.ru", "value: http://mts.ru"),
        rf"mts\.yaml:{_line('value: https://mts.ru')}: facts\.site\.value: "
        r"the official site must be an https:// URL",
    ),
    Case(
        "two-kinds-in-a-block",
        edit(
            GUIDE, "      - facts: [unused]", "      - facts: [unused]\n        p: and a paragraph"
        ),
        r"guide\.yaml:\d+: sections\[0\]\.body\[1\]: a block needs exactly one of",
    ),
    Case(
        "duplicate-section-id",
        edit(GUIDE, "  - id: before", "  - id: why"),
        r"guide\.yaml:\d+: sections\[1\]\.id: section id 'why' is already used",
    ),
    Case(
        "unknown-placeholder",
        edit(GUIDE, "heading: Why cancel", "heading: Why cancel %(when)s"),
        r"guide\.yaml:\d+: placeholder '%\(when\)s' is not one of",
    ),
    Case(
        "guide-missing",
        remove(GUIDE),
        r"guide: not a guide project \(no content/guide\.yaml\); start one with: make-guide new",
        code=2,
    ),
    Case(
        "file-too-large", write(MTS, b"# " + b"x" * 2_100_000 + b"\n"), r"mts\.yaml: file too large"
    ),
    Case(
        "po-syntax",
        edit(RU_PO, 'msgstr "%(operator)s: контакты"', 'msgstr "%(operator)s: контакты'),
        r"ru/LC_MESSAGES/messages\.po:\d+: catalog syntax error",
    ),
    Case(
        "po-not-utf8",
        edit_bytes(RU_PO, "Вот мой паспорт.".encode(), b"\xff\xfe"),
        r"ru/LC_MESSAGES/messages\.po:\d+: not valid UTF-8 text",
    ),
    Case(
        "po-duplicate-message",
        edit(
            RU_PO,
            'msgctxt "why/heading"',
            'msgctxt "why/heading"\nmsgid "Why cancel"\nmsgstr "x"\n\nmsgctxt "why/heading"',
        ),
        r"ru/LC_MESSAGES/messages\.po:\d+: duplicate message \(first at line \d+\)",
    ),
    Case(
        "placeholder-mismatch",
        edit(RU_PO, 'msgstr "%(operator)s: контакты"', 'msgstr "%(operater)s: контакты"'),
        r"ru/LC_MESSAGES/messages\.po:\d+: msgstr for '%\(operator\)s: contacts': placeholders",
    ),
    Case(
        "placeholder-dropped",
        edit(RU_PO, 'msgstr "%(operator)s: контакты"', 'msgstr "Контакты"'),
        r"messages\.po:\d+: msgstr for .* placeholders \[\] in msgstr differ",
    ),
    Case(
        "wrong-plural-forms",
        cut_plural_form,
        r"ru/LC_MESSAGES/messages\.po: t2-ru: 1 string untranslated or fuzzy \(sentences: 1\)",
        argv=("--lang", "ru", "--operator", "t2"),
    ),
    Case(
        "fuzzy-translation",
        edit(RU_PO, 'msgctxt "why/heading"', '#, fuzzy\nmsgctxt "why/heading"'),
        r"ru/LC_MESSAGES/messages\.po: mts-ru: 1 string untranslated or fuzzy \(why: 1\)",
    ),
    Case(
        "unofficial-link-in-catalog",
        edit(RU_PO, 'msgstr "Вот мой паспорт."', 'msgstr "Вот мой паспорт. https://t.me/x"'),
        r"ru/LC_MESSAGES/messages\.po:\d+: msgstr: link not from an official site: https://t\.me/x",
    ),
    Case(
        "unofficial-link-in-content",
        edit(GUIDE, "before you act.", "before you act, or ask http://sim-help.example/cancel.", 1),
        r"guide\.yaml:\d+: sections\[\d+\]\.body\[0\]\.p: link not from an official site: "
        r"http://sim-help\.example/cancel",
    ),
    Case(
        "catalog-for-unknown-language",
        copy_catalog("xx"),
        r"locales/xx: 'xx' is not a language Babel knows",
        argv=("--lang", "xx", "--operator", "mts"),
    ),
    Case(
        "template-syntax",
        edit(LEAFLET, "<main>", "<main>{% if %}"),
        r"templates/partials/leaflet_body\.html:\d+: template syntax error",
    ),
    Case(
        "undefined-in-template",
        edit(BLOCKS, "<p>{{ block.p | passages(leaflet) }}</p>", "<p>{{ block.paragraph }}</p>"),
        r"templates/partials/blocks\.html:\d+: undefined in template: .*paragraph",
    ),
    Case(
        "template-missing",
        edit(LEAFLET, '"partials/blocks.html"', '"partials/nowhere.html"'),
        r"templates: template not found: partials/nowhere\.html",
    ),
    Case(
        "unknown-language",
        None,
        r"unknown language 'de' \(choose from: en, ru, zh, zh_Hant\)",
        code=2,
        argv=("--lang", "de", "--operator", "mts"),
    ),
    Case(
        "unknown-operator",
        None,
        r"unknown operator 'tele2' \(choose from: beeline, megafon, mts, t2\)",
        code=2,
        argv=("--lang", "ru", "--operator", "tele2"),
    ),
    Case(
        "bad-paper",
        None,
        r"argument --paper: invalid choice: 'a3'",
        code=2,
        argv=("--lang", "ru", "--operator", "mts", "--paper", "a3"),
    ),
    Case(
        "bad-bleed",
        None,
        r"--bleed: expected a length up to 25mm",
        code=2,
        argv=("--lang", "ru", "--operator", "mts", "--bleed", "30mm"),
    ),
    Case(
        "bad-jobs",
        None,
        r"argument -j/--jobs: expected a whole number from 1 to 256, got .0.",
        code=2,
        argv=("--lang", "ru", "--operator", "mts", "--jobs", "0"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(project_copy: Project, tmp_path: Path, case: Case) -> None:
    if case.mutate:
        case.mutate(project_copy)
    out = tmp_path / "out"
    out.mkdir()
    previous = {}
    for name in ("mts-ru.pdf", "mts-ru.html", "t2-ru.pdf", "t2-ru.html"):
        (out / name).write_bytes(PREVIOUS)
        previous[name] = PREVIOUS
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(
        [*case.argv, "--project", str(project_copy.root), "--out", str(out)], out=stdout, err=stderr
    )
    err = stderr.getvalue()
    assert code == case.code, err
    assert "Traceback" not in err
    first = err.splitlines()[0]
    assert first.startswith("make-guide: error: "), err
    assert re.search(case.expected, first), first
    assert not [line for line in err.splitlines()[1:] if not line.startswith("make-guide: ")]
    for name, data in previous.items():
        assert (out / name).read_bytes() == data, name
    assert not list(out.glob(".*.tmp"))


def test_more_than_25_distinct_cases() -> None:
    assert len({c.id for c in CASES}) >= 25


def test_output_path_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "dist"
    path.write_bytes(PREVIOUS)
    err = io.StringIO()
    assert (
        main(["--lang", "ru", "--operator", "mts", "--out", str(path)], out=io.StringIO(), err=err)
        == 1
    )
    assert err.getvalue() == f"make-guide: error: {path}: output path exists and is not a folder\n"
    assert path.read_bytes() == PREVIOUS


def test_unwritable_output_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ro"
    path.mkdir(mode=0o500)
    # CI runs as root, who may write anywhere: ask access() what a user would hear.
    monkeypatch.setattr("generator.output.os.access", lambda p, mode: False)
    err = io.StringIO()
    assert (
        main(["--lang", "ru", "--operator", "mts", "--out", str(path)], out=io.StringIO(), err=err)
        == 1
    )
    assert err.getvalue() == f"make-guide: error: {path}: output folder is not writable\n"


def test_missing_font_is_named(tmp_path: Path) -> None:
    # A fontconfig that knows no fonts at all: WeasyPrint would silently fall back.
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><fontconfig><cachedir>' + str(tmp_path) + "</cachedir></fontconfig>"
    )
    out = tmp_path / "out"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "generator.cli",
            "--lang",
            "ru",
            "--operator",
            "mts",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env={"FONTCONFIG_FILE": str(conf), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(
        "make-guide: error: font 'Noto Sans' (Regular) is not installed"
    )
    assert "Traceback" not in result.stderr
    assert not list(out.glob("*.pdf"))


def test_not_a_guide_project(tmp_path: Path) -> None:
    err = io.StringIO()
    assert main(["--all", "--project", str(tmp_path)], out=io.StringIO(), err=err) == 2
    assert err.getvalue().startswith(f"make-guide: error: {tmp_path}: not a guide project")


def test_another_build_into_the_same_folder(tmp_path: Path) -> None:
    import fcntl

    from generator.project import LOCK_NAME

    out = tmp_path / "out"
    out.mkdir()
    with (out / LOCK_NAME).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        err = io.StringIO()
        assert (
            main(
                ["--lang", "ru", "--operator", "mts", "--out", str(out)], out=io.StringIO(), err=err
            )
            == 1
        )
    assert "another make-guide is building into this folder" in err.getvalue()
