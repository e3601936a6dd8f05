"""``make-guide clean``: remove what make-guide wrote into an output folder."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from ..cli import EXIT_OK, Parser, common_options
from ..project import Project


def parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="make-guide clean",
        description="Remove what make-guide wrote into the output folder (the files its "
        "manifest lists, the index), nothing else.",
    )
    parser.add_argument("--out", type=Path, default=None, metavar="DIR", help="output folder")
    common_options(parser)
    return parser


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..manifest import clean

    out_dir = args.out if args.out is not None else Project.at(args.project).out_dir
    removed = clean(out_dir)
    if not args.quiet:
        out.write(f"removed {len(removed)} file(s) from {out_dir}\n")
    return EXIT_OK
