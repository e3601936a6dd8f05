"""``make-guide serve``: the live preview."""

from __future__ import annotations

import argparse
import time
from typing import TextIO

from ..cli import EXIT_OK, Parser, common_options
from ..paper import DEFAULT_PAPER, PAPERS, PrintOptions
from ..project import Project


def _port(text: str) -> int:
    """``--port``: a TCP port from 1 to 65535."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 1 to 65535, got '{text}'")
    return value


def parser() -> argparse.ArgumentParser:
    from ..serve import DEFAULT_HOST, DEFAULT_PORT

    parser = Parser(
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
    common_options(parser)
    return parser


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import signal
    import threading

    from ..serve import Report, Server

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
