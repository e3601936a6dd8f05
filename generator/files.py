"""Reading a guide project's files: only regular files inside the project, each read bounded.

Content editors and translators control what sits in ``content/`` and ``locales/``,
and a symbolic link is as easy to commit as a file. So nothing is read by following
a name blindly: the name is resolved first (a link loop is refused), the real path
must lie inside the project (links that stay inside are fine; one to ``/etc/passwd``
or ``/dev/zero`` is not), and the file is opened without following a link swapped in
since, non-blocking (a FIFO put in its place cannot hang the build), checked to be a
regular file on the open descriptor, and read to at most ``limit + 1`` bytes (so a
file that grows, or lies about its size, cannot exhaust memory).

Every refusal is a :class:`GuideError` naming the file; a missing file is the
subclass :class:`FileMissing`, for callers to whom absence is not an error.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .errors import GuideError, located

#: Content and catalogs are small; anything bigger is a mistake (or an attack).
MAX_BYTES = 2_000_000

_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}
_OPEN_FLAGS = (
    os.O_RDONLY
    | os.O_NONBLOCK  # opening a FIFO with no writer would block forever
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOFOLLOW", 0)  # the real path has no link at its end; refuse a new one
)


class FileMissing(GuideError):
    """The file does not exist (or is a link to nothing)."""


def resolve_inside(path: Path, root: Path) -> Path:
    """The real path of the existing ``path``; refused unless it lies inside ``root``."""
    try:
        real = Path(os.path.realpath(path, strict=True))
    except FileNotFoundError:
        raise FileMissing(f"{path}: file not found") from None
    except OSError as exc:
        raise _error(path, exc) from None
    if not is_inside(real, root):
        raise GuideError(
            f"{path}: leads outside the project (to {real}); only files inside it are read"
        )
    return real


def is_inside(path: Path, root: Path) -> bool:
    """True when ``path``, resolved as far as it exists, lies inside ``root`` (resolved)."""
    real = Path(os.path.realpath(path))
    return real.is_relative_to(os.path.realpath(root))


def read_bytes(path: Path, *, root: Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of the regular file ``path`` inside ``root``, at most ``limit`` of them."""
    real = resolve_inside(path, root)
    try:
        fd = os.open(real, _OPEN_FLAGS)
    except OSError as exc:
        raise _error(path, exc) from None
    try:
        _require_regular(path, os.fstat(fd).st_mode)
        chunks, size = [], 0
        while size <= limit:  # read one byte past the limit to tell "too large"
            chunk = os.read(fd, min(limit + 1 - size, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise _error(path, exc) from None
    finally:
        os.close(fd)
    if size > limit:
        raise GuideError(f"{path}: file too large (over {_size(limit)})")
    return b"".join(chunks)


def check_file(path: Path, *, root: Path, limit: int = MAX_BYTES) -> None:
    """Refuse ``path`` as :func:`read_bytes` would, without reading it: for files that a
    library opens itself (Babel's extraction and catalog commands)."""
    real = resolve_inside(path, root)
    try:
        st = os.stat(real)
    except OSError as exc:
        raise _error(path, exc) from None
    _require_regular(path, st.st_mode)
    if st.st_size > limit:
        raise GuideError(f"{path}: file too large (over {_size(limit)})")


def _require_regular(path: Path, mode: int) -> None:
    if not stat.S_ISREG(mode):
        kind = _KINDS.get(stat.S_IFMT(mode), "not a file")
        raise GuideError(f"{path}: not a regular file ({kind})")


def read_text(path: Path, *, root: Path, limit: int = MAX_BYTES) -> str:
    """A UTF-8 text file (see :func:`read_bytes`); bad bytes are named by their line."""
    return decode(read_bytes(path, root=root, limit=limit), path)


def decode(raw: bytes, path: Path) -> str:
    """``raw`` as UTF-8, or a one-line error naming the line of the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise GuideError(located(path, line, "not valid UTF-8 text")) from None


def _error(path: Path, exc: OSError) -> GuideError:
    if exc.errno == errno.ELOOP:
        return GuideError(f"{path}: symbolic link loop (or a link where none may be)")
    if exc.errno == errno.ENOENT:
        return FileMissing(f"{path}: file not found")
    return GuideError(f"{path}: cannot read: {exc.strerror or exc}")


def _size(limit: int) -> str:
    return f"{limit // 1_000_000} MB" if limit >= 1_000_000 else f"{limit:,} bytes"
