"""Where things live in a guide project. The only module that knows default paths.

A guide project is a folder with ``content/guide.yaml`` (its marker: the project is
found from the current folder upward, as mkdocs finds ``mkdocs.yml``) and
``content/operators/*.yaml``; ``locales/`` (gettext catalogs) and ``templates/``
(Jinja2, overriding the built-in theme file by file) are optional. ``--project DIR``
names a project explicitly. Languages and operators are discovered from the tree,
never listed in code.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .errors import GuideError
from .files import is_inside

log = logging.getLogger(__name__)

# Operators are lowercase slugs; languages are Babel identifiers (zh, en, zh_Hant).
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANG_RE = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]+)*$")

DOMAIN = "messages"
#: The output folder, unless --out names another: in the guide project (as mkdocs's site/).
DEFAULT_OUT = Path("dist")
#: The manifest of an output folder: what each leaflet was built from.
MANIFEST_NAME = ".make-guide-manifest.json"
#: The page listing a built set (make-guide --all).
INDEX_NAME = "index.html"
#: Held while a build writes into an output folder.
LOCK_NAME = ".make-guide.lock"
#: The file that makes a folder a guide project.
MARKER = Path("content") / "guide.yaml"
#: The language of the guide's own text, unless guide.yaml says otherwise.
DEFAULT_SOURCE_LANGUAGE = "en"
#: How YAML writes "no" (guide.yaml is read as strings; pydantic reads the same as False).
_NO = {"false", "f", "no", "n", "off", "0"}


def theme_dir() -> Path:
    """The built-in templates and styles: ``generator/theme`` in an installed package
    (pyproject.toml maps the repository's ``templates/`` there), or the repository's
    ``templates/`` itself when running from a source checkout."""
    installed = Path(__file__).resolve().parent / "theme"
    return installed if installed.is_dir() else Path(__file__).resolve().parent.parent / "templates"


#: Folders of the cache, made (and checked to be writable) before it is used.
CACHE_PARTS = ("fonts", "jinja")
#: The guide.yaml settings read before the content is (what to build), and the version
#: of their cached form.
_SETTINGS = ("source_language", "languages")
SETTINGS_CACHE_VERSION = "2"


def _cache_location() -> Path | None:
    """``$MAKE_GUIDE_CACHE``, else ``$XDG_CACHE_HOME/make-guide``, else ``~/.cache/make-guide``."""
    if env := os.environ.get("MAKE_GUIDE_CACHE"):
        return Path(env).absolute()  # WeasyPrint reads the font subsets by file URL
    if base := os.environ.get("XDG_CACHE_HOME"):
        return Path(base).absolute() / "make-guide"
    home = os.path.expanduser("~")
    # No HOME and no password entry: "~" comes back as is, which is no place for a cache.
    return Path(home) / ".cache" / "make-guide" if os.path.isabs(home) else None


@cache
def _usable(location: Path | None) -> bool:
    """Whether the cache at ``location`` can be written; if not, says so (once per location)."""
    if location is None:
        log.warning("no cache folder (HOME is not set); building without the cache")
        return False
    try:
        for folder in (location, *(location / part for part in CACHE_PARTS)):
            folder.mkdir(parents=True, exist_ok=True)
            # A folder can exist and still refuse files: read-only mounts, other owners.
            with tempfile.TemporaryFile(dir=folder):
                pass
    except OSError as exc:
        log.warning(
            "%s: cannot use the cache folder (%s); building without the cache",
            location,
            exc.strerror or exc,
        )
        return False
    return True


def persistent_cache_dir() -> Path | None:
    """Where derived files (pre-subset fonts, compiled templates) are kept between runs,
    or None when that folder cannot be used (a warning says so, once)."""
    location = _cache_location()
    return location if _usable(location) else None


def cache_dir() -> Path:
    """A usable cache folder: the persistent one, or else a temporary one for this process.

    WeasyPrint reads the font subsets by file URL, so they need a folder even when the
    user's cache cannot be written; the temporary one is removed when the process ends.
    """
    return persistent_cache_dir() or _scratch_dir()


@cache
def _scratch_dir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="make-guide-cache-"))
    for part in CACHE_PARTS:
        (path / part).mkdir()
    owner = os.getpid()

    def remove() -> None:
        if os.getpid() == owner:  # not in a forked worker that happens to exit normally
            shutil.rmtree(path, ignore_errors=True)

    atexit.register(remove)
    return path


@dataclass(frozen=True)
class Project:
    """Paths of one guide project."""

    root: Path

    @classmethod
    def default(cls) -> Project:
        """This repository: the folder above the ``generator`` package."""
        return cls(Path(__file__).resolve().parent.parent)

    @classmethod
    def at(cls, root: Path | str | None) -> Project:
        """The project at ``root`` (or found from the current folder), checked to be one."""
        if root is None:
            return cls.find()
        project = cls(Path(root).resolve())
        if not os.path.lexists(project.root / MARKER):
            raise GuideError(
                f"{project.root}: not a guide project (no {MARKER}); "
                "start one with: make-guide new DIR",
                exit_code=2,
            )
        return project

    @classmethod
    def find(cls, start: Path | str | None = None) -> Project:
        """The guide project holding ``start`` (default: the current folder): the nearest
        folder, from there upward, that has ``content/guide.yaml``."""
        here = Path(os.path.abspath(start or os.getcwd()))
        for folder in (here, *here.parents):
            if os.path.lexists(folder / MARKER):
                log.info("guide project: %s", folder)
                return cls(folder.resolve())
        raise GuideError(
            f"{here}: not inside a guide project (no {MARKER} here or in any folder above); "
            "start one with: make-guide new DIR, or name one with --project DIR",
            exit_code=2,
        )

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def guide_file(self) -> Path:
        return self.content_dir / "guide.yaml"

    @property
    def operators_dir(self) -> Path:
        return self.content_dir / "operators"

    @property
    def templates_dir(self) -> Path:
        """The project's own templates (optional): each file overrides the theme's."""
        return self.root / "templates"

    @property
    def template_dirs(self) -> list[Path]:
        """Where templates are looked up, in order: the project's, then the built-in theme."""
        theme = theme_dir()
        own = [self.templates_dir] if self.templates_dir.is_dir() else []
        return own + ([] if own and own[0].resolve() == theme else [theme])

    @property
    def assets_dir(self) -> Path:
        """The project's assets (images, fonts): with the theme's, the only files the
        renderer may read."""
        return self.templates_dir / "assets"

    @property
    def assets_dirs(self) -> list[Path]:
        """Every folder the renderer may read files from."""
        return [folder / "assets" for folder in self.template_dirs]

    @property
    def locales_dir(self) -> Path:
        return self.root / "locales"

    @property
    def pot_file(self) -> Path:
        return self.locales_dir / f"{DOMAIN}.pot"

    def po_file(self, lang: str) -> Path:
        return self.locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"

    def operator_file(self, slug: str) -> Path:
        return self.operators_dir / f"{slug}.yaml"

    @property
    def out_dir(self) -> Path:
        """Where outputs go by default: ``dist/`` in the project."""
        return self.root / DEFAULT_OUT

    @property
    def packs_dir(self) -> Path:
        """Declared travel packs: ``content/packs/<name>.yaml`` (optional)."""
        return self.content_dir / "packs"

    def packs(self) -> list[str]:
        """Names of the declared packs."""
        if not self.packs_dir.is_dir():
            return []
        return sorted(p.stem for p in self.packs_dir.glob("*.yaml") if SLUG_RE.match(p.stem))

    def operators(self) -> list[str]:
        """Operator slugs, from ``content/operators/<slug>.yaml``.

        An entry that leads outside the project is refused (one line), not skipped:
        a leaflet must not go missing with nothing but a warning.
        """
        if not self.operators_dir.is_dir():
            return []
        self.refuse_outside(self.operators_dir)
        found = [p for p in self.operators_dir.glob("*.yaml") if SLUG_RE.match(p.stem)]
        for path in found:
            self.refuse_outside(path)
        return sorted(p.stem for p in found)

    def catalog_languages(self) -> list[str]:
        """Languages that have a catalog, from ``locales/<lang>/LC_MESSAGES/messages.po``.

        A catalog entry that exists but is not a readable file (a FIFO, a link loop)
        still names a language: reading it then fails with one line, where skipping
        it would only make "unknown language" appear. Entries leading outside the
        project are refused, as in :meth:`operators`.
        """
        if not self.locales_dir.is_dir():
            return []
        self.refuse_outside(self.locales_dir)
        langs = []
        for d in self.locales_dir.iterdir():
            if not LANG_RE.match(d.name) or not os.path.lexists(self.po_file(d.name)):
                continue
            self.refuse_outside(d)
            self.refuse_outside(self.po_file(d.name))
            langs.append(d.name)
        return sorted(langs)

    def languages(self) -> list[str]:
        """Every language a leaflet can be built in: the source language (the guide's
        own, needing no catalog) and every language with a catalog."""
        return sorted({self.source_language(), *self.catalog_languages()})

    def released_languages(self) -> list[str]:
        """The languages ``--all`` builds and the index lists: all but those the guide
        marks ``released: false`` (a translation in progress)."""
        held = {
            lang
            for lang, settings in self._guide_setting("languages", {}).items()
            if isinstance(settings, dict) and str(settings.get("released", "")).lower() in _NO
        }
        return [lang for lang in self.languages() if lang not in held]

    def source_language(self) -> str:
        """The language the guide is written in (``source_language`` in guide.yaml, default
        en): its leaflets are built from the content itself, no catalog needed."""
        lang = self._guide_setting("source_language", DEFAULT_SOURCE_LANGUAGE)
        return lang if isinstance(lang, str) and LANG_RE.match(lang) else DEFAULT_SOURCE_LANGUAGE

    def _guide_setting(self, key: str, default: object) -> Any:
        """A top-level value of guide.yaml as written (strings), without validating the
        whole guide: deciding what to build must stay cheap. A guide.yaml that cannot be
        read is reported by the content loader; here it just gives the default."""
        settings = self._guide_settings()
        return settings.get(key, default) if settings is not None else default

    def _guide_settings(self) -> dict[str, Any] | None:
        """The top-level settings of guide.yaml that decide what to build, kept in the
        cache by the file's hash: a no-op build then needs no YAML parser (pure Python,
        ~30 ms for this guide). None when guide.yaml cannot be read."""
        from .files import decode, read_bytes

        try:
            raw = read_bytes(self.guide_file, root=self.root)
        except GuideError:
            return None
        folder = persistent_cache_dir()
        path = None
        if folder is not None:
            digest = hashlib.sha256(raw + f"|{SETTINGS_CACHE_VERSION}".encode()).hexdigest()
            path = folder / "settings" / f"{digest[:32]}.json"
            try:
                cached = json.loads(path.read_text("utf-8"))
                if isinstance(cached, dict):
                    return cached
            except (OSError, ValueError):
                pass  # not cached yet: parse
        from .yamlsource import load_yaml

        try:
            # The bytes that were hashed, not the file read again: a save in between
            # would be kept under the hash of the previous version.
            data = load_yaml(self.guide_file, decode(raw, self.guide_file)).data
        except GuideError:
            return None
        if not isinstance(data, dict):
            return {}
        settings = {k: data[k] for k in _SETTINGS if k in data}
        if path is not None:
            from .output import write_atomic

            try:
                path.parent.mkdir(exist_ok=True)
                write_atomic(path, json.dumps(settings).encode("utf-8"))
            except (OSError, GuideError, TypeError, ValueError) as exc:  # only a cache
                log.debug("not caching guide.yaml's settings: %s", exc)
        return settings

    def refuse_outside(self, path: Path) -> None:
        """A one-line error when ``path`` (a link, or inside a linked folder) leads
        outside the project; nothing is listed or read through such a name."""
        if not is_inside(path, self.root):
            raise GuideError(
                f"{path}: leads outside the project (to {os.path.realpath(path)}); "
                "only files inside it are read"
            )

    def refuse_output_in(self, out_dir: Path) -> None:
        """A usage error when ``out_dir`` is the project's root or lies in its content,
        templates or locales: a page written there would be read back as a source (a
        generated page in templates/ would be rendered as a template by the next build)."""
        real = Path(os.path.realpath(out_dir))
        if real == Path(os.path.realpath(self.root)):
            where = "the guide project's own folder"
        else:
            sources = (self.content_dir, self.templates_dir, self.locales_dir)
            found = next((d for d in sources if is_inside(real, d)), None)
            if found is None:
                return
            where = f"inside the guide project's {found.name}/"
        raise GuideError(
            f"--out {out_dir}: {where}; outputs must go elsewhere (e.g. {DEFAULT_OUT}/)",
            exit_code=2,
        )

    @classmethod
    def enclosing(cls, path: Path) -> Project | None:
        """The guide project ``path`` is in (the nearest folder above it that has
        ``content/guide.yaml``), judged by name, not by links."""
        for folder in Path(os.path.abspath(path)).parents:
            if os.path.lexists(folder / MARKER):
                return cls(folder)
        return None
