"""Hostile or careless strings in content and catalogs never reach the reader as
markup, never make the renderer read a file or the network, and links that are not
official are refused. Slots are found by kind (section headings, a paragraph), not by
their current wording."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path
from typing import ClassVar

import pypdf
import pytest
from catalog_edit import catalog, first_paragraph, headings, set_msgstr, set_yaml_scalar

from generator.build import Settings, Target, build
from generator.errors import GuideError
from generator.pdf import html_to_pdf
from generator.project import Project

from helpers import html_text, normalise, parse_html, pdf_text, run_cli

LANG, OPERATOR = "ru", "mts"
# Characters special to HTML, with no tag or character reference: the catalog check
# lets them through, so only escaping keeps them text.
SPECIAL = [
    "a < b > c & d",
    '" onmouseover="alert(1)" x="',
    "' autofocus onfocus='alert(1)",
    "{{ 7*7 }} {{ config.items() }} $(id) {# x #}",
    "& amp; &#; &# 60 < b >",
    "1 < 2 && 3 > 2 \"quoted\" 'single'",
]
# Markup: refused by the build and by check, with the catalog line.
MARKUP = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "</style><b>bold</b></p></section></main></body></html>",
    "&lt;b&gt; &amp; &#60;",
    "<!-- hidden -->",
]
# Strings carrying links: refused, with the catalog line.
REFUSED = [
    "javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "file:///etc/passwd",
    "http://127.0.0.1:9/evil.css",
    "https://evil.example/pixel.png",
    "//evil.example/x.css",
]


def _poison(project: Project, strings: list[str]) -> None:
    """Put ``strings`` into the section headings of the catalog (one each)."""
    slots = headings(catalog(project, LANG))
    assert len(slots) >= len(strings), "fewer section headings than test strings"
    path = project.po_file(LANG)
    # Bottom up: each edit leaves the line numbers above it as they were.
    for slot, bad in sorted(zip(slots, strings, strict=False), key=lambda p: -p[0].lineno):
        set_msgstr(path, slot, bad)


def _build(project: Project, out: Path, *extra: str) -> tuple[int, str]:
    code, _, err = run_cli(
        "--lang", LANG, "--operator", OPERATOR, "--project", str(project.root), "--out", str(out),
        *extra,
    )  # fmt: skip
    return code, err


def test_html_special_characters_in_catalogs_are_text_in_html_and_pdf(
    project_copy: Project, tmp_path: Path
) -> None:
    clean_dir = tmp_path / "clean"
    (clean_result,) = build(project_copy, [Target(LANG, OPERATOR)], Settings(clean_dir))
    assert not clean_result.error
    _poison(project_copy, SPECIAL)
    results = list(build(project_copy, [Target(LANG, OPERATOR)], Settings(tmp_path)))
    assert not results[0].error, results[0].error
    html = tmp_path / f"{OPERATOR}-{LANG}.html"
    doc, clean = parse_html(html), parse_html(clean_dir / html.name)
    # The same elements with the same attributes, in the same order: nothing injected.
    assert [(t, sorted(a)) for t, a in doc.tags] == [(t, sorted(a)) for t, a in clean.tags]
    text = html_text(html)
    for bad in SPECIAL:
        assert normalise(bad) in text
    pdf = normalise(pdf_text(tmp_path / f"{OPERATOR}-{LANG}.pdf"))
    assert "a < b > c & d" in pdf and "&amp;" not in pdf


@pytest.mark.parametrize("bad", MARKUP)
def test_markup_in_catalogs_is_refused(project_copy: Project, tmp_path: Path, bad: str) -> None:
    _poison(project_copy, [f"Раздел {bad}"])
    code, err = _build(project_copy, tmp_path)
    assert code == 1
    assert "in msgstr that the msgid does not have (translations are text)" in err
    assert "messages.po:" in err and "Traceback" not in err
    assert not list(tmp_path.glob("*.html")) and not list(tmp_path.glob("*.pdf"))
    code, _, err = run_cli("check", "--project", str(project_copy.root))
    assert code == 1 and "(translations are text)" in err


def test_css_breakout_in_the_page_footer_is_escaped(project_copy: Project, tmp_path: Path) -> None:
    cat = catalog(project_copy, LANG)
    footer = next(m for m in cat if m.id and "%(pages)s" in str(m.id) and "%(page)s" in str(m.id))
    title = next(m for m in cat if m.context == "guide/title")
    hostile = 'P. %(page)s"; } body { display: none } @page { @top-left { content: "x %(pages)s'
    set_msgstr(project_copy.po_file(LANG), footer, hostile)
    results = list(build(project_copy, [Target(LANG, OPERATOR)], Settings(tmp_path)))
    assert not results[0].error, results[0].error
    source = (tmp_path / f"{OPERATOR}-{LANG}.html").read_text("utf-8")
    assert "body { display: none }" not in source
    reader = pypdf.PdfReader(tmp_path / f"{OPERATOR}-{LANG}.pdf")
    first = normalise(reader.pages[0].extract_text())
    assert normalise(title.string)[:12] in first  # the body is still shown
    assert "display: none } @page" in first  # the footer shows the text as text


@pytest.mark.parametrize("bad", REFUSED)
def test_links_in_catalogs_are_refused(project_copy: Project, tmp_path: Path, bad: str) -> None:
    _poison(project_copy, ["x", f"См. {bad}"])
    code, err = _build(project_copy, tmp_path)
    assert code == 1
    assert "link not from an official site" in err
    assert "messages.po:" in err
    assert not list(tmp_path.glob("*.html"))


@pytest.mark.parametrize("bad", [*REFUSED[:3], "https://t.me/x", "wa.me/79990000000"])
def test_links_in_content_are_refused(project_copy: Project, bad: str) -> None:
    line = set_yaml_scalar(
        project_copy.guide_file, first_paragraph(project_copy), f"Ask the operator. {bad}"
    )
    code, _, err = run_cli("check", "--project", str(project_copy.root))
    assert code == 1
    assert f"guide.yaml:{line}: link not from an official site: {bad}" in err


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Counter.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_renderer_makes_no_network_request_and_reads_no_outside_file(
    project: Project, tmp_path: Path
) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    secret = tmp_path / "secret.svg"
    secret.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>')
    try:
        html = f"""<html lang="en"><head><title>t</title>
            <link rel="stylesheet" href="{base}/a.css">
            <style>@import url("{base}/b.css");
            @font-face {{ font-family: X; src: url({base}/f.otf) }}
            p {{ background: url("{base}/c.png"); font-family: X }}</style></head>
            <body><img src="{base}/d.png" alt="x"><img src="{secret.as_uri()}" alt="y">
            <img src="file:///etc/passwd" alt="z"><p>hello</p></body></html>"""
        pdf = html_to_pdf(html, assets_dirs=project.assets_dirs, label="t")
        assert _Counter.hits == []
        assert b"/Subtype /Image" not in pdf
        with pytest.raises(GuideError, match="WeasyPrint warning"):
            html_to_pdf(html, assets_dirs=project.assets_dirs, label="t", strict=True)
        assert _Counter.hits == []
    finally:
        server.shutdown()
