"""The HTML leaflets and the index as real web pages, in headless Chromium: no console
errors, no network requests, nothing wider than a 360-px phone, no axe-core violations
in light or dark mode, a visible focus ring, and printing within the page budget."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pypdf
import pytest

from generator.build import Settings, Target, build
from generator.index import write_index
from generator.paper import PAPERS
from generator.project import INDEX_NAME, Project

ROOT = Path(__file__).resolve().parent.parent
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _tool(env: str, fallback: Path | str | None) -> str:
    path = os.environ.get(env) or (str(fallback) if fallback else None)
    assert path and Path(path).is_file(), (
        f"{env} not found: run ./run-tests, which installs Chromium and axe-core"
    )
    return path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, project: Project) -> Path:
    """Every leaflet and the index, as `make-guide --all` writes them."""
    out = tmp_path_factory.mktemp("site")
    targets = [Target(lang, op) for op in project.operators() for lang in project.languages()]
    settings = Settings(out, strict=True)
    assert not [r.error for r in build(project, targets, settings, jobs=2) if r.error]
    assert write_index(project, settings.out_dir) == out / INDEX_NAME
    return out


@pytest.fixture(scope="module")
def axe() -> str:
    default = Path(sys.prefix) / "node" / "node_modules" / "axe-core" / "axe.min.js"
    return Path(_tool("MAKE_GUIDE_AXE", default)).read_text("utf-8")


def pages(project: Project) -> list[str]:
    names = [f"{op}-{lang}.html" for op in project.operators() for lang in project.languages()]
    return [*names, INDEX_NAME]


AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(
    v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target).join(', ')})`);
}"""


@pytest.mark.parametrize("name", pages(Project.default()))
def test_page_in_chromium(browser, axe: str, site: Path, name: str) -> None:
    page = browser.new_page(viewport={"width": 360, "height": 740})
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on(
        "console",
        lambda m: (
            problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    url = (site / name).as_uri()
    page.goto(url)
    try:
        assert requests == [url], "no request but the page itself"
        assert problems == []
        # Readable on a 360-px phone: nothing scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.add_script_tag(content=axe)
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            assert page.evaluate(AXE_RUN) == [], scheme
        # A visible focus ring on the first link reached with the keyboard.
        page.keyboard.press("Tab")
        ring = page.evaluate("""() => { const a = document.activeElement;
            const s = getComputedStyle(a); return [a.tagName, s.outlineStyle, s.outlineWidth]; }""")
        assert ring[0] == "A" and ring[1] != "none" and ring[2] != "0px", ring
        if name != INDEX_NAME:
            # Printing from the browser keeps the leaflet's page budget.
            pdf = page.pdf(prefer_css_page_size=True)
            count = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
            ours = len(pypdf.PdfReader(site / name.replace(".html", ".pdf")).pages)
            assert count <= PAPERS["a4"].budget and count == ours, (count, ours)
        assert requests == [url]
    finally:
        page.close()


def test_tel_links_for_phone_numbers(browser, site: Path) -> None:
    page = browser.new_page()
    page.goto((site / "beeline-en.html").as_uri())
    hrefs = page.eval_on_selector_all("a[href^='tel:']", "els => els.map(e => e.href)")
    assert "tel:0611" in hrefs and "tel:88007000611" in hrefs and "tel:*102%23" in hrefs
    page.close()


def test_the_checks_can_fail(browser, axe: str, tmp_path: Path) -> None:
    """The same checks on a deliberately bad page report what is wrong with it."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><body><img src='data:image/gif;base64,R0lGODlhAQABAAAAACw='>"
        "<p style='color:#ddd;background:#fff'>faint</p><div style='width:900px'>wide</div>"
        "<a href='#x' style='outline:none'>link</a></body></html>",
        "utf-8",
    )
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(bad.as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") > 360
    page.add_script_tag(content=axe)
    found = {v.split(":")[0] for v in page.evaluate(AXE_RUN)}
    assert {"html-has-lang", "document-title", "image-alt", "color-contrast"} <= found
    page.keyboard.press("Tab")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "none"
    page.close()


@pytest.mark.parametrize("name", [p for p in pages(Project.default()) if p != INDEX_NAME])
def test_show_to_staff_card_mode(browser, site: Path, name: str) -> None:
    """ "Show to staff" opens the card full screen; a sentence opens alone, larger."""
    page = browser.new_page(viewport={"width": 390, "height": 800})
    try:
        page.goto((site / name).as_uri())
        link = page.locator(".show-staff a")
        assert link.count() == 1 and link.get_attribute("href").startswith("#")
        card = page.locator(".staff-card")
        assert card.evaluate("e => getComputedStyle(e).position") == "static"
        link.click()
        box = card.bounding_box()
        assert box and box["x"] == 0 and box["y"] == 0 and box["width"] == 390
        assert card.evaluate("e => getComputedStyle(e).position") == "fixed"
        sizes = page.eval_on_selector_all(
            ".staff-card .staff", "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))"
        )
        assert sizes and min(sizes) >= 28, sizes
        page.locator(".staff a.say").nth(1).click()
        one = page.locator(".phrases li:target")
        assert one.count() == 1 and one.bounding_box()["height"] == 800
        size = "e => parseFloat(getComputedStyle(e.querySelector('.staff')).fontSize)"
        assert one.evaluate(size) >= 28
        page.locator(".phrases li:target .card-nav a").last.click()  # next sentence
        assert page.evaluate("location.hash") == "#say-3"
        page.locator(".phrases li:target .card-nav a").first.click()  # the whole card
        assert card.evaluate("e => getComputedStyle(e).position") == "fixed"
        page.locator(".card-close a").click()
        assert card.evaluate("e => getComputedStyle(e).position") == "static"
    finally:
        page.close()
