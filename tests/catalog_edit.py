"""Editing a throw-away guide project for hostile-input tests, without depending on the
current wording: slots are found by their kind (a section heading, a template string
with given placeholders, the first paragraph), never by their text."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from generator.project import Project
from generator.yamlsource import load_yaml


def catalog(project: Project, lang: str) -> Catalog:
    with project.po_file(lang).open("rb") as fh:
        return read_po(fh, locale=lang)


def singles(cat: Catalog) -> Iterator[Message]:
    """Translated, non-plural, non-fuzzy messages, in file order."""
    for m in cat:
        if (
            m.id
            and isinstance(m.id, str)
            and isinstance(m.string, str)
            and m.string
            and not m.fuzzy
        ):
            yield m


def headings(cat: Catalog) -> list[Message]:
    """Section headings: printed in every leaflet of the language, as plain text."""
    return [m for m in singles(cat) if (m.context or "").endswith("/heading")]


def template_message(cat: Catalog, test: Callable[[Message], bool]) -> Message:
    """The first translated template string (no context) that ``test`` accepts."""
    return next(m for m in singles(cat) if m.context is None and test(m))


def po_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def set_msgstr(path: Path, message: Message, text: str) -> None:
    """Replace ``message``'s msgstr (all its lines) in the ``.po`` at ``path``."""
    lines = path.read_text("utf-8").split("\n")
    i = message.lineno - 1
    while not lines[i].startswith("msgstr"):
        i += 1
    end = i + 1
    while end < len(lines) and lines[end].startswith('"'):
        end += 1
    lines[i:end] = [f"msgstr {po_quote(text)}"]
    path.write_text("\n".join(lines), "utf-8")


def set_header(path: Path, field: str, value: str) -> None:
    """Replace a header field (e.g. ``Plural-Forms``), continuation lines included."""
    lines = path.read_text("utf-8").split("\n")
    start = next(n for n, line in enumerate(lines) if line.startswith(f'"{field}:'))
    end = start
    while not lines[end].endswith('\\n"'):
        end += 1
    lines[start : end + 1] = [po_quote(f"{field}: {value}\n")]
    path.write_text("\n".join(lines), "utf-8")


def set_yaml_scalar(
    path: Path, key_path: tuple[str | int, ...], value: str, *, yaml: str | None = None
) -> int:
    """Set the scalar at ``key_path`` of a content file to a one-line quoted ``value``
    (or to ``yaml``, written as it is, e.g. with YAML escapes such as ``"\\u202e"``).

    Returns its line. A value that spanned several lines loses its continuation lines.
    """
    source = load_yaml(path)
    line = source.lines[key_path]
    lines = path.read_text("utf-8").split("\n")
    head = lines[line - 1]
    key = key_path[-1]
    marker = "- " if isinstance(key, int) else f"{key}:"
    column = head.index(marker)
    written = yaml if yaml is not None else po_quote(value)
    lines[line - 1] = head[: column + len(marker)].rstrip() + " " + written
    end = line
    while end < len(lines) and (
        not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > column
    ):
        end += 1
    while end > line and not lines[end - 1].strip():
        end -= 1  # keep the blank lines before the next key
    del lines[line:end]
    path.write_text("\n".join(lines), "utf-8")
    return line


def first_paragraph(project: Project) -> tuple[str | int, ...]:
    """The key path of the first ``p`` block of guide.yaml."""
    data = load_yaml(project.guide_file).data
    for i, section in enumerate(data["sections"]):
        for j, block in enumerate(section["body"]):
            if "p" in block:
                return ("sections", i, "body", j, "p")
    raise AssertionError("guide.yaml has no paragraph")
