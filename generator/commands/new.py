"""``make-guide new DIR``: start a guide project."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from ..cli import EXIT_OK, Parser


def parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="make-guide new",
        description="Start a new guide project: the smallest complete one, ready to build.",
    )
    parser.add_argument("folder", metavar="DIR", type=Path, help="a new (or empty) folder")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details")
    return parser


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..newproject import new_project, relative

    written = new_project(args.folder)
    if not args.quiet:
        for path in written:
            out.write(f"wrote {relative(path)}\n")
        out.write(
            f"next: cd {relative(args.folder)} && make-guide --all "
            "(then make-guide check; make-guide i18n init LANG for a translation)\n"
        )
    return EXIT_OK
