"""Pre-subset the Chinese fonts to the characters a leaflet uses, cached on disk.

Why: Noto Sans CJK has 65,000 glyphs, and WeasyPrint's own subsetting keeps the
original glyph numbering, so a Chinese PDF carries ~370 KB of mostly empty font.
A font cut down to the leaflet's few hundred characters (glyphs renumbered) and
handed to WeasyPrint gives a ~100 KB PDF with the same glyph shapes: the outlines
are copied, not redrawn. The subset is made with HarfBuzz's subsetter (uharfbuzz:
~10 ms a face; fontTools' pure-Python subsetter takes ~0.8 s for the same job) and
kept in the cache folder under a hash of the font file and the character set.

The subset is declared with ``@font-face`` as "<family> Leaflet" (e.g. "Noto Sans
CJK SC Leaflet"), which the stylesheet names first in the Chinese font stacks: in
the PDF it is the subset; in a browser, which has no such font, the stack falls
through to the installed family. (Reusing the family's own name does not work:
fontconfig keeps preferring the installed font.)
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .errors import GuideError
from .output import write_atomic

log = logging.getLogger(__name__)

#: The CJK family the stylesheet uses for each script (see templates/style.css).
CJK_FAMILIES = {"Hans": "Noto Sans CJK SC", "Hant": "Noto Sans CJK TC"}
#: Appended to a family's name for its subset; style.css names "<family> Leaflet" first.
SUBSET_SUFFIX = " Leaflet"
STYLES = {400: "Regular", 700: "Bold"}
#: Bump to invalidate every cached subset (e.g. when the subsetting options change).
SUBSET_VERSION = "1"
#: Characters CSS draws that are not in the HTML text: list markers and counters.
GENERATED = "•◦▪0123456789. "


@dataclass(frozen=True)
class FontFile:
    path: Path
    index: int

    def fingerprint(self) -> str:
        st = self.path.stat()
        return f"{self.path}:{self.index}:{st.st_size}:{st.st_mtime_ns}"


_FOUND: dict[tuple[str, str], list[str]] = {}


def prefetch(faces: list[tuple[str, str]]) -> None:
    """Ask fontconfig about several faces at once (one fc-match each, run together)."""
    todo = [face for face in faces if face not in _FOUND]
    try:
        procs = [
            (
                face,
                subprocess.Popen(
                    [
                        "fc-match",
                        "-f",
                        "%{file}\n%{index}\n%{family}",
                        f"{face[0]}:style={face[1]}",
                    ],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    text=True,
                ),
            )
            for face in todo
        ]
    except OSError as exc:
        raise GuideError(f"fontconfig (fc-match) failed: {exc}") from None
    for face, proc in procs:
        _FOUND[face] = proc.communicate()[0].split("\n")


@cache
def find_font(family: str, style: str) -> FontFile:
    """The file fontconfig gives for ``family`` in ``style``; an error if it is not that family."""
    prefetch([(family, style)])
    out = _FOUND[(family, style)]
    if len(out) < 3 or family not in out[2].split(","):
        raise GuideError(
            f"font '{family}' ({style}) is not installed (fontconfig offers "
            f"'{out[2] if len(out) > 2 else '?'}'); run ./make-guide once to install fonts"
        )
    return FontFile(Path(out[0]), int(out[1] or 0))


#: Faces every PDF needs (see templates/style.css); Chinese adds its CJK family.
BASE_FACES = [("Noto Sans", "Regular"), ("Noto Sans", "Bold"), ("Noto Sans Math", "Regular")]


def require_fonts(scripts: set[str]) -> None:
    """Fail with one line if a font the leaflets need is missing (no silent fallback)."""
    faces = BASE_FACES + [
        (CJK_FAMILIES[s], style)
        for s in sorted(scripts)
        if s in CJK_FAMILIES
        for style in STYLES.values()
    ]
    prefetch(faces)
    for family, style in faces:
        find_font(family, style)


def subset(font: FontFile, chars: frozenset[str], cache: Path) -> Path:
    """A subset of ``font`` covering ``chars``, made once and then read from ``cache``."""
    import uharfbuzz as hb  # only needed when a Chinese PDF is built

    codepoints = sorted({ord(c) for c in chars})
    key = hashlib.sha256(
        f"{SUBSET_VERSION}|{font.fingerprint()}|{codepoints}".encode()
    ).hexdigest()[:24]
    target = cache / "fonts" / f"{font.path.stem}-{font.index}-{key}.otf"
    if target.is_file():
        return target
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
    return target


def font_faces_css(script: str, text: str, cache: Path) -> str:
    """``@font-face`` rules that stand the subsets in for the script's CJK family.

    Empty for scripts that need no CJK font (Latin, Cyrillic).
    """
    family = CJK_FAMILIES.get(script)
    if family is None:
        return ""
    chars = frozenset(text) | frozenset(GENERATED)
    rules = []
    for weight, style in STYLES.items():
        path = subset(find_font(family, style), chars, cache)
        rules.append(
            f'@font-face {{ font-family: "{family}{SUBSET_SUFFIX}"; font-weight: {weight}; '
            f'src: url("{path.as_uri()}"); }}'
        )
    return "\n".join(rules)


@cache
def _face_font(path: Path, index: int) -> object:
    """A HarfBuzz font of one face, kept for the process: its cmap is parsed once."""
    import uharfbuzz as hb

    return hb.Font(hb.Face(hb.Blob.from_file_path(str(path)), index))


@cache
def _draws(path: Path, index: int, codepoint: int) -> bool:
    # Asking the cmap per character of a leaflet (a few hundred) is ~100x faster than
    # listing the 45,000 code points of a CJK face.
    return _face_font(path, index).get_nominal_glyph(codepoint) is not None  # type: ignore[attr-defined]


def stack(script: str) -> list[str]:
    """The font families of a leaflet in ``script``, as templates/style.css lists them."""
    cjk = CJK_FAMILIES.get(script)
    return ([cjk] if cjk else []) + list(dict.fromkeys(family for family, _ in BASE_FACES))


def not_drawn(script: str, chars: Iterable[str]) -> list[str]:
    """The characters of ``chars`` that no font of the ``script`` leaflet draws in
    every weight, in the order given.

    Such a character would be drawn by whatever fallback font fontconfig finds, or as
    an empty box when there is none.
    """
    faces = [(family, style) for family in stack(script) for style in STYLES.values()]
    prefetch(faces)
    # A family with no face in a style (Noto Sans Math has no Bold) is matched to its
    # Regular face by fontconfig, as Pango does when WeasyPrint asks for bold.
    fonts = {style: [find_font(f, s) for f, s in faces if s == style] for style in STYLES.values()}
    return [
        ch
        for ch in chars
        if not all(
            any(_draws(font.path, font.index, ord(ch)) for font in group)
            for group in fonts.values()
        )
    ]
