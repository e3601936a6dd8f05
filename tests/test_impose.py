"""Office printing: 2-up and booklet imposition on A4 landscape, and duplex padding.

Sources are small WeasyPrint PDFs with one big "PAGE n" per A5 page; the page order
is read back from the text of each half-sheet (pypdfium2), the scale from the content
streams and from the glyphs' positions, and the real leaflets of the repository are
imposed too."""

from __future__ import annotations

import io
import math
import re
from functools import cache
from pathlib import Path

import pikepdf
import pypdfium2
import pytest
from weasyprint import HTML

from generator.build import Settings, Target, build
from generator.errors import GuideError
from generator.impose import (
    booklet_order,
    impose,
    impose_2up,
    impose_booklet,
    imposed_name,
    pad_pages,
    two_up_order,
)
from generator.paper import PrintOptions
from generator.project import Project

from helpers import squash

MM = 72 / 25.4
SHEET = (297 * MM, 210 * MM)
A5 = (148 * MM, 210 * MM)
TITLE = "Imposition test"
PDFUA_PART = "{http://www.aiim.org/pdfua/ns/id/}part"


@cache
def source(pages: int, page_css: str = "size: A5", odd_page: int = 0, title: str = TITLE) -> bytes:
    """A tagged PDF of ``pages`` pages, each with a heading "PAGE n" (also a bookmark).

    ``page_css`` sets up every page; page ``odd_page`` (1-based) is A4 instead.
    """
    body = "".join(
        f"<section{' class=odd' if n == odd_page else ''}><h1>PAGE {n}</h1></section>"
        for n in range(1, pages + 1)
    )
    html = f"""<!DOCTYPE html><html lang="en"><head><title>{title}</title><style>
        @page {{ {page_css}; margin: 20mm }}
        @page odd {{ size: A4 }}
        .odd {{ page: odd }}
        section + section {{ break-before: page }}
        h1 {{ font-size: 40pt; text-align: center; margin-top: 60mm }}
        </style></head><body>{body}</body></html>"""
    pdf = HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
    assert pdf is not None
    return pdf


def halves(pdf: bytes) -> list[tuple[int | None, int | None]]:
    """Per sheet side: the page number shown on its left and right half (None: blank)."""
    doc = pypdfium2.PdfDocument(pdf)
    sides = []
    for page in doc:
        width, height = page.get_size()
        text = page.get_textpage()
        numbers = []
        for x0 in (0, width / 2):
            found = text.get_text_bounded(x0, 0, x0 + width / 2, height)
            labels = re.findall(r"PAGE (\d+)", found)
            assert len(labels) <= 1 and squash(found) == squash(
                " ".join(f"PAGE {n}" for n in labels)
            )
            numbers.append(int(labels[0]) if labels else None)
        sides.append((numbers[0], numbers[1]))
    return sides


def sheet_sizes(pdf: bytes) -> list[tuple[float, float]]:
    return [
        tuple(pypdfium2.PdfDocument(pdf)[i].get_size())
        for i in range(len(pypdfium2.PdfDocument(pdf)))
    ]


def placements(pdf: bytes) -> list[list[tuple[list[float], list[float], list[float]]]]:
    """Per sheet, each form XObject drawn: the ``cm`` matrix in force, and the form's
    own /Matrix and /BBox."""
    doc = pikepdf.open(io.BytesIO(pdf))
    identity = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    result = []
    for page in doc.pages:
        drawn, matrix = [], identity
        for operands, operator in pikepdf.parse_content_stream(page):
            if str(operator) == "cm":
                matrix = [float(v) for v in operands]
            elif str(operator) == "Q":
                matrix = identity
            elif str(operator) == "Do":
                form = page.resources.XObject[operands[0]]
                own = [float(v) for v in form.get("/Matrix", identity)]
                drawn.append((matrix, own, [float(v) for v in form.BBox]))
        result.append(drawn)
    return result


def test_sources_are_what_the_tests_assume() -> None:
    pdf = source(3)
    doc = pypdfium2.PdfDocument(pdf)
    assert [tuple(doc[i].get_size()) for i in range(3)] == [pytest.approx(A5, abs=0.01)] * 3
    assert [doc[i].get_textpage().get_text_bounded().strip() for i in range(3)] == [
        "PAGE 1",
        "PAGE 2",
        "PAGE 3",
    ]


# --- page order, computed ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, [(1, None)]),
        (2, [(1, 2)]),
        (3, [(1, 3), (2, None)]),
        (4, [(1, 3), (2, 4)]),
        (5, [(1, 4), (2, 5), (3, None)]),
    ],
)
def test_two_up_order(count: int, expected: list) -> None:
    assert _one_based(two_up_order(count)) == expected


@pytest.mark.parametrize("count", range(1, 14))
def test_two_up_cut_and_stack_gives_the_pages_in_order(count: int) -> None:
    sides = _one_based(two_up_order(count))
    assert len(sides) == math.ceil(count / 2)
    # One cut; the right-hand half-stack goes under the left-hand one.
    stacked = [left for left, _ in sides] + [right for _, right in sides]
    assert stacked == [*range(1, count + 1), *[None] * (len(stacked) - count)]


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, [(None, 1), (None, None)]),
        (2, [(None, 1), (2, None)]),
        (3, [(None, 1), (2, 3)]),
        (4, [(4, 1), (2, 3)]),
        (5, [(None, 1), (2, None), (None, 3), (4, 5)]),
        (6, [(None, 1), (2, None), (6, 3), (4, 5)]),
        (8, [(8, 1), (2, 7), (6, 3), (4, 5)]),
    ],
)
def test_booklet_order(count: int, expected: list) -> None:
    assert _one_based(booklet_order(count)) == expected


@pytest.mark.parametrize("count", range(1, 18))
def test_booklet_folded_reads_in_order(count: int) -> None:
    sides = _one_based(booklet_order(count))
    assert len(sides) % 2 == 0 and len(sides) * 2 >= count > len(sides) * 2 - 4
    fronts, backs = sides[0::2], sides[1::2]
    # Sheets nested (sheet 1 outermost), folded: read the right halves going in,
    # then the left halves coming out; a back lies behind its front, flipped.
    inward = [
        page for front, back in zip(fronts, backs, strict=True) for page in (front[1], back[0])
    ]
    outward = [
        page
        for front, back in reversed(list(zip(fronts, backs, strict=True)))
        for page in (back[1], front[0])
    ]
    reading = inward + outward
    assert reading == [*range(1, count + 1), *[None] * (len(reading) - count)]


def _one_based(sides: list) -> list:
    return [tuple(None if p is None else p + 1 for p in side) for side in sides]


# --- imposed PDFs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (2, [(1, 2)]),
        (3, [(1, 3), (2, None)]),
        (4, [(1, 3), (2, 4)]),
        (5, [(1, 4), (2, 5), (3, None)]),
    ],
)
def test_2up_sheets_carry_the_pages_in_cut_and_stack_order(count: int, expected: list) -> None:
    pdf = impose_2up(source(count))
    assert sheet_sizes(pdf) == [pytest.approx(SHEET, abs=1)] * len(expected)
    assert halves(pdf) == expected
    # A blank half is blank: nothing drawn there at all.
    assert [len(drawn) for drawn in placements(pdf)] == [
        sum(p is not None for p in side) for side in expected
    ]


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (2, [(None, 1), (2, None)]),
        (3, [(None, 1), (2, 3)]),
        (4, [(4, 1), (2, 3)]),
        (6, [(None, 1), (2, None), (6, 3), (4, 5)]),
    ],
)
def test_booklet_sheets_carry_the_pages_in_saddle_stitch_order(count: int, expected: list) -> None:
    pdf = impose_booklet(source(count))
    assert sheet_sizes(pdf) == [pytest.approx(SHEET, abs=1)] * len(expected)
    assert halves(pdf) == expected
    assert [len(drawn) for drawn in placements(pdf)] == [
        sum(p is not None for p in side) for side in expected
    ]


@pytest.mark.parametrize("impose_fn", [impose_2up, impose_booklet])
def test_pages_are_placed_unscaled_and_centred_in_their_half(impose_fn) -> None:
    src = source(4)
    pdf = impose_fn(src)
    gap = (SHEET[0] / 2 - A5[0]) / 2  # 0.25 mm each side of an A5 page in its half
    for drawn in placements(pdf):
        for matrix, own, bbox in drawn:
            assert matrix[:4] == [1, 0, 0, 1]  # placed at scale 1, not turned
            assert matrix[4] == pytest.approx(gap, abs=0.01) or matrix[4] == pytest.approx(
                SHEET[0] / 2 + gap, abs=0.01
            )
            assert matrix[5] == pytest.approx(0, abs=0.01)
            assert own == [1, 0, 0, 1, 0, 0]
            assert bbox == pytest.approx([0, 0, *A5], abs=0.01)
    # The glyphs themselves: the same size on the sheet as on the page, just moved.
    plain = pypdfium2.PdfDocument(src)
    sheets = pypdfium2.PdfDocument(pdf)
    for number in range(1, 5):
        before = _text_box(plain[number - 1], f"PAGE {number}")
        after = next(b for sheet in sheets if (b := _text_box(sheet, f"PAGE {number}")))
        assert after[2] - after[0] == pytest.approx(before[2] - before[0], abs=0.01)
        assert after[3] - after[1] == pytest.approx(before[3] - before[1], abs=0.01)
        assert after[1] == pytest.approx(before[1], abs=0.01)
        assert after[0] - before[0] == pytest.approx(gap, abs=0.01) or after[0] - before[
            0
        ] == pytest.approx(SHEET[0] / 2 + gap, abs=0.01)


def _text_box(page: pypdfium2.PdfPage, text: str) -> tuple[float, float, float, float] | None:
    """(left, bottom, right, top) of ``text`` on ``page``, or None where it is not."""
    textpage = page.get_textpage()
    found = textpage.search(text, match_case=True).get_next()
    if not found:
        return None
    start, count = found
    first, last = textpage.get_charbox(start), textpage.get_charbox(start + count - 1)
    return first[0], min(first[1], last[1]), last[2], max(first[3], last[3])


def test_2up_cut_mark_is_a_light_line_between_the_pages() -> None:
    pdf = impose_2up(source(3))
    doc = pypdfium2.PdfDocument(pdf)
    scale = 4
    for page in doc:
        image = page.render(scale=scale, grayscale=True).to_pil().convert("L")
        centre = round(SHEET[0] / 2 * scale)
        column = [image.getpixel((x, y)) for y in range(image.height) for x in (centre - 1, centre)]
        assert min(column) < 250, "no cut mark at the centre"
        assert min(column) > 110, "the cut mark is not light"
    # It lies in the gap between the two pages, touching neither.
    doc = pikepdf.open(io.BytesIO(pdf))
    for sheet in doc.pages:
        ops = [(str(op), args) for args, op in pikepdf.parse_content_stream(sheet)]
        (width,) = [float(args[0]) for op, args in ops if op == "w"]
        xs = [float(args[0]) for op, args in ops if op in ("m", "l")]
        assert xs == [pytest.approx(SHEET[0] / 2, abs=0.01)] * 2
        gap = (SHEET[0] / 2 - A5[0]) / 2
        assert gap + A5[0] < xs[0] - width / 2 < xs[0] + width / 2 < SHEET[0] / 2 + gap


def test_booklet_has_no_cut_mark() -> None:
    doc = pikepdf.open(io.BytesIO(impose_booklet(source(4))))
    for sheet in doc.pages:
        operators = {str(op) for _, op in pikepdf.parse_content_stream(sheet)}
        assert operators and not operators & {"S", "s", "m", "l"}


# --- padding ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "multiple", "padded"),
    [(1, 2, 2), (3, 2, 4), (5, 2, 6), (3, 4, 4), (5, 4, 8), (6, 4, 8)],
)
def test_pad_pages_appends_blank_pages_of_the_last_pages_size(
    count: int, multiple: int, padded: int
) -> None:
    pdf = pad_pages(source(count), multiple)
    doc = pypdfium2.PdfDocument(pdf)
    assert len(doc) == padded
    texts = [doc[i].get_textpage().get_text_bounded().strip() for i in range(padded)]
    assert texts == [f"PAGE {n}" for n in range(1, count + 1)] + [""] * (padded - count)
    padded_doc = pikepdf.open(io.BytesIO(pdf))
    for i, blank in enumerate(padded_doc.pages[count:], start=count):
        assert tuple(doc[i].get_size()) == pytest.approx(tuple(doc[count - 1].get_size()))
        assert not blank.obj.Contents.read_bytes().strip()
        for box in ("/MediaBox", "/TrimBox", "/BleedBox"):  # a print shop sees the same trim
            assert list(blank.obj[box]) == list(padded_doc.pages[count - 1].obj[box])


@pytest.mark.parametrize(("count", "multiple"), [(2, 2), (4, 2), (4, 4), (8, 4), (3, 1)])
def test_pad_pages_leaves_a_document_that_needs_no_padding_alone(count: int, multiple: int) -> None:
    assert pad_pages(source(count), multiple) == source(count)


def test_pad_pages_keeps_the_tagged_pdf() -> None:
    src = pikepdf.open(io.BytesIO(source(3)))
    padded = pikepdf.open(io.BytesIO(pad_pages(source(3), 4)))
    root, before = padded.Root, src.Root
    assert bool(root.MarkInfo.Marked)
    assert str(root.Lang) == str(before.Lang) == "en"
    assert bool(root.ViewerPreferences.DisplayDocTitle)
    assert str(padded.docinfo.Title) == TITLE
    with padded.open_metadata() as meta:
        assert meta["dc:title"] == TITLE
        assert meta[PDFUA_PART] == "1"
    with padded.open_outline() as outline, src.open_outline() as original:
        assert [i.title for i in outline.root] == [i.title for i in original.root] != []
    # The structure tree is whole: every page it points at is still in the document.
    tree_pages = {
        obj.objgen
        for obj in _walk(root.StructTreeRoot)
        if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/Page"
    }
    assert tree_pages and tree_pages <= {page.obj.objgen for page in padded.pages}
    assert [p.obj.get("/StructParents") for p in padded.pages[:3]] == [
        p.obj.get("/StructParents") for p in src.pages
    ]
    assert "/StructParents" not in padded.pages[3].obj  # a blank page has nothing tagged


def _walk(obj: pikepdf.Object, seen: set | None = None):
    """Every object reachable from ``obj``, without following /P and /Parent up."""
    seen = set() if seen is None else seen
    if not isinstance(obj, pikepdf.Object):
        return
    if obj.is_indirect:
        if obj.objgen in seen:
            return
        seen.add(obj.objgen)
    yield obj
    if isinstance(obj, pikepdf.Dictionary):
        if obj.get("/Type") == "/Page":
            return
        for key, value in obj.items():
            if key not in ("/P", "/Parent"):
                yield from _walk(value, seen)
    elif isinstance(obj, pikepdf.Array):
        for value in obj:
            yield from _walk(value, seen)


# --- what an imposed file keeps ---------------------------------------------------------


@pytest.mark.parametrize("impose_fn", [impose_2up, impose_booklet])
def test_imposed_file_keeps_title_language_metadata_not_the_structure(impose_fn) -> None:
    doc = pikepdf.open(io.BytesIO(impose_fn(source(3))))
    assert str(doc.docinfo.Title) == TITLE
    assert str(doc.Root.Lang) == "en"
    assert bool(doc.Root.ViewerPreferences.DisplayDocTitle)
    with doc.open_metadata() as meta:
        assert meta["dc:title"] == TITLE
        assert PDFUA_PART not in meta  # no longer PDF/UA: no structure tree
    for key in ("/StructTreeRoot", "/MarkInfo", "/Outlines", "/Names"):
        assert key not in doc.Root
    # No leftover source page anywhere in the file: the only pages are the sheets.
    pages = [
        o for o in doc.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Page"
    ]
    assert len(pages) == len(doc.pages)


@pytest.mark.parametrize("make", [impose_2up, impose_booklet, lambda pdf: pad_pages(pdf, 4)])
def test_output_is_reproducible(make) -> None:
    assert make(source(3)) == make(source(3))
    # The file identifier is a hash of the content, not of the clock and the title: two
    # documents with the same title imposed in the same second still differ.
    ids = {bytes(pikepdf.open(io.BytesIO(make(source(n)))).trailer.ID[0]) for n in (2, 3)}
    assert len(ids) == 2


# --- refusals and names -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("page_css", "odd_page", "page", "size"),
    [
        ("size: A4", 0, 1, "210 x 297 mm"),
        ("size: A5 landscape", 0, 1, "210 x 148 mm"),
        ("size: A6", 0, 1, "105 x 148 mm"),
        ("size: letter", 0, 1, "216 x 279 mm"),
        ("size: 149mm 210mm", 0, 1, "149 x 210 mm"),
        ("size: A5; bleed: 3mm", 0, 1, "154 x 216 mm"),
        ("size: A5", 2, 2, "210 x 297 mm"),
    ],
)
@pytest.mark.parametrize("impose_fn", [impose_2up, impose_booklet])
def test_refuses_pages_that_are_not_a5_portrait(
    impose_fn, page_css: str, odd_page: int, page: int, size: str
) -> None:
    with pytest.raises(GuideError) as caught:
        impose_fn(source(3, page_css, odd_page), label="mts-en-a5.pdf")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"mts-en-a5.pdf: page {page} is {size}, not A5 portrait")


@pytest.mark.parametrize("data", [b"", b"not a PDF at all", b"%PDF-1.7\n%%EOF\n"])
@pytest.mark.parametrize(
    "make", [impose_2up, impose_booklet, lambda pdf, label: pad_pages(pdf, 2, label=label)]
)
def test_refuses_what_is_not_a_readable_pdf(make, data: bytes) -> None:
    with pytest.raises(GuideError) as caught:
        make(data, label="t2-ru-a5.pdf")
    assert re.fullmatch(r"t2-ru-a5\.pdf: not a readable PDF \([^()<>]+\)", str(caught.value))


@pytest.mark.parametrize("impose_fn", [impose_2up, impose_booklet])
def test_refuses_a_pdf_without_pages(impose_fn) -> None:
    empty = io.BytesIO()
    pikepdf.new().save(empty)
    with pytest.raises(GuideError, match=r"^t2-ru-a5\.pdf: has no pages to impose$"):
        impose_fn(empty.getvalue(), label="t2-ru-a5.pdf")


@pytest.mark.parametrize(
    ("plain", "mode", "imposed"),
    [
        ("beeline-zh-a5.pdf", "booklet", "beeline-zh-a5-booklet.pdf"),
        ("beeline-zh-a5.pdf", "2up", "beeline-zh-a5-2up.pdf"),
        ("t2-zh_Hant-a5-draft.pdf", "booklet", "t2-zh_Hant-a5-booklet-draft.pdf"),
        ("pack-en-a5.pdf", "2up", "pack-en-a5-2up.pdf"),
    ],
)
def test_imposed_name_never_replaces_the_plain_leaflet(plain: str, mode: str, imposed: str) -> None:
    assert imposed_name(plain, mode) == imposed != plain


def test_unknown_imposition_is_a_usage_error() -> None:
    for call in (lambda: imposed_name("mts-en-a5.pdf", "4up"), lambda: impose(source(2), "4up")):
        with pytest.raises(
            GuideError, match=r"unknown imposition '4up' \(choose from: 2up, booklet\)"
        ) as caught:
            call()
        assert caught.value.exit_code == 2


# --- the repository's leaflets ----------------------------------------------------------


@pytest.fixture(scope="module")
def a5_dir(tmp_path_factory: pytest.TempPathFactory, project: Project) -> Path:
    out = tmp_path_factory.mktemp("a5")
    targets = [Target(lang, op) for op in project.operators() for lang in project.languages()]
    settings = Settings(out, ("pdf",), strict=True, print_options=PrintOptions("a5"))
    assert not [r.error for r in build(project, targets, settings, jobs=2) if r.error]
    return out


@pytest.mark.parametrize("mode", ["2up", "booklet"])
def test_real_a5_leaflet_imposed(a5_dir: Path, lang: str, operator: str, mode: str) -> None:
    name = Target(lang, operator).filename("pdf", suffix=PrintOptions("a5").suffix)
    plain = (a5_dir / name).read_bytes()
    pdf = impose(plain, mode, label=name)
    count = len(pypdfium2.PdfDocument(plain))
    order = _one_based(two_up_order(count) if mode == "2up" else booklet_order(count))
    assert sheet_sizes(pdf) == [pytest.approx(SHEET, abs=1)] * len(order)
    # Every page's text is on its half of its sheet, and nowhere else.
    source_text = [
        squash(p.get_textpage().get_text_bounded()) for p in pypdfium2.PdfDocument(plain)
    ]
    for sheet, side in zip(pypdfium2.PdfDocument(pdf), order, strict=True):
        width, height = sheet.get_size()
        text = sheet.get_textpage()
        for x0, number in zip((0, width / 2), side, strict=True):
            found = squash(text.get_text_bounded(x0, 0, x0 + width / 2, height))
            assert found == (source_text[number - 1] if number else "")
    for drawn in placements(pdf):
        assert all(m[:4] == [1, 0, 0, 1] and own == [1, 0, 0, 1, 0, 0] for m, own, _ in drawn)
