"""``make-guide pack``: travel packs, several leaflets in one PDF."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from ..cli import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Parser,
    common_options,
    options_of,
    print_options,
)
from ..errors import GuideError
from ..project import Project


def parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="make-guide pack",
        description="Travel packs: several leaflets in one PDF, with a cover, contents and "
        "bookmarks. Either a pack declared in content/packs/NAME.yaml, or --lang (and "
        "--operator) for one made on the spot; --all builds every declared pack.",
    )
    parser.add_argument("pack", nargs="?", metavar="NAME", help="a declared pack")
    parser.add_argument("--all", action="store_true", help="every declared pack")
    parser.add_argument("--lang", action="append", metavar="L", help="language (repeatable)")
    parser.add_argument(
        "--operator", action="append", metavar="O", help="operator (repeatable; default: all)"
    )
    parser.add_argument("--name", metavar="NAME", help="file name (default: pack-<lang>)")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR", help="output folder")
    parser.add_argument("--strict", action="store_true", help="WeasyPrint warnings are errors")
    parser.add_argument("--draft", action="store_true", help="allow untranslated strings")
    print_options(parser)
    common_options(parser)
    return parser


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..build import print_variants, select
    from ..content import load_content
    from ..i18n import translator
    from ..manifest import Manifest
    from ..output import locked, prepare_out_dir, write_files
    from ..pack import adhoc_pack, build_pack, declared_pack

    project = Project.at(args.project)
    if sum(bool(x) for x in (args.pack, args.all, args.lang)) != 1:
        raise GuideError(
            "say which pack: NAME (declared in content/packs/), --all, or --lang L",
            exit_code=EXIT_USAGE,
        )
    content = None
    if args.lang:
        select(project, args.lang, args.operator, draft=args.draft)
        packs = [adhoc_pack(project, args.lang, args.operator, args.name)]
    else:
        if args.operator or args.name:
            raise GuideError("--operator and --name go with --lang", exit_code=EXIT_USAGE)
        names = project.packs() if args.all else [args.pack]
        if not names:
            raise GuideError(f"{project.packs_dir}: no packs declared", exit_code=EXIT_USAGE)
        content = load_content(project)
        packs = [declared_pack(project, name, content) for name in names]
    options = options_of(args)
    out_dir = args.out if args.out is not None else project.out_dir
    project.refuse_output_in(out_dir)
    prepare_out_dir(out_dir)
    content = content or load_content(project)
    failures = 0
    with locked(out_dir):
        manifest = Manifest.load(out_dir)
        for pack in packs:
            try:
                translators = {lang: translator(project, lang) for lang in pack.languages}
                pdf = build_pack(
                    project,
                    content,
                    pack,
                    translators,
                    print_options=options,
                    duplex=options.duplex,
                    draft=args.draft,
                    strict=args.strict,
                )
            except GuideError as exc:
                failures += 1
                err.write(f"make-guide: error: {exc}\n")
                continue
            path = out_dir / pack.filename(options.suffix)
            outputs = {path: pdf, **print_variants(path, pdf, options)}
            write_files(outputs)
            manifest.record(f"pack:{path.name}", "", list(outputs))
            if not args.quiet:
                out.write("wrote " + ", ".join(str(p) for p in outputs) + "\n")
        manifest.save()
    if failures:
        err.write(f"make-guide: {failures} of {len(packs)} pack(s) failed\n")
        return EXIT_FAILED
    return EXIT_OK
