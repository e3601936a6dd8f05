"""Decide what to build, build it (in parallel), and write the outputs atomically.

Each leaflet is rendered completely in memory (HTML, then PDF) before anything
is written; each file is then written to a temporary name in the output folder
and renamed into place. A failed or interrupted build therefore never leaves a
half-written file, and the previous good output stays until the new one is whole.
In a multi-leaflet build one failing leaflet does not stop the others.

Leaflets whose inputs did not change are skipped (see :mod:`generator.manifest`).
The rest are built in worker processes forked after the heavy libraries are
imported, so the imports are paid once, not once per worker or per leaflet.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import GuideError
from .manifest import Manifest, leaflet_inputs, shared_inputs
from .output import (
    TimeLimit,
    locked,
    prepare_out_dir,
    time_limit,
    time_limited,
    write_files,
)
from .paper import PrintOptions
from .project import Project, cache_dir
from .workers import PdfProcess, children_tempdir, take_early_pdf, worker_init

if TYPE_CHECKING:
    from .content import Content
    from .i18n import Translator

log = logging.getLogger(__name__)

FORMATS = ("pdf", "html")


@dataclass(frozen=True)
class Target:
    """One thing to build: an operator in a language."""

    lang: str
    operator: str

    @property
    def name(self) -> str:
        return f"{self.operator}-{self.lang}"

    def filename(self, fmt: str, *, suffix: str = "", draft: bool = False) -> str:
        """``beeline-zh.pdf``; variants say so: ``beeline-zh-a5-print-draft.pdf``."""
        return f"{self.name}{suffix}{'-draft' if draft else ''}.{fmt}"


@dataclass
class Result:
    """The outcome of building one leaflet."""

    target: Target
    written: list[Path] = field(default_factory=list)
    error: str | None = None
    up_to_date: bool = False


@dataclass(frozen=True)
class Settings:
    """How to build, the same for every leaflet of a run."""

    out_dir: Path
    formats: tuple[str, ...] = FORMATS
    strict: bool = False
    draft: bool = False
    print_options: PrintOptions = field(default_factory=PrintOptions)
    timeout: float = 120
    """Seconds one leaflet may take before it is stopped (0: no limit)."""

    def __post_init__(self) -> None:
        # The CLI checks --timeout; a library caller's nan or -1 must not reach setitimer.
        if not (math.isfinite(self.timeout) and self.timeout >= 0):
            raise GuideError(f"timeout must be 0 or more seconds, not {self.timeout}", exit_code=2)

    def key(self, target: Target) -> str:
        impose = f"+{self.print_options.impose}" if self.print_options.impose else ""
        return f"{target.name}{self.print_options.suffix}:{'+'.join(self.formats)}{impose}"

    def fingerprint(self) -> str:
        p = self.print_options
        return (
            f"{sorted(self.formats)}|strict={self.strict}|draft={self.draft}|"
            f"{p.paper}|{p.bleed}|{p.marks}|{p.duplex}|{p.impose}"
        )


def select(
    project: Project,
    langs: Sequence[str] | None,
    operators: Sequence[str] | None,
    *,
    draft: bool = True,
) -> list[Target]:
    """The leaflets for the given languages and operators (when None: every operator,
    every released language).

    Unknown names are a usage error (exit 2) that lists the valid choices. A language
    the guide marks not released is built only when named, and only as a draft
    (``draft`` false refuses it).
    """
    known_langs, known_ops = project.languages(), project.operators()
    for kind, given, known in (
        ("language", langs, known_langs),
        ("operator", operators, known_ops),
    ):
        for name in given or ():
            if name not in known:
                raise GuideError(
                    f"unknown {kind} '{name}' (choose from: {', '.join(known) or 'none found'})",
                    exit_code=2,
                )
    released = project.released_languages()
    for name in langs or ():
        if name not in released and not draft:
            raise GuideError(
                f"{project.guide_file}: language '{name}' is not released yet "
                f"(languages: {name}: released: false); build it with --draft",
                exit_code=2,
            )
    chosen_langs = list(langs or released)
    chosen_ops = list(operators or known_ops)
    if not chosen_ops:
        raise GuideError(f"{project.operators_dir}: no operators in this guide project yet")
    if not chosen_langs:
        raise GuideError(f"{project.root}: no released languages to build")
    return [Target(lang, op) for op in chosen_ops for lang in chosen_langs]


def build_one(
    project: Project,
    content: Content,
    tr: Translator,
    target: Target,
    settings: Settings,
    make_pdf: Callable[..., bytes] | None = None,
) -> list[Path]:
    """Render one leaflet in memory (see :func:`generator.leaflet.render_leaflet`), then
    write its files. Returns the paths written."""
    from .leaflet import render_leaflet

    options = settings.print_options
    rendered = render_leaflet(
        project,
        content,
        tr,
        target.lang,
        target.operator,
        formats=settings.formats,
        print_options=options,
        draft=settings.draft,
        strict=settings.strict,
        make_pdf=make_pdf,
    )
    outputs = {
        settings.out_dir / target.filename(fmt, suffix=options.suffix, draft=rendered.draft): data
        for fmt, data in rendered.outputs.items()
    }
    for path, data in list(outputs.items()):
        if path.suffix == ".pdf":
            outputs.update(print_variants(path, data, options))
    write_files(outputs)
    return list(outputs)


def print_variants(path: Path, pdf: bytes, options: PrintOptions) -> dict[Path, bytes]:
    """The PDF as printed: padded to an even page count for duplex, and its imposed copy
    (A5 on A4, ``…-a5-booklet.pdf``) beside it, never replacing it."""
    if not (options.duplex or options.impose):
        return {}
    from .impose import DUPLEX_MULTIPLE, impose, imposed_name, pad_pages

    out: dict[Path, bytes] = {}
    if options.duplex:
        pdf = out[path] = pad_pages(pdf, DUPLEX_MULTIPLE, label=path.name)
    if options.impose:
        name = imposed_name(path.name, options.impose)
        out[path.with_name(name)] = impose(pdf, options.impose, label=path.name)
    return out


# What a worker needs, set before the pool forks (fork copies it into each worker).
_JOB: tuple[Project, Content, Settings] | None = None
_PDF: PdfProcess | None = None
_TRANSLATORS: dict[str, Translator] = {}


def _run(target: Target) -> Result:
    """Build ``target`` with the job set up by :func:`build`; never raises a user error."""
    from .i18n import translator

    assert _JOB is not None
    project, content, settings = _JOB
    result = Result(target)
    try:
        with time_limit(settings.timeout):
            if target.lang not in _TRANSLATORS:
                _TRANSLATORS[target.lang] = translator(project, target.lang)
            tr = _TRANSLATORS[target.lang]
            result.written = build_one(project, content, tr, target, settings, make_pdf=_PDF)
    except GuideError as exc:
        result.error = str(exc)
    except TimeLimit:
        result.error = (
            f"{target.name}: stopped after {settings.timeout:g} s (--timeout); "
            "is some text far too long?"
        )
    return result


def build(
    project: Project,
    targets: Sequence[Target],
    settings: Settings,
    *,
    jobs: int = 1,
    force: bool = False,
) -> Iterator[Result]:
    """Build ``targets``, yielding a :class:`Result` as each finishes (in any order).

    Up-to-date leaflets come first, marked ``up_to_date``. Errors in the content
    itself stop everything (raised); an error in one leaflet (its catalog, its
    layout) is reported in its result and the others go on.
    """
    global _PDF
    project.refuse_output_in(settings.out_dir)
    prepare_out_dir(settings.out_dir)
    with children_tempdir():
        if len(targets) == 1 and jobs > 1 and "pdf" in settings.formats:
            # Start at once: the import then runs while everything else here happens.
            _PDF = take_early_pdf() or PdfProcess()
        try:
            with locked(settings.out_dir):
                yield from _build(project, targets, settings, jobs=jobs, force=force)
        finally:
            if _PDF is not None:
                _PDF.close()  # unused when the leaflet was up to date
                _PDF = None


def _build(
    project: Project, targets: Sequence[Target], settings: Settings, *, jobs: int, force: bool
) -> Iterator[Result]:
    global _JOB
    manifest = Manifest.load(settings.out_dir)
    # Reading the project is under the time limit too (it cannot hang on a FIFO or
    # run out of memory on /dev/zero, see generator.files; this bounds the rest).
    with time_limited(settings.timeout, f"{project.root}: reading the guide project"):
        shared = shared_inputs(project, settings.fingerprint())
        inputs_of = {t: leaflet_inputs(project, shared, t.lang, t.operator) for t in targets}
    todo: list[Target] = []
    for target in targets:
        key = settings.key(target)
        if not force and manifest.fresh(key, inputs_of[target]):
            yield Result(target, manifest.outputs(key), up_to_date=True)
        else:
            todo.append(target)
    if not todo:
        return

    from .fonts import require_fonts
    from .i18n import scripts_of

    if "pdf" in settings.formats:
        # Before WeasyPrint is imported here: with no fonts it warns, then falls back.
        require_fonts(scripts_of(t.lang for t in todo))
    # Decided here, before any worker is forked: an unusable cache warns once, not per worker.
    cache_dir()
    try:
        from .content import load_content

        with time_limited(settings.timeout, f"{project.content_dir}: loading the content"):
            content = load_content(project)
        if _PDF is None:
            from .pdf import html_to_pdf  # noqa: F401  imported before forking: paid once
            from .render import render_html  # noqa: F401

        _JOB = (project, content, settings)
        _TRANSLATORS.clear()
        for result in _results(todo, jobs):
            key = settings.key(result.target)
            if result.error:
                manifest.forget(key)
            else:
                manifest.record(key, inputs_of[result.target], result.written)
            yield result
    finally:
        manifest.save()
        _JOB = None


def _results(targets: list[Target], jobs: int) -> Iterator[Result]:
    if jobs <= 1 or len(targets) == 1:
        for target in targets:
            yield _run(target)
        return
    # fork, not spawn: workers start with the libraries and the content already loaded.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(targets)),
        mp_context=context,
        initializer=worker_init,
        initargs=(os.getpid(),),
    ) as pool:
        futures = [pool.submit(_run, target) for target in targets]
        try:
            for future in as_completed(futures):
                yield future.result()
        except BrokenProcessPool:
            # A worker was killed from outside (the OOM killer, a signal to it alone).
            raise GuideError(
                "a worker process was killed (out of memory?); try again with --jobs 1"
            ) from None
