"""make-guide as a tool others install: a wheel (not editable) in a fresh virtual
environment gives a ``make-guide`` command that works in any guide project folder, in a
project made by ``make-guide new``, and as ``python -m generator``; outside a project it
says so in one line. The built-in templates ship inside the package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from generator.project import Project

ROOT = Path(__file__).resolve().parent.parent


def _run(cmd: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    # A clean environment: nothing of the test's venv or the repository leaks in.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    if check:
        assert result.returncode == 0, (cmd, result.stdout, result.stderr)
    return result


def _sources(target: Path) -> Path:
    """The repository's tracked files (what a fresh clone has), copied to ``target``."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False)
    names = [n for n in listed.stdout.decode().split("\0") if n] if listed.returncode == 0 else []
    if not names:  # not a git checkout: everything but the build's own folders
        shutil.copytree(
            ROOT, target, ignore=shutil.ignore_patterns(".venv", ".git", "dist", "*.egg-info")
        )
        return target
    for name in names:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, target / name)
    return target


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with make-guide installed from a wheel."""
    tmp = tmp_path_factory.mktemp("install")
    source = _sources(tmp / "source")
    python = sys.executable
    _run([python, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp / "wheel"), "."], source)
    (wheel,) = (tmp / "wheel").glob("make_guide-*.whl")
    _run([python, "-m", "venv", str(tmp / "venv")], tmp)
    pip = [str(tmp / "venv" / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    _run([*pip, "install", "-q", str(wheel)], tmp)
    return tmp / "venv"


def test_installed_package_is_not_the_repository(venv: Path, tmp_path: Path) -> None:
    out = _run(
        [str(venv / "bin" / "python"), "-c", "import generator; print(generator.__file__)"],
        tmp_path,
    ).stdout.strip()
    assert out.startswith(str(venv)), out
    theme = Path(out).parent / "theme"
    assert (theme / "leaflet.html").is_file() and (theme / "partials" / "blocks.html").is_file()
    assert (Path(out).parent / "skeleton" / "content" / "guide.yaml").is_file()
    # Building needs no test tool.
    for tool in ("pytest", "playwright", "mypy", "ruff", "hypothesis"):
        assert not (venv / "bin" / tool).exists(), tool


def test_bare_command_in_a_copy_of_the_project(venv: Path, tmp_path: Path) -> None:
    project = tmp_path / "guide"
    for name in ("content", "templates", "locales"):
        shutil.copytree(ROOT / name, project / name)
    exe = str(venv / "bin" / "make-guide")
    listed = _run([exe, "--list"], project / "content" / "operators").stdout
    assert "operators:" in listed and all(op in listed for op in Project(project).operators())
    lang = Project(project).source_language()
    _run([exe, "--lang", lang, "--operator", Project(project).operators()[0]], project)
    pdfs = list((project / "dist").glob("*.pdf"))
    assert len(pdfs) == 1 and len(pypdf.PdfReader(pdfs[0]).pages) >= 1


def test_new_project_builds_and_checks_clean(venv: Path, tmp_path: Path) -> None:
    exe = str(venv / "bin" / "make-guide")
    _run([exe, "new", "museum"], tmp_path)
    project = tmp_path / "museum"
    assert not (project / "templates").exists()  # the built-in theme is used
    built = _run([exe, "--all"], project)
    pdfs = list((project / "dist").glob("*.pdf"))
    assert pdfs and (project / "dist" / "index.html").is_file(), built.stdout
    checked = _run([exe, "check"], project)
    assert "0 error(s)" in checked.stdout
    assert "built-in templates are used" in checked.stderr  # says so, not "clean"


def test_python_dash_m_generator(venv: Path, tmp_path: Path) -> None:
    _run([str(venv / "bin" / "make-guide"), "new", "g"], tmp_path)
    out = _run([str(venv / "bin" / "python"), "-m", "generator", "--list"], tmp_path / "g").stdout
    assert "languages:" in out and "example" in out


def test_outside_a_project_says_how_to_start_one(venv: Path, tmp_path: Path) -> None:
    result = _run([str(venv / "bin" / "make-guide"), "--all"], tmp_path, check=False)
    assert result.returncode == 2 and not result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "not inside a guide project" in lines[0]
    assert "make-guide new DIR" in lines[0]
