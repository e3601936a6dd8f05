"""Hostile or careless strings in content and catalogs never reach the reader as
markup, never make the renderer read a file or the network, and links that are not
official are refused."""

from __future__ import annotations

import http.server
import io
import threading
from pathlib import Path
from typing import ClassVar

import pypdf
import pytest

from generator.build import Settings, Target, build
from generator.cli import main
from generator.errors import GuideError
from generator.pdf import html_to_pdf
from generator.project import Project

from helpers import html_text, normalise, parse_html, pdf_text, run_cli

# Markup-ish strings: escaped, shown as text.
ESCAPED = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "</style><b>bold</b></p></section></main></body></html>",
    "{{ 7*7 }} {{ config.items() }} $(id)",
    "&lt;b&gt; &amp; &#60;",
]
# Strings carrying links: refused, with the catalog line.
REFUSED = [
    "javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "file:///etc/passwd",
    "http://127.0.0.1:9/evil.css",
    '<img src="https://evil.example/pixel.png">',
    '<link rel=stylesheet href="//evil.example/x.css">',
]
SLOTS = [
    "Вот мой паспорт.",
    "Зачем закрывать номер",
    "Особые случаи",
    "Об этих сведениях",
    "Как избежать проблем",
    "Перед расторжением",
]


def _poison(project: Project, strings: list[str]) -> None:
    po = project.po_file("ru")
    text = po.read_text("utf-8")
    for slot, bad in zip(SLOTS, strings, strict=False):
        escaped = bad.replace("\\", "\\\\").replace('"', '\\"')
        assert f'msgstr "{slot}"' in text
        text = text.replace(f'msgstr "{slot}"', f'msgstr "{escaped}"', 1)
    po.write_text(text, "utf-8")


def test_markup_in_catalogs_is_escaped_in_html_and_pdf(
    project_copy: Project, tmp_path: Path
) -> None:
    _poison(project_copy, ESCAPED)
    results = list(build(project_copy, [Target("ru", "mts")], Settings(tmp_path)))
    assert not results[0].error, results[0].error
    html = tmp_path / "mts-ru.html"
    doc = parse_html(html)
    tags = [tag for tag, _ in doc.tags]
    assert "script" not in tags and "img" not in tags and "b" not in tags
    assert tags.count("style") == 3  # ours: the stylesheet, the phone and dark-mode sheets
    assert tags.count("svg") == 1  # ours: the QR code
    assert not [a for _, attrs in doc.tags for a in attrs if a.startswith("on")]
    text = html_text(html)
    for bad in ESCAPED[1:]:  # the first slot is the staff meaning, not shown in Russian
        assert normalise(bad) in text
    pdf = pdf_text(tmp_path / "mts-ru.pdf")
    assert "<img src=x onerror=alert(1)>" in pdf
    assert len(pypdf.PdfReader(tmp_path / "mts-ru.pdf").pages) <= 2  # body not hidden


def test_css_breakout_in_the_page_footer_is_escaped(project_copy: Project, tmp_path: Path) -> None:
    po = project_copy.po_file("ru")
    text = po.read_text("utf-8")
    hostile = 'Стр. %(page)s\\"; } body { display: none } @page { @top-left { content: \\"x'
    text = text.replace(
        'msgstr "Страница %(page)s из %(pages)s"', f'msgstr "{hostile} %(pages)s"', 1
    )
    po.write_text(text, "utf-8")
    results = list(build(project_copy, [Target("ru", "t2")], Settings(tmp_path)))
    assert not results[0].error, results[0].error
    source = (tmp_path / "t2-ru.html").read_text("utf-8")
    assert "body { display: none }" not in source
    reader = pypdf.PdfReader(tmp_path / "t2-ru.pdf")
    assert len(reader.pages) == 2 and "Как закрыть" in reader.pages[0].extract_text()
    assert "display: none } @page" in reader.pages[0].extract_text().replace("\n", " ")


@pytest.mark.parametrize("bad", REFUSED)
def test_links_in_catalogs_are_refused(project_copy: Project, tmp_path: Path, bad: str) -> None:
    _poison(project_copy, ["x", bad])
    code, _, err = run_cli(
        "--lang",
        "ru",
        "--operator",
        "mts",
        "--project",
        str(project_copy.root),
        "--out",
        str(tmp_path),
    )
    assert code == 1
    assert "link not from an official site" in err
    assert "messages.po:" in err
    assert not list(tmp_path.glob("*.html"))


@pytest.mark.parametrize("bad", REFUSED[:3])
def test_links_in_content_are_refused(project_copy: Project, bad: str) -> None:
    guide = project_copy.guide_file
    guide.write_text(
        guide.read_text("utf-8").replace("ask the operator.", f"ask the operator. {bad}"), "utf-8"
    )
    err = io.StringIO()
    assert main(["check", "--project", str(project_copy.root)], out=io.StringIO(), err=err) == 1
    assert "guide.yaml:" in err.getvalue() and "link not from an official site" in err.getvalue()


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
        pdf = html_to_pdf(html, assets_dir=project.assets_dir, label="t")
        assert _Counter.hits == []
        assert b"/Subtype /Image" not in pdf
        with pytest.raises(GuideError, match="WeasyPrint warning"):
            html_to_pdf(html, assets_dir=project.assets_dir, label="t", strict=True)
        assert _Counter.hits == []
    finally:
        server.shutdown()
