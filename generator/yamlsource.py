"""Read a YAML file as plain data in which every scalar is a string, with line numbers.

Why not ``yaml.safe_load``: YAML 1.1's implicit typing turns a bare ``0611`` into
the octal number 393, ``no`` into False and ``2026-11-27`` into a date, silently.
Phone numbers and codes must stay exactly as written, so nothing is typed here;
the schema in :mod:`generator.content` converts the few fields that are not text
(dates, enums). The loader also refuses what PyYAML lets through quietly:
duplicate keys (the last one would win), anchors/aliases (no use in content,
and a way to make a small file expand without bound) and nesting deeper than any
content needs. Files are read through :mod:`generator.files` (inside the project,
regular, bounded).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from . import diskcache, files
from .errors import GuideError, located
from .files import MAX_BYTES
from .project import Project

if TYPE_CHECKING:
    from yaml.nodes import Node

KeyPath = tuple[str | int, ...]


#: Deeper than any content needs (the schema's deepest key path has 7 steps), and far
#: below the depth at which PyYAML's recursive composer would hit Python's limit.
MAX_DEPTH = 64


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


@cache
def _pyyaml() -> tuple[type, Any]:
    """PyYAML's side: our loader, its node classes, and a resolver typing scalars as
    YAML 1.1 tools do.

    Made on first use: with every content file parsed before (generator.diskcache),
    a build does not import PyYAML at all.
    """
    import yaml

    class StringLoader(yaml.SafeLoader):
        """SafeLoader with no implicit resolvers (every plain scalar stays a string) and
        a nesting limit (``[[[[...`` thousands deep would end in a RecursionError)."""

        _depth = 0

        def compose_node(self, parent: Node | None, index: Any) -> Node | None:
            self._depth += 1
            try:
                if self._depth > MAX_DEPTH:
                    raise _TooDeep(self.peek_event().start_mark.line + 1)
                return super().compose_node(parent, index)  # type: ignore[no-any-return]
            finally:
                self._depth -= 1

    StringLoader.yaml_implicit_resolvers = {}
    # How other YAML tools (yaml.safe_load, editors' linters) would type a plain scalar.
    kinds = SimpleNamespace(resolver=yaml.resolver.Resolver(), **vars(yaml.nodes))
    return StringLoader, kinds


#: ...and how YAML 1.2 tools do: any run of digits is an integer there (0890 -> 890).
_DIGITS = re.compile(r"^[-+]?[0-9][0-9_]*$")
#: Keys shown as they are in messages; anything else is quoted (``['a key']``).
_PLAIN_KEY = re.compile(r"^[\w-]+$")


@dataclass
class YamlSource:
    """Data loaded from one YAML file, and the line where each key path starts."""

    path: Path
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)
    numeric: set[KeyPath] = field(default_factory=set)
    """Unquoted scalars that YAML 1.1 tools read as numbers (``0611`` -> 393)."""

    def line_of(self, key_path: KeyPath) -> int | None:
        """Line of ``key_path`` or of its nearest ancestor that has one."""
        path = tuple(key_path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())

    def error(self, key_path: KeyPath, message: str) -> GuideError:
        """A :class:`GuideError` naming this file, the line and the key path."""
        dotted = dotted_path(key_path)
        text = f"{dotted}: {message}" if dotted else message
        return GuideError(located(self.path, self.line_of(key_path), text))


def dotted_path(key_path: KeyPath) -> str:
    """``('sections', 2, 'body')`` -> ``sections[2].body``."""
    out = ""
    for part in key_path:
        if isinstance(part, int) or not _PLAIN_KEY.match(part):
            out += f"[{part!r}]" if not isinstance(part, int) else f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def read_text(path: Path, *, root: Path | None = None) -> str:
    """A UTF-8 content file of at most :data:`MAX_BYTES`, read only if it is a regular
    file inside ``root`` (default: the guide project it is in, else its own folder).

    The default keeps every caller inside the boundary without passing the project
    around: a file is refused when it, or a link on its way, leads out of the project.
    """
    if root is None:
        project = Project.enclosing(path)
        root = project.root if project else Path(os.path.abspath(path)).parent
    return files.read_text(path, root=root, limit=MAX_BYTES)


def load_yaml(path: Path, text: str | None = None, *, root: Path | None = None) -> YamlSource:
    """Parse ``path`` (or ``text``, labelled with ``path``) into a :class:`YamlSource`.

    ``root``: the folder ``path`` must lie in (see :func:`read_text`).
    """
    if text is None:
        text = read_text(path, root=root)
    key = (str(path), hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest())
    if key in _PARSED:
        _PARSED.move_to_end(key)
        return _PARSED[key]
    disk_key = diskcache.entry_key(
        diskcache.code_version(__file__), diskcache.library_version("pyyaml"), text
    )
    source = _from_cache(path, diskcache.load("yaml", disk_key))
    if source is None:
        source = _parse(path, text)
        diskcache.store("yaml", disk_key, (source.data, source.lines, source.numeric))
    _PARSED[key] = source
    while len(_PARSED) > 64:  # a long-running preview sees many versions of a file
        _PARSED.popitem(last=False)
    return source


#: Files already parsed in this process, by name and content: guide.yaml is read by the
#: project (its settings), the content loader and extraction; PyYAML is pure Python.
_PARSED: OrderedDict[tuple[str, bytes], YamlSource] = OrderedDict()


def _from_cache(path: Path, entry: object) -> YamlSource | None:
    """A parse kept by :mod:`generator.diskcache` (the same text parsed before, by this
    code), or None when there is none of the expected shape."""
    if not (isinstance(entry, tuple) and len(entry) == 3):
        return None
    data, lines, numeric = entry
    if not (isinstance(data, dict | list | str) and isinstance(lines, dict)):
        return None
    if not isinstance(numeric, set):
        return None
    return YamlSource(path=path, data=data, lines=lines, numeric=numeric)


def _parse(path: Path, text: str) -> YamlSource:
    import yaml

    loader, kinds = _pyyaml()
    try:
        node = yaml.compose(text, Loader=loader)
    except _TooDeep as exc:
        raise GuideError(
            located(path, exc.line, f"YAML nested more than {MAX_DEPTH} levels deep")
        ) from None
    except (RecursionError, MemoryError) as exc:  # a last resort: absurd input, one line
        raise GuideError(f"{path}: YAML too complex to read ({type(exc).__name__})") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise GuideError(located(path, line, f"YAML syntax error: {problem}")) from None
    except yaml.reader.ReaderError as exc:  # a control character YAML does not allow
        line = text[: exc.position].count("\n") + 1
        raise GuideError(
            located(path, line, f"YAML error: character U+{exc.character:04X} is not allowed")
        ) from None
    except yaml.YAMLError as exc:  # anything else PyYAML refuses, on one line
        raise GuideError(f"{path}: YAML error: {' '.join(str(exc).split())}") from None
    if node is None:
        raise GuideError(f"{path}: the file is empty")
    source = YamlSource(path=path, data=None)
    source.data = _convert(node, (), source, set(), kinds)
    return source


def _convert(node: Node, key_path: KeyPath, source: YamlSource, seen: set[int], kinds: Any) -> Any:
    source.lines.setdefault(key_path, node.start_mark.line + 1)
    if id(node) in seen:
        raise source.error(key_path, "anchors and aliases are not supported")
    seen.add(id(node))
    if isinstance(node, kinds.ScalarNode):
        if node.style is None and (
            _DIGITS.match(node.value)
            or kinds.resolver.resolve(kinds.ScalarNode, node.value, (True, False))
            in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
        ):
            source.numeric.add(key_path)
        return node.value
    if isinstance(node, kinds.SequenceNode):
        return [
            _convert(item, (*key_path, i), source, seen, kinds) for i, item in enumerate(node.value)
        ]
    if isinstance(node, kinds.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, kinds.ScalarNode):
                raise GuideError(
                    located(
                        source.path, key_node.start_mark.line + 1, "a key must be a plain string"
                    )
                )
            key = key_node.value
            child = (*key_path, key)
            if key in out:
                first = source.lines[child]
                raise GuideError(
                    located(
                        source.path,
                        key_node.start_mark.line + 1,
                        f"{dotted_path(child)}: duplicate key (first at line {first})",
                    )
                )
            source.lines[child] = key_node.start_mark.line + 1
            out[key] = _convert(value_node, child, source, seen, kinds)
        return out
    raise source.error(key_path, f"unsupported YAML node {node.tag}")  # pragma: no cover
