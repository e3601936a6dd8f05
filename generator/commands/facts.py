"""``make-guide facts``: every operator fact's age and provenance; ``facts verify``
re-checks them against their sources (and ``--record`` writes the confirmed ones' date)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from ..cli import EXIT_FAILED, EXIT_OK, Parser, _seconds, common_options
from ..project import Project

if TYPE_CHECKING:
    from ..content import Content
    from ..facts import FactRow

#: Defaults of ``facts verify``: one page's time, the whole run's, a page's size.
TIMEOUT, MAX_TIME = 15.0, 600.0
FAIL_LIST = ("stale", "low", "no-url", "any")
FAIL_VERIFY = ("not_found", "unreachable", "moved", "any")


class _Parser(Parser):
    """``facts`` or ``facts verify``: two parsers behind one command name (argparse's
    subcommands would let the second's defaults overwrite options given before it)."""

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        argv = list(args or [])
        if argv[:1] == ["verify"]:
            parsed = _verify_parser().parse_args(argv[1:], namespace)
            parsed.action = "verify"
            return parsed
        parsed = super().parse_args(argv, namespace)
        parsed.action = "list"
        return parsed


def _fail_on(choices: Sequence[str]) -> Callable[[str], set[str]]:
    def parse(text: str) -> set[str]:
        wanted = {part.strip() for part in text.split(",") if part.strip()}
        unknown = wanted - set(choices)
        if not wanted or unknown:
            raise argparse.ArgumentTypeError(
                f"expected one or more of {', '.join(choices)} (comma-separated), got '{text}'"
            )
        return set(choices[:-1]) if "any" in wanted else wanted

    return parse


def parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="make-guide facts",
        description="List every operator fact: value, confidence, provenance, source, when "
        "it was checked and how old that is; marks what is stale (older than the guide's "
        "stale_after_months), low-confidence or without a source URL. "
        "'make-guide facts verify --help' re-checks the facts against their sources.",
    )
    _shared_options(parser, "a JSON list of objects", FAIL_LIST, "has this mark")
    return parser


def _shared_options(
    parser: argparse.ArgumentParser, json_help: str, fail: Sequence[str], fail_help: str
) -> None:
    """The options ``facts`` and ``facts verify`` both take."""
    parser.add_argument("--json", action="store_true", help=json_help)
    parser.add_argument(
        "--operator", action="append", metavar="O", help="only this operator (repeatable)"
    )
    parser.add_argument(
        "--fail-on",
        type=_fail_on(fail),
        default=set(),
        metavar="|".join(fail),
        help=f"exit 1 when a fact {fail_help} (comma-separated; for CI)",
    )
    common_options(parser)


def _verify_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="make-guide facts verify",
        description="Fetch each fact's source (http/https only, one request at a time) and "
        "look for the fact's value on it: confirmed, not_found, unreachable, moved (to "
        "another host) or skipped. Never edits content unless --record is given.",
    )
    _shared_options(parser, "a JSON list of results", FAIL_VERIFY, "gets this status")
    parser.add_argument(
        "--record",
        action="store_true",
        help="set checked (and verified) to today for the confirmed facts, keeping the "
        "files' comments and layout; review the diff and commit",
    )
    parser.add_argument(
        "--allow-local",
        action="store_true",
        help="allow loopback, private and link-local addresses (refused by default)",
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=TIMEOUT,
        metavar="S",
        help=f"seconds for one page (default {TIMEOUT:g})",
    )
    parser.add_argument(
        "--max-time",
        type=_seconds,
        default=MAX_TIME,
        metavar="S",
        help=f"seconds for the whole run; later pages are not fetched (default {MAX_TIME:g})",
    )
    return parser


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..build import select
    from ..content import load_content
    from ..facts import fact_rows

    project = Project.at(args.project)
    select(project, None, args.operator)  # an unknown operator is a usage error
    content = load_content(project)
    today = dt.date.today()
    rows = fact_rows(content, today, args.operator)
    if args.action == "verify":
        return _verify(project, content, rows, today, args, out, err)
    if args.json:
        out.write(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2) + "\n")
    else:
        _table(
            out,
            ("operator", "fact", "value", "conf.", "provenance", "checked", "age", "marks"),
            [
                (
                    r.operator,
                    r.key,
                    r.value,
                    r.confidence,
                    r.provenance + (f", {r.year}" if r.year else ""),
                    r.checked.isoformat() + (" live" if r.verified else ""),
                    f"{r.age_days} d",
                    " ".join(r.marks) or "-",
                )
                for r in rows
            ],
            limits={2: 32, 4: 24},
        )
        if not args.quiet:
            marks = Counter(m for r in rows for m in r.marks)
            oldest = max((r.age_days for r in rows), default=0)
            out.write(
                f"{len(rows)} facts: {marks['stale']} stale (checked over "
                f"{content.guide.stale_after_months} months ago), {marks['low']} low "
                f"confidence, {marks['no-url']} without a source URL; "
                f"{sum(1 for r in rows if r.verified)} found on their live sources; "
                f"oldest check {oldest} days ago\n"
            )
    failed = {m for r in rows for m in r.marks} & args.fail_on
    if failed:
        err.write(f"make-guide: error: facts marked {', '.join(sorted(failed))}\n")
        return EXIT_FAILED
    return EXIT_OK


def _verify(
    project: Project,
    content: Content,
    rows: list[FactRow],
    today: dt.date,
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO,
) -> int:
    from ..fetch import Fetcher, Limits
    from ..record import record
    from ..verify import STATUSES, verify

    deadline = time.monotonic() + args.max_time if args.max_time else None
    limits = Limits(timeout=args.timeout or TIMEOUT, allow_local=args.allow_local)
    verdicts = []
    widths = (
        max((len(r.operator) for r in rows), default=8),
        max((len(r.key) for r in rows), default=4),
        len("unreachable"),
    )
    with Fetcher(limits) as fetcher:
        for verdict in verify(rows, fetcher, deadline=deadline):
            verdicts.append(verdict)
            if not args.json and not args.quiet:
                # One line per fact as it is decided: the run's progress.
                cells = (verdict.operator, verdict.fact, verdict.status)
                line = "  ".join(f"{c:<{w}}" for c, w in zip(cells, widths, strict=True))
                out.write(
                    f"{line}  {verdict.detail}"
                    + (f"  <{verdict.url}>" if verdict.url else "")
                    + "\n"
                )
                out.flush()
    counts = Counter(v.status for v in verdicts)
    if args.json:
        out.write(json.dumps([v.as_dict() for v in verdicts], ensure_ascii=False, indent=2) + "\n")
    elif not args.quiet:
        out.write(", ".join(f"{s} {counts[s]}" for s in STATUSES) + f" ({len(verdicts)} facts)\n")
    if args.record:
        changed = record(project, content, verdicts, today)
        if not args.quiet:
            err.write(
                f"make-guide: recorded {counts['confirmed']} confirmed fact(s) as checked on "
                f"{today.isoformat()} in {len(changed)} file(s)"
                + (": " + ", ".join(str(p) for p in changed) if changed else "")
                + "; review the diff and commit\n"
            )
    failed = {v.status for v in verdicts} & args.fail_on
    if failed:
        err.write(f"make-guide: error: facts {', '.join(sorted(failed))}\n")
        return EXIT_FAILED
    return EXIT_OK


def _table(
    out: TextIO,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    limits: dict[int, int],
) -> None:
    """Columns as wide as their widest cell, the long ones (value, provenance) cut."""

    def cut(i: int, text: str) -> str:
        text = " ".join(text.split())
        limit = limits.get(i)
        return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"

    cells = [[cut(i, c) for i, c in enumerate(row)] for row in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(header)
    ]
    for row in [list(header), *cells]:
        out.write("  ".join(f"{c:<{w}}" for c, w in zip(row, widths, strict=True)).rstrip() + "\n")
