"""Worker processes of a build, which never outlive the make-guide process that forked them.

Leaflets are built in processes forked after the heavy libraries are imported, and a
single leaflet's PDF is made in a process forked first thing (it imports WeasyPrint
while the parent renders the HTML). A forked child holds copies of the parent's file
descriptors, the caller's stdout and stderr pipes among them, and of the pool's
queues, so it would not notice its parent's death: killed with SIGKILL, SIGTERM or by
the OOM killer, make-guide would leave workers running that keep a CI job's pipes
open. Each child therefore asks Linux to kill it when its parent dies
(``prctl(PR_SET_PDEATHSIG)``, set first thing), and checks that the parent did not die
before that. Elsewhere a thread watches the parent instead.

Children also keep their temporary files (WeasyPrint's copies of the font subsets) in
a folder the parent removes after the build: a child ends without running finalizers,
so its temporary folders would otherwise pile up in /tmp.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection

from .errors import GuideError
from .output import forget_lock

log = logging.getLogger(__name__)

#: From <linux/prctl.h>.
PR_SET_PDEATHSIG = 1


def tie_to_parent(parent: int) -> None:
    """In a forked child: die with ``parent`` (the pid that forked it), and exit at once
    if it already died between the fork and this call."""
    if not _pdeathsig():
        threading.Thread(target=_watch, args=(parent,), daemon=True).start()
    # The signal is tied to the parent as it is now: if that one is already gone, we
    # were re-parented before asking, and nobody will send it.
    if os.getppid() != parent:
        os._exit(1)


def _pdeathsig() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:  # pragma: no cover - Linux uses PR_SET_PDEATHSIG
    while os.getppid() == parent:
        threading.Event().wait(0.5)
    os._exit(1)


_TEMPDIR: str | None = None


@contextmanager
def children_tempdir() -> Iterator[None]:
    """While the block runs, children forked by this process keep their temporary files
    in one folder, removed at the end (after the children are gone)."""
    global _TEMPDIR
    if _TEMPDIR is not None:  # inside another such block (the CLI's early PDF process)
        yield
        return
    _TEMPDIR = tempfile.mkdtemp(prefix="make-guide-")
    try:
        yield
    finally:
        shutil.rmtree(_TEMPDIR, ignore_errors=True)
        _TEMPDIR = None


def _child_setup(parent: int) -> None:
    """First thing in a forked child: tied to ``parent``, without its lock, its
    temporary files in the folder :func:`children_tempdir` removes."""
    tie_to_parent(parent)
    forget_lock()
    if _TEMPDIR is not None:
        tempfile.tempdir = _TEMPDIR


def worker_init(parent: int) -> None:
    """Initializer of the build's process pool (see :func:`_child_setup`)."""
    _child_setup(parent)


class PdfProcess:
    """A process that imports WeasyPrint while this one loads the content and renders the
    HTML, then turns that HTML into a PDF: a single leaflet's two halves overlap on two
    cores, instead of paying WeasyPrint's ~0.5 s import first."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._proc = context.Process(
            target=_pdf_server, args=(child, self._conn, os.getpid()), daemon=True
        )
        self._proc.start()
        child.close()

    def __call__(self, **kwargs: object) -> bytes:
        try:
            self._conn.send(kwargs)
            ok, payload = self._conn.recv()
        except (EOFError, OSError):
            self._proc.join(timeout=5)
            code = self._proc.exitcode
            if code is not None and code < 0:  # killed: the OOM killer, or someone else
                name = signal.Signals(-code).name
                raise GuideError(
                    f"{kwargs.get('label')}: the PDF process was killed ({name})"
                ) from None
            raise RuntimeError("the PDF process died (its traceback is above)") from None
        if not ok:
            raise GuideError(payload)
        return payload

    def close(self) -> None:
        if self._proc.is_alive():
            self._proc.kill()
        self._proc.join()
        self._conn.close()


#: A PDF process the command line started before it read anything (see :func:`early_pdf`).
_EARLY: PdfProcess | None = None


@contextmanager
def early_pdf(wanted: bool) -> Iterator[None]:
    """Start the PDF process now, when the command line already says it builds one
    leaflet's PDF: WeasyPrint's import then overlaps everything before the build too
    (finding the project, reading guide.yaml, checking the fonts). The build takes it
    with :func:`take_early_pdf`; one it did not take is stopped here."""
    global _EARLY
    if not wanted:
        yield
        return
    with children_tempdir():
        _EARLY = PdfProcess()
        try:
            yield
        finally:
            if _EARLY is not None:
                _EARLY.close()
                _EARLY = None


def take_early_pdf() -> PdfProcess | None:
    """The PDF process :func:`early_pdf` started, now the caller's to close."""
    global _EARLY
    process, _EARLY = _EARLY, None
    return process


def _pdf_server(conn: Connection, parents_end: Connection, parent: int) -> None:
    _child_setup(parent)
    parents_end.close()  # so that the parent's end closing is seen here as EOF
    # Started before the fonts are checked: WeasyPrint's "no fonts" import warning would
    # be a second line beside the parent's clear error, so it is silenced here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from .pdf import html_to_pdf
        from .warmstart import prewarm

    # The HTML is still being rendered in the parent: start on the PDF's first-time costs.
    prewarm()

    while True:
        try:
            kwargs = conn.recv()
        except EOFError:
            return
        try:
            conn.send((True, html_to_pdf(**kwargs)))
        except GuideError as exc:
            conn.send((False, str(exc)))
