"""Writing outputs safely: atomic files, one build per output folder, a time limit.

Every file is written to a temporary name in its folder and renamed into place, so a
reader (or a print shop's upload) never sees half a PDF, and an interrupted build
leaves the previous file as it was. A lock file keeps two builds from writing into
one folder at once, and the next build sweeps up temporary files a killed one left.
"""

from __future__ import annotations

import fcntl
import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import GuideError
from .project import LOCK_NAME


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
    lock = (out_dir / LOCK_NAME).open("a")
    LOCK_FD = lock.fileno()
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise GuideError(
                f"{out_dir}: another make-guide is building into this folder"
            ) from None
        for stale in out_dir.glob(".*.tmp"):
            stale.unlink(missing_ok=True)
        yield
    finally:
        LOCK_FD = None
        lock.close()


def forget_lock() -> None:
    """In a forked worker: drop the inherited lock, so only the parent holds it (a
    worker outliving a killed parent must not block the next build)."""
    if LOCK_FD is not None:
        os.close(LOCK_FD)


class TimeLimit(Exception):
    pass


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
