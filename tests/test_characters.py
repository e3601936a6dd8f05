"""Characters: control, invisible and bidirectional characters are refused in content
and catalogs with the file and line; a character no font of the leaflet draws fails
the build (with or without --strict) instead of printing an empty box."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from catalog_edit import catalog, first_paragraph, headings, set_msgstr, set_yaml_scalar

from generator.characters import character_problem, describe, refused_reason
from generator.content import load_content
from generator.errors import GuideError
from generator.project import Project
from generator.yamlsource import load_yaml

from helpers import run_cli

REFUSED = {
    "\x00": "NUL",
    "\x07": "BEL",
    "\x08": "backspace",
    "\x0b": "vertical tab",
    "\x0c": "form feed",
    "\r": "carriage return",
    "\x1b": "ESC",
    "\x7f": "DEL",
    "\x85": "NEL (C1)",
    "\x9b": "CSI (C1)",
    "\u2028": "line separator",
    "\u2029": "paragraph separator",
    "\u202a": "LRE",
    "\u202b": "RLE",
    "\u202c": "PDF",
    "\u202d": "LRO",
    "\u202e": "RLO",
    "\u2066": "LRI",
    "\u2067": "RLI",
    "\u2068": "FSI",
    "\u2069": "PDI",
    "\u200e": "LRM",
    "\u200f": "RLM",
    "\u061c": "ALM",
    "\u200b": "zero width space",
    "\u200c": "ZWNJ",
    "\u200d": "ZWJ",
    "\u2060": "word joiner",
    "\u00ad": "soft hyphen",
    "\ufeff": "BOM",
    "\u034f": "combining grapheme joiner",
    "\ufe0f": "variation selector",
    "\U000e0041": "tag A",
    "\ufff9": "interlinear annotation",
}
ALLOWED = ["\t", "\n", " ", "\u00a0", "\u202f", "→", "Ж", "中", "«", "—", "№", "₽", "「"]
# Characters no font of the leaflets draws.
UNDRAWN = {
    "\U0001f600": "an emoji",
    "\U00010000": "Linear B",
    "\u1c5a": "Ol Chiki",
    "\ue000": "private use",
    "\u0378": "unassigned",
}


@pytest.mark.parametrize("ch", REFUSED, ids=REFUSED.values())
def test_control_invisible_and_bidi_characters_are_refused(ch: str) -> None:
    problem = character_problem(f"Call {ch}0890")
    assert problem is not None and problem.startswith(f"U+{ord(ch):04X}")
    assert ch not in problem  # named, never printed raw


@pytest.mark.parametrize("ch", ALLOWED)
def test_ordinary_characters_are_allowed(ch: str) -> None:
    assert refused_reason(ch) is None


def test_every_format_character_is_refused() -> None:
    # Category Cf as a whole, so a character added in a later Unicode version is covered.
    for cp in range(0x110000):
        ch = chr(cp)
        if unicodedata.category(ch) in ("Cf", "Zl", "Zp") or (
            unicodedata.category(ch) == "Cc" and ch not in "\t\n"
        ):
            assert refused_reason(ch), f"U+{cp:04X}"


def test_the_quick_look_at_whole_text_agrees_with_each_character_read() -> None:
    # character_problem first looks at the whole string at once; for every code point,
    # alone and inside ordinary text, it must say what reading it alone says.
    refused = []
    for cp in range(0x110000):
        ch = chr(cp)
        reason = refused_reason(ch)
        assert (character_problem(ch) is None) == (reason is None), f"U+{cp:04X}"
        if reason:
            refused.append((ch, reason))
    assert len(refused) > 4000  # the tag characters alone are 4096
    for ch, reason in refused:
        problem = character_problem(f"Call 0890\n电话 {ch}.")
        assert problem == f"{describe(ch)} is {reason}; remove it", f"U+{ord(ch):04X}"
    assert character_problem("Call 0890\n电话\t\u00a0\u3000 — ok.") is None


@pytest.mark.parametrize(
    ("escape", "ch"), [("\\u202e", "\u202e"), ("\\x1b", "\x1b"), ("\\0", "\x00"), ("\\L", "\u2028")]
)
def test_a_refused_character_in_content_names_the_line_and_key(
    project_copy: Project, escape: str, ch: str
) -> None:
    key_path = first_paragraph(project_copy)
    line = set_yaml_scalar(
        project_copy.guide_file, key_path, "", yaml=f'"Pay at {escape}mts.ru first."'
    )
    assert (
        ch
        in load_yaml(project_copy.guide_file).data["sections"][key_path[1]]["body"][key_path[3]][
            "p"
        ]
    )
    with pytest.raises(GuideError) as info:
        load_content(project_copy)
    assert re.match(
        rf"{re.escape(str(project_copy.guide_file))}:{line}: sections\[\d+\]\.body\[\d+\]\.p: "
        rf"U\+{ord(ch):04X}",
        str(info.value),
    ), str(info.value)


def test_a_refused_character_in_an_operator_file(project_copy: Project) -> None:
    slug = project_copy.operators()[0]
    path = project_copy.operator_file(slug)
    line = set_yaml_scalar(path, ("names", "latin"), "", yaml='"Op\\u202eerator"')
    with pytest.raises(GuideError, match=rf":{line}: names\.latin: U\+202E RIGHT-TO-LEFT"):
        load_content(project_copy)


@pytest.mark.parametrize("ch", ["\u202e", "\u200f", "\x1b", "\u200b", "\u2028"])
def test_a_refused_character_in_a_catalog_names_the_line(
    project_copy: Project, tmp_path: Path, ch: str
) -> None:
    lang = project_copy.catalog_languages()[-1]
    slot = headings(catalog(project_copy, lang))[0]
    set_msgstr(project_copy.po_file(lang), slot, f"{slot.string}{ch}x")
    code, _, err = run_cli(
        "--lang", lang, "--operator", project_copy.operators()[0],
        "--project", str(project_copy.root), "--out", str(tmp_path), "--format", "html",
    )  # fmt: skip
    assert code == 1
    assert re.search(rf"messages\.po:\d+: msgstr for .*: U\+{ord(ch):04X} ", err), err
    assert ch not in err
    assert not list(tmp_path.glob("*.html"))
    code, _, err = run_cli("check", "--project", str(project_copy.root))
    assert code == 1 and f"U+{ord(ch):04X}" in err


@pytest.mark.parametrize("ch", UNDRAWN, ids=UNDRAWN.values())
@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_a_character_no_font_draws_fails_the_build(
    project_copy: Project, tmp_path: Path, catalog_lang: str, ch: str, strict: bool
) -> None:
    slot = headings(catalog(project_copy, catalog_lang))[0]
    po = project_copy.po_file(catalog_lang)
    set_msgstr(po, slot, f"{slot.string} {ch}")
    code, _, err = run_cli(
        "--lang", catalog_lang, "--operator", project_copy.operators()[0],
        "--project", str(project_copy.root), "--out", str(tmp_path),
        *(["--strict"] if strict else []),
    )  # fmt: skip
    assert code == 1
    assert re.search(
        rf"^make-guide: error: {re.escape(str(po))}:\d+: msgstr: U\+{ord(ch):04X}.* is in none "
        r"of the fonts .*it would print as an empty box",
        err,
        re.M,
    ), err
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".pdf", ".html")]


def test_a_han_character_in_a_latin_leaflet_is_not_drawn(project_copy: Project, tmp_path: Path):
    # The Latin and Cyrillic leaflets' fonts (Noto Sans, Noto Sans Math) have no Han.
    slug = project_copy.operators()[0]
    path = project_copy.operator_file(slug)
    data = load_yaml(path).data
    key = next(k for k, f in data["facts"].items() if "value" in f and k != "site")
    line = set_yaml_scalar(path, ("facts", key, "value"), "中国移动")
    lang = next(lang for lang in project_copy.catalog_languages() if not lang.startswith("zh"))
    code, _, err = run_cli(
        "--lang", lang, "--operator", slug, "--project", str(project_copy.root),
        "--out", str(tmp_path), "--format", "html",
    )  # fmt: skip
    assert code == 1
    assert f"{path}:{line}: facts.{key}.value: U+4E2D" in err, err


def test_check_names_a_translation_no_font_draws(project_copy: Project) -> None:
    lang = project_copy.catalog_languages()[-1]
    slot = headings(catalog(project_copy, lang))[0]
    set_msgstr(project_copy.po_file(lang), slot, f"{slot.string} \U0001f600")
    code, _, err = run_cli("check", "--project", str(project_copy.root))
    assert code == 1
    assert re.search(r"messages\.po:\d+: U\+1F600 GRINNING FACE is in none of the fonts", err), err
