"""Where things live in a guide project. The only module that knows default paths.

A guide project is a folder with ``content/`` (guide.yaml and operators/*.yaml),
``templates/`` (Jinja2) and ``locales/`` (gettext catalogs). The default project
is the repository this package lives in; ``--project DIR`` picks another.
Languages and operators are discovered from the tree, never listed in code.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import GuideError

# Operators are lowercase slugs; languages are Babel identifiers (zh, en, zh_Hant).
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANG_RE = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]+)*$")

DOMAIN = "messages"
DEFAULT_OUT = Path("dist")
#: The manifest of an output folder: what each leaflet was built from.
MANIFEST_NAME = ".make-guide-manifest.json"
#: The page listing a built set (make-guide --all).
INDEX_NAME = "index.html"
#: Held while a build writes into an output folder.
LOCK_NAME = ".make-guide.lock"


def cache_dir() -> Path:
    """Where derived files (pre-subset fonts) are kept between runs."""
    if env := os.environ.get("MAKE_GUIDE_CACHE"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "make-guide"


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
        """The project at ``root`` (or the default), checked to look like one."""
        project = cls.default() if root is None else cls(Path(root).resolve())
        missing = [
            p.name
            for p in (project.content_dir, project.templates_dir, project.locales_dir)
            if not p.is_dir()
        ]
        if missing:
            raise GuideError(
                f"{project.root}: not a guide project (missing {', '.join(missing)}/)",
                exit_code=2,
            )
        return project

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
        return self.root / "templates"

    @property
    def assets_dir(self) -> Path:
        """The only folder the renderer may read files from (images, fonts)."""
        return self.templates_dir / "assets"

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
    def packs_dir(self) -> Path:
        """Declared travel packs: ``content/packs/<name>.yaml`` (optional)."""
        return self.content_dir / "packs"

    def packs(self) -> list[str]:
        """Names of the declared packs."""
        if not self.packs_dir.is_dir():
            return []
        return sorted(p.stem for p in self.packs_dir.glob("*.yaml") if SLUG_RE.match(p.stem))

    def operators(self) -> list[str]:
        """Operator slugs, from ``content/operators/<slug>.yaml``."""
        if not self.operators_dir.is_dir():
            return []
        return sorted(p.stem for p in self.operators_dir.glob("*.yaml") if SLUG_RE.match(p.stem))

    def languages(self) -> list[str]:
        """Languages that have a catalog, from ``locales/<lang>/LC_MESSAGES/messages.po``."""
        if not self.locales_dir.is_dir():
            return []
        return sorted(
            d.name
            for d in self.locales_dir.iterdir()
            if d.is_dir() and LANG_RE.match(d.name) and self.po_file(d.name).is_file()
        )
