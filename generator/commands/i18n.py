"""``make-guide i18n extract | update | compile | init LANG``: the translators' workflow."""

from __future__ import annotations

import argparse
from typing import TextIO

from ..cli import EXIT_OK, Parser, common_options
from ..project import Project


def parser() -> argparse.ArgumentParser:
    parser = Parser(prog="make-guide i18n", description="Translators' workflow over Babel.")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=Parser)
    sub.add_parser("extract", help="write locales/messages.pot from content and templates")
    sub.add_parser("update", help="extract, then merge new strings into every catalog")
    sub.add_parser("compile", help="compile every catalog to .mo (for gettext tools)")
    init = sub.add_parser("init", help="start a catalog for a new language")
    init.add_argument("lang", metavar="LANG", help="a Babel locale identifier, e.g. de, zh_Hant")
    for p in sub.choices.values():
        common_options(p)
    return parser


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .. import catalogs

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
