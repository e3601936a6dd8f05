"""``make-guide new DIR``: the smallest complete guide project, ready to build.

It holds one source language (English, no catalog needed), one variant and a few
generic sections (``generator/skeleton/``), uses the built-in templates, and comes with
``locales/messages.pot`` for translators. ``make-guide --all`` builds it and
``make-guide check`` passes on it, as ``mkdocs new`` does for a site.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from .errors import GuideError

log = logging.getLogger(__name__)

SKELETON = Path(__file__).resolve().parent / "skeleton"


def new_project(folder: Path | str, today: dt.date | None = None) -> list[Path]:
    """Write a new guide project into ``folder`` (which must not exist, or be empty).

    Returns the files written. The facts are dated ``today`` (the day they are entered).
    """
    from .catalogs import extract
    from .output import write_atomic
    from .project import Project

    root = Path(folder).absolute()
    try:
        # lexists: a dangling link is not a new folder either.
        used = os.path.lexists(root) and (not root.is_dir() or any(root.iterdir()))
    except OSError as exc:  # a name too long, a folder that may not be listed
        raise GuideError(f"{root}: cannot use: {exc.strerror or exc}", exit_code=2) from None
    if used:
        raise GuideError(f"{root}: exists and is not an empty folder; pick a new one", exit_code=2)
    date = (today or dt.date.today()).isoformat()
    written = []
    try:
        for source in sorted(SKELETON.rglob("*.yaml")):
            target = root / source.relative_to(SKELETON)
            target.parent.mkdir(parents=True, exist_ok=True)
            text = source.read_text("utf-8").replace("{today}", date)
            write_atomic(target, text.encode("utf-8"))
            written.append(target)
        (root / "locales").mkdir(exist_ok=True)
        written.append(extract(Project(root)))
    except OSError as exc:
        raise GuideError(f"{root}: cannot write: {exc.strerror or exc}") from None
    log.info("new guide project in %s", root)
    return written


def relative(path: Path) -> str:
    """``path`` as the user would type it from the current folder."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
