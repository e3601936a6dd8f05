"""Helpers for reading what a leaflet shows: the visible text of its HTML and its PDF."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pypdf
from pypdf.generic import ContentStream


class _Text(HTMLParser):
    """Visible text and every URL-bearing attribute of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.urls: list[tuple[str, str, str]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("style", "script", "title"):
            self._skip += 1
        for name, value in attrs:
            if (
                name in ("href", "src", "srcset", "action", "data", "poster", "xlink:href")
                and value
            ):
                self.urls.append((tag, name, value))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "title"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def parse_html(path: Path) -> _Text:
    parser = _Text()
    parser.feed(path.read_text("utf-8"))
    return parser


def squash(text: str) -> str:
    """Whitespace removed: line breaks fall anywhere in Chinese and in PDF text."""
    return re.sub(r"\s+", "", text)


def normalise(text: str) -> str:
    """Runs of whitespace folded to one space."""
    return re.sub(r"\s+", " ", text).strip()


def html_text(path: Path) -> str:
    return normalise(" ".join(parse_html(path).parts))


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(path)
    return "\n".join(page.extract_text() for page in reader.pages)


def leaflet_files(folder: Path) -> list[str]:
    """Names of the leaflet files in ``folder`` (not the build manifest), sorted."""
    from generator.project import LOCK_NAME, MANIFEST_NAME

    if not folder.exists():
        return []
    return sorted(p.name for p in folder.iterdir() if p.name not in (MANIFEST_NAME, LOCK_NAME))


def run_cli(*argv: str) -> tuple[int, str, str]:
    """Run ``make-guide`` in-process: (exit code, stdout, stderr)."""
    from generator.cli import main

    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out=out, err=err), out.getvalue(), err.getvalue()


def glyphs_shown(pdf: Path) -> int:
    """How many glyphs the PDF draws, asserting that none is glyph 0 (.notdef, the
    empty "tofu" box) and that every font is a CID (Type0) font."""
    reader = pypdf.PdfReader(pdf)
    shown = 0
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        font: Any = None
        for operands, op in ContentStream(page.get_contents(), reader).operations:
            if op == b"Tf":
                font = fonts[operands[0]].get_object()
            elif op in (b"Tj", b"TJ"):
                for item in operands[0] if op == b"TJ" else [operands[0]]:
                    if isinstance(item, (bytes, str)):
                        raw = (
                            item.get_original_bytes()
                            if hasattr(item, "get_original_bytes")
                            else bytes(item)
                        )
                        assert font["/Subtype"] == "/Type0"
                        cids = [
                            int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)
                        ]
                        assert 0 not in cids, font["/BaseFont"]
                        shown += len(cids)
    return shown
