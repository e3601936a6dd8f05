"""Where Jinja2 gets a guide project's templates, and where it keeps them compiled.

Templates are read through :mod:`generator.files` like every other project file: a
template that is a link leading outside the project, a FIFO or a link loop is refused
with one line (Jinja2's own FileSystemLoader would follow and read any of them).
Compiled templates are cached between runs only to save time, so failing to store
one (a full disk, a folder gone read-only) is not an error.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import jinja2
import jinja2.bccache
from jinja2.loaders import split_template_path

from . import files

log = logging.getLogger(__name__)


class BytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja2's cache, except that failing to store a compiled template (a full disk,
    a folder gone read-only) costs only the time it would have saved."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError as exc:
            log.debug("not caching the compiled template %s: %s", bucket.key, exc)


class ProjectLoader(jinja2.BaseLoader):
    """Templates from ``templates_dir``, read only if they are regular files inside
    ``root`` (the project); reloaded when their modification time changes."""

    def __init__(self, templates_dir: Path, root: Path) -> None:
        self.templates_dir = templates_dir
        self.root = root

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        # split_template_path refuses ".." (TemplateNotFound), as FileSystemLoader does.
        path = self.templates_dir.joinpath(*split_template_path(template))
        if not os.path.lexists(path):
            raise jinja2.TemplateNotFound(template)
        text = files.read_text(path, root=self.root)
        mtime = os.path.getmtime(path)

        def uptodate() -> bool:
            try:
                return os.path.getmtime(path) == mtime
            except OSError:
                return False

        return text, os.path.normpath(path), uptodate
