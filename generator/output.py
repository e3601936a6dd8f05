"""Writing outputs safely: atomic files, one build per output folder, a time limit.

Every file is written to a temporary name in its folder and renamed into place, so a
reader (or a print shop's upload) never sees half a PDF, and an interrupted build
leaves the previous file as it was. A lock file keeps two builds from writing into
one folder at once, and the next build sweeps up temporary files a killed one left.
A write that fails (a full disk, a read-only file system, a folder in the way) is
one line naming the file, with the temporary files removed and the old ones kept.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import signal
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from .errors import GuideError
from .project import LOCK_NAME

log = logging.getLogger(__name__)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename.

    Any failure (a full disk, a folder in the way, a read-only file system) is one
    line naming ``path``; the temporary file is removed and the previous file kept.
    """
    write_files({path: data})


def write_files(outputs: Mapping[Path, bytes]) -> None:
    """Write several files (one leaflet's PDF and HTML) as nearly all-or-nothing as
    a file system allows: every temporary file is written and synced first, so a full
    disk replaces none of them; then each is renamed into place."""
    temps: dict[Path, str] = {}
    try:
        for path, data in outputs.items():
            if path.is_dir():  # checked first: a rename would fail after others were done
                raise GuideError(f"{path}: cannot write: a folder of that name is in the way")
            temps[path] = _write_temp(path, data)
        for path, tmp in temps.items():
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise _write_error(path, exc) from None
    finally:
        for tmp in temps.values():
            Path(tmp).unlink(missing_ok=True)  # only those not renamed into place


def _write_temp(path: Path, data: bytes) -> str:
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _write_error(path, exc) from None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
        os.fchmod(fd, 0o644)
    except BaseException as exc:
        os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _write_error(path, exc) from None
        raise
    os.close(fd)
    return tmp


def _write_error(path: Path, exc: OSError) -> GuideError:
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        reason += "; the previous file is kept"
    return GuideError(f"{path}: cannot write: {reason}")


def prepare_out_dir(out_dir: Path) -> None:
    """Create the output folder if needed; refuse a file or an unwritable folder."""
    if out_dir.exists() and not out_dir.is_dir():
        raise GuideError(f"{out_dir}: output path exists and is not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GuideError(f"{out_dir}: cannot create output folder: {exc.strerror}") from None
    if not os.access(out_dir, os.W_OK | os.X_OK):
        raise GuideError(f"{out_dir}: output folder is not writable")


LOCK_FD: int | None = None


@contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """One build at a time per output folder; then sweep temp files a killed build left."""
    global LOCK_FD
    path = out_dir / LOCK_NAME
    try:
        # O_NOFOLLOW: a link in the lock's place must not make us create a file elsewhere.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        raise GuideError(f"{path}: cannot open the lock file: {exc.strerror or exc}") from None
    LOCK_FD = fd
    held = False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise GuideError(
                f"{out_dir}: another make-guide is building into this folder"
            ) from None
        held = True
        for stale in out_dir.glob(".*.tmp"):
            try:
                if not stale.is_dir():
                    stale.unlink(missing_ok=True)
            except OSError as exc:  # sweeping is a courtesy; the build goes on
                log.debug("cannot remove %s: %s", stale, exc)
        yield
    finally:
        LOCK_FD = None
        if held:
            # Removed while still held, once everything is written: the folder keeps
            # only the outputs. (A build that starts in the instant between this and
            # the close creates a new lock file; this one writes nothing more.)
            with contextlib.suppress(OSError):
                path.unlink()
        os.close(fd)


def forget_lock() -> None:
    """In a forked worker: drop the inherited lock, so only the parent holds it (a
    worker outliving a killed parent must not block the next build)."""
    if LOCK_FD is not None:
        os.close(LOCK_FD)


class TimeLimit(BaseException):
    """The time limit ran out. A BaseException, like KeyboardInterrupt, so that code
    turning any Exception into a one-line error (template errors) lets it through."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (Unix, main thread of a process)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TimeLimit

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def time_limited(seconds: float, what: str) -> Iterator[None]:
    """:func:`time_limit`, reported as one line: ``<what>: stopped after N s (--timeout)``."""
    try:
        with time_limit(seconds):
            yield
    except TimeLimit:
        raise GuideError(f"{what}: stopped after {seconds:g} s (--timeout)") from None
