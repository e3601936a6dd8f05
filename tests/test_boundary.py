"""The project boundary: only regular files inside the guide project are read, each
read bounded and under the time limit; outputs never land among the sources; the
numeric options are checked.

Each case gives one line ``make-guide: error: <file>: ...``, a documented exit code,
no traceback, and leaves the previous outputs as they were. Cases that would hang
(a FIFO) or eat memory (/dev/zero) without their guard run in a child process with
a wall-clock and a memory cap, so a regression fails the test instead of the machine.
"""

from __future__ import annotations

import math
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2
import jinja2.meta
import pytest

from generator.build import Settings
from generator.errors import GuideError
from generator.project import Project
from generator.render import TEMPLATE

from helpers import run_cli

PROJECT = Project.default()
#: One leaflet, found in the tree: a translated language and an operator.
LANG = next(lang for lang in PROJECT.languages() if lang != "en")
OPERATOR = PROJECT.operators()[0]
PREVIOUS = b"previous good output"


def _included_template() -> str:
    """A template the leaflet template pulls in (extends / include / import)."""
    source = (PROJECT.templates_dir / TEMPLATE).read_text("utf-8")
    names = jinja2.meta.find_referenced_templates(jinja2.Environment().parse(source))
    return next(name for name in names if name)


GUIDE = "content/guide.yaml"
OPERATOR_FILE = f"content/operators/{OPERATOR}.yaml"
CATALOG = f"locales/{LANG}/LC_MESSAGES/messages.po"
LEAFLET = f"templates/{TEMPLATE}"
INCLUDED = f"templates/{_included_template()}"

Setup = Callable[[Path, Path], None]
"""(project root, a folder outside the project)"""


def outside_copy(rel: str, extra: bytes = b"") -> Setup:
    """Move ``rel`` (file or folder) out of the project and leave a link to it: the
    build would succeed if it followed the link."""

    def apply(root: Path, outside: Path) -> None:
        target = outside / Path(rel).name
        shutil.move(root / rel, target)
        if extra:
            target.write_bytes(target.read_bytes() + extra)
        (root / rel).symlink_to(target)

    return apply


def link_to(rel: str, target: str) -> Setup:
    def apply(root: Path, outside: Path) -> None:
        (root / rel).unlink()
        (root / rel).symlink_to(target)

    return apply


def fifo(rel: str) -> Setup:
    def apply(root: Path, outside: Path) -> None:
        (root / rel).unlink()
        os.mkfifo(root / rel)

    return apply


def loop(rel: str) -> Setup:
    def apply(root: Path, outside: Path) -> None:
        path = root / rel
        path.unlink()
        path.symlink_to(path.name + ".other")
        path.with_name(path.name + ".other").symlink_to(path.name)

    return apply


def folder(rel: str) -> Setup:
    def apply(root: Path, outside: Path) -> None:
        (root / rel).unlink()
        (root / rel).mkdir()

    return apply


@dataclass
class Case:
    id: str
    setup: Setup
    expected: str
    """Regex for the text after ``make-guide: error: ``."""
    isolated: bool = False
    """Run in a child process with a time and memory cap."""


def _name(rel: str) -> str:
    return re.escape(rel)


OUTSIDE = "leads outside the project"
CASES = [
    Case("guide-links-outside", outside_copy(GUIDE), f"{_name(GUIDE)}: {OUTSIDE}"),
    Case(
        "operator-links-outside", outside_copy(OPERATOR_FILE), f"{_name(OPERATOR_FILE)}: {OUTSIDE}"
    ),
    Case(
        "operators-folder-links-outside",
        outside_copy("content/operators"),
        f"content/operators: {OUTSIDE}",
    ),
    Case("catalog-links-outside", outside_copy(CATALOG), f"{_name(CATALOG)}: {OUTSIDE}"),
    Case(
        "language-folder-links-outside",
        outside_copy(f"locales/{LANG}"),
        f"locales/{LANG}: {OUTSIDE}",
    ),
    Case("template-links-outside", outside_copy(LEAFLET), f"{_name(LEAFLET)}: {OUTSIDE}"),
    Case(
        "included-template-links-outside",
        outside_copy(INCLUDED, b"\nOUTSIDE-SECRET\n"),
        f"{_name(INCLUDED)}: {OUTSIDE}",
    ),
    Case("guide-is-dev-zero", link_to(GUIDE, "/dev/zero"), f"{_name(GUIDE)}: {OUTSIDE}", True),
    Case(
        "catalog-is-dev-zero", link_to(CATALOG, "/dev/zero"), f"{_name(CATALOG)}: {OUTSIDE}", True
    ),
    Case(
        "template-is-dev-zero",
        link_to(INCLUDED, "/dev/zero"),
        f"{_name(INCLUDED)}: {OUTSIDE}",
        True,
    ),
    Case("guide-is-a-fifo", fifo(GUIDE), rf"{_name(GUIDE)}: not a regular file \(a FIFO\)", True),
    Case(
        "operator-is-a-fifo",
        fifo(OPERATOR_FILE),
        rf"{_name(OPERATOR_FILE)}: not a regular file \(a FIFO\)",
        True,
    ),
    Case(
        "catalog-is-a-fifo",
        fifo(CATALOG),
        rf"{_name(CATALOG)}: not a regular file \(a FIFO\)",
        True,
    ),
    Case(
        "template-is-a-fifo",
        fifo(INCLUDED),
        rf"{_name(INCLUDED)}: not a regular file \(a FIFO\)",
        True,
    ),
    Case("guide-link-loop", loop(GUIDE), f"{_name(GUIDE)}: symbolic link loop"),
    Case("operator-link-loop", loop(OPERATOR_FILE), f"{_name(OPERATOR_FILE)}: symbolic link loop"),
    Case("catalog-link-loop", loop(CATALOG), f"{_name(CATALOG)}: symbolic link loop"),
    Case("template-link-loop", loop(INCLUDED), f"{_name(INCLUDED)}: symbolic link loop"),
    Case("guide-is-a-folder", folder(GUIDE), rf"{_name(GUIDE)}: not a regular file \(a folder\)"),
    Case(
        "catalog-is-a-folder",
        folder(CATALOG),
        rf"{_name(CATALOG)}: not a regular file \(a folder\)",
    ),
    Case(
        "template-is-a-folder",
        folder(INCLUDED),
        rf"{_name(INCLUDED)}: not a regular file \(a folder\)",
    ),
]


def _limit_memory() -> None:  # in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def _run_isolated(argv: list[str]) -> tuple[int, str]:
    try:
        result = subprocess.run(
            [sys.executable, "-m", "generator.cli", *argv],
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=_limit_memory,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the build hung")
    return result.returncode, result.stderr


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_only_regular_files_inside_the_project_are_read(
    project_copy: Project, tmp_path: Path, case: Case
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    case.setup(project_copy.root, outside)
    out = tmp_path / "out"
    out.mkdir()
    names = [f"{OPERATOR}-{LANG}.html", f"{OPERATOR}-{LANG}.pdf"]
    for name in names:
        (out / name).write_bytes(PREVIOUS)
    argv = ["--lang", LANG, "--operator", OPERATOR, "--project", str(project_copy.root)]
    argv += ["--out", str(out), "--format", "html"]
    if case.isolated:
        code, err = _run_isolated(argv)
    else:
        code, _, err = run_cli(*argv)
    assert code == 1, err
    assert "Traceback" not in err
    first, *rest = err.splitlines()
    assert re.match(r"make-guide: error: .*" + case.expected, first), err
    assert all(line.startswith("make-guide: ") for line in rest), err
    for name in names:
        assert (out / name).read_bytes() == PREVIOUS, name
    assert not list(out.glob(".*.tmp"))


def _move_inside(rel: str, to: str) -> Setup:
    """Move ``rel`` elsewhere inside the project and leave a relative link to it."""

    def apply(root: Path, outside: Path) -> None:
        target = root / to
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(root / rel, target)
        (root / rel).symlink_to(os.path.relpath(target, (root / rel).parent))

    return apply


@pytest.mark.parametrize(
    "setup",
    [
        _move_inside(OPERATOR_FILE, f"shared/{OPERATOR}.yaml"),
        _move_inside(CATALOG, f"shared/{LANG}.po"),
        _move_inside(INCLUDED, "templates/real/included.html"),
        _move_inside("content/operators", "shared/operators"),
    ],
    ids=["operator", "catalog", "template", "operators-folder"],
)
def test_links_that_stay_inside_the_project_are_fine(
    project_copy: Project, tmp_path: Path, setup: Setup
) -> None:
    setup(project_copy.root, tmp_path)
    out = tmp_path / "out"
    code, _, err = run_cli(
        "--lang", LANG, "--operator", OPERATOR, "--project", str(project_copy.root),
        "--out", str(out), "--format", "html",
    )  # fmt: skip
    assert code == 0, err
    assert (out / f"{OPERATOR}-{LANG}.html").is_file()


def test_text_of_an_outside_file_is_never_published(project_copy: Project, tmp_path: Path) -> None:
    # The original report: an included template linked outside, its text in the page.
    outside_copy(INCLUDED, b"\nOUTSIDE-SECRET\n")(project_copy.root, tmp_path)
    out = tmp_path / "out"
    code, _, _ = run_cli(
        "--all", "--project", str(project_copy.root), "--out", str(out), "--format", "html"
    )
    assert code == 1
    assert not [p for p in out.rglob("*") if p.is_file() and b"OUTSIDE-SECRET" in p.read_bytes()]


# --- the time limit covers loading, not only rendering ---------------------------------


def _slow(monkeypatch: pytest.MonkeyPatch, target: str) -> None:
    module, name = target.rsplit(".", 1)
    original = getattr(__import__(module, fromlist=[name]), name)

    def slow(*args: object, **kwargs: object) -> object:
        time.sleep(30)  # interrupted by the time limit; without one the build goes on
        return original(*args, **kwargs)

    monkeypatch.setattr(target, slow)


@pytest.mark.parametrize(
    ("target", "argv", "expected"),
    [
        (
            "generator.build.shared_inputs",
            ("--lang", LANG, "--operator", OPERATOR),
            r"reading the guide project: stopped after 0\.2 s \(--timeout\)",
        ),
        (
            "generator.content.load_content",
            ("--lang", LANG, "--operator", OPERATOR),
            r"content: loading the content: stopped after 0\.2 s \(--timeout\)",
        ),
        (
            "generator.i18n.load_catalog",
            ("--lang", LANG, "--operator", OPERATOR),
            rf"{OPERATOR}-{LANG}: stopped after 0\.2 s \(--timeout\)",
        ),
        (
            "generator.index.write_index",
            ("--all",),
            r"index\.html: writing the index: stopped after 0\.2 s \(--timeout\)",
        ),
    ],
    ids=["hashing-inputs", "loading-content", "loading-a-catalog", "writing-the-index"],
)
def test_time_limit_covers_loading(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    target: str,
    argv: tuple[str, ...],
    expected: str,
) -> None:
    _slow(monkeypatch, target)
    code, _, err = run_cli(
        *argv, "--out", str(tmp_path), "--format", "html", "--jobs", "1", "--timeout", "0.2"
    )
    assert code == 1
    assert "Traceback" not in err
    assert re.search(r"^make-guide: error: .*" + expected, err, re.MULTILINE), err


# --- outputs never go among the sources -----------------------------------------------


@pytest.mark.parametrize(
    ("out", "where"),
    [
        (".", "the guide project's own folder"),
        ("templates", "inside the guide project's templates/"),
        ("templates/partials/new", "inside the guide project's templates/"),
        ("content", "inside the guide project's content/"),
        ("content/operators", "inside the guide project's content/"),
        ("locales", "inside the guide project's locales/"),
        (f"locales/{LANG}/LC_MESSAGES", "inside the guide project's locales/"),
        ("@link-to-templates", "inside the guide project's templates/"),
        ("@link-to-root", "the guide project's own folder"),
    ],
)
def test_output_folder_among_the_sources_is_a_usage_error(
    project_copy: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, out: str, where: str
) -> None:
    root = project_copy.root
    (tmp_path / "@link-to-templates").symlink_to(root / "templates")
    (tmp_path / "@link-to-root").symlink_to(root)
    before = _tree(root)
    monkeypatch.chdir(root if not out.startswith("@") else tmp_path)
    code, stdout, err = run_cli(
        "--lang", LANG, "--operator", OPERATOR, "--project", str(root), "--out", out
    )
    assert code == 2, err
    assert (
        err == f"make-guide: error: --out {out}: {where}; outputs must go elsewhere (e.g. dist/)\n"
    )
    assert not stdout
    assert _tree(root) == before  # nothing written, no folder made


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() if p.is_file() else b"<dir>"
        for p in sorted(root.rglob("*"))
    }


def test_output_folder_elsewhere_in_the_project_is_fine(
    project_copy: Project, tmp_path: Path
) -> None:
    out = project_copy.root / "dist"
    code, _, err = run_cli(
        "--lang", LANG, "--operator", OPERATOR, "--project", str(project_copy.root),
        "--out", str(out), "--format", "html",
    )  # fmt: skip
    assert code == 0, err
    assert (out / f"{OPERATOR}-{LANG}.html").is_file()


# --- numbers on the command line ---------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--timeout", "-1"),
        ("--timeout", "-0.5"),
        ("--timeout", "nan"),
        ("--timeout", "NaN"),
        ("--timeout", "inf"),
        ("--timeout", "-inf"),
        ("--timeout", "1e309"),
        ("--timeout", "86401"),
        ("--timeout", "1e-9"),
        ("--timeout", "ten"),
        ("--timeout", ""),
        ("--jobs", "0"),
        ("--jobs", "-1"),
        ("--jobs", "257"),
        ("--jobs", "1e3"),
        ("--jobs", "2.5"),
        ("--jobs", "two"),
        ("-j", "99999999999999999999999"),
    ],
)
def test_numeric_options_are_checked(tmp_path: Path, option: str, value: str) -> None:
    # "--timeout=-inf": as a separate word, argparse would take "-inf" for an option.
    given = [f"{option}={value}"] if option.startswith("--") else [option, value]
    code, out, err = run_cli("--lang", LANG, "--operator", OPERATOR, "--out", str(tmp_path), *given)
    assert code == 2
    assert not out and not list(tmp_path.iterdir())
    assert err.count("\n") == 1
    name = "-j/--jobs" if option in ("-j", "--jobs") else option
    assert err.startswith(f"make-guide: error: argument {name}: expected "), err
    assert f"got '{value}'" in err


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--timeout", "0"),
        ("--timeout", "0.5"),
        ("--timeout", "86400"),
        ("--jobs", "1"),
        ("--jobs", "256"),
    ],
)
def test_numeric_options_in_range_are_accepted(option: str, value: str) -> None:
    code, _, err = run_cli("--list", option, value)
    assert code == 0, err


# --- the translators' commands stay inside the project too ------------------------------


@pytest.mark.parametrize(
    ("command", "setup", "expected", "isolated"),
    [
        ("check", outside_copy(OPERATOR_FILE), f"{_name(OPERATOR_FILE)}: {OUTSIDE}", False),
        ("check", outside_copy(INCLUDED), f"{_name(INCLUDED)}: {OUTSIDE}", False),
        ("check", fifo(CATALOG), rf"{_name(CATALOG)}: not a regular file \(a FIFO\)", True),
        ("check", fifo(INCLUDED), rf"{_name(INCLUDED)}: not a regular file \(a FIFO\)", True),
        ("i18n extract", outside_copy(GUIDE), f"{_name(GUIDE)}: {OUTSIDE}", False),
        ("i18n extract", fifo(LEAFLET), rf"{_name(LEAFLET)}: not a regular file \(a FIFO\)", True),
        ("i18n update", outside_copy(CATALOG), f"{_name(CATALOG)}: {OUTSIDE}", False),
        ("i18n update", fifo(CATALOG), rf"{_name(CATALOG)}: not a regular file \(a FIFO\)", True),
        ("i18n compile", fifo(CATALOG), rf"{_name(CATALOG)}: not a regular file \(a FIFO\)", True),
        ("i18n compile", outside_copy(CATALOG), f"{_name(CATALOG)}: {OUTSIDE}", False),
    ],
    ids=[
        "check-operator-outside",
        "check-template-outside",
        "check-catalog-fifo",
        "check-template-fifo",
        "extract-guide-outside",
        "extract-template-fifo",
        "update-catalog-outside",
        "update-catalog-fifo",
        "compile-catalog-fifo",
        "compile-catalog-outside",
    ],
)
def test_translators_commands_read_only_inside(
    project_copy: Project, tmp_path: Path, command: str, setup: Setup, expected: str, isolated: bool
) -> None:
    setup(project_copy.root, tmp_path)
    argv = [*command.split(), "--project", str(project_copy.root)]
    if isolated:
        code, err = _run_isolated(argv)
    else:
        code, _, err = run_cli(*argv)
    assert code == 1, err
    assert "Traceback" not in err
    assert all(line.startswith("make-guide: ") for line in err.splitlines()), err
    assert re.search(r"^make-guide: error: .*" + expected, err, re.MULTILINE), err


@pytest.mark.parametrize(
    ("command", "rel"),
    [
        ("i18n extract", "locales/messages.pot"),
        ("i18n compile", f"locales/{LANG}/LC_MESSAGES/messages.mo"),
    ],
)
def test_translators_commands_never_write_through_a_link(
    project_copy: Project, tmp_path: Path, command: str, rel: str
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("not the project's")
    path = project_copy.root / rel
    path.unlink(missing_ok=True)
    path.symlink_to(victim)
    code, _, err = run_cli(*command.split(), "--project", str(project_copy.root))
    assert victim.read_text() == "not the project's"
    if code == 0:  # the link was replaced by the file
        assert not path.is_symlink() and path.stat().st_size > 0
    else:
        refusal = f"{path}: {OUTSIDE} (to {victim}); only files inside it are read"
        assert err == f"make-guide: error: {refusal}\n"


@pytest.mark.parametrize("timeout", [-1.0, math.nan, math.inf, -math.inf])
def test_library_callers_cannot_pass_a_bad_timeout(tmp_path: Path, timeout: float) -> None:
    with pytest.raises(GuideError, match="timeout must be 0 or more seconds"):
        Settings(tmp_path, timeout=timeout)
