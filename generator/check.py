"""``make-guide check``: is every language complete, consistent and up to date?

Reports, per language and section, how many strings are translated, fuzzy,
untranslated and obsolete, and lists every problem with its file and line:
content schema errors, facts without provenance or checked too long ago,
links that are not official, placeholders that differ between msgid and msgstr
(``%(name)s`` and ``{name}``) or carry a width, precision or flags, markup or
control, invisible and bidirectional characters in a translation, broken catalog
headers (charset, Plural-Forms), plural entries with the wrong number of forms,
catalogs out of date with the sources, and what GNU ``msgfmt --check`` refuses.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import tempfile
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from . import files
from .catalog_rules import is_complete, translation_problem
from .catalogs import out_of_date
from .characters import describe
from .content import Content, content_problems, messages, section_of
from .errors import GuideError, located
from .extract import extract_catalog
from .factcopies import Copy, FactValues
from .fonts import DEFAULT_FONTS, Fonts, configured
from .i18n import load_catalog, parse_locale, writing_script
from .links import Policy, allowed_links, keep_answers
from .pack import check_title_drawn, declared_pack
from .project import Project

#: Facts checked longer ago than this get a warning.
STALE_AFTER = dt.timedelta(days=365)


@dataclass
class Counts:
    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0
    obsolete: int = 0


@dataclass
class Problem:
    level: str  # "error" or "warning"
    message: str


@dataclass
class Gap:
    """A message a catalog lacks (``untranslated``) or has only as a guess (``fuzzy``)."""

    msgctxt: str
    msgid: str
    state: str
    where: str
    """``file:line`` to fix it at: the catalog's entry, or the source the string comes from."""


@dataclass
class Report:
    counts: dict[str, dict[str, Counts]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    gaps: dict[str, list[Gap]] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, message: str) -> None:
        self.problems.append(Problem("error", message))

    def warning(self, message: str) -> None:
        self.problems.append(Problem("warning", message))

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "languages": {
                lang: {sec: asdict(c) for sec, c in sections.items()}
                for lang, sections in self.counts.items()
            },
            "problems": [asdict(p) for p in self.problems],
            "gaps": {lang: [asdict(g) for g in gaps] for lang, gaps in self.gaps.items()},
        }


def _check_content(project: Project, report: Report, today: dt.date) -> Content | None:
    content, problems = content_problems(project)
    for problem in problems:
        report.error(problem)
    if content is None:
        return None
    for slug, operator in content.operators.items():
        source = content.sources[slug]
        for key, fact in operator.facts.items():
            line = source.line_of(("facts", key, "checked"))
            where = located(source.path, line, f"facts.{key}.checked")
            if fact.checked > today:
                report.error(f"{where}: {fact.checked} is in the future")
            elif today - fact.checked > STALE_AFTER:
                report.warning(f"{where}: checked {fact.checked}, more than 12 months ago")
    allowed = allowed_links(content)
    values = FactValues(content)
    for m in messages(content):
        for link in allowed.refused(m.texts):
            report.error(located(m.file, m.line, f"link not from an official site: {link}"))
        for copy in (c for text in m.texts for c in values.copies_in(text)):
            report.error(located(m.file, m.line, _copy_message(copy)))
    for name in project.packs():
        try:
            check_title_drawn(project, content, declared_pack(project, name, content))
        except GuideError as exc:
            report.error(str(exc))
    return content


def _copy_message(copy: Copy) -> str:
    """What to write instead of a copied fact value."""
    placeholder = "%(site)s" if copy.fact == "domains" else f"%({copy.fact})s"
    return (
        f"'{copy.found}' copies {copy.operator}'s fact '{copy.fact}': write {placeholder} "
        "so the sentence follows the fact when it changes"
    )


def _check_catalog(
    project: Project,
    lang: str,
    used: Catalog,
    allowed: Policy | None,
    values: FactValues | None,
    fonts: Fonts,
    report: Report,
) -> None:
    try:
        catalog = load_catalog(project, lang)
    except GuideError as exc:
        report.error(str(exc))
        return
    path = project.po_file(lang)
    counts: dict[str, Counts] = defaultdict(Counts)
    used_keys = set()
    for m in used:
        if not m.id:
            continue
        key = m.id if isinstance(m.id, str) else m.id[0]
        used_keys.add((m.context, key))
        found = catalog.get(key, context=m.context)
        c = counts[section_of(m.context)]
        if found is not None and found.fuzzy:
            c.fuzzy += 1
        elif found is not None and is_complete(found, catalog.num_plurals):
            c.translated += 1
        else:
            c.untranslated += 1
    for m in catalog:
        key = m.id if isinstance(m.id, str) else m.id[0] if m.id else ""
        if m.id and (m.context, key) not in used_keys:
            counts[section_of(m.context)].obsolete += 1
    for m in catalog.obsolete.values():
        counts[section_of(m.context)].obsolete += 1
    report.counts[lang] = dict(sorted(counts.items()))
    gaps = {s: c for s, c in counts.items() if c.fuzzy or c.untranslated}
    if gaps and lang != project.source_language():  # the source needs no translation
        detail = ", ".join(f"{s}: {c.untranslated + c.fuzzy}" for s, c in sorted(gaps.items()))
        untranslated = sum(c.untranslated for c in gaps.values())
        fuzzy = sum(c.fuzzy for c in gaps.values())
        report.error(f"{path}: {untranslated} untranslated, {fuzzy} fuzzy ({detail})")
        for gap in _gaps(project, path, catalog, used):
            report.gaps.setdefault(lang, []).append(gap)
            report.error(f"{gap.where}: {gap.state}: [{gap.msgctxt}] {gap.msgid[:70]!r}")

    for m in catalog:
        if not m.id:
            continue
        problem = translation_problem(m, catalog.num_plurals)
        if problem:
            report.error(located(path, m.lineno, problem))
        for err in m.check(catalog):
            report.error(located(path, m.lineno, str(err)))
        strings = m.string if isinstance(m.string, (list, tuple)) else [m.string]
        if values is not None:
            ids = m.id if isinstance(m.id, (list, tuple)) else [m.id]
            in_msgid = {(c.operator, c.fact) for i in ids for c in values.copies_in(i)}
            for s in strings:
                for copy in values.copies_in(s or ""):
                    if (copy.operator, copy.fact) not in in_msgid:
                        report.error(located(path, m.lineno, _copy_message(copy)))
        if allowed is not None:
            for link in allowed.refused([s for s in strings if s]):
                report.error(located(path, m.lineno, f"link not from an official site: {link}"))
    _check_fonts(lang, catalog, path, fonts, report)
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        report.warning(f"{path}: GNU msgfmt not found; its --check was skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            [msgfmt, "--check", "-o", str(Path(tmp) / "x.mo"), str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
    # Every line msgfmt writes: a warning about the header must not hide a fatal error.
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    for line in lines:
        line = line.removeprefix(msgfmt + ": ").removeprefix("msgfmt: ")
        if "warning" in line.lower():
            report.warning(f"msgfmt --check: {line}")
        else:
            report.error(f"msgfmt --check: {line}")
    if result.returncode != 0 and not lines:
        report.error(f"msgfmt --check: {path}: failed (exit {result.returncode})")


def _check_fonts(lang: str, catalog: Catalog, path: Path, fonts: Fonts, report: Report) -> None:
    """Every character of the translations is drawn by a font of the language's leaflets
    (an error), and by a family meant for it rather than a fallback (a warning)."""
    script = writing_script(parse_locale(lang, path))
    fallbacks: dict[str, tuple[int | None, list[str]]] = {}  # by family: first line, chars
    for m in catalog:
        forms = m.string if isinstance(m.string, (list, tuple)) else [m.string]
        chars = sorted(set("".join(f for f in forms if f)) - set("\n\t"))
        if not m.id or not chars:
            continue
        try:
            missing = fonts.not_drawn(script, chars)
            fallback = fonts.fallbacks(script, [ch for ch in chars if ch not in missing])
        except GuideError as exc:  # fonts not installed: the build says so too
            report.warning(f"{path}: characters not checked against the fonts: {exc}")
            return
        if missing:
            report.error(
                located(
                    path,
                    m.lineno,
                    f"{describe(missing[0])} is in none of the fonts of the {lang} leaflets "
                    f"({', '.join(fonts.stack(script))}); it would print as an empty box",
                )
            )
        for family, found in fallback.items():
            seen = fallbacks.setdefault(family, (m.lineno, []))[1]
            seen += [ch for ch in found if ch not in seen]
    own = " or ".join(fonts.own(script)) or f"a font configured for {script}"
    for family, (line, chars) in fallbacks.items():
        named = [ch if unicodedata.category(ch)[0] in "LNPS" else describe(ch) for ch in chars]
        n, shown = len(chars), ", ".join(named[:3]) + (", ..." if len(chars) > 3 else "")
        report.warning(
            located(
                path,
                line,
                f"{lang}: {n} character{'s' if n != 1 else ''} ({shown}) would be set in the "
                f"fallback font {family}, not in {own}",
            )
        )


def _gaps(project: Project, path: Path, catalog: Catalog, used: Catalog) -> list[Gap]:
    """Each untranslated or fuzzy message, with where to fix it: the catalog's line, or
    (when the catalog does not have it yet) the source file and line it comes from."""
    out = []
    for m in used:
        if not m.id:
            continue
        key = m.id if isinstance(m.id, str) else m.id[0]
        found = catalog.get(key, context=m.context)
        if found is not None and is_complete(found, catalog.num_plurals) and not found.fuzzy:
            continue
        state = "fuzzy" if found is not None and found.fuzzy else "untranslated"
        if found is not None and found.lineno:
            where = located(path, found.lineno, "").rstrip(": ")
        elif m.locations:
            filename, line = m.locations[0]
            where = located(project.root / filename, line, "").rstrip(": ")
        else:
            where = str(path)
        out.append(Gap(m.context or "", key, state, where))
    return out


def check_project(
    project: Project, today: dt.date | None = None, langs: list[str] | None = None
) -> Report:
    """Check the whole guide project (``langs``: only these languages' catalogs);
    ``today`` decides which facts are stale."""
    report = Report()
    if not project.templates_dir.is_dir():
        report.warning(
            f"{project.templates_dir}: none; the built-in templates are used "
            "(add a templates/ folder to override them file by file)"
        )
    content = _check_content(project, report, today or dt.date.today())
    try:
        used = extract_catalog(project)
    except GuideError as exc:
        report.error(str(exc))
        return report
    allowed = allowed_links(content) if content else None
    values = FactValues(content) if content else None
    fonts = DEFAULT_FONTS
    if content is not None:
        try:
            fonts = configured(content.guide.fonts, content.sources["guide"])
        except GuideError as exc:
            report.error(str(exc))
    catalogs = project.catalog_languages()
    for lang in langs or catalogs:
        if lang in catalogs:
            _check_catalog(project, lang, used, allowed, values, fonts, report)
    if not project.pot_file.is_file():
        if catalogs:
            report.error(f"{project.pot_file}: missing; run: make-guide i18n extract")
    elif _keys(used) != _keys_of(project, project.pot_file):
        report.error(
            f"{project.pot_file}: out of date with the sources; run: make-guide i18n update"
        )
    for lang in out_of_date(project, used):
        if not langs or lang in langs:
            report.error(
                f"{project.po_file(lang)}: out of date with the sources (messages added or "
                "removed); run: make-guide i18n update"
            )
    keep_answers()
    return report


def _keys(catalog: Catalog) -> set[tuple[str | None, object]]:
    return {(m.context, m.id) for m in catalog if m.id}


def _keys_of(project: Project, pot: Path) -> set[tuple[str | None, object]]:
    raw = files.read_bytes(pot, root=project.root)
    return _keys(read_po(io.BytesIO(raw)))
