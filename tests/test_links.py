"""Link policy: a leaflet links only to official domains (the operators' ``domains:``
lists), URLs are read the way browsers read them, and nothing unofficial passes —
not in a fact's value, not in prose, not in a QR code, not in the PDF."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pytest
from catalog_edit import catalog, headings, set_msgstr, set_yaml_scalar, template_message

from generator.content import Content, load_content
from generator.errors import GuideError
from generator.filters import qr_svg
from generator.links import Link, Policy, allowed_links, links_in, policy
from generator.project import Project
from generator.yamlsource import load_yaml

from helpers import parse_html, run_cli

OFFICIAL = Policy(("mts.ru", "t2.ru"))

# --- finding links in text ---------------------------------------------------------

FOUND = [
    ("see t.me/cancel_sim", "t.me/cancel_sim"),
    ("bit.ly/x", "bit.ly/x"),
    ("write to wa.me/79990000000.", "wa.me/79990000000"),
    ("evil.example/path", "evil.example/path"),
    ("vk.com", "vk.com"),
    ("VK.COM", "VK.COM"),
    ("www.sim-reseller.example", "www.sim-reseller.example"),
    ("сайт мтс.рф", "мтс.рф"),
    ("xn--80ak6aa92e.com", "xn--80ak6aa92e.com"),
    ("请访问t.me/x。", "t.me/x"),
    ("请访问https://evil.example/x，然后", "https://evil.example/x"),
    ("Сайт: evil.example/x.", "evil.example/x"),
    ("info@evil.com", "evil.com"),
    ("(see https://evil.example/a_(b)).", "https://evil.example/a_(b)"),
    ("javascript:alert(1)", "javascript:alert(1)"),
    ("data:text/html;base64,AAAA", "data:text/html;base64,AAAA"),
    ("//evil.example/x.css", "//evil.example/x.css"),
    ("tg://resolve?domain=x", "tg://resolve?domain=x"),
    ("mts.ru:8443/x", "mts.ru:8443/x"),
]
NOT_FOUND = [
    "e.g. a passport, i.e. an ID document",
    "No.5, 3.5 roubles, 8 800 555-06-11, *100#, +7 495 766-01-66",
    "Gosuslugi, Profile → SIM cards",
    "U.S.A. and Ph.D. and a.m.",
    "т.е. ул.Ленина, д.5, т.д.",
    "г. Москва, St.Petersburg",
    "在营业厅办理。请携带护照，余额会退回。",
    "請攜帶護照。「SIM卡」",
    "Tel: 611. Note: 100%% of it.",
    "version 2.0.1",
]


@pytest.mark.parametrize(("text", "link"), FOUND)
def test_links_in_text_are_found(text: str, link: str) -> None:
    assert links_in(text) == [link]


@pytest.mark.parametrize("text", NOT_FOUND)
def test_ordinary_text_is_not_a_link(text: str) -> None:
    assert links_in(text) == []


# --- what a link may point to: parsed as browsers do (WHATWG) ------------------------

PERMITTED = [
    "https://mts.ru",
    "https://mts.ru/",
    "https://moskva.mts.ru/help?q=1#top",
    "https://MTS.RU/",
    "https://mts.ru:443/",
    "https://mts\t.r\nu/",  # tabs and newlines are dropped by browsers
    "https://%6Dts.ru/",  # percent-encoded host: the browser goes to mts.ru
    "mts.ru/x",  # typed into a browser: https
    "https://t2.ru/@evil.example",  # "@" in the path, not userinfo
]
REFUSED = [
    "http://mts.ru/",
    "https://evil.example\\@mts.ru/",  # the backslash ends the host: evil.example
    "https://mts.ru@evil.example/",
    "https://user@mts.ru/",
    "https://user:pw@mts.ru/",
    "https://mts.ru:8443/",
    "https://mts.ru./",
    "https://mts.ru.evil.example/",
    "https://evilmts.ru/",
    "https://mts.ru%2eevil.example/",
    "https://мтс.ru/",  # Cyrillic letters: another host
    "https://xn--mts-gya.ru/",
    "https://127.0.0.1/",
    "https://[::1]/",
    "ftp://mts.ru/",
    "javascript:alert(1)",
    "data:text/html,x",
    "//evil.example/",
    "https://",
    "t.me/x",
]


@pytest.mark.parametrize("url", PERMITTED)
def test_official_urls_are_permitted(url: str) -> None:
    assert OFFICIAL.permits(url)


@pytest.mark.parametrize("url", REFUSED)
def test_unofficial_urls_are_refused(url: str) -> None:
    assert not OFFICIAL.permits(url)


def test_a_value_is_linked_with_its_own_host() -> None:
    link = OFFICIAL.link("https://moskva.mts.ru/help")
    assert link == Link("https://moskva.mts.ru/help", "moskva.mts.ru")
    assert OFFICIAL.link("Мой МТС (My MTS)") is None  # text, shown as text
    assert OFFICIAL.link("0890") is None
    # The parser's form is written: no second reading of the same text can differ.
    messy = OFFICIAL.link("https://MTS.ru/a\\b")
    assert messy is not None and messy.href == "https://mts.ru/a/b"
    assert OFFICIAL.link("https://mts.ru/a b") is None  # a URL and more: text
    for bad in ("https://evil.example/app", "javascript:alert(1)", "t.me/x"):
        with pytest.raises(GuideError, match="link not from an official site"):
            OFFICIAL.link(bad)


def test_a_qr_code_encodes_only_an_official_link() -> None:
    link = OFFICIAL.link("https://mts.ru")
    assert link is not None and "<svg" in qr_svg(link, "QR")
    for bad in ("https://evil.example/", "https://mts.ru", Link("http://mts.ru", "mts.ru")):
        with pytest.raises(GuideError, match="QR code"):
            qr_svg(bad, "QR")  # type: ignore[arg-type]


# --- content: values cannot allow themselves -----------------------------------------


def _value_fact(project: Project, slug: str) -> str:
    """The key of the operator's first fact with a plain value, other than its site."""
    data = load_yaml(project.operator_file(slug)).data
    return next(k for k, f in data["facts"].items() if "value" in f and k != "site")


def _domain(project: Project, slug: str) -> str:
    return load_content(project).operators[slug].domains[0]


VALUES = [
    "https://evil.example/app",
    "javascript:alert(1)",
    "t.me/cancel_sim",
    "Мой МТС, bit.ly/x",
    "https://evil.example\\@{domain}/",
    "https://{domain}.evil.example/",
    "http://{domain}/",
    "https://user@{domain}/",
    "https://{domain}:8443/",
    "https://{domain}./",
]


@pytest.mark.parametrize("value", VALUES)
def test_an_unofficial_url_as_a_fact_value_is_refused(
    project_copy: Project, operator: str, value: str
) -> None:
    key = _value_fact(project_copy, operator)
    value = value.format(domain=_domain(project_copy, operator))
    path = project_copy.operator_file(operator)
    line = set_yaml_scalar(path, ("facts", key, "value"), value)
    with pytest.raises(GuideError) as info:
        load_content(project_copy)
    assert str(info.value).startswith(f"{path}:{line}: facts.{key}.value: link not from an")


def test_an_official_url_as_a_value_is_linked_with_its_own_host(
    project_copy: Project, tmp_path: Path
) -> None:
    slug = project_copy.operators()[0]
    content = load_content(project_copy)
    key = next(
        k
        for k, f in content.operators[slug].facts.items()
        if f.value and f.printable and k != "site"
    )
    domain = content.operators[slug].domains[0]
    set_yaml_scalar(
        project_copy.operator_file(slug), ("facts", key, "value"), f"https://app.{domain}/x"
    )
    lang = project_copy.catalog_languages()[0]
    code, _, err = run_cli(
        "--lang", lang, "--operator", slug, "--project", str(project_copy.root),
        "--out", str(tmp_path), "--format", "html",
    )  # fmt: skip
    assert code == 0, err
    doc = parse_html(tmp_path / f"{slug}-{lang}.html")
    anchors = [(a.get("href"), a) for t, a in doc.tags if t == "a"]
    assert any(href == f"https://app.{domain}/x" for href, _ in anchors)
    html = (tmp_path / f"{slug}-{lang}.html").read_text("utf-8")
    assert re.search(
        rf'href="https://app\.{re.escape(domain)}/x">\s*app\.{re.escape(domain)}\s*<', html
    )


@pytest.mark.parametrize(
    "site", ["http://{domain}", "https://evil.example", "https://{other}", "{domain}", "611"]
)
def test_the_site_must_be_https_on_the_operators_own_domains(
    project_copy: Project, operator: str, site: str
) -> None:
    content = load_content(project_copy)
    other = next(
        d for slug, op in content.operators.items() if slug != operator for d in op.domains
    )
    site = site.format(domain=content.operators[operator].domains[0], other=other)
    path = project_copy.operator_file(operator)
    line = set_yaml_scalar(path, ("facts", "site", "value"), site)
    with pytest.raises(GuideError) as info:
        load_content(project_copy)
    assert str(info.value).startswith(f"{path}:{line}: facts.site.value: the official site must")


@pytest.mark.parametrize("domains", ["[com.ru]", "[blogspot.com]", "[co.uk]"])
def test_a_public_suffix_is_not_a_domain(project_copy: Project, domains: str) -> None:
    path = project_copy.operator_file(project_copy.operators()[0])
    text = re.sub(r"(?m)^domains:.*$", f"domains: {domains}", path.read_text("utf-8"), count=1)
    path.write_text(text, "utf-8")
    with pytest.raises(GuideError, match=r"domains\[0\]: '.*' is a public suffix"):
        load_content(project_copy)


# --- translations: prose and template strings ---------------------------------------

PROSE = [
    "t.me/cancel_sim",
    "bit.ly/x",
    "wa.me/79990000000",
    "vk.com",
    "мтс.рф",
    "xn--80ak6aa92e.com",
    "www.sim-reseller.example",
    "evil.example/path",
    "https://evil.example\\@{domain}/",
]


@pytest.mark.parametrize("bad", PROSE)
def test_unofficial_links_in_translations_are_refused(
    project_copy: Project, tmp_path: Path, bad: str
) -> None:
    slug = project_copy.operators()[0]
    bad = bad.format(domain=_domain(project_copy, slug))
    lang = project_copy.catalog_languages()[-1]
    cat = catalog(project_copy, lang)
    po = project_copy.po_file(lang)
    content_slot = headings(cat)[0]
    template_slot = template_message(cat, lambda m: "%" not in m.id)
    for slot in (content_slot, template_slot):
        set_msgstr(po, slot, f"{slot.string} {bad}")
        code, _, err = run_cli(
            "--lang", lang, "--operator", slug, "--project", str(project_copy.root),
            "--out", str(tmp_path), "--format", "html",
        )  # fmt: skip
        assert code == 1
        assert re.search(r"messages\.po:\d+: msgstr.*link not from an official site", err), err
        assert not list(tmp_path.glob("*.html"))
        code, _, err = run_cli("check", "--project", str(project_copy.root))
        assert code == 1 and "link not from an official site" in err
        set_msgstr(po, slot, slot.string)


# --- what the built leaflets contain --------------------------------------------------


def _allowed_href(href: str, allowed: Policy, siblings: set[str]) -> bool:
    if re.fullmatch(r"#[\w-]*", href):  # within the page: the staff card's sentences
        return True
    if href.startswith("tel:"):
        return re.fullmatch(r"tel:\+?[0-9]+(%23)?|tel:\*[0-9*]+%23", href) is not None
    return href in siblings or (href.startswith("https://") and allowed.permits(href))


def test_every_url_in_the_html_is_official(content: Content, leaflet, operator: str) -> None:
    allowed = allowed_links(content)
    siblings = {p.name for p in leaflet.html.parent.glob(f"{operator}-*.html")}
    doc = parse_html(leaflet.html)
    assert doc.urls
    for tag, attr, value in doc.urls:
        assert _allowed_href(value, allowed, siblings), (tag, attr, value)
    own = policy(content.operators[operator])
    sites = [a["href"] for t, a in doc.tags if t == "a" and a.get("href", "").startswith("https")]
    assert any(own.permits(href) for href in sites)


def test_every_pdf_link_is_official(content: Content, leaflet) -> None:
    allowed = allowed_links(content)
    uris = []
    for page in pypdf.PdfReader(leaflet.pdf).pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action and "/URI" in action:
                uris.append(str(action["/URI"]))
    assert uris
    for uri in uris:
        assert _allowed_href(uri, allowed, set()), uri
