"""Write the outcome of ``facts verify --record`` into the operator files.

Only confirmed facts change: their ``checked`` and ``verified`` become today. The files
are edited round-trip (ruamel.yaml), so comments, quoting and key order stay as the
editor wrote them and the diff shows just the dates for review. Before the first date
moves, an operator file without ``compiled`` gets one (its oldest printed check), so the
leaflet's "compiled in" keeps naming the month the facts were compiled. Each edited file
is read back through the content loader before it replaces the old one: a file this
writes is never one the build refuses.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterable
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from .content import Content, load_operator
from .errors import GuideError
from .output import write_atomic
from .project import Project
from .schema import Operator
from .verify import Verdict
from .yamlsource import read_text

log = logging.getLogger(__name__)


def _indentation(text: str) -> tuple[int, int]:
    """The file's mapping indent and its sequences' dash offset (the repository's: 2 and
    2), so a file indented otherwise is not re-indented line by line. (ruamel.yaml's own
    guess reports a sequence's indent when there is one.)"""
    mapping, offset = 0, -1
    parent = None
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        column = len(line) - len(stripped)
        if stripped.startswith("- ") and parent is not None and offset < 0:
            offset = column - parent
        elif column and not mapping and not stripped.startswith("-"):
            mapping = column
        parent = column if stripped.rstrip().endswith(":") else None
    return mapping or 2, offset if offset >= 0 else 2


def _yaml(text: str = "") -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap an editor's long line
    mapping, offset = _indentation(text)
    yaml.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    # The same date in checked and verified must not come out as an anchor and an alias
    # (which the content loader refuses).
    yaml.representer.ignore_aliases = lambda *args: True
    return yaml


def record(
    project: Project, content: Content, verdicts: Iterable[Verdict], today: dt.date
) -> list[Path]:
    """Set ``checked`` and ``verified`` to ``today`` for every confirmed fact; the files
    changed, in order. Nothing is written when nothing was confirmed."""
    confirmed: dict[str, list[str]] = {}
    for verdict in verdicts:
        if verdict.status == "confirmed":
            confirmed.setdefault(verdict.operator, []).append(verdict.fact)
    changed = []
    for slug, keys in confirmed.items():
        path = content.sources[slug].path
        new = _edited(
            path, read_text(path, root=project.root), content.operators[slug], keys, today
        )
        if new is not None:
            write_atomic(_target(project, path), new.encode("utf-8"))
            changed.append(path)
    return changed


def _target(project: Project, path: Path) -> Path:
    """The file a link in the project leads to (the loader read it there): replacing the
    link by a file would leave the real one unchanged. Never a file outside the project."""
    target = path.resolve()
    if not target.is_relative_to(project.root.resolve()):
        raise GuideError(f"{path}: leads out of the project; not written")
    return target


def _edited(
    path: Path, text: str, operator: Operator, keys: list[str], today: dt.date
) -> str | None:
    yaml = _yaml(text)
    try:
        data = yaml.load(text)
    except YAMLError as exc:  # it passed the content loader: a reader difference
        raise GuideError(f"{path}: cannot be edited round-trip: {exc}") from exc
    facts = data.get("facts") if isinstance(data, CommentedMap) else None
    if not isinstance(facts, CommentedMap):
        raise GuideError(f"{path}: no 'facts' mapping to record in")
    if "compiled" not in data:
        # Before any check date moves: what the leaflet said was compiled stays so.
        data.insert(list(data).index("facts"), "compiled", operator.compiled_on())
    touched = False
    for key in keys:
        fact = facts.get(key)
        if not isinstance(fact, CommentedMap):
            raise GuideError(f"{path}: facts.{key}: not found when recording")
        if fact.get("checked") == today and fact.get("verified") == today:
            continue
        fact["checked"] = today
        if "verified" in fact:
            fact["verified"] = today
        else:
            fact.insert(list(fact).index("checked") + 1, "verified", today)
        touched = True
    if not touched:
        return None
    out = io.StringIO()
    yaml.dump(data, out)
    new = out.getvalue()
    # A document end marker, which ruamel.yaml drops too.
    if text.rstrip("\r\n\ufeff").splitlines()[-1:] == ["..."] and not new.rstrip().endswith(
        "\n..."
    ):
        new = new.rstrip("\n") + "\n...\n"
    # The file's line ends and byte-order mark, which ruamel.yaml drops: else every
    # line of a CRLF file changes and the review diff hides the dates.
    if "\r\n" in text and text.count("\r\n") == text.count("\n"):
        new = new.replace("\n", "\r\n")
    if text.startswith("\ufeff") and not new.startswith("\ufeff"):
        new = "\ufeff" + new
    # Read back as the build will, before it replaces anything.
    edited, _ = load_operator(path, new)
    for key in keys:
        if edited.facts[key].checked != today or not edited.facts[key].live:
            raise GuideError(f"{path}: facts.{key}: recording the check did not read back")
    log.debug("%s: recorded %s", path, ", ".join(keys))
    return new
