"""The ``make-guide`` command line. The only module that prints or picks exit codes.

Exit codes: 0 success; 1 a build or content error (one line per problem);
2 a usage error (unknown option, language or operator); 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from . import __version__
from .build import FORMATS, build, select
from .errors import GuideError
from .project import DEFAULT_OUT, Project

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() stays testable."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise GuideError(message, exit_code=EXIT_USAGE)


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="make-guide",
        description="Build print-ready leaflets (PDF + HTML) from a guide project.",
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
        "--project",
        type=Path,
        default=None,
        metavar="DIR",
        help="guide project folder (default: this repository)",
    )
    how.add_argument("--strict", action="store_true", help="treat WeasyPrint warnings as errors")
    how.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    how.add_argument("-v", "--verbose", action="store_true", help="log details")
    parser.add_argument("--version", action="version", version=f"make-guide {__version__}")
    return parser


def _list(project: Project, out: TextIO) -> None:
    out.write(f"languages: {' '.join(project.languages())}\n")
    out.write(f"operators: {' '.join(project.operators())}\n")


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
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
    targets = select(project, args.lang, args.operator)
    formats = FORMATS if args.format == "both" else (args.format,)
    out_dir = args.out if args.out is not None else DEFAULT_OUT
    failures: list[str] = []
    started = time.perf_counter()
    for i, result in enumerate(build(project, targets, out_dir, formats, strict=args.strict), 1):
        prefix = f"[{i}/{len(targets)}] " if len(targets) > 1 else ""
        if result.error:
            failures.append(result.error)
            err.write(f"make-guide: error: {result.error}\n")
        elif not args.quiet:
            out.write(prefix + "wrote " + ", ".join(str(p) for p in result.written) + "\n")
        out.flush()
    seconds = time.perf_counter() - started
    if failures:
        err.write(f"make-guide: {len(failures)} of {len(targets)} leaflet(s) failed\n")
        return EXIT_FAILED
    if not args.quiet and len(targets) > 1:
        out.write(f"built {len(targets)} leaflets in {seconds:.1f} s\n")
    return EXIT_OK


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line; returns the exit code (tests call this directly)."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = make_parser().parse_args(argv)
    except GuideError as exc:
        err.write(f"make-guide: error: {exc}\n")
        return exc.exit_code
    logging.basicConfig(
        stream=err,
        format="make-guide: %(levelname)s: %(name)s: %(message)s",
        level=logging.DEBUG if args.verbose else logging.ERROR if args.quiet else logging.WARNING,
    )
    if not args.verbose:
        # WeasyPrint and fontTools are chatty at INFO level about fonts and subsetting.
        logging.getLogger("fontTools").setLevel(logging.WARNING)
    try:
        return _run(args, out, err)
    except GuideError as exc:
        err.write(f"make-guide: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        err.write("make-guide: interrupted; outputs already written are complete\n")
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
