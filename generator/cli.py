"""The ``make-guide`` command line. The only module that prints or picks exit codes.

    make-guide --lang L --operator O | --all | --list   build leaflets (the default)
    make-guide check [--json]                           translation and content gates
    make-guide i18n extract | update | compile | init LANG

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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from . import __version__
from .errors import GuideError
from .paper import DEFAULT_PAPER, IMPOSITIONS, PAPERS, PrintOptions, parse_length
from .project import DEFAULT_OUT, INDEX_NAME, Project

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


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
        description="Build print-ready leaflets (PDF + HTML) from a guide project (found "
        "from the current folder upward: the folder with content/guide.yaml). Other "
        "commands: make-guide check | i18n | new | pack | clean | serve.",
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
    _print_options(parser)
    _common(how)
    parser.add_argument("--version", action="version", version=f"make-guide {__version__}")
    return parser


def _print_options(parser: argparse.ArgumentParser) -> None:
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


def _options(args: argparse.Namespace) -> PrintOptions:
    return PrintOptions(
        paper=args.paper,
        bleed=parse_length(args.bleed) if args.bleed else 0,
        marks=args.marks,
        duplex=args.duplex,
        impose=args.impose,
    )


def check_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="make-guide check",
        description="Check translations and content; exit 0 only when clean.",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable report")
    parser.add_argument(
        "--lang", action="append", metavar="L", help="check only this language (repeatable)"
    )
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


def _build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
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
    options = _options(args)
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


def _list(project: Project, out: TextIO) -> None:
    """The languages (named in themselves) and operators of the guide project."""
    from babel import Locale

    from .content import load_content

    released = project.released_languages()
    langs = project.languages()
    width = max(map(len, [*langs, *project.operators(), ""]))
    out.write("languages:\n")
    for lang in langs:
        locale = Locale.parse(lang)
        name = locale.get_display_name(locale) or lang
        note = "" if lang in released else "  (not released: --draft only)"
        source = "  (source)" if lang == project.source_language() else ""
        out.write(f"  {lang:<{width}}  {name}{source}{note}\n")
    out.write("operators:\n")
    for slug, operator in load_content(project).operators.items():
        names = operator.names
        local = f" ({names.local})" if names.local and names.local != names.latin else ""
        out.write(f"  {slug:<{width}}  {names.latin}{local}\n")


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .build import select
    from .check import check_project

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


def new_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="make-guide new",
        description="Start a new guide project: the smallest complete one, ready to build.",
    )
    parser.add_argument("folder", metavar="DIR", type=Path, help="a new (or empty) folder")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details")
    return parser


def _new(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .newproject import new_project, relative

    written = new_project(args.folder)
    if not args.quiet:
        for path in written:
            out.write(f"wrote {relative(path)}\n")
        out.write(
            f"next: cd {relative(args.folder)} && make-guide --all "
            "(then make-guide check; make-guide i18n init LANG for a translation)\n"
        )
    return EXIT_OK


def pack_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
    _print_options(parser)
    _common(parser)
    return parser


def _pack(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .build import print_variants, select
    from .content import load_content
    from .i18n import translator
    from .manifest import Manifest
    from .output import locked, prepare_out_dir, write_files
    from .pack import adhoc_pack, build_pack, declared_pack

    project = Project.at(args.project)
    if sum(bool(x) for x in (args.pack, args.all, args.lang)) != 1:
        raise GuideError(
            "say which pack: NAME (declared in content/packs/), --all, or --lang L",
            exit_code=EXIT_USAGE,
        )
    if args.lang:
        select(project, args.lang, args.operator, draft=args.draft)
        packs = [adhoc_pack(project, args.lang, args.operator, args.name)]
    else:
        if args.operator or args.name:
            raise GuideError("--operator and --name go with --lang", exit_code=EXIT_USAGE)
        names = project.packs() if args.all else [args.pack]
        if not names:
            raise GuideError(f"{project.packs_dir}: no packs declared", exit_code=EXIT_USAGE)
        packs = [declared_pack(project, name) for name in names]
    options = _options(args)
    out_dir = args.out if args.out is not None else project.out_dir
    project.refuse_output_in(out_dir)
    prepare_out_dir(out_dir)
    content = load_content(project)
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


def clean_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="make-guide clean",
        description="Remove what make-guide wrote into the output folder (the files its "
        "manifest lists, the index), nothing else.",
    )
    parser.add_argument("--out", type=Path, default=None, metavar="DIR", help="output folder")
    _common(parser)
    return parser


def _clean(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .manifest import clean

    out_dir = args.out if args.out is not None else Project.at(args.project).out_dir
    removed = clean(out_dir)
    if not args.quiet:
        out.write(f"removed {len(removed)} file(s) from {out_dir}\n")
    return EXIT_OK


#: ``make-guide <command> ...``: its parser and what it runs. Without a command: a build.
COMMANDS: dict[str, tuple[Callable[[], argparse.ArgumentParser], Callable[..., int]]] = {
    "check": (check_parser, _check),
    "i18n": (i18n_parser, _i18n),
    "new": (new_parser, _new),
    "pack": (pack_parser, _pack),
    "clean": (clean_parser, _clean),
}


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line; returns the exit code (tests call this directly)."""
    out = out or sys.stdout
    err = err or sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and argv[0] in COMMANDS else None
    make_parser, run = COMMANDS.get(command or "", (build_parser, _build))
    parser = make_parser()
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
