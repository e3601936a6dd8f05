"""The translators' workflow: ``make-guide i18n extract | update | compile | init LANG``.

Thin wrappers over Babel's own commands (the classes behind ``pybabel``), with the
guide project's paths filled in. Extraction uses the same two extractors as
``babel.cfg`` (ours for content YAML, Jinja2's for templates).
"""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.frontend import (
    BaseError,
    CommandMixin,
    CompileCatalog,
    InitCatalog,
    UpdateCatalog,
)
from babel.messages.pofile import write_po

from . import files
from .errors import GuideError
from .extract import extract_catalog
from .i18n import parse_locale
from .output import write_atomic
from .project import DOMAIN, Project

log = logging.getLogger(__name__)

#: Line width of the .po files we write (Poedit and Weblate keep what they find).
WIDTH = 100


def _run(command: type[CommandMixin], **options: Any) -> None:
    cmd: Any = command()  # Babel's command classes: distutils-style, untyped
    for name, value in options.items():
        setattr(cmd, name, value)
    try:
        cmd.finalize_options()
        cmd.run()
    except BaseError as exc:  # Babel's OptionError and its "out of date" result
        raise GuideError(f"{command.__name__}: {exc}") from None
    except OSError as exc:  # Babel writes the files itself: a folder in the way, a full disk
        raise GuideError(f"{exc.filename}: cannot write: {exc.strerror or exc}") from None


def extract(project: Project, target: Path | None = None, catalog: Catalog | None = None) -> Path:
    """Write the template (``locales/messages.pot``) from the content and templates.

    ``catalog``: an extraction already made (see :func:`extract_catalog`), not redone.
    """
    target = target or project.pot_file
    catalog = catalog if catalog is not None else extract_catalog(project)
    catalog.msgid_bugs_address = ""
    catalog.copyright_holder = "make-guide contributors"
    target.parent.mkdir(parents=True, exist_ok=True)
    data = io.BytesIO()
    write_po(data, catalog, width=WIDTH, include_previous=False)
    # Replaced, not written through: a link in its place must not redirect the write.
    write_atomic(target, data.getvalue())
    log.info("extracted %d messages into %s", len(catalog), target)
    return target


def _check_catalogs(project: Project, *, outputs: str = "") -> None:
    """Babel's commands open the catalogs themselves: first refuse what generator.files
    would, and any existing output (``.mo``) that is a link leading out of the project."""
    for po in sorted(project.locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        files.check_file(po, root=project.root)
        if outputs and os.path.lexists(po.with_suffix(outputs)):
            project.refuse_outside(po.with_suffix(outputs))


def _update(project: Project, pot: Path, *, check: bool) -> None:
    _check_catalogs(project)
    _run(
        UpdateCatalog,
        input_file=str(pot),
        output_dir=str(project.locales_dir),
        domain=DOMAIN,
        width=WIDTH,
        check=check,
        ignore_pot_creation_date=True,
    )


def update(project: Project) -> list[Path]:
    """Extract, then merge the new template into every catalog (new strings, fuzzy matches)."""
    _update(project, extract(project), check=False)
    return [project.po_file(lang) for lang in project.languages()]


def out_of_date(project: Project, pot: Path) -> bool:
    """True when ``pybabel update --check`` against ``pot`` would change a catalog.

    False when a catalog may not be opened at all (a FIFO, a link out of the project):
    that is reported where the catalog is read, and is not a reason to run i18n update.
    """
    try:
        _check_catalogs(project)
    except GuideError:
        return False
    try:
        _update(project, pot, check=True)
    except GuideError:
        return True
    return False


def compile_catalogs(project: Project) -> list[Path]:
    """Compile every catalog to ``.mo`` (for gettext tools; the build reads ``.po``)."""
    _check_catalogs(project, outputs=".mo")
    _run(CompileCatalog, directory=str(project.locales_dir), domain=DOMAIN, use_fuzzy=False)
    return [project.po_file(lang).with_suffix(".mo") for lang in project.languages()]


def init(project: Project, lang: str) -> Path:
    """Start a catalog for a new language from the template."""
    parse_locale(lang, lang)
    path = project.po_file(lang)
    if path.exists():
        raise GuideError(f"{path}: a catalog for '{lang}' exists already; use 'i18n update'")
    if not project.pot_file.exists():
        extract(project)
    files.check_file(project.pot_file, root=project.root)
    _run(
        InitCatalog,
        input_file=str(project.pot_file),
        output_dir=str(project.locales_dir),
        locale=lang,
        domain=DOMAIN,
        width=WIDTH,
    )
    return path
