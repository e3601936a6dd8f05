"""Turn a leaflet's HTML into PDF bytes with WeasyPrint.

WeasyPrint does pagination, ``@page`` margin boxes, font embedding and
subsetting. This module only pins down what it may read: a URL fetcher that
serves files from the project's ``templates/assets/`` and refuses everything
else (no network, no ``file://`` elsewhere), and ``--strict``, which turns
WeasyPrint's warnings (a refused URL, an unsupported CSS property) into errors.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from .errors import GuideError
from .warmstart import import_weasyprint, remember

import_weasyprint()  # first, and the quick way (see generator.warmstart)

from weasyprint import HTML  # noqa: E402
from weasyprint.document import Document  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

log = logging.getLogger(__name__)


class AssetsOnlyFetcher(URLFetcher):
    """Serves ``file:`` URLs inside the allowed folders; refuses every other URL."""

    def __init__(self, *allowed: Path) -> None:
        super().__init__(allowed_protocols={"file"})
        self.allowed = [folder.resolve() for folder in allowed]
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme == "file" and parts.netloc in ("", "localhost"):
            path = Path(url2pathname(parts.path)).resolve()
            if path.is_file() and any(path.is_relative_to(d) for d in self.allowed):
                return URLFetcherResponse(path.as_uri(), path.read_bytes())
        self.refused.append(url)
        # WeasyPrint catches this, logs a warning and leaves the resource out.
        raise ValueError(f"refused: only files in the project's assets may be used ({url})")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage().splitlines()[0])


@contextmanager
def _weasyprint_warnings() -> Iterator[_Collect]:
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


@lru_cache(maxsize=64)
def _font_config(font_css: str) -> FontConfiguration:
    """One font configuration per set of ``@font-face`` rules, reused across documents.

    A fresh configuration per document leaks ~0.25 MB each (fontconfig state that is
    never freed); sharing one keeps a long build flat. Different rules get their own,
    so one leaflet's font subset is never picked for another's text.
    """
    return FontConfiguration()


@dataclass(frozen=True)
class Part:
    """A stretch of a document with its own page budget: from the page holding the
    element ``start`` (an id) to the page holding ``end``."""

    label: str
    start: str
    end: str
    max_pages: int

    def pages(self, document: Document) -> int:
        where = {a: n for n, page in enumerate(document.pages) for a in page.anchors}
        return where[self.end] - where[self.start] + 1


#: Tagged PDF with title, language and structure, for screen readers (~3 % slower).
PDF_VARIANT = "pdf/ua-1"


def html_to_pdf(
    html: str,
    *,
    assets_dirs: Sequence[Path],
    label: str,
    max_pages: int | None = None,
    strict: bool = False,
    font_css: str = "",
    font_dir: Path | None = None,
    parts: Sequence[Part] = (),
) -> bytes:
    """Render ``html`` to PDF bytes.

    ``label`` names the leaflet in errors. A layout longer than ``max_pages`` is
    refused before any bytes are produced, and so is a ``part`` (a leaflet inside a
    pack) longer than its own budget. With ``strict``, any warning WeasyPrint
    logs fails the build instead of producing a subtly wrong leaflet. ``font_css``
    (``@font-face`` rules for fonts in ``font_dir``) is added for the PDF only.
    """
    fetcher = AssetsOnlyFetcher(*assets_dirs, *([font_dir] if font_dir else []))
    if font_css:
        # Inside the document: WeasyPrint ignores @font-face in user stylesheets.
        html = html.replace("</head>", f"<style>\n{font_css}\n</style>\n</head>", 1)
    with _weasyprint_warnings() as warnings:
        document = HTML(
            string=html, base_url=assets_dirs[0].as_uri() + "/", url_fetcher=fetcher
        ).render(font_config=_font_config(font_css))
        if max_pages is not None and len(document.pages) > max_pages:
            raise GuideError(
                f"{label}: {len(document.pages)} pages, over the budget of {max_pages}; "
                "shorten the text (or pick a larger paper)"
            )
        for part in parts:
            pages = part.pages(document)
            if pages > part.max_pages:
                raise GuideError(
                    f"{label}: {part.label}: {pages} pages, over the budget of "
                    f"{part.max_pages}; shorten the text (or pick a larger paper)"
                )
        pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
    if fetcher.refused:
        log.warning("%s: refused to load %s", label, ", ".join(fetcher.refused))
    if strict and warnings.messages:
        raise GuideError(f"{label}: WeasyPrint warning (--strict): {warnings.messages[0]}")
    assert pdf is not None
    remember()  # the C types cffi parsed for this PDF, for the next process
    return pdf
