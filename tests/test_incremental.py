"""Incremental and parallel builds, and the pre-subset Chinese fonts."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTFont

from generator.build import Settings, Target, build
from generator.cli import main
from generator.fonts import find_font, font_faces_css, subset
from generator.project import Project


def _run(project: Project, out: Path, **kw) -> dict[str, bool]:
    """Build everything; return {leaflet: rebuilt?}."""
    targets = [Target(lang, op) for op in project.operators() for lang in project.languages()]
    results = list(build(project, targets, Settings(out, ("pdf", "html")), jobs=2, **kw))
    assert not [r.error for r in results if r.error]
    return {r.target.name: not r.up_to_date for r in results}


@pytest.fixture
def built_copy(project_copy: Project, tmp_path: Path) -> tuple[Project, Path]:
    out = tmp_path / "out"
    assert all(_run(project_copy, out).values())
    return project_copy, out


def test_nothing_changed_nothing_rebuilt(built_copy) -> None:
    project, out = built_copy
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert not any(_run(project, out).values())
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.suffix != ".json"} == {
        k: v for k, v in before.items() if not k.endswith(".json")
    }


def test_changing_one_catalog_rebuilds_only_that_language(built_copy) -> None:
    project, out = built_copy
    po = project.po_file("ru")
    po.write_text(
        po.read_text("utf-8").replace("Зачем закрывать номер", "Зачем закрывать номер?"), "utf-8"
    )
    rebuilt = _run(project, out)
    assert {name for name, again in rebuilt.items() if again} == {
        f"{op}-ru" for op in project.operators()
    }
    assert "Зачем закрывать номер?" in (out / "mts-ru.html").read_text("utf-8")


def test_changing_an_operator_rebuilds_only_its_leaflets(built_copy) -> None:
    project, out = built_copy
    path = project.operator_file("t2")
    path.write_text(
        path.read_text("utf-8").replace("checked: 2026-11-27", "checked: 2026-11-26", 1)
    )
    rebuilt = _run(project, out)
    assert {name for name, again in rebuilt.items() if again} == {
        f"t2-{lang}" for lang in project.languages()
    }


def test_template_change_or_force_rebuilds_everything(built_copy) -> None:
    project, out = built_copy
    assert all(_run(project, out, force=True).values())
    css = project.templates_dir / "style.css"
    css.write_text(css.read_text("utf-8") + "\n/* changed */\n", "utf-8")
    assert all(_run(project, out).values())


def test_deleted_or_edited_output_is_rebuilt(built_copy) -> None:
    project, out = built_copy
    (out / "mts-zh.pdf").unlink()
    (out / "t2-en.html").write_text("tampered", "utf-8")
    rebuilt = _run(project, out)
    assert {name for name, again in rebuilt.items() if again} == {"mts-zh", "t2-en"}


def test_other_paper_is_a_separate_leaflet(built_copy) -> None:
    project, out = built_copy
    code = main(
        [
            "--lang",
            "en",
            "--operator",
            "mts",
            "--paper",
            "a5",
            "--project",
            str(project.root),
            "--out",
            str(out),
        ],
        out=io.StringIO(),
        err=io.StringIO(),
    )
    assert code == 0 and (out / "mts-en-a5.pdf").is_file()
    assert not any(_run(project, out).values())


def test_parallel_and_serial_builds_are_identical(project: Project, tmp_path: Path) -> None:
    targets = [Target("zh", "beeline"), Target("ru", "mts"), Target("en", "t2")]
    for jobs in (1, 2):
        results = list(build(project, targets, Settings(tmp_path / str(jobs)), jobs=jobs))
        assert not [r.error for r in results if r.error]
    for target in targets:
        for fmt in ("pdf", "html"):
            name = target.filename(fmt)
            assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out, err = io.StringIO(), Terminal()
    code = main(
        ["--lang", "en", "--format", "html", "--out", str(tmp_path), "-j", "1"], out=out, err=err
    )
    assert code == 0
    assert "leaflet" in err.getvalue() and "/4" in err.getvalue()  # the bar: "n/4 leaflet"
    assert out.getvalue().count("wrote ") == 4


def test_bad_jobs_is_a_usage_error() -> None:
    err = io.StringIO()
    assert main(["--all", "--jobs", "0"], out=io.StringIO(), err=err) == 2
    assert "argument -j/--jobs: expected a whole number from 1 to 256" in err.getvalue()


def test_subset_font_keeps_glyph_shapes(tmp_path: Path) -> None:
    text = "如何注销俄罗斯手机卡：请出示给工作人员。ABC 123"
    css = font_faces_css("Hans", text, tmp_path)
    assert css.count("@font-face") == 2 and '"Noto Sans CJK SC Leaflet"' in css
    original = find_font("Noto Sans CJK SC", "Regular")
    small = subset(original, frozenset(text), tmp_path)
    assert small.stat().st_size < 200_000 < original.path.stat().st_size
    full = TTFont(original.path, fontNumber=original.index, lazy=True)
    cut = TTFont(small)
    full_cmap, cut_cmap = full.getBestCmap(), cut.getBestCmap()
    full_glyphs, cut_glyphs = full.getGlyphSet(), cut.getGlyphSet()
    for ch in set(text) - {" "}:
        a, b = RecordingPen(), RecordingPen()
        full_glyphs[full_cmap[ord(ch)]].draw(a)
        cut_glyphs[cut_cmap[ord(ch)]].draw(b)
        assert a.value == b.value, ch


def test_subsets_are_cached_by_font_and_characters(tmp_path: Path) -> None:
    font = find_font("Noto Sans CJK SC", "Bold")
    first = subset(font, frozenset("注销"), tmp_path)
    inode = first.stat().st_ino  # a subset made again would be a new file (written whole)
    assert subset(font, frozenset("销注"), tmp_path) == first
    assert first.stat().st_ino == inode
    assert subset(font, frozenset("注销卡"), tmp_path) != first
    assert len(list((tmp_path / "fonts").iterdir())) == 2


def test_no_cjk_subset_for_latin_or_cyrillic(tmp_path: Path) -> None:
    assert font_faces_css("Latn", "hello", tmp_path) == ""
    assert font_faces_css("Cyrl", "привет", tmp_path) == ""
    assert not (tmp_path / "fonts").exists()


def test_cache_folder_is_configurable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from generator.project import cache_dir

    monkeypatch.setenv("MAKE_GUIDE_CACHE", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    monkeypatch.delenv("MAKE_GUIDE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cache_dir() == tmp_path / "x" / "make-guide"
    assert os.environ["XDG_CACHE_HOME"]


def test_library_versions_are_the_installed_ones() -> None:
    """Read from the dist-info folder names (fast), they agree with importlib.metadata:
    upgrading WeasyPrint or Babel still rebuilds every leaflet."""
    from importlib import metadata

    from generator.diskcache import library_version
    from generator.manifest import LIBRARIES

    for lib in (*LIBRARIES, "pyyaml", "publicsuffixlist"):
        assert library_version(lib) == metadata.version(lib), lib
    assert library_version("no-such-library-here") == "none"


def test_guide_settings_follow_every_edit(project_copy: Project) -> None:
    """What to build is read from a cache keyed by guide.yaml's content: an edit is seen
    at once, and going back to an earlier text gives the earlier answer."""
    guide = project_copy.guide_file
    before = guide.read_text("utf-8")
    lang = next(lang for lang in project_copy.languages() if lang != "en")
    assert lang in Project(project_copy.root).released_languages()
    held = before.replace("\nlanguages:\n", f"\nlanguages:\n  {lang}: {{released: false}}\n", 1)
    assert held != before
    for _ in range(2):  # the second round reads the cached answers
        guide.write_text(held, "utf-8")
        assert lang not in Project(project_copy.root).released_languages()
        guide.write_text(before, "utf-8")
        assert lang in Project(project_copy.root).released_languages()
    guide.write_text(before.replace("\nlanguages:\n", "\nsource_language: ru\nlanguages:\n", 1))
    assert Project(project_copy.root).source_language() == "ru"
