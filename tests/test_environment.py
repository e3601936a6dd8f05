"""Failures of the machine around the build are one line too: things in the way of the
outputs, a full disk, an unusable cache folder, unreadable files, absurd nesting, and
a template that fails at run time. No traceback, and the previous outputs are kept."""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from generator import output
from generator.errors import GuideError
from generator.i18n import scripts_of
from generator.project import LOCK_NAME, MANIFEST_NAME, Project
from generator.render import TEMPLATE
from generator.yamlsource import MAX_DEPTH, load_yaml

from helpers import run_cli

PROJECT = Project.default()
LANG = next(lang for lang in PROJECT.languages() if lang != "en")
OPERATOR = PROJECT.operators()[0]
#: A language whose PDFs use the cached CJK font subsets, if the project has one.
CJK_LANG = next(
    (lang for lang in PROJECT.languages() if scripts_of([lang]) & {"Hans", "Hant"}), LANG
)
PREVIOUS = b"previous good output"
NAMES = [f"{OPERATOR}-{LANG}.pdf", f"{OPERATOR}-{LANG}.html"]


def _prepared_out(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    for name in NAMES:
        (out / name).write_bytes(PREVIOUS)
    return out


def _assert_one_line_and_kept(err: str, expected: str, out: Path) -> None:
    assert "Traceback" not in err
    first, *rest = err.splitlines()
    assert re.match(r"make-guide: error: " + expected, first), err
    assert all(line.startswith("make-guide: ") for line in rest), err
    for name in NAMES:
        path = out / name
        assert not path.is_file() or path.read_bytes() == PREVIOUS, name
    assert not list(out.glob(".*.tmp"))


def _build(out: Path, *extra: str) -> tuple[int, str]:
    code, _, err = run_cli(
        "--lang", LANG, "--operator", OPERATOR, "--out", str(out), "--jobs", "1", *extra
    )
    return code, err


# --- things in the way of the outputs --------------------------------------------------


def _folder(name: str) -> Callable[[Path], None]:
    def apply(out: Path) -> None:
        (out / name).unlink(missing_ok=True)
        (out / name).mkdir()

    return apply


def _link_elsewhere(name: str) -> Callable[[Path], None]:
    def apply(out: Path) -> None:
        (out.parent / "elsewhere").write_text("not ours")
        (out / name).symlink_to(out.parent / "elsewhere")

    return apply


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (_folder(NAMES[1]), rf".*/{re.escape(NAMES[1])}: cannot write: a folder of that name"),
        (_folder(NAMES[0]), rf".*/{re.escape(NAMES[0])}: cannot write: a folder of that name"),
        (
            _folder(MANIFEST_NAME),
            rf".*/{re.escape(MANIFEST_NAME)}: not a regular file \(a folder\)",
        ),
        (
            _folder(LOCK_NAME),
            rf".*/{re.escape(LOCK_NAME)}: cannot open the lock file: Is a directory",
        ),
        (
            _link_elsewhere(LOCK_NAME),
            rf".*/{re.escape(LOCK_NAME)}: cannot open the lock file: Too many levels",
        ),
        (_link_elsewhere(MANIFEST_NAME), rf".*/{re.escape(MANIFEST_NAME)}: leads outside"),
    ],
    ids=[
        "html-name-is-a-folder",
        "pdf-name-is-a-folder",
        "manifest-is-a-folder",
        "lock-is-a-folder",
        "lock-is-a-link",
        "manifest-links-elsewhere",
    ],
)
def test_something_in_the_way_of_an_output(
    tmp_path: Path, setup: Callable[[Path], None], expected: str
) -> None:
    out = _prepared_out(tmp_path)
    setup(out)
    code, err = _build(out)
    assert code == 1, err
    _assert_one_line_and_kept(err, expected, out)
    elsewhere = tmp_path / "elsewhere"
    assert not elsewhere.exists() or elsewhere.read_text() == "not ours"


# --- a full disk, a read-only file system -------------------------------------------------


def _is_temp_in(fd: int, out: Path) -> bool:
    name = os.readlink(f"/proc/self/fd/{fd}")
    return name.startswith(str(out)) and name.endswith(".tmp")


def _fail(monkeypatch: pytest.MonkeyPatch, call: str, code: int, out: Path) -> None:
    """Make ``call`` fail with ``code`` for the build's temporary files in ``out`` only."""
    err = OSError(code, os.strerror(code))
    if call == "mkstemp":
        real_mkstemp = output.tempfile.mkstemp

        def mkstemp(*args: object, dir: str | Path | None = None, **kwargs: object) -> object:
            if dir is not None and Path(dir) == out:
                raise err
            return real_mkstemp(*args, dir=dir, **kwargs)  # type: ignore[call-overload]

        monkeypatch.setattr(output.tempfile, "mkstemp", mkstemp)
    elif call == "replace":
        real_replace = output.os.replace

        def replace(src: str, dst: str | Path) -> None:
            if Path(dst).parent == out:
                raise err
            real_replace(src, dst)

        monkeypatch.setattr(output.os, "replace", replace)
    else:
        real = getattr(output.os, call)

        def fake(fd: int, *args: object) -> object:
            if _is_temp_in(fd, out):
                raise err
            return real(fd, *args)

        monkeypatch.setattr(output.os, call, fake)


@pytest.mark.parametrize(
    ("call", "code", "reason"),
    [
        ("write", errno.ENOSPC, "No space left on device; the previous file is kept"),
        ("write", errno.EDQUOT, "Disk quota exceeded; the previous file is kept"),
        ("fsync", errno.ENOSPC, "No space left on device; the previous file is kept"),
        ("fsync", errno.EIO, "Input/output error"),
        ("mkstemp", errno.ENOSPC, "No space left on device; the previous file is kept"),
        ("mkstemp", errno.EROFS, "Read-only file system"),
        ("mkstemp", errno.EACCES, "Permission denied"),
        ("replace", errno.EROFS, "Read-only file system"),
    ],
)
def test_write_failures_keep_the_previous_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, call: str, code: int, reason: str
) -> None:
    out = _prepared_out(tmp_path)
    _fail(monkeypatch, call, code, out)
    code_, err = _build(out)
    monkeypatch.undo()
    assert code_ == 1, err
    names = "|".join(re.escape(n) for n in NAMES)
    _assert_one_line_and_kept(err, rf".*/({names}): cannot write: {re.escape(reason)}$", out)


# --- the cache folder -------------------------------------------------------------------


def _unprivileged(argv: list[str]) -> list[str]:
    """``argv`` run without root's licence to ignore file modes (so that a mode of 000 or
    555 means what it says), or as it is for an ordinary user."""
    if os.geteuid() != 0:
        return argv
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file modes cannot be tested")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", *argv]


def _file(tmp: Path) -> Path:
    (tmp / "a-file").write_text("")
    return tmp / "a-file"


def _fonts_is_a_file(tmp: Path) -> Path:
    (tmp / "cache").mkdir()
    (tmp / "cache" / "fonts").write_text("")
    return tmp / "cache"


def _read_only(tmp: Path) -> Path:
    (tmp / "cache").mkdir(mode=0o555)
    return tmp / "cache"


CACHE_CASES: dict[str, Callable[[Path], dict[str, str]]] = {
    "MAKE_GUIDE_CACHE-is-a-file": lambda t: {"MAKE_GUIDE_CACHE": str(_file(t))},
    "XDG_CACHE_HOME-is-a-file": lambda t: {"XDG_CACHE_HOME": str(_file(t))},
    "HOME-is-a-file": lambda t: {"HOME": str(_file(t))},
    "fonts-folder-is-a-file": lambda t: {"MAKE_GUIDE_CACHE": str(_fonts_is_a_file(t))},
    "read-only-cache-folder": lambda t: {"MAKE_GUIDE_CACHE": str(_read_only(t))},
    "read-only-XDG_CACHE_HOME": lambda t: {"XDG_CACHE_HOME": str(_read_only(t))},
}


@pytest.mark.parametrize("case", CACHE_CASES)
def test_unusable_cache_builds_without_it_and_warns_once(tmp_path: Path, case: str) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "TMPDIR": str(tmp),
    }
    env.update(CACHE_CASES[case](tmp_path))
    out = tmp_path / "out"
    ops = PROJECT.operators()[:2]  # two leaflets in two worker processes: still one warning
    argv = [sys.executable, "-m", "generator.cli", "--lang", CJK_LANG, "--out", str(out)]
    argv += [arg for op in ops for arg in ("--operator", op)] + ["--jobs", "2"]
    result = subprocess.run(
        _unprivileged(argv), capture_output=True, text=True, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert re.fullmatch(
        r"make-guide: WARNING: generator\.project: .*: cannot use the cache folder "
        r"\(.+\); building without the cache",
        lines[0],
    )
    for op in ops:
        assert (out / f"{op}-{CJK_LANG}.pdf").read_bytes().startswith(b"%PDF-")
    # The stand-in for the cache, and every child's temporary file, are gone.
    assert not list(tmp.iterdir())


def test_no_home_at_all(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import pwd

    from generator import project

    for name in ("MAKE_GUIDE_CACHE", "XDG_CACHE_HOME", "HOME"):
        monkeypatch.delenv(name, raising=False)

    def no_entry(uid: int) -> object:
        raise KeyError(uid)

    monkeypatch.setattr(pwd, "getpwuid", no_entry)  # expanduser("~") then gives "~" back
    project._usable.cache_clear()
    with caplog.at_level(logging.WARNING, logger="generator.project"):
        assert project.persistent_cache_dir() is None
        assert project.persistent_cache_dir() is None
        scratch = project.cache_dir()
    project._usable.cache_clear()
    assert scratch.is_absolute() and (scratch / "fonts").is_dir()
    assert [r.getMessage() for r in caplog.records] == [
        "no cache folder (HOME is not set); building without the cache"
    ]


# --- files that cannot be read ----------------------------------------------------------


@pytest.mark.parametrize(
    "rel",
    [
        "content/guide.yaml",
        f"content/operators/{OPERATOR}.yaml",
        f"locales/{LANG}/LC_MESSAGES/messages.po",
        f"templates/{TEMPLATE}",
    ],
    ids=["guide", "operator", "catalog", "template"],
)
def test_unreadable_file_is_named(project_copy: Project, tmp_path: Path, rel: str) -> None:
    path = project_copy.root / rel
    path.chmod(0)
    out = _prepared_out(tmp_path)
    argv = [sys.executable, "-m", "generator.cli", "--lang", LANG, "--operator", OPERATOR]
    argv += ["--project", str(project_copy.root), "--out", str(out), "--format", "html"]
    result = subprocess.run(_unprivileged(argv), capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stderr
    _assert_one_line_and_kept(
        result.stderr, rf"{re.escape(str(path))}: cannot read: Permission denied$", out
    )


# --- YAML nested thousands deep ---------------------------------------------------------


NESTED = {
    "flow-sequences": "a: " + "[" * 5000 + "]" * 5000 + "\n",
    "flow-mappings": "a: " + "{b: " * 5000 + "c" + "}" * 5000 + "\n",
    "block-sequences": "a:\n  " + "- " * 5000 + "x\n",
    "block-mappings": "".join("  " * i + "k:\n" for i in range(600)) + "  " * 600 + "x\n",
    "unclosed": "a: " + "[" * 100_000 + "\n",
}


@pytest.mark.parametrize("text", NESTED.values(), ids=NESTED)
def test_deep_nesting_is_one_line(tmp_path: Path, text: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text)
    with pytest.raises(GuideError, match=rf"x\.yaml:\d+: YAML nested more than {MAX_DEPTH} levels"):
        load_yaml(path)


def test_nesting_up_to_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    load_yaml(path)
    path.write_text("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    with pytest.raises(GuideError, match="nested more than"):
        load_yaml(path)


def test_deep_guide_fails_the_build_with_one_line(project_copy: Project, tmp_path: Path) -> None:
    project_copy.guide_file.write_text(NESTED["flow-sequences"])
    out = _prepared_out(tmp_path)
    code, _, err = run_cli(
        "--lang", LANG, "--operator", OPERATOR, "--project", str(project_copy.root),
        "--out", str(out),
    )  # fmt: skip
    assert code == 1
    _assert_one_line_and_kept(err, r".*guide\.yaml:1: YAML nested more than", out)


# --- a template that fails at run time ---------------------------------------------------


def _insert_in_block(template: Path, text: str) -> int:
    """Put ``text`` on its own line just inside the template's first block; its line."""
    lines = template.read_text("utf-8").splitlines(keepends=True)
    at = next(
        i for i, line in enumerate(lines) if re.fullmatch(r"\{%-?\s*block \w+\s*-?%\}\s*", line)
    )
    lines.insert(at + 1, text + "\n")
    template.write_text("".join(lines), "utf-8")
    return at + 2


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("{{ 1 / 0 }}", "ZeroDivisionError: division by zero"),
        ("{{ leaflet.lang + 1 }}", "TypeError: can only concatenate str"),
        ('{{ "%d" % leaflet.lang }}', "TypeError: %d format: a real number is required"),
        ("{{ leaflet.lang.encode('no-such-codec') }}", "LookupError: unknown encoding"),
        ("{{ leaflet.lang.index('#') }}", "ValueError: substring not found"),
    ],
    ids=["zero-division", "type-error", "format-error", "lookup-error", "value-error"],
)
def test_template_runtime_error_names_the_template_line(
    project_copy: Project, tmp_path: Path, text: str, error: str
) -> None:
    template = project_copy.templates_dir / TEMPLATE
    line = _insert_in_block(template, text)
    out = _prepared_out(tmp_path)
    code, _, err = run_cli(
        "--lang", LANG, "--operator", OPERATOR, "--project", str(project_copy.root),
        "--out", str(out), "--format", "html",
    )  # fmt: skip
    assert code == 1, err
    expected = rf"{re.escape(str(template))}:{line}: template error: {re.escape(error)}"
    _assert_one_line_and_kept(err, expected, out)


def test_recursive_include_names_the_template(project_copy: Project, tmp_path: Path) -> None:
    again = project_copy.templates_dir / "again.html"
    again.write_text('{% include "again.html" %}\n', "utf-8")
    _insert_in_block(project_copy.templates_dir / TEMPLATE, '{% include "again.html" %}')
    out = _prepared_out(tmp_path)
    code, _, err = run_cli(
        "--lang", LANG, "--operator", OPERATOR, "--project", str(project_copy.root),
        "--out", str(out), "--format", "html",
    )  # fmt: skip
    assert code == 1, err
    expected = rf"{re.escape(str(again))}:1: template error: RecursionError: "
    _assert_one_line_and_kept(err, expected, out)


def test_template_error_traceback_with_verbose(project_copy: Project, tmp_path: Path) -> None:
    # One line by default; -v shows where in our code and the template it came from.
    _insert_in_block(project_copy.templates_dir / TEMPLATE, "{{ 1 / 0 }}")
    code, _, err = run_cli(
        "--lang", LANG, "--operator", OPERATOR, "--project", str(project_copy.root),
        "--out", str(tmp_path), "--format", "html", "--jobs", "1", "-v",
    )  # fmt: skip
    assert code == 1
    assert "ZeroDivisionError" in err and "Traceback" in err


def test_mode_of_written_files(tmp_path: Path) -> None:
    out = _prepared_out(tmp_path)
    code, err = _build(out)
    assert code == 0, err
    for name in NAMES:
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o644


# --- the translators' commands write files too -------------------------------------------


@pytest.mark.parametrize(
    ("argv", "obstacle"),
    [
        (("i18n", "compile"), f"locales/{LANG}/LC_MESSAGES/messages.mo"),
        (("i18n", "init", "de"), "locales/de"),
    ],
    ids=["mo-is-a-folder", "language-folder-is-a-file"],
)
def test_translators_commands_name_what_is_in_the_way(
    project_copy: Project, argv: tuple[str, ...], obstacle: str
) -> None:
    path = project_copy.root / obstacle
    if path.name == "messages.mo":
        path.mkdir()
    else:
        path.write_text("in the way")
    code, _, err = run_cli(*argv, "--project", str(project_copy.root))
    assert code == 1, err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert re.match(rf"make-guide: error: {re.escape(str(path))}.*: cannot write: ", err), err
