"""Pathological input renders or fails cleanly within the per-leaflet time limit."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from catalog_edit import catalog, headings, set_msgstr

from generator.project import Project

from helpers import run_cli


def _long_translation(project: Project, text: str) -> str:
    """Put ``text`` in place of the first heading's Russian translation; its msgid."""
    slot = headings(catalog(project, "ru"))[0]
    set_msgstr(project.po_file("ru"), slot, text)
    return slot.id


def _many_bullets(project: Project, count: int) -> None:
    guide = project.guide_file
    items = "".join(f'          - "Item {i}"\n' for i in range(count))
    text = guide.read_text("utf-8").replace("      - bullets:\n", "      - bullets:\n" + items, 1)
    guide.write_text(text, "utf-8")


def _build(project: Project, out: Path, *extra: str) -> tuple[int, str, float]:
    start = time.monotonic()
    code, _, err = run_cli(
        "--lang",
        "ru",
        "--operator",
        "mts",
        "--project",
        str(project.root),
        "--out",
        str(out),
        *extra,
    )
    return code, err, time.monotonic() - start


@pytest.mark.parametrize(
    "text",
    [
        "Очень длинный абзац. " * 4_800,  # ~100,000 characters of prose
        "Слово" * 20_000,  # one 100,000-character word
    ],
    ids=["100k-char-paragraph", "100k-char-word"],
)
def test_huge_translation_is_refused_at_once(
    project_copy: Project, tmp_path: Path, text: str
) -> None:
    assert len(text) >= 100_000
    msgid = _long_translation(project_copy, text)
    code, err, seconds = _build(project_copy, tmp_path)
    assert code == 1
    assert re.search(
        rf"messages\.po:\d+: msgstr for {re.escape(repr(msgid[:40]))}"
        r": 10\d{4} characters, more than a leaflet takes \(2000\)",
        err.splitlines()[0],
    )
    assert seconds < 10
    assert not list(tmp_path.glob("*.pdf"))


def test_huge_content_string_is_refused(project_copy: Project, tmp_path: Path) -> None:
    guide = project_copy.guide_file
    guide.write_text(
        guide.read_text("utf-8").replace("heading: Why cancel", "heading: " + "x" * 100_000, 1),
        "utf-8",
    )
    code, err, _ = _build(project_copy, tmp_path)
    assert code == 1
    assert re.search(
        r"guide\.yaml:\d+: sections\[0\]\.heading: String should have at most "
        r"2000 characters",
        err,
    )


def test_long_word_breaks_instead_of_running_off_the_page(
    project_copy: Project, tmp_path: Path
) -> None:
    _long_translation(project_copy, "Слово" * 300)  # 1,500 characters, no space
    code, err, _ = _build(project_copy, tmp_path, "--format", "pdf")
    assert code in (0, 1), err
    if code == 0:
        from pypdf import PdfReader

        page = PdfReader(tmp_path / "mts-ru.pdf").pages[0]
        assert max(len(line) for line in page.extract_text().splitlines()) < 200


def test_thousands_of_list_items(project_copy: Project, tmp_path: Path) -> None:
    _many_bullets(project_copy, 3000)
    # The new items are untranslated: the build refuses them at once...
    code, err, _ = _build(project_copy, tmp_path)
    # (3,000 new strings, and the 3 old bullets whose key paths moved)
    assert code == 1 and "3003 strings untranslated or fuzzy (why: 3003)" in err
    # ...and a draft of them overflows its pages: a clean, bounded failure.
    code, err, seconds = _build(project_copy, tmp_path, "--draft")
    assert code == 1
    assert any(
        "over the budget of" in line and line.startswith("make-guide: error:")
        for line in err.splitlines()
    )
    assert seconds < 120


def test_time_limit_stops_a_slow_leaflet(project_copy: Project, tmp_path: Path) -> None:
    _many_bullets(project_copy, 3000)
    # Read and checked once without a limit (then taken from the cache): the limit below
    # must stop the leaflet itself (65 pages of layout, seconds), not the reading of the
    # content, however quick or slow this machine is at the moment.
    code, err, _ = _build(project_copy, tmp_path, "--draft", "--format", "html")
    assert code == 0, err
    # A process of its own, as a user runs it: in this test process, threads left by
    # other tests could take the timer's signal.
    argv = ["--lang", "ru", "--operator", "mts", "--project", str(project_copy.root)]
    argv += ["--out", str(tmp_path), "--draft", "--timeout", "0.5", "--force"]
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "generator.cli", *argv], capture_output=True, text=True
    )
    seconds = time.monotonic() - start
    assert done.returncode == 1
    assert (
        "make-guide: error: mts-ru: stopped after 0.5 s (--timeout); is some text far too long?"
        in done.stderr.splitlines()
    ), done.stderr
    assert seconds < 10
