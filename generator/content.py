"""Load and validate the guide project's content: ``guide.yaml`` and one file per operator.

The YAML is read with every scalar as a string (see :mod:`generator.yamlsource`),
then checked against the pydantic models below: unknown keys, missing keys and
wrong types are refused with ``file:line: key.path: message``. Cross-file rules
(every operator gives every fact the guide prints) are checked in :func:`load_content`.

English is the source language: the strings here are the msgids that
:mod:`generator.i18n` looks up; :func:`messages` lists them with the message
context (the section id) under which translators see them.
"""

from __future__ import annotations

import io
import pickle
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import diskcache, schema
from .characters import check_yaml_characters
from .errors import GuideError, Problems, located
from .links import allowed_links, is_public_suffix, keep_answers, policy, suffix_list_edition
from .project import Project
from .schema import SITE, Guide, Operator, StrictModel
from .yamlsource import KeyPath, YamlSource, dotted_path, load_yaml, read_text

#: Placeholders every content string may use; operator facts given as a ``value`` add
#: their own (``%(short_number)s``; ``%(site)s`` prints the site's host name), and
#: some blocks add theirs (:data:`BLOCK_PLACEHOLDERS`).
PLACEHOLDERS = frozenset({"operator", "compiled"})
#: The list of facts left out, in an ``unconfirmed`` block.
OMITTED = "facts"
#: In a ``verified`` block: the printed facts found on their live sources, and the latest
#: day one was.
FOUND, VERIFIED = "found", "verified"
#: The placeholders a block kind adds to those of every string.
BLOCK_PLACEHOLDERS = {"unconfirmed": {OMITTED}, "verified": {FOUND, VERIFIED}}
#: A literal percent sign, or a placeholder exactly as ``%(name)s``...
_PLACEHOLDER_RE = re.compile(r"%(?:%|\((\w+)\)s)")
#: ...and whatever else Python's % operator would read as a conversion.
_CONVERSION_RE = re.compile(r"%(?:\([^)]*\))?[-#0 +*]*[0-9]*(?:\.[0-9*]*)?[a-zA-Z]?")


@dataclass(frozen=True)
class Message:
    """A translatable content string and where it comes from."""

    context: str
    msgid: str
    comment: str
    file: Path
    line: int | None
    path: KeyPath
    """Where the string sits in its file's data."""
    plural: str | None = None
    """The plural form, for a sentence with a count (``sentences``): ``msgid_plural``."""

    @property
    def texts(self) -> list[str]:
        """The English text(s): the msgid, and the plural form if there is one."""
        return [self.msgid] if self.plural is None else [self.msgid, self.plural]


@dataclass(frozen=True)
class Content:
    """The whole guide: its sections and every operator."""

    guide: Guide
    operators: dict[str, Operator]
    sources: dict[str, YamlSource]
    """Parsed files by label (``guide``, or the operator slug), for line numbers."""


def parse_model(model: type[StrictModel], source: YamlSource, **extra: object) -> StrictModel:
    data = source.data
    if not isinstance(data, dict):
        raise source.error((), "expected a mapping of keys at the top of the file")
    try:
        return model.model_validate({**data, **extra})
    except ValidationError as exc:
        errors = exc.errors()
        # A misspelt key shows up twice: as unknown, and its real name as missing.
        # Report the unknown one first, with the missing name as a suggestion.
        errors.sort(key=lambda e: e["type"] != "extra_forbidden")
        suggested: set[tuple[object, ...]] = set()
        lines = []
        for err in errors:
            # pydantic marks a bad dict key with an extra "[key]" step; the key is enough.
            loc: KeyPath = tuple(p for p in err["loc"] if p != "[key]")
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown key"
                missing = [
                    e["loc"] for e in errors if e["type"] == "missing" and e["loc"][:-1] == loc[:-1]
                ]
                if missing:
                    message += f" (did you mean '{missing[0][-1]}'?)"
                    suggested.add(tuple(missing[0]))
            elif err["type"] == "missing":
                if tuple(err["loc"]) in suggested:
                    continue  # already named as the likely meaning of an unknown key
                message = "required key is missing"
            lines.append(str(source.error(loc, message)))
        more = (
            f" (and {len(lines) - 1} more: make-guide check lists them)" if len(lines) > 1 else ""
        )
        raise GuideError(lines[0] + more, details=lines) from None


def check_placeholders(msgid: str, allowed: Iterable[str] = PLACEHOLDERS) -> set[str]:
    """The named placeholders of ``msgid``; refuses unknown, unnamed or decorated ones.

    Only ``%(name)s`` exactly: a width or precision (``%(site)200000s``,
    ``%(site).0s``) would pad or cut a fact, and a lone ``%`` breaks the formatting.
    """
    allowed = frozenset(allowed)
    names = {name for name in _PLACEHOLDER_RE.findall(msgid) if name}
    other = _CONVERSION_RE.search(_PLACEHOLDER_RE.sub("", msgid))
    unknown = sorted(names - allowed)
    if other or unknown:
        bad = other.group(0) if other else f"%({unknown[0]})s"
        raise ValueError(
            f"placeholder {bad[:40]!r} is not one of "
            + ", ".join(f"%({p})s" for p in sorted(allowed))
            + " (write a literal percent sign as %%)"
        )
    return names


#: The placeholders of a sentence with a count: the number and an amount of money.
COUNTED = frozenset({"num", "amount"})


def _check_sentence(message: Message) -> None:
    """A sentence with a count: ``%(num)d`` (the number) and ``%(amount)s`` only."""
    for text in message.texts:
        try:
            check_placeholders(text.replace("%(num)d", ""), PLACEHOLDERS | {"amount"})
        except ValueError as exc:
            raise GuideError(located(message.file, message.line, str(exc))) from None


def _check_rules(content: Content, problems: Problems) -> None:
    """Every ``rule`` names a declared sentence and gives the money it prints."""
    for slug, operator in content.operators.items():
        src = content.sources[slug]
        for key, fact in operator.facts.items():
            for i, item in enumerate(fact.rule or []):
                where = ("facts", key, "rule", i)
                sentence = content.guide.sentences.get(item.sentence)
                if sentence is None:
                    declared = ", ".join(content.guide.sentences) or "none"
                    problems.add(
                        src.error(
                            (*where, "sentence"),
                            f"no sentence '{item.sentence}' in guide.yaml (declared: {declared})",
                        )
                    )
                elif "%(amount)s" in sentence.one + sentence.other and item.amount is None:
                    problems.add(src.error(where, f"'{item.sentence}' prints an amount: give one"))
                elif item.amount is not None and content.guide.currency is None:
                    problems.add(
                        content.sources["guide"].error((), "amounts need a 'currency' (e.g. RUB)")
                    )


def _check_staff(guide: Guide, source: YamlSource, problems: Problems) -> None:
    """A staff card (``phrases``) needs the staff's language."""
    for i, section in enumerate(guide.sections):
        for j, block in enumerate(section.body):
            if block.phrases and not guide.staff_language:
                problems.add(
                    source.error(
                        ("sections", i, "body", j, "phrases"),
                        "a staff card needs 'staff_language' in guide.yaml (e.g. ru)",
                    )
                )


def fact_placeholders(operator: Operator) -> dict[str, str]:
    """The operator's printable ``value`` facts, by the placeholder that prints them."""
    return {
        key: fact.value
        for key, fact in operator.facts.items()
        if fact.value is not None and fact.printable
    }


def _check_message_placeholders(content: Content) -> None:
    """Every placeholder names something this string can print, for every operator.

    A sentence may refer to an operator fact (``%(tollfree)s``) only where every operator
    it is printed for gives that fact as a printable value: a low-confidence number is
    never printed, not even inside a sentence.
    """
    guide_keys = set(content.guide.facts)
    for message in messages(content):
        extra = BLOCK_PLACEHOLDERS.get(str(message.path[-1]), set())
        if message.plural is not None:
            _check_sentence(message)
            continue
        if message.context.startswith("operator:"):
            slug = message.context.split(":", 1)[1].split("/", 1)[0]
            operators = {slug: content.operators[slug]}
        else:
            operators = content.operators
        try:
            names = check_placeholders(message.msgid, PLACEHOLDERS | guide_keys | extra)
        except ValueError as exc:
            raise GuideError(located(message.file, message.line, str(exc))) from None
        for name in sorted(names - PLACEHOLDERS - extra):
            for slug, operator in operators.items():
                if name not in fact_placeholders(operator):
                    fact = operator.facts[name]
                    why = "low confidence" if not fact.printable else "not a value"
                    raise GuideError(
                        located(
                            message.file,
                            message.line,
                            f"%({name})s: {slug}'s fact '{name}' is {why}, so it is never "
                            "printed; this sentence cannot use it",
                        )
                    )


def load_guide(path: Path, text: str | None = None) -> tuple[Guide, YamlSource]:
    """guide.yaml (or ``text``, as that file would read), checked as the build does."""
    source = load_yaml(path, text)
    check_yaml_characters(source)
    guide = parse_model(Guide, source)
    assert isinstance(guide, Guide)
    return guide, source


def load_operator(path: Path, text: str | None = None) -> tuple[Operator, YamlSource]:
    """One operator file (or ``text``, as that file would read), checked as the build does."""
    source = load_yaml(path, text)
    check_yaml_characters(source)
    operator = parse_model(Operator, source, slug=path.stem)
    assert isinstance(operator, Operator)
    return operator, source


def _check_references(guide: Guide, source: YamlSource, problems: Problems) -> None:
    """Section ids are unique; every fact a section shows is defined under ``facts``."""
    seen: dict[str, int] = {}
    for i, section in enumerate(guide.sections):
        if section.id in seen:
            problems.add(
                source.error(
                    ("sections", i, "id"),
                    f"section id '{section.id}' is already used by sections[{seen[section.id]}]",
                )
            )
        seen[section.id] = i
        for j, block in enumerate(section.body):
            refs: list[tuple[str, int | None, str]] = [
                ("facts", k, key) for k, key in enumerate(block.facts or [])
            ]
            refs += [("qr", None, block.qr)] if block.qr else []
            for kind, k, key in refs:
                if key not in guide.facts:
                    path = ("sections", i, "body", j, kind) + ((k,) if k is not None else ())
                    problems.add(
                        source.error(
                            path,
                            f"fact '{key}' is not defined under facts "
                            f"(defined: {', '.join(guide.facts)})",
                        )
                    )


def _check_site(guide: Guide, operator: Operator, src: YamlSource) -> None:
    """The operator's domains, its site and the facts its QR codes show.

    The site and a QR code ("the official site of …") must be on the operator's own
    domains; a domain must not be a public suffix (``com.ru`` would allow anyone).
    """
    for i, domain in enumerate(operator.domains):
        if is_public_suffix(domain):
            raise src.error(
                ("domains", i), f"'{domain}' is a public suffix: anyone can register under it"
            )
    own = policy(operator)
    qr_keys = {block.qr for section in guide.sections for block in section.body if block.qr}
    site = [SITE] if SITE in operator.facts else []
    for key in [*site, *sorted(qr_keys - {SITE})]:
        value = operator.facts[key].value or ""
        try:
            link = own.link(value)
        except GuideError:
            link = None
        # Written out in full: a bare "mts.ru" would be linked, but is not what we print.
        if link is None or not value.lower().startswith("https://"):
            what = "the official site" if key == SITE else "shown as a QR code, so it"
            raise src.error(
                ("facts", key, "value"),
                f"{what} must be an https:// URL on the operator's domains ({own.describe()})",
            )
    if site and not operator.facts[SITE].printable:
        raise src.error(("facts", SITE, "confidence"), "the official site cannot be low confidence")


def _check_values(content: Content) -> None:
    """A URL or domain written as a fact's value must be official: it cannot allow itself.
    The operator's names are printed as written too (``мтс.рф`` beside МТС), so the
    same holds for them."""
    allowed = allowed_links(content)
    for slug, operator in content.operators.items():
        for field in ("latin", "local", "formerly"):
            for bad in allowed.refused([getattr(operator.names, field) or ""]):
                raise content.sources[slug].error(
                    ("names", field), f"link not from an official site: {bad}"
                )
        for key, fact in operator.facts.items():
            for bad in allowed.refused([fact.value or ""]):
                raise content.sources[slug].error(
                    ("facts", key, "value"), f"link not from an official site: {bad}"
                )


def load_content(project: Project) -> Content:
    """Load, validate and cross-check every content file of ``project``; the first
    problem is raised (``make-guide check`` lists them all: :func:`content_problems`).

    Content that passed every check is kept between runs (:mod:`generator.diskcache`),
    under the text of every content file, the whole package's code and the versions of
    what the checks ask (Python's Unicode tables, the libraries, the Public Suffix List's
    edition): the same files checked by the same code pass again, so a build reads
    them back instead (~50 ms, most of it building the validators). It is read back
    with an unpickler that can make only the content's own classes.
    """
    try:
        texts = {path: read_text(path) for path in _content_files(project)}
    except GuideError:
        texts = None  # a file that cannot be read: the loader reports it in its order
    # From here on, the files are these texts: what is checked is exactly what the key
    # names, even if a file is added, removed or saved meanwhile.
    key = ""
    if texts is not None:
        key = diskcache.entry_key(
            diskcache.package_version(),
            sys.version,  # unicodedata's tables (the character checks)
            *(diskcache.library_version(lib) for lib in CHECKED_BY),
            suffix_list_edition(),
            *(f"{path}\n{text}" for path, text in texts.items()),
        )
        kept = _unpickle(diskcache.load_bytes("content", key))
        if kept is not None:
            return kept
    content = _load(project, Problems(), texts)
    assert content is not None  # with a raising collector, a problem never gets here
    keep_answers()
    if texts is not None:
        diskcache.store_bytes("content", key, pickle.dumps(content, pickle.HIGHEST_PROTOCOL))
    return content


#: The libraries whose answers the checks depend on (besides the Public Suffix List).
CHECKED_BY = ("pydantic", "pydantic-core", "babel", "ada-url", "pyyaml", "publicsuffixlist")


def _content_files(project: Project) -> list[Path]:
    return [project.guide_file, *(project.operator_file(s) for s in project.operators())]


#: What kept content may be made of (see :func:`_unpickle`).
_KEPT_CLASSES = {
    ("datetime", "date"),
    ("decimal", "Decimal"),
    ("pathlib", "PosixPath"),
    ("pathlib", "WindowsPath"),
    ("generator.content", "Content"),
    ("generator.yamlsource", "YamlSource"),
}


class _ContentUnpickler(pickle.Unpickler):
    """Makes the content's own classes and nothing else (pickle could call anything)."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _KEPT_CLASSES:
            return super().find_class(module, name)
        if module == "generator.schema":
            found = getattr(schema, name, None)
            if isinstance(found, type) and issubclass(found, StrictModel):
                return found
        raise pickle.UnpicklingError(f"not content: {module}.{name}")


def _unpickle(data: bytes | None) -> Content | None:
    if data is None:
        return None
    try:
        content = _ContentUnpickler(io.BytesIO(data)).load()
    except Exception:  # only a cache: anything unexpected is a miss
        return None
    return content if isinstance(content, Content) else None


def content_problems(project: Project) -> tuple[Content | None, list[str]]:
    """The content and every problem found in it, all at once (not one per run)."""
    problems = Problems(collect=True)
    content = _load(project, problems)
    return (content if not problems.found else None), problems.found


def _load(
    project: Project, problems: Problems, texts: dict[Path, str] | None = None
) -> Content | None:
    """``texts``: every content file's text, already read (what a kept result is keyed
    by); the operators are then the ones among them, the folder is not listed again."""
    guide: Guide | None = None
    guide_src: YamlSource | None = None
    with problems.catch():
        guide, guide_src = load_guide(project.guide_file, (texts or {}).get(project.guide_file))
        _check_references(guide, guide_src, problems)
        _check_staff(guide, guide_src, problems)
    slugs = []
    with problems.catch():
        slugs = (
            project.operators()
            if texts is None
            else [path.stem for path in texts if path != project.guide_file]
        )
        if not slugs:
            raise GuideError(
                f"{project.operators_dir}: no operator files (<slug>.yaml); "
                "each operator of the guide has one"
            )
    operators: dict[str, Operator] = {}
    sources: dict[str, YamlSource] = {}
    for slug in slugs:
        with problems.catch():
            path = project.operator_file(slug)
            operator, src = load_operator(path, (texts or {}).get(path))
            operators[slug], sources[slug] = operator, src
            if guide is not None:
                _check_operator(guide, operator, src, problems)
    if guide is None or guide_src is None or problems.found:
        return None
    content = Content(guide=guide, operators=operators, sources={"guide": guide_src, **sources})
    _check_rules(content, problems)
    with problems.catch():
        _check_values(content)
    with problems.catch():
        _check_message_placeholders(content)
    return None if problems.found else content


def _check_operator(guide: Guide, operator: Operator, src: YamlSource, problems: Problems) -> None:
    """One operator file against the guide: the same facts, values written safely."""
    found = len(problems.found)
    for key in operator.facts:
        if key not in guide.facts:
            problems.add(
                src.error(
                    ("facts", key),
                    "unknown fact (the guide defines: " + ", ".join(guide.facts) + ")",
                )
            )
    for key in guide.facts:
        if key not in operator.facts:
            problems.add(src.error(("facts",), f"fact '{key}' is missing"))
    for key, fact in operator.facts.items():
        if ("facts", key, "value") in src.numeric:
            # We read it right, but a translator's or an editor's YAML tool would not.
            problems.add(
                src.error(
                    ("facts", key, "value"),
                    f'write it in quotes ("{fact.value}"): other YAML tools read an unquoted '
                    f"{fact.value} as a number",
                )
            )
    if len(problems.found) == found:  # the site needs the facts above to be whole
        _check_site(guide, operator, src)


def guide_messages(guide: Guide, source: YamlSource) -> Iterator[Message]:
    """The translatable strings of ``guide.yaml``, in file order.

    The message context is ``<section>/<key path inside it>`` (``why/body[0].bullets[1]``):
    precise for translators, and stable when sections are reordered.
    """

    def msg(section: str, rel: KeyPath, msgid: str, comment: str, path: KeyPath) -> Message:
        context = f"{section}/{dotted_path(rel)}"
        return Message(context, msgid, comment, source.path, source.line_of(path), path)

    yield msg("guide", ("title",), guide.title, "Leaflet title", ("title",))
    yield msg("guide", ("subtitle",), guide.subtitle, "Subtitle under the title", ("subtitle",))
    if guide.keywords:
        comment = "Keywords of the documents' metadata, comma-separated (not printed)"
        yield msg("guide", ("keywords",), guide.keywords, comment, ("keywords",))
    for key, sentence in guide.sentences.items():
        yield Message(
            f"sentences/{key}",
            sentence.one,
            "A sentence with a count: %(num)d is the number, %(amount)s an amount of money",
            source.path,
            source.line_of(("sentences", key)),
            ("sentences", key),
            plural=sentence.other,
        )
    for key, label in guide.facts.items():
        comment = f"Label of the operator fact '{key}'; keep it short"
        yield msg("facts", (key,), label, comment, ("facts", key))
    for i, section in enumerate(guide.sections):
        sid, top = section.id, ("sections", i)
        yield msg(sid, ("heading",), section.heading, "Section heading", (*top, "heading"))
        for j, block in enumerate(section.body):
            rel: KeyPath = ("body", j)
            if block.p:
                yield msg(sid, (*rel, "p"), block.p, "Paragraph", (*top, *rel, "p"))
            for kind in ("steps", "bullets"):
                for k, item in enumerate(getattr(block, kind) or []):
                    comment = f"{kind[:-1].capitalize()} {k + 1} of a list"
                    yield msg(sid, (*rel, kind, k), item, comment, (*top, *rel, kind, k))
            for k, phrase in enumerate(block.phrases or []):
                where: KeyPath = (*rel, "phrases", k, "text")
                comment = f"Meaning of the staff sentence «{phrase.staff}», printed under it"
                yield msg(sid, where, phrase.text, comment, (*top, *where))
            if block.unconfirmed:
                comment = "Lists the facts left out as unconfirmed (%(facts)s)"
                where = (*rel, "unconfirmed")
                yield msg(sid, where, block.unconfirmed, comment, (*top, *where))
            if block.verified:
                comment = (
                    "Shown when facts were found on their live sources: %(found)s lists "
                    "them, %(verified)s is the latest day one was"
                )
                where = (*rel, "verified")
                yield msg(sid, where, block.verified, comment, (*top, *where))
            if block.unverified:
                comment = "Shown when no fact has been checked on the live sites"
                where = (*rel, "unverified")
                yield msg(sid, where, block.unverified, comment, (*top, *where))


def operator_context(slug: str) -> str:
    """The section name under which an operator's strings are filed."""
    return f"operator:{slug}"


def operator_messages(operator: Operator, source: YamlSource) -> Iterator[Message]:
    """The translatable facts (prose, not values) of one operator file.

    Low-confidence facts are never printed, so translators are not asked for them.
    """
    for key, fact in operator.facts.items():
        if fact.text and fact.printable:
            path: KeyPath = ("facts", key, "text")
            yield Message(
                f"{operator_context(operator.slug)}/{dotted_path(path)}",
                fact.text,
                f"{operator.names.latin}: fact '{key}'",
                source.path,
                source.line_of(path),
                path,
            )


def section_of(context: str | None) -> str:
    """The section a message belongs to: the part of its context before ``/``."""
    return context.split("/", 1)[0] if context else "templates"


def messages(content: Content) -> Iterator[Message]:
    """Every translatable content string."""
    yield from guide_messages(content.guide, content.sources["guide"])
    for slug, operator in content.operators.items():
        yield from operator_messages(operator, content.sources[slug])
