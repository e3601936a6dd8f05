"""PDF leaflets, for every language x operator: at most two A4 pages, every font
embedded and a Noto font, every character covered, headings and support numbers present."""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

import pypdf
import pytest
from babel import Locale
from fontTools.ttLib import TTFont

from generator.content import Content
from generator.errors import GuideError
from generator.i18n import html_lang
from generator.paper import PAPERS
from generator.pdf import html_to_pdf
from generator.project import Project

from helpers import html_text, normalise, pdf_text, squash
from test_render import allowed_urls, localized

A4 = (595.28, 841.89)


def _fonts(reader: pypdf.PdfReader):
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                yield font["/BaseFont"], descendant.get_object()


def test_a4_pages_within_the_budget(leaflet) -> None:
    reader = pypdf.PdfReader(leaflet.pdf)
    assert 1 <= len(reader.pages) <= PAPERS["a4"].budget
    for page in reader.pages:
        box = page.mediabox
        assert (float(box.width), float(box.height)) == pytest.approx(A4, abs=0.5)


def test_every_font_embedded_and_noto(leaflet) -> None:
    reader = pypdf.PdfReader(leaflet.pdf)
    names = set()
    for name, font in _fonts(reader):
        descriptor = font["/FontDescriptor"].get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), name
        names.add(str(name).split("+", 1)[-1])
    # Only Noto faces: a fallback font (DejaVu, Droid) would mean a character
    # the intended fonts lack.
    assert names and all(n.startswith("Noto-Sans") for n in names), names


def test_han_glyph_shapes_follow_the_script(leaflet, lang: str) -> None:
    # fontconfig's fallback would pick the Japanese face; SC/TC must be named.
    names = {str(n) for n, _ in _fonts(pypdf.PdfReader(leaflet.pdf))}
    cjk = {n.split("+", 1)[-1] for n in names if "CJK" in n}
    assert not {n for n in cjk if "-JP" in n or "-KR" in n or "-HK" in n}, cjk
    script = html_lang(Locale.parse(lang)).split("-")[1:2]
    if script == ["Hans"]:
        assert cjk and all("CJK-SC" in n for n in cjk), cjk
    elif script == ["Hant"]:
        assert cjk and all("CJK-TC" in n for n in cjk), cjk


@cache
def _cmap(family: str) -> frozenset[int]:
    out = subprocess.run(
        ["fc-match", "-f", "%{file}:%{index}", family], capture_output=True, text=True, check=True
    ).stdout
    path, index = out.rsplit(":", 1)
    font = TTFont(path, fontNumber=int(index), lazy=True)
    assert family.replace(" ", "") in font["name"].getDebugName(4).replace(" ", ""), out
    return frozenset(font.getBestCmap())


def test_every_character_has_a_glyph(leaflet) -> None:
    covered = _cmap("Noto Sans") | _cmap("Noto Sans Math")
    covered |= _cmap("Noto Sans CJK SC") | _cmap("Noto Sans CJK TC")
    text = html_text(leaflet.html)
    missing = sorted({ch for ch in text if not ch.isspace() and ord(ch) not in covered})
    assert not missing, missing


def test_headings_and_support_numbers_in_pdf_text(
    project: Project, content: Content, leaflet, lang: str, operator: str
) -> None:
    text = pdf_text(leaflet.pdf)
    flat = squash(text)
    for section in localized(project, content, lang, operator).guide.sections:
        assert squash(section.heading) in flat, section.heading
    numbers = [
        f.value
        for key, f in content.operators[operator].facts.items()
        if f.value and f.printable and key != "site"
    ]
    assert numbers
    one_line = normalise(text)
    for value in numbers:
        assert value in one_line, value


def test_only_sourced_links_in_pdf(content: Content, leaflet) -> None:
    reader = pypdf.PdfReader(leaflet.pdf)
    uris = set()
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action and "/URI" in action:
                uris.add(str(action["/URI"]))
    web = {u for u in uris if not u.startswith("tel:")}
    assert web, "the official site is a link"
    assert web <= allowed_urls(content), web - allowed_urls(content)


def test_pdf_metadata(leaflet, lang: str) -> None:
    reader = pypdf.PdfReader(leaflet.pdf)
    assert reader.metadata.title and len(reader.metadata.title) > 10
    assert str(reader.trailer["/Root"]["/Lang"]).startswith(lang[:2])


def test_fetcher_refuses_files_outside_assets(project: Project, tmp_path: Path) -> None:
    secret = tmp_path / "secret.svg"
    secret.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    html = (
        f'<html lang="en"><title>t</title><img src="{secret.as_uri()}">'
        '<img src="http://127.0.0.1:9/x.png"><p>hello</p></html>'
    )
    pdf = html_to_pdf(html, assets_dirs=project.assets_dirs, label="t")
    assert b"/Subtype /Image" not in pdf and b"/XObject" not in pdf
    with pytest.raises(GuideError, match="WeasyPrint warning"):
        html_to_pdf(html, assets_dirs=project.assets_dirs, label="t", strict=True)
