"""Watching a guide project for ``make-guide serve``: which leaflets a saved file affects.

The watcher only reports what changed (mkdocs's livereload design): deciding what to
rebuild, and rebuilding, is the build loop's job in :mod:`generator.serve`. It uses
watchfiles (inotify on Linux, through Rust's ``notify``) with a short quiet period,
so an editor's burst of events for one save (a temporary file, a rename, a
permissions change) arrives as one set of paths, quickly enough for a preview that
reloads within a few tenths of a second. watchfiles' default filter drops editor
droppings (``*.swp``, ``*~``, ``.#*``) and ``.git``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .build import Target
from .errors import GuideError
from .project import Project

log = logging.getLogger(__name__)

#: Milliseconds without a new event that end a burst (watchfiles' ``step``).
QUIET_MS = 10
#: The longest a burst is gathered before it is reported anyway (``debounce``;
#: watchfiles' default of 1.6 s would make every preview wait that long).
BURST_MS = 50
#: How often the watcher comes back from Rust empty-handed (its first return also
#: tells :meth:`Watcher.start` that the watch is in place).
TIMEOUT_MS = 200


def watched_folders(project: Project) -> list[Path]:
    """The folders whose files leaflets are built from: content, catalogs, templates
    (the project's own and the built-in theme's, styles and assets included)."""
    folders = [project.content_dir, project.locales_dir, *project.template_dirs]
    return [f for f in dict.fromkeys(folders) if f.is_dir()]


def affected(project: Project, path: Path, targets: Sequence[Target]) -> list[Target]:
    """The leaflets among ``targets`` built from ``path`` (a changed, added or deleted
    file or folder).

    An operator file affects that operator's leaflets; ``locales/<lang>/…`` that
    language's; guide.yaml and anything in a template folder (templates, styles,
    assets) every leaflet. Packs, the ``.pot`` and other files are no leaflet's input.
    """

    def inside(folder: Path) -> bool:
        return path.is_relative_to(folder)

    if inside(project.packs_dir):
        return []
    if inside(project.operators_dir):
        name = path.relative_to(project.operators_dir)
        return [t for t in targets if name == Path(f"{t.operator}.yaml")]
    if path == project.guide_file:
        return list(targets)
    if inside(project.content_dir):
        return []
    if inside(project.locales_dir):
        parts = path.relative_to(project.locales_dir).parts
        return [t for t in targets if parts and t.lang == parts[0]]
    if any(inside(folder) for folder in project.template_dirs):
        return list(targets)
    return []


def affected_by(project: Project, paths: Iterable[Path], targets: Sequence[Target]) -> list[Target]:
    """The leaflets among ``targets`` that any of ``paths`` affects, in ``targets``' order."""
    hit = {t for path in paths for t in affected(project, path, targets)}
    return [t for t in targets if t in hit]


class Watcher:
    """Watches ``folders`` in a thread and calls ``on_change`` with each burst of
    changed paths (from that thread)."""

    def __init__(self, folders: Sequence[Path], on_change: Callable[[set[Path]], None]) -> None:
        self.folders = list(folders)
        self.on_change = on_change
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="make-guide-watch", daemon=True)

    def start(self, timeout: float = 30) -> None:
        """Start watching; returns once changes from now on are seen."""
        self._thread.start()
        self._ready.wait(timeout)
        if self._error is not None:
            where = ", ".join(str(f) for f in self.folders)
            raise GuideError(f"{where}: cannot watch for changes: {self._error}")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        import watchfiles

        try:
            for changes in watchfiles.watch(
                *self.folders,
                debounce=BURST_MS,
                step=QUIET_MS,
                stop_event=self._stop,
                rust_timeout=TIMEOUT_MS,
                yield_on_timeout=True,
                raise_interrupt=False,
            ):
                self._ready.set()
                if changes:
                    log.debug("changed: %s", ", ".join(sorted(p for _, p in changes)))
                    self.on_change({Path(p) for _, p in changes})
        except Exception as exc:  # too many watches (inotify's limit), a folder gone
            self._error = exc
            if self._ready.is_set():
                log.error("stopped watching for changes: %s", exc)
        finally:
            self._ready.set()
