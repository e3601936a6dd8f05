"""Small derived data kept between runs, under a hash of everything it is derived from.

Every cold run used to derive the same data again from the same files: PyYAML, which
is pure Python, parsing the content files (~40 ms); the Public Suffix List's ~10,000
rules parsed to answer a handful of questions about domains (~50 ms); fontconfig asked
about each face (an ``fc-match`` process each) and HarfBuzz about each character; segno
drawing the same QR code. Together that was a third of the time before the first
leaflet's HTML could be rendered. The kinds kept: ``yaml``, ``public-suffixes``,
``fc-match``, ``font-facts``, ``qr``, ``content`` and ``cffi`` (the parsed C declarations
and type names of :mod:`generator.warmstart`), each a folder under ``data/``.

Each such value is stored here as plain data with :mod:`marshal` (fast, and unlike
pickle nothing runs while loading; checked content is pickled, and read back by
:mod:`generator.content` with an unpickler limited to its own classes; so is cffi's parser
state, which only cffi's own model objects can hold), in the
user's cache folder (see
:func:`generator.project.persistent_cache_dir`), named by a hash of its inputs *and*
of the code that derives it, so a changed file or a changed make-guide is simply a
miss. It is only a cache: an entry that is missing, unreadable, corrupt or of an
unexpected shape is a miss, and a failure to store one is logged at debug level,
never an error. Nothing is synced to disk: an entry torn by a crash fails to load.
Each kind keeps its :data:`KEEP` newest entries (a long preview session writes a new
one for every saved version of a file); older ones are removed when a new one is stored.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import marshal
import os
import re
import sys
import tempfile
import time
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

#: Bump when the layout of every entry changes.
CACHE_VERSION = "1"
#: Entries are small; anything larger is not ours.
MAX_ENTRY_BYTES = 8 * 1024 * 1024
#: Entries kept of each kind: the newest ones.
KEEP = 500


def entry_key(*parts: str | bytes) -> str:
    """A hash of ``parts`` (each length-prefixed: ``("ab", "c")`` ≠ ``("a", "bc")``)."""
    digest = hashlib.sha256(CACHE_VERSION.encode())
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()[:40]


@cache
def code_version(*module_files: str) -> str:
    """A hash of the source of the modules that derive a value: editing one is a miss."""
    digest = hashlib.sha256()
    for name in module_files:
        try:
            digest.update(Path(name).read_bytes())
        except OSError:  # no source to tell the code by: never reuse an entry
            digest.update(os.urandom(16))
    return digest.hexdigest()


def package_version() -> str:
    """:func:`code_version` of the whole package: for what many of its modules derive."""
    package = Path(__file__).parent
    return code_version(*sorted(str(p) for p in package.rglob("*.py")))


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def _installed_versions() -> dict[str, str]:
    """Versions by distribution name, from the ``<name>-<version>.dist-info`` folders on
    ``sys.path`` (first one wins, as for imports): what ``importlib.metadata.version``
    answers, without parsing a METADATA file per library (~20 ms of a no-op build)."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                dist, _, version = name.removesuffix(".dist-info").partition("-")
                found.setdefault(_normal(dist), version)
    return found


def library_version(lib: str) -> str:
    """The installed version of the library ``lib`` (a distribution name), or "none":
    part of every key whose value that library derives."""
    installed = _installed_versions()
    if _normal(lib) in installed:
        return installed[_normal(lib)]
    from importlib import metadata

    try:  # an unusual install (an egg, a folder without dist-info)
        return metadata.version(lib)
    except metadata.PackageNotFoundError:
        return "none"


def _folder(kind: str) -> Path | None:
    from .project import persistent_cache_dir

    root = persistent_cache_dir()
    return root / "data" / kind if root else None


def load(kind: str, key: str) -> object | None:
    """The value stored for ``key`` under ``kind``, or None."""
    data = load_bytes(kind, key)
    if data is None:
        return None
    try:
        return marshal.loads(data)
    except (EOFError, ValueError, TypeError):
        return None


def store(kind: str, key: str, value: object) -> None:
    """Keep ``value`` (plain data: str, int, tuple, list, dict, set…) for ``key``."""
    try:
        data = marshal.dumps(value)  # type: ignore[arg-type]  # checked: ValueError
    except ValueError as exc:  # not plain data (a bug of ours)
        log.debug("not caching %s/%s: %s", kind, key, exc)
        return
    store_bytes(kind, key, data)


def load_bytes(kind: str, key: str) -> bytes | None:
    """The bytes stored for ``key`` under ``kind``, or None."""
    folder = _folder(kind)
    if folder is None:
        return None
    try:
        with open(folder / key, "rb") as fh:
            data = fh.read(MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    return data if len(data) <= MAX_ENTRY_BYTES else None


def store_bytes(kind: str, key: str, data: bytes) -> None:
    """Keep ``data`` for ``key`` under ``kind`` (written whole or not at all)."""
    folder = _folder(kind)
    if folder is None:
        return
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, folder / key)
        tmp = None
        prune(folder, KEEP)
    except OSError as exc:
        log.debug("not caching %s/%s: %s", kind, key, exc)
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def prune(folder: Path, keep: int, *, older_than: float = 0.0) -> None:
    """Remove all but the ``keep`` most recently modified files of ``folder``, sparing
    any modified in the last ``older_than`` seconds (a file another build may be
    about to read). Only a cache: a file that cannot be removed stays."""
    try:
        entries = [(e.stat().st_mtime, e.path) for e in os.scandir(folder) if e.is_file()]
    except OSError:
        return
    if len(entries) <= keep:
        return
    entries.sort(reverse=True)
    limit = time.time() - older_than
    for mtime, path in entries[keep:]:
        if mtime < limit:
            with contextlib.suppress(OSError):
                os.unlink(path)
