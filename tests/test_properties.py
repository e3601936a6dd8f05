"""Property-based tests: fed generated content and catalogs, the loader and the
renderer raise nothing but the project's user-error type, and never emit markup
from the input."""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.content import load_content
from generator.errors import GuideError
from generator.i18n import Translator
from generator.project import Project
from generator.render import render_html
from generator.yamlsource import load_yaml

from helpers import parse_html

SETTINGS = settings(
    # HYPOTHESIS_EXAMPLES=1000 for a longer hunt; 60 keeps the suite quick.
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=120)
KEYS = (
    st.sampled_from(
        [
            "names",
            "latin",
            "local",
            "facts",
            "site",
            "value",
            "text",
            "source",
            "checked",
            "confidence",
            "rule",
            "sentence",
            "num",
            "amount",
            "note",
            "short_number",
            "x",
        ]
    )
    | TEXT
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | TEXT
    | st.dates().map(str)
    | st.sampled_from(["high", "medium", "low", "0611", "https://mts.ru"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=25,
)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory, project: Project) -> Project:
    root = tmp_path_factory.mktemp("prop") / "guide"
    for name in ("content", "templates", "locales"):
        shutil.copytree(project.root / name, root / name)
    return Project(root)


@SETTINGS
@given(st.text(max_size=400) | st.binary(max_size=400).map(lambda b: b.decode("latin-1")))
def test_yaml_reader_only_raises_guide_errors(tmp_path_factory, text: str) -> None:
    path = tmp_path_factory.mktemp("y") / "x.yaml"
    path.write_text(text, "utf-8")
    try:
        load_yaml(path)
    except GuideError as exc:
        assert "\n" not in str(exc)


@SETTINGS
@given(st.dictionaries(KEYS, VALUES, max_size=6))
def test_content_loader_only_raises_guide_errors(sandbox: Project, data: dict) -> None:
    path = sandbox.operator_file("mts")
    original = path.read_text("utf-8")
    try:
        path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
        load_content(sandbox)
    except GuideError as exc:
        assert "\n" not in str(exc) and str(exc)
    finally:
        path.write_text(original, "utf-8")


@pytest.fixture(scope="module")
def ru_catalog(sandbox: Project):
    with sandbox.po_file("ru").open("rb") as fh:
        return read_po(fh, locale="ru")


@SETTINGS
@given(st.lists(TEXT, min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_renderer_with_generated_translations(
    sandbox: Project, ru_catalog, texts: list[str], rnd
) -> None:
    content = load_content(sandbox)
    catalog = copy.deepcopy(ru_catalog)
    messages = [m for m in catalog if m.id and isinstance(m.id, str)]
    for text in texts:
        rnd.choice(messages).string = text
    tr = Translator(lang="ru", path=sandbox.po_file("ru"), catalog=catalog)
    try:
        html = render_html(sandbox, content, "ru", "mts", tr)
    except GuideError as exc:
        assert "\n" not in str(exc)
        return
    _assert_no_injected_markup(html, tmp=Path(sandbox.root))


@SETTINGS
@given(st.lists(TEXT.filter(lambda t: t.strip()), min_size=1, max_size=6))
def test_renderer_with_generated_content(sandbox: Project, ru_catalog, texts: list[str]) -> None:
    path = sandbox.guide_file
    original = path.read_text("utf-8")
    data = yaml.safe_load(original)
    data["title"] = texts[0]
    for i, text in enumerate(texts[1:]):
        data["sections"][i % len(data["sections"])]["heading"] = text
    try:
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
        content = load_content(sandbox)
        tr = Translator(lang="ru", path=sandbox.po_file("ru"), catalog=copy.deepcopy(ru_catalog))
        html = render_html(sandbox, content, "ru", "t2", tr, draft=True)
        _assert_no_injected_markup(html, tmp=Path(sandbox.root))
    except GuideError as exc:
        assert "\n" not in str(exc)
    finally:
        path.write_text(original, "utf-8")


def _assert_no_injected_markup(html: str, tmp: Path) -> None:
    page = tmp / "page.html"
    page.write_text(html, "utf-8")
    doc = parse_html(page)
    tags = [tag for tag, _ in doc.tags]
    assert "script" not in tags and "img" not in tags and "iframe" not in tags
    assert tags.count("style") == 4 and tags.count("svg") == 1  # ours: 4 sheets, the QR
    assert not [a for _, attrs in doc.tags for a in attrs if a.startswith("on")]
