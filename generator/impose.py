"""Office printing: A5 leaflets imposed on A4 landscape sheets, and duplex padding.

Works on finished PDF bytes, after :mod:`generator.pdf`; pikepdf (qpdf) does the PDF
work. Each source page becomes a form XObject placed at scale 1, centred in its half of
the sheet: A4 is 297 mm wide and two A5 pages take 296, so the pages sit 0.25 mm in
from the centre line and the outer edges, never scaled. Sources whose pages are not A5
portrait are refused rather than scaled. Print the result at actual size (100 %, not
"fit to page"); the leaflet's 10 mm margins cover what an office printer cannot reach.

2-up, cut and stack (single-sided). With S = ceil(N/2) sheets, sheet i carries page
i on the left and page i+S on the right (blank where there is none)::

      sheet 1      sheet 2      sheet 3          N = 5 pages, S = 3 sheets
    +----:----+  +----:----+  +----:----+
    |  1 : 4  |  |  2 : 5  |  |  3 :    |
    +----:----+  +----:----+  +----:----+

Cut the stack once along the dashed line and put the right-hand half (4, 5, blank)
under the left-hand one (1, 2, 3): the pages are in order.

The cut mark is a light grey dashed hairline down the centre of the sheet, the whole
height. It runs in the 0.5 mm gap between the two pages, so it never crosses a page,
its text or its background; it is full-height rather than ticks in the top and bottom
margins because office printers leave those 4-5 mm blank, which would swallow most of
a tick; dashed and light so that a cut that misses it by a millimetre leaves at most
a faint dotted edge in a page's blank side margin.

Booklet, saddle stitch. The pages are padded with blank ones to N, a multiple of 4;
for sheet k (0-based) of N/4, with 1-based page numbers, the front carries
[N-2k | 2k+1] and the back [2k+2 | N-1-2k]::

      sheet 1      sheet 1      sheet 2      sheet 2       N = 8 pages
       front        back         front        back
    +----+----+  +----+----+  +----+----+  +----+----+
    |  8 |  1 |  |  2 |  7 |  |  6 |  3 |  |  4 |  5 |
    +----+----+  +----+----+  +----+----+  +----+----+

Print duplex, flipping on the short edge (the sheet turns over about its vertical
axis, so page 2 lands behind page 1), put sheet 2 inside sheet 1, fold along the
middle and staple on the fold. A leaflet or a pack of several is imposed the same way.

An imposed file is for the printer, not for screen readers, and it keeps no structure
tree: its pages are form XObjects placed out of reading order (8, 1, 2, 7, ...), and
the tree, the bookmarks, the links and the named destinations all point at source
pages that are not in the file. Re-pointing them would give a "tagged" file whose
reading order jumps across sheets, which helps nobody. It keeps the title, the
language, the document information and the XMP metadata, less the PDF/UA-1 claim,
which would no longer be true; the plain leaflet stays the accessible one, and
:func:`imposed_name` keeps the two apart. :func:`pad_pages`, by contrast, keeps the
whole tagged document: a blank page carries no content, so nothing on it needs a tag.

Every output is reproducible: the same input bytes give the same output bytes
(``deterministic_id``; resource names are numbered, never random; no dates are set).
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Callable, Sequence

import pikepdf
from pikepdf import ContentStreamInstruction, Name, Operator

from .errors import GuideError
from .paper import IMPOSITIONS

log = logging.getLogger(__name__)

_MM = 72 / 25.4
#: A5 portrait and A4 landscape, in PDF points.
A5 = (148 * _MM, 210 * _MM)
SHEET = (297 * _MM, 210 * _MM)
#: How far a page's size may be from A5 (WeasyPrint rounds to the micro-point).
TOLERANCE = 1.0

MODES = IMPOSITIONS  # one list, in paper.py: PrintOptions checks it too
#: Page counts a duplex leaflet and a booklet are padded to a multiple of.
DUPLEX_MULTIPLE = 2
BOOKLET_MULTIPLE = 4

#: One sheet side: the source pages (0-based) on its left and right halves, None = blank.
Side = tuple[int | None, int | None]

_CUT_GREY = 0.6  # DeviceGray: light, yet visible on an office laser printer
_CUT_WIDTH = 0.3  # points
_CUT_DASH = (4, 3)  # points on, off
_PDFUA_PART = "{http://www.aiim.org/pdfua/ns/id/}part"
_BOXES = ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox", "/Rotate", "/UserUnit")


def pad_pages(pdf: bytes, multiple: int, *, label: str = "PDF") -> bytes:
    """Append blank pages the size of the last one until the page count is a multiple.

    ``multiple`` is 2 for duplex printing, 4 for a booklet. A document that needs no
    padding is returned as it is. Everything else in the document (structure tree,
    language, metadata, bookmarks) is kept; the blank pages have no content, so a tagged
    PDF stays valid. ``label`` names the document in errors.
    """
    if multiple < 1:
        raise ValueError(f"multiple must be at least 1, got {multiple}")
    doc = _open(pdf, label)
    count = len(doc.pages)
    missing = -count % multiple
    if not count or not missing:
        return pdf
    last = doc.pages[-1]
    box = [float(v) for v in last.mediabox]
    for _ in range(missing):
        blank = doc.add_blank_page(page_size=(box[2] - box[0], box[3] - box[1])).obj
        # Same boxes (trim, bleed, crop) and orientation as the last page, so the blank
        # one prints the same size and a print shop sees the same trim.
        for key in _BOXES:
            if key in last.obj:
                blank[key] = last.obj[key]
    log.debug("%s: padded %d pages with %d blank", label, count, missing)
    return _save(doc, doc)


def two_up_order(count: int) -> list[Side]:
    """Cut-and-stack order of ``count`` pages: sheet i holds pages i and i+S, S = ceil(N/2)."""
    sheets = math.ceil(count / 2)
    return [(i, i + sheets if i + sheets < count else None) for i in range(sheets)]


def booklet_order(count: int) -> list[Side]:
    """Saddle-stitch order of ``count`` pages (padded to a multiple of 4 with blanks).

    Returns the sides in printing order: sheet 0 front, sheet 0 back, sheet 1 front...
    """
    n = count + -count % BOOKLET_MULTIPLE

    def page(index: int) -> int | None:
        return index if index < count else None

    sides: list[Side] = []
    for k in range(n // 4):
        sides.append((page(n - 1 - 2 * k), page(2 * k)))
        sides.append((page(2 * k + 1), page(n - 2 - 2 * k)))
    return sides


def impose_2up(pdf: bytes, *, label: str = "PDF") -> bytes:
    """A5 portrait pages two to an A4 landscape sheet, cut-and-stack, with a cut mark."""
    return _impose(pdf, label, two_up_order, cut_mark=True)


def impose_booklet(pdf: bytes, *, label: str = "PDF") -> bytes:
    """A5 portrait pages as a saddle-stitched booklet on A4 landscape sheets.

    Padded with blank pages to a multiple of 4; print duplex, flip on the short edge.
    """
    return _impose(pdf, label, booklet_order, cut_mark=False)


def impose(pdf: bytes, mode: str, *, label: str = "PDF") -> bytes:
    """Impose ``pdf`` in one of :data:`MODES` (``2up`` or ``booklet``)."""
    return {"2up": impose_2up, "booklet": impose_booklet}[_check_mode(mode)](pdf, label=label)


def imposed_name(plain_name: str, mode: str) -> str:
    """The imposed file's name, never the plain leaflet's.

    ``beeline-zh-a5.pdf`` -> ``beeline-zh-a5-booklet.pdf``; a draft stays marked last,
    as in :meth:`generator.build.Target.filename`: ``…-a5-booklet-draft.pdf``.
    """
    _check_mode(mode)
    stem, dot, ext = plain_name.rpartition(".")
    if not dot or ext != "pdf":
        raise ValueError(f"not a PDF file name: {plain_name!r}")
    base, draft = (stem[: -len("-draft")], "-draft") if stem.endswith("-draft") else (stem, "")
    return f"{base}-{mode}{draft}.pdf"


def _check_mode(mode: str) -> str:
    if mode not in MODES:
        raise GuideError(
            f"unknown imposition '{mode}' (choose from: {', '.join(MODES)})", exit_code=2
        )
    return mode


def _open(pdf: bytes, label: str) -> pikepdf.Pdf:
    try:
        return pikepdf.open(io.BytesIO(pdf))
    except pikepdf.PdfError as exc:
        # qpdf says "stream <_io.BytesIO object at 0x…>: offset: reason"; keep the reason.
        reason = str(exc).splitlines()[0].rsplit(": ", 1)[-1] if str(exc) else "unknown error"
        raise GuideError(f"{label}: not a readable PDF ({reason})") from None


def _save(doc: pikepdf.Pdf, source: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    # deterministic_id: the file identifier is a hash of the content, not of the clock.
    doc.save(
        out,
        deterministic_id=True,
        min_version=source.pdf_version,
        # Object streams (PDF 1.5): ~7 % smaller than keeping WeasyPrint's layout.
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
    )
    return out.getvalue()


def _check_a5(doc: pikepdf.Pdf, label: str) -> None:
    """Refuse any page that is not A5 portrait: imposition never scales a page."""
    if not doc.pages:
        raise GuideError(f"{label}: has no pages to impose")
    for number, page in enumerate(doc.pages, start=1):
        width, height = _size(page)
        if abs(width - A5[0]) > TOLERANCE or abs(height - A5[1]) > TOLERANCE:
            raise GuideError(
                f"{label}: page {number} is {width / _MM:.0f} x {height / _MM:.0f} mm, "
                "not A5 portrait (148 x 210 mm); only A5 leaflets are imposed, never scaled"
            )


def _size(page: pikepdf.Page) -> tuple[float, float]:
    """The page's size as shown: the media box, times /UserUnit, turned by /Rotate."""
    box = page.mediabox
    unit = float(page.obj.get("/UserUnit", 1))
    width = abs(float(box[2]) - float(box[0])) * unit
    height = abs(float(box[3]) - float(box[1])) * unit
    if int(page.obj.get("/Rotate", 0)) % 180:
        width, height = height, width
    return width, height


def _impose(
    pdf: bytes, label: str, order: Callable[[int], Sequence[Side]], *, cut_mark: bool
) -> bytes:
    src = _open(pdf, label)
    _check_a5(src, label)
    out = pikepdf.new()
    _copy_document_info(src, out)
    # Each source page once, as a form XObject; its resources (fonts, images) come along.
    forms = [out.copy_foreign(page.as_form_xobject()) for page in src.pages]
    width, height = SHEET
    half = width / 2
    sides = order(len(forms))
    for left, right in sides:
        sheet = out.add_blank_page(page_size=SHEET)
        parts: list[bytes] = []
        for index, x0 in ((left, 0.0), (right, half)):
            if index is None:
                continue
            # Numbered, not random (Page.add_overlay picks random names): reproducible.
            name = sheet.add_resource(forms[index], Name.XObject, Name(f"/Page{index + 1}"))
            rect = pikepdf.Rectangle(x0, 0, x0 + half, height)
            # Centred in its half; neither shrunk nor enlarged, so the scale stays 1.
            parts.append(
                sheet.calc_form_xobject_placement(
                    forms[index], name, rect, allow_shrink=False, allow_expand=False
                )
            )
        if cut_mark:
            parts.append(_cut_mark(half, height))
        sheet.obj.Contents = out.make_stream(b"".join(parts))
    log.debug("%s: %d pages on %d sheet sides", label, len(forms), len(sides))
    return _save(out, src)


def _cut_mark(x: float, height: float) -> bytes:
    """A light grey dashed line at ``x``, the sheet's whole height."""
    return pikepdf.unparse_content_stream(
        [
            ContentStreamInstruction([], Operator("q")),
            ContentStreamInstruction([_CUT_GREY], Operator("G")),
            ContentStreamInstruction([_CUT_WIDTH], Operator("w")),
            ContentStreamInstruction([pikepdf.Array(_CUT_DASH), 0], Operator("d")),
            ContentStreamInstruction([x, 0], Operator("m")),
            ContentStreamInstruction([x, height], Operator("l")),
            ContentStreamInstruction([], Operator("S")),
            ContentStreamInstruction([], Operator("Q")),
        ]
    )


def _copy_document_info(src: pikepdf.Pdf, out: pikepdf.Pdf) -> None:
    """Title, language, document information and XMP metadata; not the PDF/UA claim."""
    if "/Info" in src.trailer:
        out.trailer.Info = out.copy_foreign(_indirect(src, src.trailer.Info))
    if "/Lang" in src.Root:
        out.Root.Lang = pikepdf.String(str(src.Root.Lang))
    if "/ViewerPreferences" in src.Root:
        # DisplayDocTitle: a viewer's window shows the title, not the file name.
        out.Root.ViewerPreferences = out.copy_foreign(_indirect(src, src.Root.ViewerPreferences))
    if "/Metadata" in src.Root:
        out.Root.Metadata = out.copy_foreign(src.Root.Metadata)
        # Not marked as edited by pikepdf: that would stamp the clock into the file.
        with out.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            if _PDFUA_PART in meta:
                del meta[_PDFUA_PART]


def _indirect(doc: pikepdf.Pdf, obj: pikepdf.Object) -> pikepdf.Object:
    """``copy_foreign`` takes indirect objects only."""
    return obj if obj.is_indirect else doc.make_indirect(obj)
