"""The translators' workflow: ``make-guide i18n extract | update | compile | init LANG``.

Babel does the work (its extraction, ``Catalog.update``, its ``compile`` and ``init``
commands), with the guide project's paths filled in. Extraction uses the same two
extractors as ``babel.cfg`` (ours for content YAML, Jinja2's for templates). Updating
matches changed strings fuzzily only within one operator's strings (see :func:`merge`).
"""

from __future__ import annotations

import contextlib
import copy
import io
import logging
import os
import re
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.frontend import (
    BaseError,
    CommandMixin,
    CompileCatalog,
    InitCatalog,
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
    # Babel's commands print their warnings ("msg has more translations than
    # num_plurals", when a .pot's two plural forms meet a one-form language): they are
    # not the user's problem, so they go to the debug log, not to the terminal.
    captured = io.StringIO()
    try:
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            cmd.finalize_options()
            cmd.run()
    except BaseError as exc:  # Babel's OptionError and its "out of date" result
        raise GuideError(f"{command.__name__}: {exc}") from None
    except OSError as exc:  # Babel writes the files itself: a folder in the way, a full disk
        raise GuideError(f"{exc.filename}: cannot write: {exc.strerror or exc}") from None
    finally:
        if captured.getvalue().strip():
            log.debug("%s said: %s", command.__name__, " ".join(captured.getvalue().split()))


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
    new = data.getvalue()
    # Unchanged but for its creation time: left alone, so that extracting twice is no change.
    if os.path.isfile(target) and _undated(target.read_bytes()) == _undated(new):
        return target
    # Replaced, not written through: a link in its place must not redirect the write.
    write_atomic(target, new)
    log.info("extracted %d messages into %s", len(catalog), target)
    return target


def _undated(pot: bytes) -> bytes:
    return re.sub(rb'"POT-Creation-Date: [^"]*"', b"", pot)


def _check_catalogs(project: Project, *, outputs: str = "") -> None:
    """Babel's commands open the catalogs themselves: first refuse what generator.files
    would, and any existing output (``.mo``) that is a link leading out of the project."""
    for po in sorted(project.locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        files.check_file(po, root=project.root)
        if outputs and os.path.lexists(po.with_suffix(outputs)):
            project.refuse_outside(po.with_suffix(outputs))


def _group(context: str | None) -> str:
    """The part of the guide a message belongs to, for fuzzy matching: one operator's
    strings (``operator:t2/...``), or everything else (sections, templates)."""
    return context.split("/", 1)[0] if context and context.startswith("operator:") else ""


def merge(catalog: Catalog, template: Catalog) -> Catalog:
    """``catalog`` updated to ``template``: new strings added, gone ones made obsolete,
    changed ones matched fuzzily (Babel's ``Catalog.update``) — but only within their
    group. A new operator's strings are never guessed from another operator's facts: a
    translator who accepts such a guess would publish T2's facts under another name."""
    parts: dict[str, Catalog] = {}
    groups = {_group(m.context) for m in [*template, *catalog] if m.id}
    for group in sorted(groups):
        old, new = copy.deepcopy(catalog), copy.deepcopy(template)
        for cat in (old, new):
            for m in list(cat):
                if m.id and _group(m.context) != group:
                    cat.delete(m.id, context=m.context)
        old.update(new, update_header_comment=False, update_creation_date=False)
        parts[group] = old
    merged = copy.deepcopy(catalog)
    for m in list(merged):
        if m.id:
            merged.delete(m.id, context=m.context)
    merged.obsolete.clear()
    for m in template:
        if m.id:
            found = parts[_group(m.context)].get(m.id, context=m.context)
            assert found is not None  # update() put every template message in its part
            merged[m.id] = found
    for part in parts.values():
        merged.obsolete.update(part.obsolete)
    merged.revision_date = catalog.revision_date
    return merged


def _keys(catalog: Catalog) -> set[tuple[str | None, str]]:
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}


def update(project: Project) -> list[Path]:
    """Extract, then merge the new template into every catalog (see :func:`merge`)."""
    from .i18n import load_catalog

    template = extract_catalog(project)
    extract(project, catalog=template)
    written = []
    for lang in project.catalog_languages():
        merged = merge(load_catalog(project, lang), template)
        data = io.BytesIO()
        # Without '#| msgid' lines: Babel wraps them, and msgfmt then misreads them.
        write_po(data, merged, width=WIDTH, include_previous=False)
        write_atomic(project.po_file(lang), data.getvalue())
        written.append(project.po_file(lang))
    return written


def out_of_date(project: Project, template: Catalog) -> list[str]:
    """The languages whose catalogs lack a message of ``template`` or hold one it no longer
    has: what ``i18n update`` would change. Messages are compared, not the file's text:
    a catalog re-wrapped by msgcat, Poedit or Weblate is not out of date."""
    from .i18n import load_catalog

    stale = []
    for lang in project.catalog_languages():
        try:
            catalog = load_catalog(project, lang)
        except GuideError:
            continue  # reported where the catalog is checked
        if _keys(catalog) != _keys(template):
            stale.append(lang)
    return stale


def compile_catalogs(project: Project) -> list[Path]:
    """Compile every catalog to ``.mo`` (for gettext tools; the build reads ``.po``)."""
    _check_catalogs(project, outputs=".mo")
    _run(CompileCatalog, directory=str(project.locales_dir), domain=DOMAIN, use_fuzzy=False)
    return [project.po_file(lang).with_suffix(".mo") for lang in project.catalog_languages()]


def init(project: Project, lang: str) -> Path:
    """Start a catalog for a new language from the template, and mark the language not
    released in guide.yaml: ``--all`` leaves it out until a translator removes the mark
    (building it alone needs ``--draft`` meanwhile)."""
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
    hold_back(project, lang)
    return path


def hold_back(project: Project, lang: str) -> None:
    """Add ``<lang>: {released: false}`` under ``languages:`` in guide.yaml (a line of
    text: the editor's comments and layout stay as they are)."""
    from .yamlsource import load_yaml

    source = load_yaml(project.guide_file)
    settings = source.data.get("languages") if isinstance(source.data, dict) else None
    if isinstance(settings, dict) and lang in settings:
        return  # the editor has said something about this language already
    lines = files.read_text(project.guide_file, root=project.root).splitlines(keepends=True)
    indent = "  "
    if settings:
        # Indented as the entries already there are (YAML refuses a mix).
        first = source.lines.get(("languages", next(iter(settings))))
        if first:
            indent = lines[first - 1][: len(lines[first - 1]) - len(lines[first - 1].lstrip())]
    entry = f"{indent}{lang}: {{released: false}}  # a translation in progress: not in --all\n"
    if settings is None:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.append(f"\n# Per language settings.\nlanguages:\n{entry}")
    elif (at := source.lines.get(("languages",))) and lines[at - 1].rstrip() == "languages:":
        lines.insert(at, entry)
    else:
        lines = []
    text = "".join(lines)
    if not lines or not _holds_back(project, text, lang):
        log.warning(
            "%s: add '%s: {released: false}' under 'languages' so that --all leaves it out",
            project.guide_file,
            lang,
        )
        return
    write_atomic(project.guide_file, text.encode("utf-8"))


def _holds_back(project: Project, text: str, lang: str) -> bool:
    """True when ``text`` (guide.yaml edited) reads back with ``lang`` not released and
    every other key as before: an edit that breaks the YAML is never written."""
    from .yamlsource import load_yaml

    try:
        before = load_yaml(project.guide_file).data
        after = load_yaml(project.guide_file, text).data
    except GuideError:
        return False
    if not isinstance(before, dict):
        return False
    languages = before.get("languages") or {}
    return after == {**before, "languages": {**languages, lang: {"released": "false"}}}
