"""Babel extractor for the content YAML (entry point ``babel.extractors: make_guide_content``).

``pybabel extract -F babel.cfg`` maps ``content/**.yaml`` here and templates to
Jinja2's own extractor. Each content string is yielded as ``pgettext(context,
msgid)`` so Babel files it under its message context (the section id, or
``operator:<slug>``), with a translator comment saying where it appears.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir

from . import files
from .content import guide_messages, operator_messages, parse_model
from .project import Project
from .schema import Guide, Operator
from .yamlsource import load_yaml

ExtractResult = tuple[int, str, tuple[str, ...], list[str]]


def extract_content(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[ExtractResult]:
    """Yield ``(lineno, 'pgettext', (context, msgid), [comment])`` for one content file."""
    path = Path(getattr(fileobj, "name", options.get("filename", "content.yaml")))
    if path.parent.name == "packs":
        return  # content/packs/*.yaml: a pack's title is printed as written, not translated
    source = load_yaml(path, fileobj.read().decode("utf-8"))
    if path.parent.name == "operators":
        operator = parse_model(Operator, source, slug=path.stem)
        assert isinstance(operator, Operator)
        messages = operator_messages(operator, source)
    else:
        guide = parse_model(Guide, source)
        assert isinstance(guide, Guide)
        messages = guide_messages(guide, source)
    for message in messages:
        if message.plural is not None:
            texts = (message.context, message.msgid, message.plural)
            yield message.line or 0, "npgettext", texts, [message.comment]
        else:
            yield message.line or 0, "pgettext", (message.context, message.msgid), [message.comment]


#: What extraction reads, as in babel.cfg (a test keeps the two in step).
METHOD_MAP = [
    ("content/**.yaml", "generator.extract:extract_content"),
    ("templates/**.html", "jinja2.ext:babel_extract"),
]
OPTIONS_MAP = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def extract_catalog(project: Project) -> Catalog:
    """Every message the project's content and templates use, as a Babel catalog (a .pot)."""
    catalog = Catalog(project="make-guide", fuzzy=False)

    def check(filename: str, method: str, options: object) -> None:
        # Babel opens each file itself: first refuse what generator.files would (a link
        # out of the project, a FIFO that would hang, a file far too large).
        files.check_file(project.root / filename, root=project.root)

    for filename, lineno, message, comments, context in extract_from_dir(
        project.root, METHOD_MAP, OPTIONS_MAP, callback=check, strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog
