"""The Python API, for pipelines: build a leaflet to bytes, or a set of leaflets to a folder.

    from generator import api

    pdf = api.build_leaflet("path/to/guide", "zh", "beeline")            # PDF bytes
    html = api.build_leaflet("path/to/guide", "zh", "beeline", fmt="html")
    results = api.build_set("path/to/guide", "dist", langs=["zh"])      # files on disk

Every mistake in the guide project raises :class:`generator.errors.GuideError` (one line,
naming the file and line); anything else is a bug. A :class:`Session` keeps the parsed
content, the catalogs and the compiled templates between builds and reloads only what
changed on disk, for callers that build again and again (``make-guide serve``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .build import FORMATS, Result, Settings, Target, build, select
from .errors import GuideError
from .paper import DEFAULT_PAPER, PrintOptions
from .project import Project

if TYPE_CHECKING:
    from .content import Content
    from .i18n import Translator
    from .leaflet import Rendered

log = logging.getLogger(__name__)

Format = Literal["pdf", "html"]


def project_at(project: Project | str | Path | None = None) -> Project:
    """A guide project: given, or found from the current folder upward."""
    if isinstance(project, Project):
        return project
    return Project.at(project) if project is not None else Project.find()


def _stamp(path: Path) -> tuple[int, ...] | None:
    """What tells a changed file: also its inode change time, which a program can't set
    back (an edit of the same size followed by ``touch -r`` keeps the mtime), and its
    inode (a file replaced by a rename)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino


class Session:
    """A warm builder for one guide project.

    The content (``content/**.yaml``) is parsed once and again only when one of its
    files changes; each language's catalog likewise. Compiled templates are kept by
    Jinja2, which checks their files' modification times itself.
    """

    def __init__(self, project: Project | str | Path | None = None) -> None:
        self.project = project_at(project)
        self._content: Content | None = None
        self._content_stamp: object = None
        self._translators: dict[str, tuple[object, Translator]] = {}

    def _content_files(self) -> list[Path]:
        files = [self.project.guide_file]
        for folder in (self.project.operators_dir, self.project.packs_dir):
            if folder.is_dir():
                files += sorted(folder.glob("*.yaml"))
        return files

    def content(self) -> Content:
        """The validated content, parsed again only when a content file changed."""
        from .content import load_content

        stamp = [(p, _stamp(p)) for p in self._content_files()]
        if self._content is None or stamp != self._content_stamp:
            self._content = load_content(self.project)
            self._content_stamp = stamp
        return self._content

    def translator(self, lang: str) -> Translator:
        """``lang``'s catalog, read again only when its file changed."""
        from .i18n import translator

        stamp = _stamp(self.project.po_file(lang))
        cached = self._translators.get(lang)
        if cached is None or cached[0] != stamp:
            cached = (stamp, translator(self.project, lang))
            self._translators[lang] = cached
        return cached[1]

    def render(
        self,
        lang: str,
        operator: str,
        *,
        formats: Sequence[Format] = ("pdf",),
        print_options: PrintOptions | None = None,
        draft: bool = False,
        strict: bool = False,
    ) -> Rendered:
        """One leaflet in memory, in each of ``formats``."""
        from .leaflet import render_leaflet

        select(self.project, [lang], [operator])  # unknown names: a usage error
        return render_leaflet(
            self.project,
            self.content(),
            self.translator(lang),
            lang,
            operator,
            formats=formats,
            print_options=print_options,
            draft=draft,
            strict=strict,
        )


def build_leaflet(
    project: Project | str | Path | None,
    lang: str,
    operator: str,
    *,
    fmt: Format = "pdf",
    paper: str = DEFAULT_PAPER,
    bleed_mm: float = 0,
    marks: bool = False,
    draft: bool = False,
    strict: bool = False,
) -> bytes:
    """One leaflet as PDF or HTML bytes; nothing is written.

    ``paper``: ``a4``, ``a5`` or ``letter``; ``bleed_mm`` and ``marks`` make a print-shop
    PDF. ``draft`` builds a leaflet with untranslated strings (marked DRAFT);
    ``strict`` turns WeasyPrint's warnings into errors.
    """
    if fmt not in FORMATS:
        raise GuideError(f"unknown format '{fmt}' (choose from: {', '.join(FORMATS)})", exit_code=2)
    options = PrintOptions(paper=paper, bleed=bleed_mm, marks=marks)
    rendered = Session(project).render(
        lang, operator, formats=(fmt,), print_options=options, draft=draft, strict=strict
    )
    return rendered.outputs[fmt]


def build_set(
    project: Project | str | Path | None,
    out_dir: str | Path,
    *,
    langs: Sequence[str] | None = None,
    operators: Sequence[str] | None = None,
    formats: Sequence[Format] = FORMATS,  # type: ignore[assignment]
    paper: str = DEFAULT_PAPER,
    bleed_mm: float = 0,
    marks: bool = False,
    draft: bool = False,
    strict: bool = False,
    jobs: int | None = None,
    force: bool = False,
    timeout: float = 120,
) -> list[Result]:
    """Build leaflets into ``out_dir`` (every released language × operator unless
    narrowed), and return each one's :class:`Result`.

    Incremental: leaflets whose inputs did not change are not rebuilt (``force`` to
    rebuild). A failure in one leaflet is in its :class:`Result` (``error``); the others
    are built. Errors in the project itself (the content, an unknown name) raise.
    """
    proj = project_at(project)
    targets = select(proj, langs, operators, draft=draft)
    settings = Settings(
        out_dir=Path(out_dir),
        formats=tuple(formats),
        strict=strict,
        draft=draft,
        timeout=timeout,
        print_options=PrintOptions(paper=paper, bleed=bleed_mm, marks=marks),
    )
    return list(iter_build(proj, targets, settings, jobs=jobs, force=force))


def iter_build(
    project: Project,
    targets: Sequence[Target],
    settings: Settings,
    *,
    jobs: int | None = None,
    force: bool = False,
) -> Iterator[Result]:
    """:func:`build_set` one result at a time, as each leaflet finishes (for progress)."""
    yield from build(project, targets, settings, jobs=jobs or os.cpu_count() or 1, force=force)
