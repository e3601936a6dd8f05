"""Print-grade PDFs: tagged and reproducible, paper sizes within their page budgets,
bleed and crop marks, a QR code that decodes to the official site, typography that
keeps Chinese punctuation and searchable words, no glyph missing, a readable staff card."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pypdf
import pypdfium2
import pytest
import zxingcpp
from babel.messages.pofile import read_po, write_po
from weasyprint import HTML

from generator.build import Settings, Target, build
from generator.cli import main
from generator.content import Content
from generator.paper import PAPERS, PrintOptions
from generator.project import Project

from helpers import glyphs_shown, html_text, leaflet_files, pdf_text
from test_render import localized

MM = 72 / 25.4
CLOSING = "，。、；：？！）」』”’》〉】…"
OPENING = "（「『“‘《〈【"


@pytest.fixture(scope="module")
def paper_dirs(tmp_path_factory: pytest.TempPathFactory, project: Project) -> dict[str, Path]:
    """Every leaflet on every paper size (A4 comes from the session build)."""
    dirs = {}
    targets = [Target(lang, op) for op in project.operators() for lang in project.languages()]
    for paper in PAPERS:
        out = tmp_path_factory.mktemp(paper)
        settings = Settings(out, strict=True, print_options=PrintOptions(paper))
        results = list(build(project, targets, settings, jobs=2))
        assert not [r.error for r in results if r.error]
        dirs[paper] = out
    return dirs


@pytest.mark.parametrize("paper", list(PAPERS))
def test_every_leaflet_fits_its_page_budget(
    paper_dirs, paper: str, lang: str, operator: str
) -> None:
    options = PrintOptions(paper)
    path = paper_dirs[paper] / Target(lang, operator).filename("pdf", suffix=options.suffix)
    reader = pypdf.PdfReader(path)
    assert 1 <= len(reader.pages) <= PAPERS[paper].budget
    size = {"a4": (210, 297), "a5": (148, 210), "letter": (215.9, 279.4)}[paper]
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(
        (size[0] * MM, size[1] * MM), abs=1
    )


def test_overflow_fails_with_leaflet_paper_and_page_count(
    project_copy: Project, tmp_path: Path
) -> None:
    po = project_copy.po_file("ru")
    with po.open("rb") as fh:
        catalog = read_po(fh)
    # A wordy translator: six paragraphs and list items of ~1,900 characters each
    # (under the 2,000 cap).
    long = "Очень длинный текст переводчика. " * 57
    prose = [m for m in catalog if m.context and "body[" in m.context and m.string]
    for message in prose[:6]:
        message.string = (long + message.string)[-1990:]
    with po.open("wb") as fh:
        write_po(fh, catalog, width=100)
    out = tmp_path / "out"
    out.mkdir()
    (out / "t2-ru.pdf").write_bytes(b"previous good leaflet")
    err = io.StringIO()
    code = main(
        [
            "--lang",
            "ru",
            "--operator",
            "t2",
            "--project",
            str(project_copy.root),
            "--out",
            str(out),
        ],
        out=io.StringIO(),
        err=err,
    )
    assert code == 1
    assert re.search(
        r"t2-ru on A4 paper: [4-9] pages, over the budget of 3; shorten the text", err.getvalue()
    )
    assert (out / "t2-ru.pdf").read_bytes() == b"previous good leaflet"
    assert leaflet_files(out) == ["t2-ru.pdf"]


def test_same_inputs_give_identical_bytes(tmp_path: Path) -> None:
    # Two separate processes: nothing in the PDF may come from the clock or chance.
    outs = []
    for i in range(2):
        out = tmp_path / str(i)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "generator.cli",
                "--lang",
                "zh",
                "--lang",
                "ru",
                "--operator",
                "mts",
                "--out",
                str(out),
                "-q",
            ],
            check=True,
        )
        outs.append(out)
    for name in ("mts-zh.pdf", "mts-ru.pdf", "mts-zh.html"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def test_tagged_accessible_pdf(
    content: Content, project: Project, leaflet, lang: str, operator: str
) -> None:
    reader = pypdf.PdfReader(leaflet.pdf)
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert "/StructTreeRoot" in root
    view = localized(project, content, lang, operator)
    meta = reader.metadata
    assert meta.title.startswith(view.guide.title)
    assert meta.author == content.guide.publisher
    assert meta.subject == view.guide.subtitle
    assert view.operator_name in reader.metadata.get("/Keywords", "")
    titles = [item.title for item in _flatten(reader.outline)]
    for section in view.guide.sections:
        assert section.heading in titles
    tags = _struct_tags(root["/StructTreeRoot"])
    assert {"/L", "/LI", "/H2", "/Figure"} <= {t for t, _ in tags}
    figures = [alt for t, alt in tags if t == "/Figure"]
    assert any(alt and view.operator_name in alt for alt in figures), figures


def _flatten(outline):
    for item in outline:
        if isinstance(item, list):
            yield from _flatten(item)
        else:
            yield item


def _struct_tags(node, out=None):
    out = [] if out is None else out
    node = node.get_object()
    if isinstance(node, pypdf.generic.ArrayObject):
        for child in node:
            _struct_tags(child, out)
        return out
    if not isinstance(node, pypdf.generic.DictionaryObject):
        return out
    if "/S" in node:
        out.append((str(node["/S"]), str(node.get("/Alt", "")) or None))
    if "/K" in node:
        _struct_tags(node["/K"], out)
    return out


def test_bleed_and_crop_marks(tmp_path: Path) -> None:
    code = main(
        [
            "--lang",
            "en",
            "--operator",
            "beeline",
            "--paper",
            "a5",
            "--bleed",
            "3mm",
            "--marks",
            "--format",
            "pdf",
            "--out",
            str(tmp_path),
        ],
        out=io.StringIO(),
        err=io.StringIO(),
    )
    assert code == 0
    path = tmp_path / "beeline-en-a5-print.pdf"
    page = pypdf.PdfReader(path).pages[0]
    trim, media = page.trimbox, page.mediabox
    assert float(trim.width) == pytest.approx(148 * MM, abs=1)
    assert float(media.width) - float(trim.width) == pytest.approx(6 * MM, abs=0.5)
    assert float(media.height) - float(trim.height) == pytest.approx(6 * MM, abs=0.5)
    # The accent band reaches the very edge of the bleed, above the trim line.
    image = pypdfium2.PdfDocument(str(path))[0].render(scale=2, crop=(0, 0, 0, 0)).to_pil()
    r, g, b = image.convert("RGB").getpixel((image.width // 2, 1))
    assert (r, g, b) == pytest.approx((11, 79, 138), abs=8)


def test_bad_bleed_is_a_usage_error() -> None:
    err = io.StringIO()
    assert main(["--all", "--bleed", "lots"], out=io.StringIO(), err=err) == 2
    assert "--bleed: expected a length up to 25mm such as 3mm, got 'lots'" in err.getvalue()


def test_qr_code_decodes_to_the_official_site(content: Content, leaflet, operator: str) -> None:
    document = pypdfium2.PdfDocument(str(leaflet.pdf))
    found = []
    for page in document:
        image = page.render(scale=300 / 72).to_pil()
        found += [code.text for code in zxingcpp.read_barcodes(image)]
    assert found == [content.operators[operator].site]


def test_chinese_lines_never_start_with_closing_punctuation(leaflet, lang: str) -> None:
    if not lang.startswith("zh"):
        assert lang in ("en", "ru")  # the rule is about CJK punctuation only
        return
    for line in pdf_text(leaflet.pdf).splitlines():
        line = line.strip()
        if line:
            assert line[0] not in CLOSING, line
            assert line[-1] not in OPENING, line


def test_words_stay_whole_for_search(leaflet) -> None:
    # hyphens: manual, so no U+2010 or soft hyphen is inserted into a word in the text
    # layer; a line may only break after a hyphen the text itself has ("SIM-карту").
    text = pdf_text(leaflet.pdf)
    assert "\u2010" not in text and "\u00ad" not in text
    source = html_text(leaflet.html)
    for match in re.finditer(r"(\w+)-\n(\w+)", text):
        assert f"{match.group(1)}-{match.group(2)}" in source, match.group(0)


def test_no_glyph_is_notdef(leaflet) -> None:
    """Every character drawn has a real glyph: glyph 0 (.notdef, the tofu box) never appears."""
    assert glyphs_shown(leaflet.pdf) > 500


@cache
def _layout(path: Path):
    return HTML(filename=str(path)).render()


def _boxes(path: Path, css_class: str):
    """``(page number, box)`` of elements with ``css_class`` (any element when empty)."""
    for number, page in enumerate(_layout(path).pages):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is None:
                continue
            if not css_class or css_class in (element.get("class") or "").split():
                yield number, box


@pytest.mark.parametrize("paper", list(PAPERS))
def test_staff_card_is_large_starts_a_page_and_is_never_split(
    paper_dirs: dict[str, Path], paper: str, lang: str, operator: str
) -> None:
    suffix = PrintOptions(paper).suffix
    html = paper_dirs[paper] / f"{operator}-{lang}{suffix}.html"
    staff = list(_boxes(html, "staff"))
    assert staff
    # 18 pt in CSS pixels, less a rounding hair.
    assert all(box.style["font_size"] >= 18 * 96 / 72 - 1e-6 for _, box in staff)
    (page,) = {n for n, _ in _boxes(html, "staff-card")}  # one page: never split
    # ...and it starts that page: no other section has a box on it.
    others = {
        n
        for n, box in _boxes(html, "")
        if box.element.tag == "section" and "staff-card" not in box.element.get("class", "")
    }
    assert page not in others
    # The PDF shows the same: the card's page has the Russian sentences, and only the card.
    reader = pypdf.PdfReader(html.with_suffix(".pdf"))
    assert len(reader.pages) == page + 1, "the card is the last page"


def test_headings_never_end_a_page_and_steps_never_split(leaflet) -> None:
    last_on_page: dict[int, str] = {}
    pages_of: dict[int, set[int]] = {}
    for number, page in enumerate(_layout(leaflet.html).pages):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is None or not hasattr(box, "children"):
                continue
            if element.tag in ("h2", "p", "li", "dt", "dd"):
                last_on_page[number] = element.tag
            if element.tag == "li":
                pages_of.setdefault(id(element), set()).add(number)
    assert "h2" not in last_on_page.values(), last_on_page
    assert all(len(pages) == 1 for pages in pages_of.values())


def _line_texts(path: Path, tags: tuple[str, ...]) -> dict[int, tuple[str, list[str]]]:
    """The text of each line of the elements with ``tags``, in the laid-out leaflet."""
    from weasyprint.formatting_structure.boxes import LineBox, TextBox

    found: dict[int, tuple[str, list[str]]] = {}
    for page in _layout(path).pages:
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if isinstance(box, LineBox) and element is not None and element.tag in tags:
                text = "".join(t.text for t in box.descendants() if isinstance(t, TextBox))
                found.setdefault(id(element), (element.tag, []))[1].append(text.strip())
    return found


def test_fact_labels_never_break(paper_dirs: dict[str, Path], lang: str, operator: str) -> None:
    """A label in the facts column is one line on every paper: no "免费拨/打"."""
    for paper, folder in paper_dirs.items():
        html = folder / f"{operator}-{lang}{PrintOptions(paper).suffix}.html"
        for _tag, lines in _line_texts(html, ("dt",)).values():
            assert len([line for line in lines if line]) == 1, (paper, lines)


@pytest.mark.parametrize("paper", list(PAPERS))
def test_no_chinese_paragraph_ends_in_a_lone_pair(
    paper_dirs: dict[str, Path], paper: str, lang: str, operator: str
) -> None:
    """In Chinese, a paragraph or list item never ends in a line of one or two characters."""
    if not lang.startswith("zh"):
        return  # Latin and Cyrillic lines end on a word; the rule is about Chinese
    html = paper_dirs[paper] / f"{operator}-{lang}{PrintOptions(paper).suffix}.html"
    for tag, lines in _line_texts(html, ("p", "li", "dd")).values():
        lines = [line for line in lines if line]
        if len(lines) > 1:
            assert len(re.sub(r"\s", "", lines[-1])) > 2, (tag, lines[-2:])
