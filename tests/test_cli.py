"""The command line: exit codes and one-line messages, called in-process via main()."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from babel import Locale

from generator.content import Content
from generator.project import Project

from helpers import leaflet_files
from helpers import run_cli as run


def test_list_prints_languages_and_operators_with_their_names(
    project: Project, content: Content
) -> None:
    code, out, err = run("--list")
    assert code == 0 and not err
    lines = out.splitlines()
    assert lines[0] == "languages:" and "operators:" in lines
    for lang in project.languages():
        locale = Locale.parse(lang)
        assert any(
            line.split()[0] == lang and locale.get_display_name(locale) in line for line in lines
        ), lang
    for slug, operator in content.operators.items():
        assert any(line.split()[0] == slug and operator.names.latin in line for line in lines), slug


def test_builds_one_leaflet_both_formats(tmp_path: Path, lang: str) -> None:
    code, out, err = run("--lang", lang, "--operator", "beeline", "--out", str(tmp_path))
    assert code == 0, err
    pdf, html = tmp_path / f"beeline-{lang}.pdf", tmp_path / f"beeline-{lang}.html"
    assert out == f"wrote {pdf}, {html}\n"
    assert pdf.read_bytes().startswith(b"%PDF-") and html.stat().st_size > 1000


@pytest.mark.parametrize("fmt", ["pdf", "html"])
def test_format_option(tmp_path: Path, fmt: str) -> None:
    code, _, err = run("--lang", "en", "--operator", "t2", "--format", fmt, "--out", str(tmp_path))
    assert code == 0, err
    assert leaflet_files(tmp_path) == [f"t2-en.{fmt}"]


def test_lang_alone_builds_every_operator(tmp_path: Path, project: Project) -> None:
    code, out, err = run("--lang", "ru", "--format", "html", "--out", str(tmp_path))
    assert code == 0, err
    assert leaflet_files(tmp_path) == sorted(f"{op}-ru.html" for op in project.operators())
    assert out.splitlines()[0].startswith(f"[1/{len(project.operators())}] wrote ")


def test_project_found_upward_and_dist_in_the_project(project_copy: Project, monkeypatch) -> None:
    # From a folder inside the project, as mkdocs finds mkdocs.yml: the project is the
    # nearest folder above with content/guide.yaml, and dist/ is made there.
    monkeypatch.chdir(project_copy.operators_dir)
    code, out, err = run("--lang", "en", "--operator", "mts", "--format", "html")
    assert code == 0, err
    assert (project_copy.root / "dist" / "mts-en.html").is_file()
    assert out == f"wrote {project_copy.root / 'dist' / 'mts-en.html'}\n"


def test_outside_a_project_one_line_says_how_to_start(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run("--all")
    assert code == 2 and not out
    assert err == (
        f"make-guide: error: {tmp_path}: not inside a guide project (no content/guide.yaml "
        "here or in any folder above); start one with: make-guide new DIR, or name one with "
        "--project DIR\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--lang", "xx", "--operator", "mts"], "unknown language 'xx' (choose from: {langs})"),
        (["--lang", "en", "--operator", "tele3"], "unknown operator 'tele3' (choose from: {ops})"),
        ([], "say what to build: --lang L --operator O, or --all"),
        (["--all", "--lang", "en"], "--all builds everything; leave out --lang and --operator"),
        (["--format", "docx", "--all"], "argument --format: invalid choice: 'docx'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--all", "--project", "/nonexistent"], "/nonexistent: not a guide project"),
    ],
)
def test_usage_errors_exit_2_with_one_line(project: Project, argv: list[str], message: str) -> None:
    code, out, err = run(*argv)
    expected = message.format(
        langs=", ".join(project.languages()), ops=", ".join(project.operators())
    )
    assert code == 2
    assert not out
    assert err.startswith("make-guide: error: ") and expected in err
    assert err.count("\n") == 1


def test_content_error_exits_1_with_file_and_line(project_copy: Project, tmp_path: Path) -> None:
    path = project_copy.operators_dir / "mts.yaml"
    path.write_text(path.read_text("utf-8").replace("  latin: MTS\n", "  latin: [MTS]\n"), "utf-8")
    out_dir = tmp_path / "out"
    code, out, err = run("--all", "--project", str(project_copy.root), "--out", str(out_dir))
    assert code == 1 and not out
    text = path.read_text("utf-8")
    line = text[: text.index("  latin: [MTS]")].count("\n") + 1
    assert err == f"make-guide: error: {path}:{line}: names.latin: Input should be a valid string\n"
    assert not leaflet_files(out_dir)


def test_another_guide_project(project_copy: Project, tmp_path: Path) -> None:
    # A second guide project with one operator renamed: discovered, not hard-coded.
    (project_copy.operators_dir / "t2.yaml").rename(project_copy.operators_dir / "tele2.yaml")
    code, out, _ = run("--list", "--project", str(project_copy.root))
    slugs = [line.split()[0] for line in out.split("operators:")[1].splitlines() if line]
    assert code == 0 and "tele2" in slugs and "t2" not in slugs


def test_console_script_runs_as_a_process(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("make-guide")
    result = subprocess.run(
        [str(exe), "--lang", "nope", "--operator", "mts"],
        capture_output=True,
        text=True,
        env={**os.environ},
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("make-guide: error: unknown language 'nope'")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("entry", [["-m", "generator"], ["-m", "generator.cli"]])
def test_the_quick_exit_keeps_output_exit_code_and_cleanup(
    tmp_path: Path, entry: list[str]
) -> None:
    """The command ends with os._exit after the exit handlers: everything printed is
    there, in order, the exit code is main's, and the temporary folders are gone."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    env = {**os.environ, "TMPDIR": str(scratch), "MAKE_GUIDE_CACHE": str(blocked / "c")}
    out = tmp_path / "out"
    argv = [sys.executable, *entry, "--lang", "en", "--operator", "mts", "--out", str(out)]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"wrote {out / 'mts-en.pdf'}, {out / 'mts-en.html'}\n"
    assert "cannot use the cache folder" in done.stderr  # logged, and flushed
    assert not list(scratch.iterdir())  # the stand-in cache, removed by an atexit handler
    listed = subprocess.run([sys.executable, *entry, "--list"], capture_output=True, text=True)
    assert (listed.returncode, listed.stdout) == run("--list")[:2]  # as main() prints it
    bad = subprocess.run([sys.executable, *entry, "--lang"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.count("\n") >= 1


def test_a_normal_build_prints_nothing_on_stderr(tmp_path: Path) -> None:
    # No warning from WeasyPrint (unsupported CSS), fontTools or us on a good build.
    code, out, err = run(
        "--lang",
        "zh",
        "--lang",
        "ru",
        "--operator",
        "mts",
        "--out",
        str(tmp_path),
        "--strict",
        "--paper",
        "a5",
        "--bleed",
        "3mm",
        "--marks",
    )
    assert code == 0, err
    assert err == ""
    assert out.count("wrote ") == 2
