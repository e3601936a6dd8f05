"""Shared fixtures. Languages and operators are discovered from the repository's
guide project, so adding a catalog or an operator file adds test cases."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.build import Settings, Target, build
from generator.content import Content, load_content
from generator.project import Project

PROJECT = Project.default()
LANGS = PROJECT.languages()
#: Languages with a catalog (the source language builds without one).
CATALOG_LANGS = PROJECT.catalog_languages()
OPERATORS = PROJECT.operators()
SOURCE_LANG = "en"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that takes ``lang`` / ``operator`` runs for each one found in the tree."""
    if "lang" in metafunc.fixturenames:
        translated = metafunc.definition.get_closest_marker("translated_only")
        metafunc.parametrize(
            "lang", [lang for lang in LANGS if not (translated and lang == SOURCE_LANG)]
        )
    if "operator" in metafunc.fixturenames:
        metafunc.parametrize("operator", OPERATORS)
    if "catalog_lang" in metafunc.fixturenames:
        metafunc.parametrize("catalog_lang", CATALOG_LANGS)


@pytest.fixture(scope="session")
def project() -> Project:
    return PROJECT


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content(PROJECT)


@dataclass(frozen=True)
class Built:
    pdf: Path
    html: Path


@pytest.fixture(scope="session")
def built_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every leaflet of the repository, built once for the whole session.

    Built with ``strict``: any WeasyPrint warning (an unsupported CSS rule, a refused
    URL, a missing resource) fails the leaflet, so a clean build is also a quiet one.
    """
    out = tmp_path_factory.mktemp("dist")
    targets = [Target(lang, op) for op in OPERATORS for lang in LANGS]
    settings = Settings(out, strict=True)
    errors = [r.error for r in build(PROJECT, targets, settings, jobs=2) if r.error]
    assert not errors, errors
    return out


@pytest.fixture
def leaflet(built_dir: Path, lang: str, operator: str) -> Built:
    return Built(
        pdf=built_dir / f"{operator}-{lang}.pdf", html=built_dir / f"{operator}-{lang}.html"
    )


@pytest.fixture
def project_copy(tmp_path: Path) -> Project:
    """A throw-away copy of the guide project, for tests that break things."""
    root = tmp_path / "guide"
    for name in ("content", "templates", "locales"):
        shutil.copytree(PROJECT.root / name, root / name)
    return Project(root)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright, for the browser tests and the preview's."""
    from playwright.sync_api import sync_playwright
    from test_browser import FLAGS, _tool

    chromium = _tool("MAKE_GUIDE_CHROMIUM", shutil.which("chromium"))
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        yield instance
        instance.close()
