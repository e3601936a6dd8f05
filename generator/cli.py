"""The ``make-guide`` command line: with :mod:`generator.commands`, the only code that
prints or picks exit codes.

    make-guide --lang L --operator O | --all | --list   build leaflets (the default; here)
    make-guide check [--lang L] [--json]                translation and content gates
    make-guide i18n extract | update | compile | init LANG
    make-guide new DIR                                  start a guide project
    make-guide pack NAME | --lang L | --all             travel packs
    make-guide clean                                    remove what make-guide wrote
    make-guide serve [--lang L] [--operator O] [--port N]   live preview, rebuilt on save
    make-guide facts [--json] | facts verify [--record]  facts' age; re-check at the sources

Exit codes: 0 success; 1 a build, content or check failure (one line per problem);
2 a usage error (unknown option, language or operator); 130 interrupted.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import logging
import math
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from . import __version__
from .errors import GuideError
from .paper import DEFAULT_PAPER, IMPOSITIONS, PAPERS, PrintOptions, parse_length
from .project import DEFAULT_OUT, INDEX_NAME, Project

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() stays testable."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise GuideError(message, exit_code=EXIT_USAGE)


#: Bounds of the numeric options: beyond them a value is a typo, not a wish.
MAX_JOBS = 256
MAX_TIMEOUT = 86_400.0
MIN_TIMEOUT = 0.001


def _jobs(text: str) -> int:
    """``--jobs``: a whole number from 1 to :data:`MAX_JOBS` (argparse names the option)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_JOBS:
        raise argparse.ArgumentTypeError(
            f"expected a whole number from 1 to {MAX_JOBS}, got '{text}'"
        )
    return value


def _seconds(text: str) -> float:
    """``--timeout``: 0 (no limit) or finite seconds up to a day; never nan, inf or < 0,
    which the interval timer would refuse with a traceback (or silently misread)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (value == 0 or MIN_TIMEOUT <= value <= MAX_TIMEOUT):  # False for nan
        raise argparse.ArgumentTypeError(
            f"expected seconds from {MIN_TIMEOUT:g} to {MAX_TIMEOUT:g}, or 0 for no limit, "
            f"got '{text}'"
        )
    return value


def common_options(parser: argparse._ActionsContainer) -> None:
    parser.add_argument(
        "--project",
        type=Path,
        default=None,
        metavar="DIR",
        help="guide project folder (default: this repository)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="make-guide",
        description="Build print-ready leaflets (PDF + HTML) from a guide project (found "
        "from the current folder upward: the folder with content/guide.yaml). Other "
        "commands: make-guide check | i18n | new | pack | clean | serve | facts.",
        epilog="Examples: make-guide --lang zh --operator beeline | make-guide --all | "
        "make-guide --list",
    )
    what = parser.add_argument_group("what to build")
    what.add_argument(
        "--lang",
        action="append",
        metavar="L",
        help="language (repeatable); with no --operator: every operator",
    )
    what.add_argument(
        "--operator",
        action="append",
        metavar="O",
        help="operator (repeatable); with no --lang: every language",
    )
    what.add_argument("--all", action="store_true", help="every language x operator")
    what.add_argument(
        "--list", action="store_true", help="print the languages and operators of the guide project"
    )
    how = parser.add_argument_group("how")
    how.add_argument(
        "--format",
        choices=("pdf", "html", "both"),
        default="both",
        help="output format (default: both)",
    )
    how.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"output folder (default: {DEFAULT_OUT}/ in the guide project)",
    )
    how.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=None,
        metavar="N",
        help="leaflets built at once, in worker processes (default: CPU cores)",
    )
    how.add_argument(
        "--force", action="store_true", help="rebuild even leaflets whose inputs did not change"
    )
    how.add_argument(
        "--timeout",
        type=_seconds,
        default=120,
        metavar="SECONDS",
        help="stop a leaflet that takes longer than this (default: 120; 0: never)",
    )
    how.add_argument("--strict", action="store_true", help="treat WeasyPrint warnings as errors")
    how.add_argument(
        "--draft",
        action="store_true",
        help="build leaflets with untranslated strings anyway: marked DRAFT, "
        "named *-draft.pdf/html",
    )
    print_options(parser)
    common_options(how)
    parser.add_argument("--version", action="version", version=f"make-guide {__version__}")
    return parser


def print_options(parser: argparse.ArgumentParser) -> None:
    paper = parser.add_argument_group("print")
    budgets = ", ".join(f"{name} {spec.budget}" for name, spec in PAPERS.items())
    paper.add_argument(
        "--paper",
        choices=tuple(PAPERS),
        default=DEFAULT_PAPER,
        help=f"paper size (default: {DEFAULT_PAPER}); pages at most: {budgets}",
    )
    paper.add_argument(
        "--duplex",
        action="store_true",
        help="pad to an even page count, for printing on both sides (named *-duplex.pdf)",
    )
    paper.add_argument(
        "--impose",
        choices=IMPOSITIONS,
        default=None,
        help="with --paper a5: also write the A5 pages on A4 sheets, two per side cut once "
        "(2up) or folded and stapled (booklet), as *-a5-2up.pdf / *-a5-booklet.pdf",
    )
    paper.add_argument(
        "--bleed",
        metavar="LEN",
        default=None,
        help="print-shop bleed, e.g. 3mm (a PDF only, named *-print.pdf)",
    )
    paper.add_argument(
        "--marks", action="store_true", help="crop marks (a PDF only, named *-print.pdf)"
    )


def options_of(args: argparse.Namespace) -> PrintOptions:
    return PrintOptions(
        paper=args.paper,
        bleed=parse_length(args.bleed) if args.bleed else 0,
        marks=args.marks,
        duplex=args.duplex,
        impose=args.impose,
    )


def _build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .workers import early_pdf

    # One leaflet's PDF: start the process that makes it before anything else is read.
    one_pdf = (
        not (args.list or args.all)
        and len(args.lang or ()) == 1
        and len(args.operator or ()) == 1
        and args.format != "html"
        and (args.jobs or os.cpu_count() or 1) > 1
    )
    with early_pdf(one_pdf):
        return _build_with(args, out, err)


def _build_with(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .api import iter_build
    from .build import FORMATS, Settings, select

    project = Project.at(args.project)
    if args.list:
        _list(project, out)
        return EXIT_OK
    if not (args.all or args.lang or args.operator):
        raise GuideError(
            "say what to build: --lang L --operator O, or --all (see --list for the choices)",
            exit_code=EXIT_USAGE,
        )
    if args.all and (args.lang or args.operator):
        raise GuideError(
            "--all builds everything; leave out --lang and --operator", exit_code=EXIT_USAGE
        )
    targets = select(project, args.lang, args.operator, draft=args.draft)
    options = options_of(args)
    formats = FORMATS if args.format == "both" else (args.format,)
    if options.print_shop:
        # A print shop takes the PDF: an HTML page with bleed and crop marks is no use.
        if args.format == "html":
            raise GuideError("--bleed and --marks make a print-shop PDF", exit_code=EXIT_USAGE)
        formats = ("pdf",)
    settings = Settings(
        out_dir=args.out if args.out is not None else project.out_dir,
        formats=formats,
        strict=args.strict,
        draft=args.draft,
        timeout=args.timeout,
        print_options=options,
    )
    jobs = args.jobs or os.cpu_count() or 1
    started = time.perf_counter()
    failures: list[str] = []
    built = fresh = 0
    # A progress bar on a terminal; one line per file otherwise (logs, CI).
    bar: Any
    if args.quiet or len(targets) < 2 or not err.isatty():
        bar = _NoBar()  # tqdm not even imported: a no-op build stays quick
    else:
        from tqdm import tqdm

        bar = tqdm(total=len(targets), file=err, unit="leaflet", leave=False)

    def say(line: str) -> None:
        if bar.disable:
            out.write(line + "\n")
        else:
            bar.write(line, file=out)  # above the bar, which stays at the bottom

    with bar:
        results = iter_build(project, targets, settings, jobs=jobs, force=args.force)
        for i, result in enumerate(results, 1):
            bar.update()
            count = f"[{i}/{len(targets)}] " if len(targets) > 1 else ""
            if result.error:
                failures.append(result.error)
                bar.write(f"make-guide: error: {result.error}", file=err)
            elif result.up_to_date:
                fresh += 1
                log.debug("%s: up to date", result.target.name)
            else:
                built += 1
                if not args.quiet:
                    say(count + "wrote " + ", ".join(str(p) for p in result.written))
            out.flush()
    index_path = settings.out_dir / INDEX_NAME
    if args.all and "html" in settings.formats and (built or not index_path.exists()):
        # Only when something changed: a no-op build stays free of the heavy imports.
        from .index import write_index
        from .output import time_limited

        with time_limited(settings.timeout, f"{index_path}: writing the index"):
            index = write_index(project, settings.out_dir)
        if index and not args.quiet:
            say(f"wrote {index}")
    seconds = time.perf_counter() - started
    if failures:
        err.write(f"make-guide: {len(failures)} of {len(targets)} leaflet(s) failed\n")
        return EXIT_FAILED
    if not args.quiet and (len(targets) > 1 or fresh):
        out.write(
            f"built {built}, up to date {fresh} ({len(targets)} leaflets) in {seconds:.1f} s\n"
        )
    return EXIT_OK


class _NoBar:
    """What the build loop asks of tqdm, when there is no bar to draw."""

    disable = True

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int = 1) -> None:
        pass

    def write(self, line: str, file: TextIO) -> None:
        file.write(line + "\n")


def _list(project: Project, out: TextIO) -> None:
    """The languages (named in themselves) and operators of the guide project."""
    from .content import load_content
    from .i18n import parse_locale

    released = project.released_languages()
    langs = project.languages()
    width = max(map(len, [*langs, *project.operators(), ""]))
    out.write("languages:\n")
    for lang in langs:
        # A catalog folder named for a language Babel does not know: one line naming it.
        locale = parse_locale(lang, project.po_file(lang).parent.parent)
        name = locale.get_display_name(locale) or lang
        note = "" if lang in released else "  (not released: --draft only)"
        source = "  (source)" if lang == project.source_language() else ""
        out.write(f"  {lang:<{width}}  {name}{source}{note}\n")
    out.write("operators:\n")
    for slug, operator in load_content(project).operators.items():
        names = operator.names
        local = f" ({names.local})" if names.local and names.local != names.latin else ""
        out.write(f"  {slug:<{width}}  {names.latin}{local}\n")


#: ``make-guide <command> ...``: the module of generator.commands that runs it. Without a
#: command: a build.
COMMANDS = ("check", "i18n", "new", "pack", "clean", "serve", "facts")


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line; returns the exit code (tests call this directly)."""
    out = out or sys.stdout
    err = err or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and argv[0] in COMMANDS else None
    if command:
        module = importlib.import_module(f".commands.{command}", __package__)
        parser, run = module.parser(), module.run
    else:
        parser, run = build_parser(), _build
    try:
        args = parser.parse_args(argv[1:] if command else argv)
    except GuideError as exc:
        err.write(f"make-guide: error: {exc}\n")
        return exc.exit_code
    logging.basicConfig(
        stream=err,
        format="make-guide: %(levelname)s: %(name)s: %(message)s",
        level=logging.DEBUG if args.verbose else logging.ERROR if args.quiet else logging.WARNING,
        force=True,
    )
    if not args.verbose:
        # fontTools is chatty at INFO level about subsetting.
        logging.getLogger("fontTools").setLevel(logging.WARNING)
    try:
        return run(args, out, err)
    except GuideError as exc:
        err.write(f"make-guide: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        err.write("make-guide: interrupted; outputs already written are complete\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (make-guide --list | head): nothing more to say to it.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def run() -> NoReturn:
    """The ``make-guide`` command: :func:`main`, then a quick exit.

    When :func:`main` returns, every output is written (and synced) and every worker
    is gone, so the exit handlers run (``atexit``: logging's flush, the removal of
    temporary folders) and the process ends without Python's teardown of each module
    and object, WeasyPrint's, Pango's and fontconfig's among them: that took ~0.08 s of
    a one-leaflet build. Tests call :func:`main`, which returns.
    """
    code = main()
    atexit._run_exitfuncs()  # what interpreter shutdown would run first
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
