"""Decide what to build, build it, and write the outputs atomically.

Each leaflet is rendered completely in memory (HTML, then PDF) before anything
is written; each file is then written to a temporary name in the output folder
and renamed into place. A failed or interrupted build therefore never leaves a
half-written file, and the previous good output stays until the new one is whole.
In a multi-leaflet build one failing leaflet does not stop the others.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .content import Content, load_content
from .errors import GuideError
from .i18n import Translator, translator
from .paper import PrintOptions
from .pdf import html_to_pdf
from .project import Project
from .render import render_html

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


def select(
    project: Project, langs: Sequence[str] | None, operators: Sequence[str] | None
) -> list[Target]:
    """The leaflets for the given languages and operators (all of them when None).

    Unknown names are a usage error (exit 2) that lists the valid choices.
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
    return [Target(lang, op) for op in (operators or known_ops) for lang in (langs or known_langs)]


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def prepare_out_dir(out_dir: Path) -> None:
    """Create the output folder if needed; refuse a file or an unwritable folder."""
    if out_dir.exists() and not out_dir.is_dir():
        raise GuideError(f"{out_dir}: output path exists and is not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GuideError(f"{out_dir}: cannot create output folder: {exc.strerror}") from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise GuideError(f"{out_dir}: output folder is not writable")


def build_one(
    project: Project,
    content: Content,
    tr: Translator,
    target: Target,
    out_dir: Path,
    formats: Sequence[str],
    *,
    strict: bool = False,
    draft: bool = False,
    print_options: PrintOptions | None = None,
) -> list[Path]:
    """Render one leaflet in memory, then write its files. Returns the paths written.

    A leaflet with untranslated or fuzzy strings is refused, unless ``draft``: then it
    is built with the source text in their place, marked DRAFT and named ``*-draft.*``.
    """
    options = print_options or PrintOptions()
    html = render_html(project, content, target.lang, target.operator, tr, print_options=options)
    is_draft = bool(tr.missing)
    if is_draft:
        if not draft:
            raise GuideError(
                f"{tr.path}: {target.name}: {tr.missing_summary()}; "
                "translate them, or build with --draft"
            )
        log.warning("%s: %s: building a draft", target.name, tr.missing_summary())
        html = render_html(
            project, content, target.lang, target.operator, tr, draft=True, print_options=options
        )
    outputs: dict[Path, bytes] = {}
    names = {"suffix": options.suffix, "draft": is_draft}
    if "pdf" in formats:
        outputs[out_dir / target.filename("pdf", **names)] = html_to_pdf(
            html,
            assets_dir=project.assets_dir,
            label=f"{target.name} on {options.spec.css_size} paper",
            max_pages=options.spec.budget,
            strict=strict,
        )
    if "html" in formats:
        outputs[out_dir / target.filename("html", **names)] = html.encode("utf-8")
    for path, data in outputs.items():
        write_atomic(path, data)
    return list(outputs)


def build(
    project: Project,
    targets: Sequence[Target],
    out_dir: Path,
    formats: Sequence[str] = FORMATS,
    *,
    strict: bool = False,
    draft: bool = False,
    print_options: PrintOptions | None = None,
) -> Iterator[Result]:
    """Build ``targets`` one by one, yielding a :class:`Result` as each finishes.

    Errors in the content itself stop everything (raised); an error in one
    leaflet (its catalog, its rendering) is reported in its result.
    """
    content = load_content(project)
    prepare_out_dir(out_dir)
    translators: dict[str, Translator] = {}
    for target in targets:
        result = Result(target)
        try:
            if target.lang not in translators:
                translators[target.lang] = translator(project, target.lang)
            tr = translators[target.lang]
            tr.missing.clear()
            result.written = build_one(
                project,
                content,
                tr,
                target,
                out_dir,
                formats,
                strict=strict,
                draft=draft,
                print_options=print_options,
            )
        except GuideError as exc:
            result.error = str(exc)
        log.debug("%s: %s", target.name, result.error or "ok")
        yield result
