"""``make-guide check``: are the translations and the content clean?"""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from ..cli import EXIT_FAILED, EXIT_OK, Parser, common_options
from ..project import Project


def parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="make-guide check",
        description="Check translations and content; exit 0 only when clean.",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable report")
    parser.add_argument(
        "--lang", action="append", metavar="L", help="check only this language (repeatable)"
    )
    common_options(parser)
    return parser


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..build import select
    from ..check import check_project

    project = Project.at(args.project)
    select(project, args.lang, None)  # an unknown language is a usage error
    report = check_project(project, langs=args.lang)
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
