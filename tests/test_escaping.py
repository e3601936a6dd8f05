"""Every translation is text: template strings (Jinja2's newstyle gettext) and content
strings alike reach the page escaped, in HTML, in attributes, in CSS and in the PDF.

The catalog check refuses markup in a msgstr (tests/test_hostile.py); here it is
switched off, so that the escaping itself is what is tested."""

from __future__ import annotations

import copy
import io
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pypdf
import pytest
from babel.messages.catalog import Catalog, Message
from catalog_edit import catalog, set_msgstr, singles
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup, escape

from generator import catalog_rules
from generator.content import Content
from generator.errors import GuideError
from generator.filters import css_counters, css_string
from generator.i18n import Translator, placeholders
from generator.links import allowed_links
from generator.pdf import html_to_pdf
from generator.project import Project
from generator.render import render_html

from helpers import normalise, pdf_text, run_cli

LANG, OPERATOR = "ru", "mts"
# Break out of an element, out of an attribute (the keywords <meta>), into a link.
HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '" http-equiv="refresh" content="0;url=https://evil.example/',
    "' onfocus='alert(1)' autofocus x='",
    '<a href="https://evil.example/">official site</a>',
    "</title></style></p><iframe src=//evil.example>",
    "&lt;b&gt; &amp;amp; &#60;script&#62;",
]


class _Page(HTMLParser):
    """Every element with its attributes, and every string a reader can get at: text
    (the <title> and the SVG's <title> included) and attribute values."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, tuple[str, ...]]] = []
        self.strings: list[str] = []
        self._style = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = tuple(sorted(name for name, _ in attrs))
        if (tag, names) != ("span", ("lang",)):  # Russian passages, marked wherever they are
            self.tags.append((tag, names))
        self.strings += [value for _, value in attrs if value]
        self._style += tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._style -= tag == "style"

    def handle_data(self, data: str) -> None:
        if not self._style:
            self.strings.append(data)

    @property
    def text(self) -> str:
        return normalise(" ".join(self.strings))


def _fill(payload: str, message: Message) -> str:
    """``payload`` with the msgid's placeholders appended (so the placeholder check passes)."""
    names = sorted(p for p in placeholders(str(message.id)) if p.startswith("%("))
    return " ".join([payload.replace("%", "%%"), *(f"{p}s" for p in names)])


@pytest.fixture(scope="module")
def base(project: Project) -> Catalog:
    return catalog(project, LANG)


@pytest.fixture
def markup_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Switch off the catalog's markup check: the escaping alone must hold."""
    monkeypatch.setattr(catalog_rules, "markup", lambda text: set())


def _render(project: Project, content: Content, cat: Catalog) -> str:
    tr = Translator(lang=LANG, path=project.po_file(LANG), catalog=cat)
    return render_html(project, content, LANG, OPERATOR, tr)


def _template_messages(cat: Catalog) -> Iterator[Message]:
    """Strings of the templates (not of the content): the ones Jinja2's gettext returns."""
    for m in singles(cat):
        if m.context is None and all(f.startswith("templates/") for f, _ in m.locations):
            yield m


def _visible(project: Project, content: Content, base: Catalog) -> list[Message]:
    """The messages whose translation shows in the page as text or an attribute value.

    Found with one render in which every translation is a distinct marker.
    """
    cat = copy.deepcopy(base)
    found = list(singles(cat))
    for i, m in enumerate(found):
        m.string = _fill(f"Qz{i}zQ", m)
    page = _Page(_render(project, content, cat)).text
    return [m for i, m in enumerate(singles(base)) if f"Qz{i}zQ" in page]


@pytest.mark.parametrize("payload", HOSTILE)
def test_template_translations_are_escaped(
    project: Project, content: Content, base: Catalog, markup_allowed: None, payload: str
) -> None:
    clean = _Page(_render(project, content, base))
    cat = copy.deepcopy(base)
    poisoned = list(_template_messages(cat))
    assert poisoned, "the templates have translatable strings"
    for m in poisoned:
        m.string = _fill(payload, m)
    try:
        page = _Page(_render(project, content, cat))
    except GuideError as exc:  # a link in the payload: refused, with its catalog line
        assert "link not from an official site" in str(exc) and "messages.po:" in str(exc)
        return
    assert page.tags == clean.tags  # no element or attribute the templates did not write
    assert normalise(payload) in page.text


def test_quote_in_a_template_string_cannot_leave_its_attribute(
    project: Project, content: Content, base: Catalog
) -> None:
    # No markup and no link: the catalog check passes it; only escaping stops it.
    payload = '" http-equiv="refresh" content="0'
    clean = _Page(_render(project, content, base))
    cat = copy.deepcopy(base)
    for m in _template_messages(cat):
        m.string = _fill(payload, m)
    page = _Page(_render(project, content, cat))
    assert page.tags == clean.tags
    assert not [tag for tag, attrs in page.tags if "http-equiv" in attrs]
    assert any(payload in value for value in page.strings)  # the keywords, intact


def test_css_strings_show_the_text_not_its_html_escaping() -> None:
    text = 'Page {page} of {pages} & "more" <x>'
    assert css_counters(escape(text)) == css_counters(text)
    assert css_string(escape(text)) == css_string(text)
    assert "&amp;" not in css_string(Markup("a &amp; b"))


def test_footer_and_title_in_the_pdf_show_ampersands_and_quotes(
    project_copy: Project, tmp_path
) -> None:
    cat = catalog(project_copy, LANG)
    footer = next(m for m in _template_messages(cat) if "%(pages)s" in str(m.id))
    title = next(m for m in singles(cat) if m.context == "guide/title")
    po = project_copy.po_file(LANG)
    for m, text in sorted(
        [(footer, 'P. %(page)s & "%(pages)s"'), (title, 'Cancel & "close" a SIM')],
        key=lambda pair: -pair[0].lineno,
    ):
        set_msgstr(po, m, text)
    code, _, err = run_cli(
        "--lang", LANG, "--operator", OPERATOR, "--project", str(project_copy.root),
        "--out", str(tmp_path), "--format", "pdf",
    )  # fmt: skip
    assert code == 0, err
    text = pdf_text(tmp_path / f"{OPERATOR}-{LANG}.pdf")
    assert re.search(r'P\. 1 & "3"', text), text[-300:]  # page 1 of 3
    assert 'Cancel & "close" a SIM' in text
    assert "&amp;" not in text and "&#34;" not in text


# --- property: any msgstr, in any slot that shows in the page -----------------------

SETTINGS = settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "80")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PIECES = st.sampled_from(
    [
        "<", ">", "&", '"', "'", "=", "/", ";", "#", " ", "a", "b", "x", "中",
        "<script>", "</", "<img src=x onerror=alert(1)>", "&amp;", "&#60;", "&lt;",
        '" http-equiv="refresh" content="0', "' onload='", "<a href=", "<!--", "-->",
        "{{ 7*7 }}", "{%", "%}", "%%", "javascript:alert(1)", "</style>", "\\",
    ]
)  # fmt: skip
PAYLOADS = st.lists(PIECES, min_size=1, max_size=12).map("".join).filter(lambda s: s.strip())


@pytest.fixture(scope="module")
def slots(project: Project, content: Content, base: Catalog) -> tuple[_Page, list[Message]]:
    return _Page(_render(project, content, base)), _visible(project, content, base)


@SETTINGS
@given(payload=PAYLOADS, data=st.data())
def test_any_translation_shows_literally_and_adds_no_markup(
    project: Project, content: Content, base: Catalog, slots, markup_allowed, payload, data
) -> None:
    clean, visible = slots
    ours = [m for m in visible if m.context is None]  # template strings
    theirs = [m for m in visible if m.context is not None]  # content strings
    assert ours and theirs
    # Half the examples go to the few template strings, half to the many content ones.
    target = data.draw(st.sampled_from(ours) | st.sampled_from(theirs), label="slot")
    cat = copy.deepcopy(base)
    message = cat.get(target.id, context=target.context)
    message.string = _fill(payload, message)
    try:
        page = _Page(_render(project, content, cat))
    except GuideError as exc:
        assert "\n" not in str(exc) and "messages.po:" in str(exc)
        # Refused, not rendered: a link, a blank, or pieces that form a {placeholder}.
        reasons = ("link not from an official site", "blank", "placeholders")
        assert any(reason in str(exc) for reason in reasons), str(exc)
        return
    assert page.tags == clean.tags
    assert normalise(payload) in page.text


@pytest.mark.parametrize("payload", [*HOSTILE[:2], '<a href="x">official site</a>'])
def test_pdf_has_no_link_outside_the_official_domains(
    project: Project, content: Content, base: Catalog, markup_allowed: None, payload: str
) -> None:
    cat = copy.deepcopy(base)
    for m in _template_messages(cat):
        m.string = _fill(payload, m)  # markup only: a link would be refused before rendering
    html = _render(project, content, cat)
    pdf = html_to_pdf(html, assets_dirs=project.assets_dirs, label="t")
    allowed = allowed_links(content)
    uris = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action and "/URI" in action:
                uris.append(str(action["/URI"]))
    assert uris, "the official site is a link"
    for uri in uris:
        assert uri.startswith("tel:") or (uri.startswith("https://") and allowed.permits(uri))


def test_qr_title_is_escaped_once(content: Content) -> None:
    from generator.filters import qr_svg
    from generator.links import policy

    operator = next(iter(content.operators.values()))
    link = policy(operator).link(operator.site)
    assert link is not None
    svg = qr_svg(link, escape('A & "B" <c>'))
    assert '<title>A &amp; "B" &lt;c&gt;</title>' in svg
