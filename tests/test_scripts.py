"""Any script: fonts per script configured in the guide project, Japanese and Korean
(CJK faces, pre-subset like Chinese) and Arabic (right to left).

The languages are added to a throw-away copy of the project the way a translator would
(``make-guide i18n init ja``), and every msgstr is filled in by the test: a fixed
sentence in the language cut to about half the msgid's length, followed by the msgid's
placeholders in order (every plural form alike: Arabic has six). Nothing here depends
on the wording of the guide.
"""

from __future__ import annotations

import io
import re
import shutil
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pypdf
import pypdfium2 as pdfium
import pytest
from babel import Locale
from babel.messages.pofile import read_po, write_po
from catalog_edit import catalog, headings, set_msgstr
from conftest import PROJECT
from weasyprint import HTML
from weasyprint.formatting_structure.boxes import BlockBox, LineBox

from generator.catalogs import WIDTH
from generator.content import load_content
from generator.filters import mark_passages
from generator.fontfiles import draws_in_every_style
from generator.fonts import DEFAULT_FAMILIES, DEFAULT_FONTS, LATIN, SYMBOLS, configured
from generator.i18n import html_lang, translator, writing_script
from generator.index import Link, render_index
from generator.localize import text_direction
from generator.manifest import font_families
from generator.pack import Pack, build_pack, leaflet_starts, render_pack
from generator.paper import DEFAULT_PAPER, PAPERS, PrintOptions
from generator.project import Project

from helpers import glyphs_shown, run_cli

#: The languages added, each with a sentence in its script (Latin "SIM" in both: a
#: brand name set in the Latin face, which is not a fallback).
SENTENCES = {
    "ja": "ロシアを出国する前に、SIMカードの契約を解約してください。窓口でパスポートを見せます。",
    "ko": "러시아를 떠나기 전에 SIM 카드 계약을 해지하세요. 매장 직원에게 여권을 보여 주세요.",
    "ar": "يجب إلغاء عقد بطاقة SIM قبل مغادرة روسيا. أظهر جواز سفرك للموظف في المتجر.",
}
#: Each added language with the direction its pages must have.
DIRECTIONS = [(lang, text_direction(Locale.parse(lang))) for lang in SENTENCES]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")
#: Drawn by no font of any stack: the build must refuse it.
EMOJI = "\U0001f600"


def translation(msgid: str, sentence: str) -> str:
    """About half the msgid's length of ``sentence``, then the msgid's placeholders."""
    size = max(4, len(msgid) // 2)
    body = (sentence * (1 + size // len(sentence)))[:size].strip()
    return " ".join([body, *PLACEHOLDER.findall(msgid)])


def add_language(project: Project, lang: str, sentence: str) -> None:
    """``make-guide i18n init <lang>``, then every msgstr filled in (no fuzzy flags)."""
    code, _, err = run_cli("i18n", "init", lang, "--project", str(project.root))
    assert code == 0, err
    # Released at once: the test fills every message below.
    guide = project.guide_file
    lines = guide.read_text("utf-8").splitlines(keepends=True)
    guide.write_text(
        "".join(line for line in lines if not line.startswith(f"  {lang}: {{released: false}}")),
        "utf-8",
    )
    po = project.po_file(lang)
    with po.open("rb") as fh:
        cat = read_po(fh, locale=lang)
    for m in cat:
        if isinstance(m.id, (list, tuple)):
            m.string = tuple(translation(m.id[1], sentence) for _ in range(cat.num_plurals))
        elif m.id:
            m.string = translation(m.id, sentence)
        m.flags.discard("fuzzy")
    out = io.BytesIO()
    write_po(out, cat, width=WIDTH)  # as `i18n update` writes it: check finds it up to date
    po.write_bytes(out.getvalue())


def copy_project(root: Path, source: Path) -> Project:
    for name in ("content", "templates", "locales"):
        shutil.copytree(source / name, root / name)
    return Project(root)


@pytest.fixture(scope="module")
def scripts_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The guide project with the languages of SENTENCES added (do not edit: copy it)."""
    project = copy_project(tmp_path_factory.mktemp("scripts") / "guide", PROJECT.root)
    for lang, sentence in SENTENCES.items():
        add_language(project, lang, sentence)
    return project


@pytest.fixture
def scripts_copy(scripts_project: Project, tmp_path: Path) -> Project:
    """A copy of ``scripts_project`` a test may break."""
    return copy_project(tmp_path / "guide", scripts_project.root)


@dataclass(frozen=True)
class Built:
    pdf: Path
    html: Path


@pytest.fixture(scope="module")
def built(scripts_project: Project, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    """One leaflet per added language (the first operator), PDF and HTML, --strict."""
    out = tmp_path_factory.mktemp("scripts-dist")
    operator = scripts_project.operators()[0]
    argv = ["--operator", operator, "--project", str(scripts_project.root), "--out", str(out)]
    code, _, err = run_cli(*[a for lang in SENTENCES for a in ("--lang", lang)], *argv, "--strict")
    assert code == 0, err
    return {
        lang: Built(out / f"{operator}-{lang}.pdf", out / f"{operator}-{lang}.html")
        for lang in SENTENCES
    }


@cache
def staff_lang() -> str:
    """The ``lang`` of the staff's passages (the guide's staff language)."""
    return html_lang(Locale.parse(load_content(PROJECT).guide.staff_language))


def script_of(lang: str) -> str:
    return writing_script(Locale.parse(lang))


def squashed(name: object) -> str:
    """``/ABCDEF+Noto-Sans-CJK-JP-Leaflet`` -> ``NotoSansCJKJPLeaflet``."""
    return re.sub(r"[^A-Za-z]", "", str(name).split("+", 1)[-1])


def embedded_fonts(pdf: Path) -> set[str]:
    reader = pypdf.PdfReader(pdf)
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            names.add(squashed(font["/BaseFont"]))
    return names


# --- The built leaflets ---------------------------------------------------------------


@pytest.mark.parametrize("language", SENTENCES)
def test_embedded_fonts_are_the_scripts_own(built: dict[str, Built], language: str) -> None:
    names = embedded_fonts(built[language].pdf)
    own = squashed(DEFAULT_FAMILIES[script_of(language)][0])
    assert any(n.startswith(own) for n in names), names
    # No face of another script: Japanese is not set in the Chinese faces (Han shapes).
    others = {
        squashed(f[0])
        for s, f in DEFAULT_FAMILIES.items()
        if f[0] not in DEFAULT_FONTS.stack(script_of(language))
    }
    assert not {n for n in names for other in others if n.startswith(other)}, names
    assert all(n.startswith("NotoSans") for n in names), names


@pytest.mark.parametrize(
    "language", [lang for lang in SENTENCES if script_of(lang) in ("Hans", "Hant", "Jpan", "Kore")]
)
def test_cjk_uses_the_pre_subset_font(built: dict[str, Built], language: str) -> None:
    # The CJK face is cut down to the leaflet's characters, as for Chinese: small PDFs.
    own = squashed(DEFAULT_FAMILIES[script_of(language)][0])
    cjk = {n for n in embedded_fonts(built[language].pdf) if n.startswith(own)}
    assert cjk and cjk <= {own + "Leaflet", own + "LeafletBold"}, cjk
    assert built[language].pdf.stat().st_size < 200_000


@pytest.mark.parametrize(("language", "direction"), DIRECTIONS)
def test_html_lang_and_dir(built: dict[str, Built], language: str, direction: str) -> None:
    html = built[language].html.read_text("utf-8")
    assert re.search(rf'<html lang="{language}" dir="{direction}">', html), html[:200]
    # Passages in the staff's language (Russian, left to right) keep their direction
    # on a right-to-left page; on a left-to-right page spans need no dir of their own.
    staff = re.findall(rf'<(\w+)[^>]* lang="{staff_lang()}"([^>]*)>', html)
    assert staff
    for tag, attrs in staff:
        if direction == "rtl" or tag != "span":
            assert 'dir="ltr"' in attrs, (tag, attrs)
    # Values (numbers, codes, sites) are left to right on any page.
    values = re.findall(r'<\w+ class="value"[^>]*>', html)
    assert values and all('dir="ltr"' in v for v in values), values
    # The footer is mirrored: the page numbers where lines end.
    footer = dict(re.findall(r"@bottom-(left|right) \{ content: ([^;]*);", html))
    title, numbers = ("right", "left") if direction == "rtl" else ("left", "right")
    assert "counter(page)" in footer[numbers] and "counter" not in footer[title], footer


@pytest.mark.parametrize("language", SENTENCES)
def test_font_rules_name_the_configured_stacks(built: dict[str, Built], language: str) -> None:
    html = built[language].html.read_text("utf-8")
    rule = re.search(rf":lang\({language}\) {{ font-family: ([^;]*); }}", html)
    assert rule, "no font rule for the page's language"
    families = [f.strip().strip('"') for f in rule.group(1).split(",")]
    stack = DEFAULT_FONTS.stack(script_of(language))
    assert [f for f in families if not f.endswith(" Leaflet")] == [*stack, "sans-serif"]
    assert families[-3:-1] == [*DEFAULT_FAMILIES[LATIN], SYMBOLS]
    # The staff's passages get their own language's stack.
    assert f":lang({staff_lang()}) {{ font-family: " in html


@cache
def _lines(pdf: Path) -> list[tuple[float, float, str]]:
    """(left, right, text) of each text line of the first page, from the glyph boxes."""
    page = pdfium.PdfDocument(pdf)[0]
    text = page.get_textpage()
    rows: dict[int, list[tuple[float, float, str]]] = defaultdict(list)
    for i in range(text.count_chars()):
        ch = text.get_text_range(i, 1)
        left, bottom, right, _ = text.get_charbox(i, loose=True)
        if ch.strip() and right > left:
            rows[round(bottom)].append((left, right, ch))
    return [
        (min(c[0] for c in row), max(c[1] for c in row), "".join(c[2] for c in row))
        for row in rows.values()
    ]


@pytest.mark.parametrize(("language", "direction"), DIRECTIONS)
def test_lines_start_at_the_reading_side_in_the_pdf(
    built: dict[str, Built], language: str, direction: str
) -> None:
    # Lines start flush at the margin where the script starts reading and end ragged
    # at the other: most lines of an Arabic page touch the right margin, of a Japanese
    # one the left.
    width = pdfium.PdfDocument(built[language].pdf)[0].get_size()[0]
    side = PAPERS[DEFAULT_PAPER].side * 72 / 25.4
    lines = _lines(built[language].pdf)
    at_left = sum(1 for left, _, _ in lines if abs(left - side) < 2)
    at_right = sum(1 for _, right, _ in lines if abs(right - (width - side)) < 2)
    start, end = (at_right, at_left) if direction == "rtl" else (at_left, at_right)
    assert start >= 5 and start > 2 * end, (at_left, at_right)


@cache
def _boxes(html: Path) -> list[tuple[float, Any]]:
    """(page width, box) of every box of an element, in WeasyPrint's layout."""
    return [
        (page.width, box)
        for page in HTML(filename=str(html)).render().pages
        for box in page._page_box.descendants()
        if getattr(box, "element", None) is not None
    ]


@pytest.mark.parametrize(("language", "direction"), DIRECTIONS)
def test_layout_boxes_follow_the_direction(
    built: dict[str, Built], language: str, direction: str
) -> None:
    boxes = [box for _, box in _boxes(built[language].html)]
    paragraphs = [
        b
        for b in boxes
        if isinstance(b, BlockBox) and b.element.tag == "p" and not b.element.get("lang")
    ]
    assert paragraphs and all(b.style["direction"] == direction for b in paragraphs)
    # A paragraph's lines start at its start edge (right in Arabic).
    for box in paragraphs:
        for line in box.children:
            if not isinstance(line, LineBox) or not line.children:
                continue
            first_edge = (
                max(c.position_x + c.margin_width() for c in line.children)
                if direction == "rtl"
                else min(c.position_x for c in line.children)
            )
            edge = box.content_box_x() + (box.width if direction == "rtl" else 0)
            assert abs(first_edge - edge) < 1, (box.element.text, first_edge, edge)
    # The staff's sentences stay left to right, and the QR code goes where lines end.
    staff = [
        b
        for b in boxes
        if isinstance(b, BlockBox) and "staff" in (b.element.get("class") or "").split()
    ]
    assert staff and all(b.style["direction"] == "ltr" for b in staff)

    # Lists are indented on the side where lines start (the right in Arabic), and the QR
    # code floats to the side where they end, its facts beside it.
    def sides(left: float, right: float) -> tuple[float, float]:
        return (right, left) if direction == "rtl" else (left, right)

    lists = [b for b in boxes if isinstance(b, BlockBox) and b.element.tag in ("ul", "ol")]
    indented = [sides(b.padding_left, b.padding_right) for b in lists]
    assert any(start > 0 for start, _ in indented)
    assert all(end == 0 for _, end in indented), indented
    width, qr = next(
        (w, b)
        for w, b in _boxes(built[language].html)
        if "qr" in (b.element.get("class") or "").split()
    )
    assert (qr.position_x + qr.margin_width() / 2 < width / 2) == (direction == "rtl")


@pytest.mark.parametrize("language", SENTENCES)
def test_no_glyph_is_notdef(built: dict[str, Built], language: str) -> None:
    """Glyph 0 (.notdef, the empty box) is never drawn (as in tests/test_print.py)."""
    assert glyphs_shown(built[language].pdf) > 500


# --- check and the build: fallbacks and characters no font draws -----------------------


def test_the_shared_faces_are_no_fallback_where_they_are_meant(scripts_copy: Project) -> None:
    # Latin brand names and digits (the Latin face) and arrows (the symbols face) are
    # set where they are meant to be, in any script: no fallback warning.
    for language in SENTENCES:
        slot = headings(catalog(scripts_copy, language))[0]
        set_msgstr(scripts_copy.po_file(language), slot, f"{slot.string} → Wi-Fi 42")
    code, _, err = run_cli("check", "--project", str(scripts_copy.root))
    assert code == 0, err
    assert "fallback" not in err, err


def _fallback_only(lang: str) -> str:
    """A character the script's own face lacks and only the symbols face draws."""
    own = DEFAULT_FONTS.own(script_of(lang))
    candidates = "①𝐀ℵ⨁∮"
    return next(
        ch
        for ch in candidates
        if not draws_in_every_style(own, ch)
        and not draws_in_every_style(DEFAULT_FAMILIES[LATIN], ch)
        and draws_in_every_style([SYMBOLS], ch)
        and not unicodedata.category(ch).startswith("S")  # a symbol is what it is there for
    )


@pytest.mark.parametrize("language", SENTENCES)
def test_check_warns_of_a_character_set_in_a_fallback_font(
    scripts_copy: Project, tmp_path: Path, language: str
) -> None:
    ch = _fallback_only(language)
    slot = headings(catalog(scripts_copy, language))[0]
    po = scripts_copy.po_file(language)
    set_msgstr(po, slot, f"{slot.string} {ch}")
    line = catalog(scripts_copy, language).get(slot.id, context=slot.context).lineno
    code, _, err = run_cli("check", "--project", str(scripts_copy.root))
    assert code == 0, err  # a warning, not an error
    warning = (
        f"{po}:{line}: {language}: 1 character ({ch}) would be set in the fallback font {SYMBOLS}"
    )
    assert f"make-guide: warning: {warning}" in err, err
    # ...and the leaflet is built: the character is drawn, by Noto Sans Math.
    code, _, err = run_cli(
        "--lang", language, "--operator", scripts_copy.operators()[0],
        "--project", str(scripts_copy.root), "--out", str(tmp_path), "--format", "pdf",
    )  # fmt: skip
    assert code == 0, err
    assert any(
        n.startswith(squashed(SYMBOLS)) for n in embedded_fonts(next(tmp_path.glob("*.pdf")))
    )


@pytest.mark.parametrize("language", SENTENCES)
def test_the_build_refuses_a_character_no_font_draws(
    scripts_copy: Project, tmp_path: Path, language: str
) -> None:
    slot = headings(catalog(scripts_copy, language))[0]
    po = scripts_copy.po_file(language)
    set_msgstr(po, slot, f"{slot.string} {EMOJI}")
    line = catalog(scripts_copy, language).get(slot.id, context=slot.context).lineno
    code, _, err = run_cli(
        "--lang", language, "--operator", scripts_copy.operators()[0],
        "--project", str(scripts_copy.root), "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 1
    stack = ", ".join(DEFAULT_FONTS.stack(script_of(language)))
    assert re.fullmatch(
        rf"make-guide: error: {re.escape(str(po))}:{line}: msgstr: U\+1F600 GRINNING FACE is in "
        rf"none of the fonts of a \S+-{language} leaflet \({re.escape(stack)}\); it would print "
        r"as an empty box\n(make-guide: .*\n)?",
        err,
    ), err
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".pdf", ".html")]


def test_the_build_refuses_what_the_configured_stack_does_not_draw(
    scripts_copy: Project, tmp_path: Path
) -> None:
    # A Hebrew face configured for Arabic draws no Arabic letter: refused, naming the
    # configured stack, before any PDF is made.
    set_fonts(scripts_copy, "  Arab:\n    - Noto Sans Hebrew\n")
    code, _, err = run_cli(
        "--lang", "ar", "--operator", scripts_copy.operators()[0],
        "--project", str(scripts_copy.root), "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 1
    assert re.search(
        r"messages\.po:\d+: msgstr: U\+06\w\w ARABIC LETTER .* is in none of the fonts of a "
        rf"\S+-ar leaflet \(Noto Sans Hebrew, Noto Sans, {SYMBOLS}\)",
        err,
    ), err
    assert not list(tmp_path.glob("*.pdf"))
    code, _, err = run_cli("check", "--project", str(scripts_copy.root))
    assert code == 1
    assert re.search(
        r"ar/LC_MESSAGES/messages\.po:\d+: U\+06\w\w ARABIC LETTER .* is in none of the fonts of "
        rf"the ar leaflets \(Noto Sans Hebrew, Noto Sans, {SYMBOLS}\)",
        err,
    ), err


# --- The fonts: setting ---------------------------------------------------------------


def set_fonts(project: Project, yaml: str) -> int:
    """Append a ``fonts:`` block to guide.yaml; the line of its first entry."""
    text = project.guide_file.read_text("utf-8").rstrip("\n") + "\n"
    project.guide_file.write_text(text + "fonts:\n" + yaml, "utf-8")
    return text.count("\n") + 2


def test_a_configured_family_replaces_the_default(scripts_copy: Project, tmp_path: Path) -> None:
    naskh = "Noto Naskh Arabic"
    assert naskh not in DEFAULT_FAMILIES["Arab"]
    set_fonts(scripts_copy, f"  Arab:\n    - {naskh}\n")
    code, _, err = run_cli(
        "--lang", "ar", "--operator", scripts_copy.operators()[0],
        "--project", str(scripts_copy.root), "--out", str(tmp_path), "--strict",
    )  # fmt: skip
    assert code == 0, err
    names = embedded_fonts(next(tmp_path.glob("*.pdf")))
    assert any(n.startswith(squashed(naskh)) for n in names), names
    assert not any(n.startswith(squashed(DEFAULT_FAMILIES["Arab"][0])) for n in names), names
    html = next(tmp_path.glob("*.html")).read_text("utf-8")
    assert f':lang(ar) {{ font-family: "{naskh}", "Noto Sans", "{SYMBOLS}", sans-serif; }}' in html
    # The manifest hashes the configured family's files: a font update rebuilds.
    families = font_families(scripts_copy)
    assert naskh in families
    assert {f for stack in DEFAULT_FAMILIES.values() for f in stack} | {SYMBOLS} <= set(families)


@dataclass(frozen=True)
class BadFonts:
    yaml: str
    line: int
    """The line at fault, counted from the first entry under ``fonts:``."""
    message: str


BAD_FONTS = {
    "unknown script code": BadFonts(
        "  Arba:\n    - Noto Sans Arabic\n",
        0,
        r"fonts\.Arba: 'Arba' is not an ISO 15924 script code",
    ),
    "lower-case script code": BadFonts(
        "  arab:\n    - Noto Sans Arabic\n",
        0,
        r"fonts\.arab: 'arab' is not an ISO 15924 script code",
    ),
    "a language, not a script": BadFonts(
        "  ar:\n    - Noto Sans Arabic\n", 0, r"fonts\.ar: 'ar' is not an ISO 15924 script code"
    ),
    "family not installed": BadFonts(
        "  Arab:\n    - Noto Sans Arabic\n    - Noto Sans Klingon\n",
        2,
        r"fonts\.Arab\[1\]: font 'Noto Sans Klingon' is not installed \(fontconfig offers '.+'\)",
    ),
    "CSS in a family name": BadFonts(
        '  Latn:\n    - "Noto Sans\\"; } body { color: red"\n',
        1,
        r"fonts\.Latn\[0\]: String should match pattern",
    ),
    "too many families": BadFonts(
        "  Arab:\n" + "    - Noto Sans Arabic\n" * 9,
        0,
        r"fonts\.Arab: List should have at most 8 items",
    ),
    "no family": BadFonts("  Arab: []\n", 0, r"fonts\.Arab: List should have at least 1 item"),
    "not a list": BadFonts(
        "  Arab: Noto Sans Arabic\n", 0, r"fonts\.Arab: Input should be a valid list"
    ),
}


@pytest.mark.parametrize("case", BAD_FONTS.values(), ids=BAD_FONTS)
def test_a_bad_fonts_setting_is_one_line_naming_guide_yaml(
    project_copy: Project, tmp_path: Path, case: BadFonts
) -> None:
    first = set_fonts(project_copy, case.yaml)
    where = f"{re.escape(str(project_copy.guide_file))}:{first + case.line}: "
    code, _, err = run_cli(
        "--lang", "en", "--operator", project_copy.operators()[0],
        "--project", str(project_copy.root), "--out", str(tmp_path), "--format", "html",
    )  # fmt: skip
    assert code == 1
    assert re.fullmatch(rf"make-guide: error: {where}{case.message}.*\n(make-guide: .*\n)?", err), (
        err
    )
    assert not list(tmp_path.glob("*.html"))
    code, _, err = run_cli("check", "--project", str(project_copy.root))
    assert code == 1 and re.search(rf"^make-guide: error: {where}{case.message}", err, re.M), err


# --- Stacks ---------------------------------------------------------------------------


@pytest.mark.parametrize("script", DEFAULT_FAMILIES)
def test_every_default_stack_is_installed_and_ends_latin_then_symbols(script: str) -> None:
    DEFAULT_FONTS.require([script])
    stack = DEFAULT_FONTS.stack(script)
    assert stack[-2:] == [*DEFAULT_FAMILIES[LATIN], SYMBOLS]
    assert stack[0] == DEFAULT_FAMILIES[script][0]


@pytest.mark.parametrize(
    ("language", "tag", "direction", "script"),
    [
        ("ja", "ja", "ltr", "Jpan"),
        ("ko", "ko", "ltr", "Kore"),
        ("ar", "ar", "rtl", "Arab"),
        ("fa", "fa", "rtl", "Arab"),
        ("ur", "ur", "rtl", "Arab"),
        ("he", "he", "rtl", "Hebr"),
        ("zh_Hant", "zh-Hant", "ltr", "Hant"),
    ],
)
def test_language_tag_direction_and_script(
    language: str, tag: str, direction: str, script: str
) -> None:
    locale = Locale.parse(language)
    assert (html_lang(locale), text_direction(locale), writing_script(locale)) == (
        tag,
        direction,
        script,
    )
    assert DEFAULT_FONTS.own(script), f"no default font for {script}"


def test_a_configured_latin_face_follows_every_script() -> None:
    fonts = configured({"Latn": ["Noto Serif"], "Jpan": ["Noto Sans CJK JP"]})
    assert fonts.stack("Arab") == ["Noto Sans Arabic", "Noto Serif", SYMBOLS]
    assert fonts.stack("Latn") == ["Noto Serif", SYMBOLS]
    # Big (CJK) families get their pre-subset copy named first; small ones do not.
    assert fonts.css_stack("Jpan")[:2] == ("Noto Sans CJK JP Leaflet", "Noto Sans CJK JP")
    assert "Noto Sans Arabic Leaflet" not in fonts.css_stack("Arab")
    assert DEFAULT_FONTS.css_stack("Kore")[:2] == ("Noto Sans CJK KR Leaflet", "Noto Sans CJK KR")


# --- Passages, packs and the index ----------------------------------------------------


def _leaflet(direction: str, script: str) -> Any:
    return SimpleNamespace(
        script=script,
        direction=direction,
        staff_lang="ru",
        staff_script="Cyrl",
        staff_direction="ltr",
    )


PASSAGES = [
    # (page direction, page script, text, marked up)
    (
        "rtl",
        "Arab",
        "اتصل +7 800 250-08-90 الآن",
        'اتصل <span dir="ltr">+7 800 250-08-90</span> الآن',
    ),
    ("rtl", "Arab", "اطلب *100# مجانا", 'اطلب <span dir="ltr">*100#</span> مجانا'),
    ("rtl", "Arab", "في 2026 فقط", "في 2026 فقط"),
    ("rtl", "Arab", "تطبيق «Мой МТС» هنا", 'تطبيق «<span lang="ru" dir="ltr">Мой МТС»</span> هنا'),
    ("ltr", "Jpan", "「Мой МТС」を開く", '「<span lang="ru">Мой МТС</span>」を開く'),
    ("ltr", "Jpan", "+7 800 250-08-90 に電話", "+7 800 250-08-90 に電話"),
    ("rtl", "Arab", "<b>+7 1</b>", '&lt;b&gt;<span dir="ltr">+7 1</span>&lt;/b&gt;'),
]


@pytest.mark.parametrize(("direction", "script", "text", "expected"), PASSAGES)
def test_passages_keep_their_direction(
    direction: str, script: str, text: str, expected: str
) -> None:
    assert str(mark_passages(text, _leaflet(direction, script))) == expected


def test_a_pack_of_right_to_left_and_left_to_right_leaflets(scripts_project: Project) -> None:
    content = load_content(scripts_project)
    pack = Pack("pack-ar-ja", ("ar", "ja"), (scripts_project.operators()[0],))
    translators = {lang: translator(scripts_project, lang) for lang in pack.languages}
    html, _, _ = render_pack(
        scripts_project, content, pack, translators, print_options=PrintOptions()
    )
    assert re.search(r'<html lang="ar" dir="rtl">', html)
    for lang, direction in (("ar", "rtl"), ("ja", "ltr")):
        assert re.search(rf'<article [^>]*lang="{lang}" dir="{direction}">', html)
        assert re.search(rf'<span lang="{lang}" dir="{direction}">', html)  # on the cover
        assert f":lang({lang}) {{ font-family:" in html
    pdf = build_pack(
        scripts_project, content, pack, translators, print_options=PrintOptions(), duplex=True
    )
    # Printed on both sides, each leaflet starts on a recto: the first page's side, which
    # is the left one in a right-to-left document (page indexes 0, 2, 4...).
    assert all(start % 2 == 0 for start in leaflet_starts(pdf)), leaflet_starts(pdf)
    names = embedded_fonts_of(pdf)
    assert any(n.startswith("NotoSansArabic") for n in names)
    assert any(n.startswith("NotoSansCJKJPLeaflet") for n in names)


def embedded_fonts_of(pdf: bytes) -> Iterator[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            yield squashed(font.get_object()["/BaseFont"])


def test_the_index_marks_each_languages_direction(scripts_project: Project) -> None:
    content = load_content(scripts_project)
    operator = scripts_project.operators()[0]
    langs = ["ar", "en", "ja"]
    translators = {lang: translator(scripts_project, lang) for lang in langs}
    leaflets = {lang: {operator: [Link(f"{operator}-{lang}.html", "html", "A4")]} for lang in langs}
    html = render_index(scripts_project, content, translators["en"], translators, leaflets, [])
    assert '<html lang="en-GB" dir="ltr">' in html
    assert re.search(r'<section lang="ar" dir="rtl"', html)
    assert re.search(r'<section lang="ja" dir="ltr"', html)
    assert ':lang(ja) { font-family: "Noto Sans CJK JP Leaflet"' in html
