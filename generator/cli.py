"""The ``make-guide`` command line. The only module that prints or picks exit codes.

    make-guide --lang L --operator O | --all | --list   build leaflets (the default)
    make-guide check [--json]                           translation and content gates
    make-guide i18n extract | update | compile | init LANG
    make-guide serve [--lang L] [--operator O] [--port N]   live preview, rebuilt on save

Exit codes: 0 success; 1 a build, content or check failure (one line per problem);
2 a usage error (unknown option, language or operator); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from . import __version__
from .errors import GuideError
from .paper import DEFAULT_PAPER, PAPERS, PrintOptions, parse_length
from .project import DEFAULT_OUT, INDEX_NAME, Project

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
COMMANDS = ("check", "i18n", "serve")


class _Parser(argparse.ArgumentParser):
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


def _common(parser: argparse._ActionsContainer) -> None:
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
    parser = _Parser(
        prog="make-guide",
        description="Build print-ready leaflets (PDF + HTML) from a guide project. "
        "Other commands: 'make-guide check', 'make-guide i18n'.",
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
        help=f"output folder (default: {DEFAULT_OUT}/ in the current folder)",
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
    paper = parser.add_argument_group("print")
    paper.add_argument(
        "--paper",
        choices=tuple(PAPERS),
        default=DEFAULT_PAPER,
        help="paper size (default: a4); page budget: a4 and letter 2, a5 4",
    )
    paper.add_argument(
        "--bleed",
        metavar="LEN",
        default=None,
        help="print-shop bleed, e.g. 3mm (output named *-print.pdf)",
    )
    paper.add_argument("--marks", action="store_true", help="crop marks (output named *-print.pdf)")
    _common(how)
    parser.add_argument("--version", action="version", version=f"make-guide {__version__}")
    return parser


def check_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="make-guide check",
        description="Check translations and content; exit 0 only when clean.",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable report")
    _common(parser)
    return parser


def i18n_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="make-guide i18n", description="Translators' workflow over Babel.")
    sub = parser.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=_Parser
    )
    sub.add_parser("extract", help="write locales/messages.pot from content and templates")
    sub.add_parser("update", help="extract, then merge new strings into every catalog")
    sub.add_parser("compile", help="compile every catalog to .mo (for gettext tools)")
    init = sub.add_parser("init", help="start a catalog for a new language")
    init.add_argument("lang", metavar="LANG", help="a Babel locale identifier, e.g. de, zh_Hant")
    for p in sub.choices.values():
        _common(p)
    return parser


def _port(text: str) -> int:
    """``--port``: a TCP port from 1 to 65535."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 1 to 65535, got '{text}'")
    return value


def serve_parser() -> argparse.ArgumentParser:
    from .serve import DEFAULT_HOST, DEFAULT_PORT

    parser = _Parser(
        prog="make-guide serve",
        description="Preview leaflets in a browser: build them into a temporary folder, "
        "serve it, and rebuild and reload a page when a file it is built from is saved.",
    )
    parser.add_argument(
        "--lang", action="append", metavar="L", help="language (repeatable; default: all)"
    )
    parser.add_argument(
        "--operator", action="append", metavar="O", help="operator (repeatable; default: all)"
    )
    parser.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default: {DEFAULT_HOST}, this machine only)",
    )
    parser.add_argument(
        "--paper", choices=tuple(PAPERS), default=DEFAULT_PAPER, help="paper size (default: a4)"
    )
    parser.add_argument(
        "--draft", action="store_true", help="build leaflets with untranslated strings anyway"
    )
    _common(parser)
    return parser


def _serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import signal
    import threading

    from .serve import Report, Server

    announced = threading.Event()

    def report(r: Report) -> None:
        announced.wait()  # the URL comes first
        if r.error:
            err.write(f"make-guide: error: {r.error}\n")
        elif r.target and not args.quiet:
            verb = "built" if r.first else "rebuilt"
            out.write(
                f"{verb} {r.target.name} (html {r.html_seconds:.2f} s, pdf {r.pdf_seconds:.2f} s)\n"
            )
        out.flush()
        err.flush()

    server = Server(
        Project.at(args.project),
        args.lang,
        args.operator,
        PrintOptions(paper=args.paper),
        host=args.host,
        port=args.port,
        draft=args.draft,
        on_report=report,
    )
    # SIGTERM too stops the server cleanly (its temporary folder is removed).
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGTERM)
    if main_thread:
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        server.start()
        out.write(f"serving {server.url} (Ctrl-C to stop)\n")
        out.flush()
        announced.set()
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        # The way to end a preview, not a failure.
        if not args.quiet:
            out.write("stopped\n")
        return EXIT_OK
    finally:
        announced.set()
        server.stop()
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


def _build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .build import FORMATS, Settings, build, select

    project = Project.at(args.project)
    if args.list:
        out.write(f"languages: {' '.join(project.languages())}\n")
        out.write(f"operators: {' '.join(project.operators())}\n")
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
    targets = select(project, args.lang, args.operator)
    settings = Settings(
        out_dir=args.out if args.out is not None else DEFAULT_OUT,
        formats=FORMATS if args.format == "both" else (args.format,),
        strict=args.strict,
        draft=args.draft,
        timeout=args.timeout,
        print_options=PrintOptions(
            paper=args.paper,
            bleed=parse_length(args.bleed) if args.bleed else 0,
            marks=args.marks,
        ),
    )
    jobs = args.jobs or os.cpu_count() or 1
    started = time.perf_counter()
    failures: list[str] = []
    built = fresh = 0
    # A progress bar on a terminal; one line per file otherwise (logs, CI).
    from tqdm import tqdm

    bar = tqdm(
        total=len(targets),
        file=err,
        unit="leaflet",
        leave=False,
        disable=args.quiet or len(targets) < 2 or not err.isatty(),
    )

    def say(line: str) -> None:
        if bar.disable:
            out.write(line + "\n")
        else:
            bar.write(line, file=out)  # above the bar, which stays at the bottom

    with bar:
        results = build(project, targets, settings, jobs=jobs, force=args.force)
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
            index = write_index(project, targets, settings)
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


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .check import check_project

    report = check_project(Project.at(args.project))
    if args.json:
        out.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n")
        return EXIT_OK if report.ok else EXIT_FAILED
    if not args.quiet:
        columns = ("translated", "fuzzy", "untranslated", "obsolete")
        for lang, sections in report.counts.items():
            width = max(len(s) for s in [*sections, "section"])
            out.write(f"{lang}\n  {'section':<{width}}  " + "  ".join(columns) + "\n")
            for section, counts in sections.items():
                cells = "  ".join(f"{getattr(counts, c):>{len(c)}}" for c in columns)
                out.write(f"  {section:<{width}}  {cells}\n")
    for problem in report.problems:
        if problem.level == "error" or not args.quiet:
            err.write(f"make-guide: {problem.level}: {problem.message}\n")
    n_err, n_warn = len(report.errors), len(report.problems) - len(report.errors)
    if not args.quiet:
        out.write(
            "check: clean\n"
            if report.ok and not n_warn
            else f"check: {n_err} error(s), {n_warn} warning(s)\n"
        )
    return EXIT_OK if report.ok else EXIT_FAILED


def _i18n(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from . import catalogs

    project = Project.at(args.project)
    if args.action == "extract":
        written = [catalogs.extract(project)]
    elif args.action == "update":
        written = catalogs.update(project)
    elif args.action == "compile":
        written = catalogs.compile_catalogs(project)
    else:
        written = [catalogs.init(project, args.lang)]
    if not args.quiet:
        for path in written:
            out.write(f"wrote {path}\n")
    return EXIT_OK


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line; returns the exit code (tests call this directly)."""
    out = out or sys.stdout
    err = err or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and argv[0] in COMMANDS else None
    parser = {"check": check_parser, "i18n": i18n_parser, "serve": serve_parser}.get(
        command or "", build_parser
    )()
    run = {"check": _check, "i18n": _i18n, "serve": _serve}.get(command or "", _build)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
