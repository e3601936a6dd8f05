"""Data kept between runs (generator.diskcache): the same answers as deriving it again,
and never a reason to fail or to answer wrongly when the cache is damaged or missing."""

from __future__ import annotations

import marshal
import os
from pathlib import Path

import pytest

from generator import diskcache, links, yamlsource
from generator.content import load_content
from generator.errors import GuideError, Problems
from generator.project import Project


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("MAKE_GUIDE_CACHE", str(folder))
    yamlsource._PARSED.clear()  # this process's own copies would hide the disk
    links._answers.cache_clear()
    yield folder
    yamlsource._PARSED.clear()
    links._answers.cache_clear()


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(yamlsource, "_parse", refuse)
    yamlsource._PARSED.clear()


def test_a_parsed_file_is_read_back_as_it_was_parsed(
    project: Project, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = yamlsource.load_yaml(project.guide_file)
    assert list((cache / "data" / "yaml").iterdir())
    _no_parsing(monkeypatch)
    kept = yamlsource.load_yaml(project.guide_file)
    assert kept is not parsed
    assert (kept.path, kept.data, kept.lines, kept.numeric) == (
        parsed.path,
        parsed.data,
        parsed.lines,
        parsed.numeric,
    )


def test_the_whole_content_loads_the_same_from_the_cache(
    project: Project, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_content(project)
    _no_parsing(monkeypatch)
    again = load_content(project)
    assert again.guide == first.guide and again.operators == first.operators


def test_an_edited_file_is_parsed_again(project_copy: Project, cache: Path) -> None:
    guide = project_copy.guide_file
    yamlsource.load_yaml(guide)
    text = guide.read_text(encoding="utf-8")
    guide.write_text(text.replace("\nsections:", "\nsections: [\n", 1), encoding="utf-8")
    yamlsource._PARSED.clear()
    with pytest.raises(GuideError, match="YAML syntax error"):
        yamlsource.load_yaml(guide)


def test_the_same_text_elsewhere_is_named_by_its_own_path(
    project: Project, cache: Path, tmp_path: Path
) -> None:
    text = project.guide_file.read_text(encoding="utf-8")
    yamlsource.load_yaml(project.guide_file, text)
    other = tmp_path / "other" / "guide.yaml"
    source = yamlsource.load_yaml(other, text)
    assert source.path == other
    assert str(other) in str(source.error(("sections",), "x"))


@pytest.mark.parametrize(
    "damage",
    [
        b"",  # empty
        b"\x00garbage",  # not marshal data
        marshal.dumps(["a", "list"]),  # the wrong shape
        marshal.dumps(("data", {}, ["not", "a", "set"])),
        marshal.dumps((1, {}, set())),
        marshal.dumps({"a": 1})[:-1],  # torn
    ],
    ids=["empty", "garbage", "list", "numeric-not-a-set", "data-not-text", "torn"],
)
def test_a_damaged_entry_is_parsed_again(
    project: Project, cache: Path, damage: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = yamlsource.load_yaml(project.guide_file)
    for entry in (cache / "data" / "yaml").iterdir():
        entry.write_bytes(damage)
    yamlsource._PARSED.clear()
    again = yamlsource.load_yaml(project.guide_file)
    assert again.data == parsed.data and again.lines == parsed.lines


def test_an_entry_too_large_is_not_read(cache: Path) -> None:
    key = diskcache.entry_key("big")
    diskcache.store("test", key, "x" * (diskcache.MAX_ENTRY_BYTES + 10))
    assert diskcache.load("test", key) is None
    diskcache.store("test", key, "small")
    assert diskcache.load("test", key) == "small"


def test_keys_keep_their_parts_apart() -> None:
    assert diskcache.entry_key("ab", "c") != diskcache.entry_key("a", "bc")
    assert diskcache.entry_key("\ud800") != diskcache.entry_key("?")


def test_what_is_not_plain_data_is_not_stored(cache: Path) -> None:
    diskcache.store("test", "k", object())
    assert diskcache.load("test", "k") is None


def test_an_unusable_cache_folder_only_costs_time(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MAKE_GUIDE_CACHE", str(blocker / "cache"))
    yamlsource._PARSED.clear()
    links._answers.cache_clear()
    try:
        assert load_content(project).operators
        assert links.is_public_suffix("com.ru")
    finally:
        yamlsource._PARSED.clear()
        links._answers.cache_clear()


def test_public_suffix_answers_are_kept_and_agree_with_the_list(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["ru", "com.ru", "mts.ru", "beeline.ru", "xn--p1ai", "blogspot.com", "example.org"]
    fresh = {name: links.is_public_suffix(name) for name in names}
    links.keep_answers()
    assert fresh["ru"] and fresh["com.ru"] and fresh["xn--p1ai"] and fresh["blogspot.com"]
    assert not fresh["mts.ru"] and not fresh["example.org"]
    # A new process: the answers come from the cache, without the list.
    links._answers.cache_clear()

    def no_list() -> None:
        raise AssertionError("the list was loaded")

    monkeypatch.setattr(links, "_suffixes", no_list)
    assert {name: links.is_public_suffix(name.upper()) for name in names} == fresh


def test_a_tampered_answer_of_the_wrong_type_is_asked_again(cache: Path) -> None:
    assert links.is_public_suffix("com.ru")
    links.keep_answers()
    key, _ = links._answers()
    diskcache.store("public-suffixes", key, {"com.ru": "no", 5: False})
    links._answers.cache_clear()
    assert links.is_public_suffix("com.ru")


def test_a_qr_code_is_drawn_once_and_read_back(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import segno

    from generator.filters import qr_svg
    from generator.links import Link

    link = Link(href="https://moskva.beeline.ru/customers/", label="beeline.ru")
    drawn = qr_svg(link, "Beeline <site> & more")
    assert "title>Beeline &lt;site&gt; &amp; more<" in drawn
    monkeypatch.setattr(segno, "make_qr", lambda *a, **k: pytest.fail("drawn again"))
    assert qr_svg(link, "Beeline <site> & more") == drawn
    # Another title or another link is another drawing.
    with pytest.raises(pytest.fail.Exception):
        qr_svg(link, "Beeline")
    monkeypatch.undo()
    for entry in (cache / "data" / "qr").iterdir():
        entry.write_bytes(marshal.dumps(["not", "an", "svg"]))
    assert qr_svg(link, "Beeline <site> & more") == drawn


def test_what_a_font_draws_is_kept_and_agrees_with_its_cmap(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator import fontfiles
    from generator.fonts import DEFAULT_FONTS, glyph_count

    monkeypatch.setattr(fontfiles, "_KNOWN", {})
    text = "电话 Call 0890 → ① 𝔸 \U0001f600 Ol Chiki \u1c5a"
    scripts = ("Hans", "Latn", "Cyrl")
    fresh = {s: DEFAULT_FONTS.not_drawn(s, text) for s in scripts}
    counts = {f: glyph_count(f) for f in ("Noto Sans", "Noto Sans CJK SC")}
    assert "\U0001f600" in fresh["Hans"] and "电" not in fresh["Hans"] and "电" in fresh["Latn"]
    assert counts["Noto Sans CJK SC"] > 10_000 > counts["Noto Sans"]
    # A new process: the answers come from the cache, without HarfBuzz.
    monkeypatch.setattr(fontfiles, "_KNOWN", {})

    def no_harfbuzz(*args: object) -> None:
        raise AssertionError("the font was opened")

    monkeypatch.setattr(fontfiles, "_face_font", no_harfbuzz)
    assert {s: DEFAULT_FONTS.not_drawn(s, text) for s in scripts} == fresh
    assert {f: glyph_count(f) for f in counts} == counts
    # A damaged entry is asked again.
    monkeypatch.undo()
    monkeypatch.setattr(fontfiles, "_KNOWN", {})
    for entry in (cache / "data" / "font-facts").iterdir():
        entry.write_bytes(marshal.dumps((None, {"x": "not a codepoint"})))
    assert {s: DEFAULT_FONTS.not_drawn(s, text) for s in scripts} == fresh
    assert {f: glyph_count(f) for f in counts} == counts


def test_fontconfig_answers_are_kept_for_the_same_fonts_and_rules(
    cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import subprocess

    from generator import fontfiles

    faces = [("Noto Sans CJK SC", "Bold"), ("Noto Sans", "Regular"), ("Noto Sans Klingon", "Bold")]

    def forget() -> None:
        monkeypatch.setattr(fontfiles, "_FOUND", {})
        fontfiles._kept_matches.cache_clear()
        fontfiles.find_font.cache_clear()

    forget()
    fontfiles.prefetch(faces)
    asked = {face: fontfiles._FOUND[face] for face in faces}
    assert fontfiles.find_font(*faces[0]).path.name.startswith("NotoSansCJK")
    assert fontfiles.substitute(*faces[2]) not in (None, "Noto Sans Klingon")
    key = fontfiles._kept_matches()[0]
    # A new process: no fc-match at all.
    forget()

    def no_process(*args: object, **kwargs: object) -> None:
        raise AssertionError("fc-match was run")

    monkeypatch.setattr(subprocess, "Popen", no_process)
    fontfiles.prefetch(faces)
    assert {face: fontfiles._FOUND[face] for face in faces} == asked
    # Other rules (another configuration file) are another state of fontconfig.
    monkeypatch.setenv("FONTCONFIG_FILE", str(tmp_path / "fonts.conf"))
    fontfiles._kept_matches.cache_clear()
    assert fontfiles._kept_matches() == (fontfiles._kept_matches()[0], {})
    assert fontfiles._kept_matches()[0] != key
    forget()


def test_each_kind_keeps_its_newest_entries(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(diskcache, "KEEP", 3)
    for n in range(6):
        diskcache.store("test", f"k{n}", n)
        entry = cache / "data" / "test" / f"k{n}"
        os.utime(entry, (1_000_000 + n, 1_000_000 + n))  # written in this order
    diskcache.store("test", "k6", 6)
    assert sorted(p.name for p in (cache / "data" / "test").iterdir()) == ["k4", "k5", "k6"]
    assert [diskcache.load("test", f"k{n}") for n in (3, 4, 6)] == [None, 4, 6]


def test_pruning_spares_what_was_used_lately(tmp_path: Path) -> None:
    old, recent = tmp_path / "old.otf", tmp_path / "recent.otf"
    for path in (old, recent):
        path.write_bytes(b"x")
    os.utime(old, (1_000_000, 1_000_000))
    diskcache.prune(tmp_path, 0, older_than=3600)
    assert not old.exists() and recent.exists()
    diskcache.prune(tmp_path / "missing", 0)  # nothing there: nothing to do


def test_a_font_subset_used_again_counts_as_recent(tmp_path: Path) -> None:
    from generator.fontfiles import STYLES, find_font, subset

    font = find_font("Noto Sans CJK SC", STYLES[400])
    made = subset(font, frozenset("电话"), tmp_path)
    os.utime(made, (1_000_000, 1_000_000))
    assert subset(font, frozenset("电话"), tmp_path) == made
    assert made.stat().st_mtime > 1_000_000_000


def _content_entries(cache: Path) -> list[Path]:
    return sorted((cache / "data" / "content").iterdir())


def test_checked_content_is_read_back_without_checking_again(
    project: Project, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator import content as content_module

    first = load_content(project)
    assert len(_content_entries(cache)) == 1

    def no_checks(*args: object, **kwargs: object) -> None:
        raise AssertionError("checked again")

    monkeypatch.setattr(content_module, "_load", no_checks)
    again = load_content(project)
    assert again == first and again is not first
    assert again.operators[next(iter(again.operators))].facts  # models, whole


def test_edited_content_is_checked_again(project_copy: Project, cache: Path) -> None:
    load_content(project_copy)
    guide = project_copy.guide_file
    guide.write_text(guide.read_text(encoding="utf-8") + "\nnot_a_key: 1\n", encoding="utf-8")
    with pytest.raises(GuideError, match="not_a_key"):
        load_content(project_copy)
    assert len(_content_entries(cache)) == 1  # a failed check is never kept


def test_kept_content_can_only_make_the_contents_own_classes(
    project: Project, cache: Path, tmp_path: Path
) -> None:
    import pickle

    load_content(project)
    [entry] = _content_entries(cache)
    marker = tmp_path / "ran"

    class Hostile:
        def __reduce__(self) -> tuple[object, ...]:
            return (os.system, (f"touch {marker}",))

    for data in (pickle.dumps(Hostile()), pickle.dumps({"a": 1}), b"\x80\x05garbage"):
        entry.write_bytes(data)
        assert load_content(project).guide.sections  # checked again, from the files
        assert not marker.exists()


@pytest.mark.parametrize("changed", ["pydantic", "babel", "ada-url", "publicsuffixlist", "list"])
def test_content_is_checked_again_when_what_checks_it_changes(
    project: Project, cache: Path, monkeypatch: pytest.MonkeyPatch, changed: str
) -> None:
    from generator import content as content_module

    load_content(project)
    checked = []
    real_load = content_module._load
    monkeypatch.setattr(content_module, "_load", lambda *a: checked.append(1) or real_load(*a))
    load_content(project)
    assert not checked  # kept
    if changed == "list":  # another edition of the Public Suffix List
        monkeypatch.setattr(content_module, "suffix_list_edition", lambda: "another edition")
    else:
        real_version = diskcache.library_version
        monkeypatch.setattr(
            diskcache,
            "library_version",
            lambda lib: "99.0" if lib == changed else real_version(lib),
        )
    load_content(project)
    assert checked == [1]


def test_made_up_domains_in_a_text_cost_no_write_each(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stores: list[str] = []
    real_store = diskcache.store
    monkeypatch.setattr(
        diskcache,
        "store",
        lambda kind, key, value: stores.append(kind) or real_store(kind, key, value),
    )
    names = [
        f"x.{a}{b}{c}q"
        for a in "abcdefghij"
        for b in "abcdefghij"
        for c in "abcdefghijklmnopqrstuvwxyz"
    ]
    assert len(names) > links.MAX_KEPT_ANSWERS
    assert links.links_in(" ".join(names)) == []  # none is a known top-level domain
    assert stores == []
    links.keep_answers()  # too many to keep: a hostile text must not grow what every build reads
    assert stores == []
    links._answers.cache_clear()
    assert links.links_in("see x.abcq and mts.ru") == ["mts.ru"]
    links.keep_answers()
    assert stores == ["public-suffixes"]


def test_content_checked_is_the_content_kept_even_if_files_change_meanwhile(
    project_copy: Project, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file added or removed while the content is being checked changes nothing: the
    check works on the texts the key was made of (no second listing of the folder)."""
    from generator import content as content_module

    operators = project_copy.operators_dir
    victim = sorted(operators.glob("*.yaml"))[-1]
    saved = victim.read_text(encoding="utf-8")
    real_load_guide = content_module.load_guide

    def meanwhile(*args: object) -> object:
        victim.unlink()  # git stash, a checkout: gone while the build runs...
        (operators / "evil.yaml").write_text(saved, encoding="utf-8")  # ...another added
        return real_load_guide(*args)

    monkeypatch.setattr(content_module, "load_guide", meanwhile)
    checked = load_content(project_copy)
    assert victim.stem in checked.operators and "evil" not in checked.operators
    monkeypatch.undo()
    (operators / "evil.yaml").unlink()
    victim.write_text(saved, encoding="utf-8")
    # Back as before: the kept content is the same as a fresh check.
    again = load_content(project_copy)
    assert again == checked
    assert again.operators.keys() == content_module._load(project_copy, Problems()).operators.keys()


def test_guide_settings_are_parsed_from_the_bytes_hashed(
    project_copy: Project, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from generator import project as project_module

    def second_read(*args: object, **kwargs: object) -> str:
        raise AssertionError("guide.yaml read a second time")

    monkeypatch.setattr(yamlsource, "read_text", second_read)
    fresh = project_module.Project(project_copy.root)
    assert fresh.released_languages() == project_copy.released_languages()
