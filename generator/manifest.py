"""Incremental builds: what each leaflet was built from, kept beside the outputs.

A leaflet is rebuilt only when one of its inputs changed: its operator file, the
guide, its language's catalog, any template or asset, the fonts (by file stat),
the build options, or the tool itself (its version, its source files and the
versions of the libraries that shape the output). Outputs that were deleted or
touched since are rebuilt too. Hashing these takes milliseconds and imports
nothing heavy, so a build with nothing to do returns at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__, files
from .diskcache import library_version, package_version
from .errors import GuideError
from .files import FileMissing
from .output import write_atomic
from .project import MANIFEST_NAME, Project

log = logging.getLogger(__name__)

#: Libraries whose versions change the bytes of a leaflet.
LIBRARIES = ("weasyprint", "pydyf", "babel", "jinja2", "segno", "uharfbuzz", "fonttools")
VERSION = 1


#: What is hashed per file at most: more than any template, asset or catalog needs.
HASH_LIMIT = 50_000_000
#: Our own record; far smaller than this even for thousands of leaflets.
MANIFEST_LIMIT = 20_000_000
#: The name of every file make-guide writes beside the manifest (``mts-zh-a5.pdf``,
#: ``pack-zh.pdf``): a manifest naming anything else was not written by us, and its
#: names are never removed by ``clean`` nor linked from the index (``javascript:x``).
OUTPUT_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*\.(?:pdf|html)$")


def _file(h: hashlib._Hash, path: Path, root: Path) -> None:
    """Hash ``path`` through the safe reader: a file that may not be read (outside
    ``root``, a FIFO, a loop) is hashed as refused and left to the build to report."""
    h.update(str(path).encode() + b"\0")
    try:
        h.update(files.read_bytes(path, root=root, limit=HASH_LIMIT))
    except FileMissing:
        h.update(b"<missing>")
    except GuideError as exc:
        h.update(f"<refused: {exc}>".encode())
    h.update(b"\0")


def font_families(project: Project) -> list[str]:
    """Every family a leaflet of ``project`` may be set in: the defaults of
    :mod:`generator.fonts`, and those guide.yaml's ``fonts:`` setting names.

    guide.yaml is parsed only when it mentions ``fonts:`` (a no-op build stays quick);
    a setting that cannot be read is left to the build to report.
    """
    from .fonts import DEFAULT_FAMILIES, SYMBOLS

    families = [f for stack in DEFAULT_FAMILIES.values() for f in stack] + [SYMBOLS]
    try:
        if b"fonts:" in files.read_bytes(project.guide_file, root=project.root):
            from .yamlsource import load_yaml

            setting = load_yaml(project.guide_file).data.get("fonts")
            families += [f for stack in setting.values() if isinstance(stack, list) for f in stack]
            families = [f for f in families if isinstance(f, str)]
    except (GuideError, AttributeError, TypeError):
        pass  # no guide, or a malformed one: the build reports it
    return sorted(set(families))


def shared_inputs(project: Project, options: str) -> str:
    """The hash of what every leaflet depends on: tool, templates, guide, fonts, options."""
    from .fontfiles import fingerprints

    h = hashlib.sha256(f"v{VERSION}|{__version__}|{options}".encode())
    for lib in LIBRARIES:
        h.update(f"{lib}={library_version(lib)}|".encode())
    h.update(f"code={package_version()}|".encode())  # the hash the caches key by too
    # Every name under templates/ but folders (rglob does not enter linked folders).
    for path in sorted(p for d in project.template_dirs for p in d.rglob("*") if not p.is_dir()):
        _file(h, path, project.root)
    _file(h, project.guide_file, project.root)
    # Every file of those families: a font update rebuilds; a missing one is the build's error.
    for fingerprint in fingerprints(font_families(project)):
        h.update(fingerprint.encode() + b"\0")
    return h.hexdigest()


def leaflet_inputs(project: Project, shared: str, lang: str, operator: str) -> str:
    """The hash of everything one leaflet is built from."""
    h = hashlib.sha256(shared.encode())
    _file(h, project.operator_file(operator), project.root)
    _file(h, project.po_file(lang), project.root)
    return h.hexdigest()


def _well_formed(entry: object) -> bool:
    """An entry as :meth:`Manifest.record` writes it (anything else is rebuilt)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("inputs"), str):
        return False
    outputs = entry.get("outputs")
    return isinstance(outputs, dict) and all(
        isinstance(name, str)
        and OUTPUT_NAME_RE.match(name) is not None
        and isinstance(stamp, list)
        and len(stamp) == 2
        and all(isinstance(n, int) for n in stamp)
        for name, stamp in outputs.items()
    )


@dataclass
class Manifest:
    """``out_dir/.make-guide-manifest.json``: per leaflet, its inputs and its files."""

    path: Path
    entries: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def load(cls, out_dir: Path) -> Manifest:
        """The record in ``out_dir``; none (or a corrupt one) means rebuild everything.

        A manifest that is not a regular file (a folder, a FIFO, a link out of the
        output folder) is refused with one line: it could never be saved either.
        """
        path = out_dir / MANIFEST_NAME
        try:
            raw = files.read_bytes(path, root=out_dir, limit=MANIFEST_LIMIT)
        except FileMissing:
            return cls(path, {})
        try:
            data = json.loads(raw.decode("utf-8"))
            leaflets = data["leaflets"] if data.get("version") == VERSION else {}
            entries = {k: v for k, v in leaflets.items() if _well_formed(v)}
        except (ValueError, KeyError, TypeError, AttributeError):
            entries = {}  # an unreadable record: everything is rebuilt
        return cls(path, entries)

    def fresh(self, key: str, inputs: str) -> bool:
        """True when ``key`` was built from ``inputs`` and its files are as written then."""
        entry = self.entries.get(key)
        if not entry or entry.get("inputs") != inputs:
            return False
        for name, (size, mtime) in entry.get("outputs", {}).items():
            try:
                st = (self.path.parent / name).stat()
            except OSError:
                return False
            if (st.st_size, st.st_mtime_ns) != (size, mtime):
                return False
        return bool(entry.get("outputs"))

    def outputs(self, key: str) -> list[Path]:
        return [self.path.parent / n for n in self.entries.get(key, {}).get("outputs", {})]

    def record(self, key: str, inputs: str, outputs: list[Path]) -> None:
        self.entries[key] = {
            "inputs": inputs,
            "outputs": {p.name: [p.stat().st_size, p.stat().st_mtime_ns] for p in outputs},
        }

    def forget(self, key: str) -> None:
        self.entries.pop(key, None)

    def save(self) -> None:
        data = json.dumps({"version": VERSION, "leaflets": self.entries}, indent=1, sort_keys=True)
        write_atomic(self.path, data.encode("utf-8"))


def _as_written(path: Path, stamp: list[int]) -> bool:
    """True when ``path`` is a regular file (not a link) with the size and time the
    manifest recorded: the file make-guide wrote, not one put there (or edited) since."""
    try:
        st = path.lstat()
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and [st.st_size, st.st_mtime_ns] == stamp


def clean(out_dir: Path) -> list[Path]:
    """Remove what make-guide wrote into ``out_dir`` — the files its manifest lists, as
    it wrote them, the index it made, the manifest — and nothing else. Returns the paths
    removed. A listed file changed since (or a manifest listing files it never wrote)
    is left alone."""
    from .output import locked
    from .project import INDEX_NAME

    if not out_dir.is_dir():
        return []
    removed = []
    with locked(out_dir):
        manifest = Manifest.load(out_dir)
        paths = {
            out_dir / name
            for entry in manifest.entries.values()
            for name, stamp in entry["outputs"].items()
            if _as_written(out_dir / name, stamp)
        }
        index = out_dir / INDEX_NAME
        if (
            index.is_file()
            and not index.is_symlink()
            and b'<meta name="generator" content="make-guide">' in index.read_bytes()
        ):
            paths.add(index)
        for path in sorted(paths):
            path.unlink()
            removed.append(path)
        if manifest.path.is_file() and not manifest.path.is_symlink():
            manifest.path.unlink()
            removed.append(manifest.path)
    log.info("removed %d files from %s", len(removed), out_dir)
    return removed
