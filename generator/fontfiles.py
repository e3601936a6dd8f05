"""Font files: where fontconfig finds a family's faces, which characters a face draws,
and pre-subset copies of a face, cached on disk.

fontconfig is asked with ``fc-match`` (several faces at once, in parallel) and the
answer is checked: fontconfig always offers *some* font, and a silent substitute is
never what a leaflet wants. Characters are looked up in the face's cmap with HarfBuzz
(uharfbuzz), which also makes the subsets: ~10 ms a face, where fontTools' pure-Python
subsetter takes ~0.8 s. A subset is kept in the cache folder under a hash of the font
file and the character set, and written atomically (workers may race to make it).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from . import diskcache
from .errors import GuideError
from .output import write_atomic

log = logging.getLogger(__name__)

STYLES = {400: "Regular", 700: "Bold"}
#: Bump to invalidate every cached subset (e.g. when the subsetting options change).
SUBSET_VERSION = "1"
#: Subsets kept in the cache folder (~30-60 KB each): the newest.
KEEP_SUBSETS = 300


@dataclass(frozen=True)
class FontFile:
    path: Path
    index: int

    def fingerprint(self) -> str:
        st = self.path.stat()
        return f"{self.path}:{self.index}:{st.st_size}:{st.st_mtime_ns}"


_FOUND: dict[tuple[str, str], list[str]] = {}


def _pattern(family: str, style: str) -> str:
    # In a fontconfig pattern "-" starts the size and ":" and "," end the family name.
    return re.sub(r"([\\:,-])", r"\\\1", family) + f":style={style}"


#: fc-match processes run at once (a guide may name many families).
BATCH = 16


def prefetch(faces: Iterable[tuple[str, str]]) -> None:
    """Ask fontconfig about several faces at once (one fc-match each, run together).

    Its answers are kept between runs (:mod:`generator.diskcache`) for the same fonts
    (``fc-list``'s whole answer) and the same configuration: a build then starts no
    fc-match at all (~8 ms of CPU each, six for a Chinese leaflet).
    """
    todo = list(dict.fromkeys(face for face in faces if face not in _FOUND))
    if not todo:
        return
    key, kept = _kept_matches()
    for face in todo:
        if face in kept:
            _FOUND[face] = kept[face]
    todo = [face for face in todo if face not in _FOUND]
    for start in range(0, len(todo), BATCH):
        try:
            procs = [
                (
                    face,
                    subprocess.Popen(
                        ["fc-match", "-f", "%{file}\n%{index}\n%{family}", _pattern(*face)],
                        stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL,
                        text=True,
                    ),
                )
                for face in todo[start : start + BATCH]
            ]
        except OSError as exc:
            raise GuideError(f"fontconfig (fc-match) failed: {exc}") from None
        for face, proc in procs:
            _FOUND[face] = kept[face] = proc.communicate()[0].split("\n")
    if todo:
        diskcache.store("fc-match", key, kept)


@cache
def _kept_matches() -> tuple[str, dict[tuple[str, str], list[str]]]:
    """The cache key of fontconfig's present state, and the answers it gave before."""
    config = []
    for name in ("FONTCONFIG_FILE", "FONTCONFIG_PATH", "FONTCONFIG_SYSROOT", "XDG_CONFIG_HOME"):
        config.append(f"{name}={os.environ.get(name, '')}")
    home = Path(os.path.expanduser("~"))
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    fonts_file = os.environ.get("FONTCONFIG_FILE") or "/etc/fonts/fonts.conf"
    # fc-match itself (a new fontconfig), and the files and folders fontconfig reads
    # its rules from: a changed rule is a miss.
    for path in (
        shutil.which("fc-match") or "fc-match",
        fonts_file,
        "/etc/fonts",
        "/etc/fonts/conf.d",
        xdg / "fontconfig",
        xdg / "fontconfig" / "fonts.conf",
        xdg / "fontconfig" / "conf.d",
        home / ".fonts.conf",
    ):
        try:
            st = os.stat(path)
            config.append(f"{path}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            config.append(f"{path}:none")
    key = diskcache.entry_key(diskcache.code_version(__file__), _fc_list(), *config)
    kept = diskcache.load("fc-match", key)
    answers: dict[tuple[str, str], list[str]] = {}
    if isinstance(kept, dict):
        for face, answer in kept.items():
            if (
                isinstance(face, tuple)
                and len(face) == 2
                and all(isinstance(part, str) for part in face)
                and isinstance(answer, list)
                and all(isinstance(part, str) for part in answer)
            ):
                answers[face] = answer
    return key, answers


@cache
def _fc_list() -> str:
    """Every font fontconfig knows: file, index, families and styles (one ``fc-list``)."""
    try:
        return subprocess.run(
            ["fc-list", "--format", "%{file}\t%{index}\t%{family}\t%{style}\n"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    except OSError as exc:
        raise GuideError(f"fontconfig (fc-list) failed: {exc}") from None


def substitute(family: str, style: str) -> str | None:
    """None when ``family`` is installed; else the family fontconfig would use instead."""
    prefetch([(family, style)])
    out = _FOUND[(family, style)]
    if len(out) >= 3 and family in out[2].split(","):
        return None
    return out[2] if len(out) > 2 and out[2] else "?"


@cache
def find_font(family: str, style: str) -> FontFile:
    """The file fontconfig gives for ``family`` in ``style``; an error if it is not that family."""
    offered = substitute(family, style)
    if offered is not None:
        raise GuideError(
            f"font '{family}' ({style}) is not installed (fontconfig offers "
            f"'{offered}'); run ./make-guide once to install fonts"
        )
    out = _FOUND[(family, style)]
    return FontFile(Path(out[0]), int(out[1] or 0))


def fingerprints(families: Iterable[str]) -> list[str]:
    """Path, size and modification time of every font file of ``families``, from one
    ``fc-list``: what an incremental build compares (cheaper than an fc-match a face)."""
    wanted = set(families)
    found = []
    for line in _fc_list().splitlines():
        path, index, names = [*line.split("\t"), "", ""][:3]
        if wanted & set(names.split(",")):
            try:
                found.append(FontFile(Path(path), int(index or 0)).fingerprint())
            except (OSError, ValueError):
                found.append(f"{line}:unreadable")
    return sorted(found)


@cache
def _face_font(path: Path, index: int) -> object:
    """A HarfBuzz font of one face, kept for the process: its cmap is parsed once."""
    import uharfbuzz as hb

    return hb.Font(hb.Face(hb.Blob.from_file_path(str(path)), index))


@dataclass
class _Facts:
    """What is known about one face: its glyph count and, for each character asked
    about, whether its cmap has it. Kept between runs (:mod:`generator.diskcache`),
    under the file's path, size and modification time: a build then neither imports
    HarfBuzz nor opens a 16 MB CJK face just to ask about characters it asked before."""

    key: str
    glyphs: int | None = None
    draws: dict[int, bool] = field(default_factory=dict)
    new: bool = False


_KNOWN: dict[FontFile, _Facts] = {}


def _facts(font: FontFile) -> _Facts:
    if font not in _KNOWN:
        key = diskcache.entry_key(
            diskcache.code_version(__file__),
            diskcache.library_version("uharfbuzz"),
            font.fingerprint(),
        )
        facts = _Facts(key)
        kept = diskcache.load("font-facts", key)
        if isinstance(kept, tuple) and len(kept) == 2 and isinstance(kept[1], dict):
            glyphs, draws = kept
            facts.glyphs = glyphs if isinstance(glyphs, int) else None
            facts.draws = {
                cp: drawn
                for cp, drawn in draws.items()
                if isinstance(cp, int) and isinstance(drawn, bool)
            }
        _KNOWN[font] = facts
    return _KNOWN[font]


def keep_facts() -> None:
    """Store what was learnt about faces since the last call (one small file a face)."""
    for facts in _KNOWN.values():
        if facts.new:
            diskcache.store("font-facts", facts.key, (facts.glyphs, facts.draws))
            facts.new = False


def _draws(font: FontFile, codepoint: int) -> bool:
    # Asking the cmap per character of a leaflet (a few hundred) is ~100x faster than
    # listing the 45,000 code points of a CJK face.
    facts = _facts(font)
    if codepoint not in facts.draws:
        glyph = _face_font(font.path, font.index).get_nominal_glyph(codepoint)  # type: ignore[attr-defined]
        facts.draws[codepoint] = glyph is not None
        facts.new = True
    return facts.draws[codepoint]


def draws_in_every_style(families: Iterable[str], ch: str) -> bool:
    """True when, in every style, a face of one of ``families`` draws ``ch``."""
    # A family with no face in a style (Noto Sans Math has no Bold) is matched to its
    # Regular face by fontconfig, as Pango does when WeasyPrint asks for bold.
    names = list(families)
    return all(
        any(_draws(font, ord(ch)) for font in (find_font(f, s) for f in names))
        for s in STYLES.values()
    )


def glyph_count(family: str) -> int:
    """How many glyphs the family's Regular face has."""
    font = find_font(family, STYLES[400])
    facts = _facts(font)
    if facts.glyphs is None:
        facts.glyphs = int(_face_font(font.path, font.index).face.glyph_count)  # type: ignore[attr-defined]
        facts.new = True
        keep_facts()
    return facts.glyphs


def subset(font: FontFile, chars: frozenset[str], cache: Path) -> Path:
    """A subset of ``font`` covering ``chars``, made once and then read from ``cache``."""
    codepoints = sorted({ord(c) for c in chars})
    key = hashlib.sha256(
        f"{SUBSET_VERSION}|{font.fingerprint()}|{codepoints}".encode()
    ).hexdigest()[:24]
    target = cache / "fonts" / f"{font.path.stem}-{font.index}-{key}.otf"
    if target.is_file():
        with contextlib.suppress(OSError):  # in use: the newest are kept (see below)
            os.utime(target)
        return target
    import uharfbuzz as hb  # only for a subset not made before

    face = hb.Face(hb.Blob.from_file_path(str(font.path)), font.index)
    request = hb.SubsetInput()
    for cp in codepoints:
        request.unicode_set.add(cp)
    result = hb.subset(face, request)
    if result is None:
        raise GuideError(f"{font.path}: HarfBuzz could not subset this font")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GuideError(f"{target.parent}: cannot create: {exc.strerror or exc}") from None
    # Concurrent workers may race here; both write the same bytes. A failed write (a
    # full disk) is one line, and leaves no partial font behind for the next run.
    write_atomic(target, result.blob.data)
    log.debug("subset %s to %d characters: %s", font.path.name, len(codepoints), target)
    # Every edit of a leaflet's text makes new subsets: keep the newest, and never one
    # used in the last hour (a build running beside this one may be about to read it).
    diskcache.prune(target.parent, KEEP_SUBSETS, older_than=3600)
    return target
