"""What a catalog may hold, beyond what Babel's lenient reader accepts.

- its syntax, line by line (Babel drops the last character of an unterminated
  string and merges duplicated messages);
- its header: the charset must be UTF-8, the ``Plural-Forms`` rule must be gettext's
  C grammar, small, and give a form in range for every count;
- each translation: text only (no markup its msgid does not have, no control,
  invisible or bidirectional characters), at most MAX_TEXT characters, the msgid's
  placeholders in exactly the ``%(name)s`` / ``%(name)d`` form, every plural form.

:mod:`generator.i18n` applies these when it reads a catalog and looks strings up;
:mod:`generator.check` reports them all.
"""

from __future__ import annotations

import codecs
import gettext
import re
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.plurals import get_plural

from .characters import character_problem
from .errors import GuideError, located
from .schema import MAX_TEXT
from .yamlsource import read_text

_PO_STRING = r'"(?:[^"\\]|\\.)*"'
_PO_LINE = re.compile(
    rf"^(?:(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+)?({_PO_STRING})\s*$"
)


def check_po_syntax(text: str, path: Path) -> None:
    """Refuse what Babel's lenient reader lets through silently.

    Babel drops the last character of an unterminated string and merges a
    duplicated msgid into one entry; a translator's typo must not turn into a
    wrong leaflet, so the lines are checked first (GNU msgfmt would refuse both).
    """
    seen: dict[tuple[str | None, str], int] = {}
    context: str | None = None
    msgid: str | None = None
    field = ""
    start = 0
    # Split as Babel reads the file: only at "\n" (splitlines() also splits at U+2028).
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = _PO_LINE.match(line)
        if not match:
            raise GuideError(
                located(
                    path,
                    lineno,
                    "catalog syntax error: expected a keyword "
                    "and a quoted string, or a quoted string",
                )
            )
        keyword, string = match.groups()
        if context is None and msgid == "" and (keyword or field).startswith("msgstr"):
            _check_charset(string, path, lineno)
        if keyword is None:
            if not field:
                raise GuideError(
                    located(path, lineno, "catalog syntax error: a string continues no keyword")
                )
            if field == "msgctxt":
                context = (context or "") + string[1:-1]
            elif field == "msgid":
                msgid = (msgid or "") + string[1:-1]
            continue
        if keyword == "msgctxt":
            context, msgid, start = string[1:-1], None, lineno
        elif keyword == "msgid":
            if field.startswith("msgstr"):  # a new entry without a msgctxt
                context = None
            msgid, start = string[1:-1], start if field == "msgctxt" else lineno
        elif keyword.startswith("msgstr") and field in ("msgid", "msgid_plural", "msgctxt"):
            key = (context, msgid or "")
            if key in seen and key[1]:
                raise GuideError(
                    located(path, start, f"duplicate message (first at line {seen[key]})")
                )
            seen[key] = start
        field = keyword


_CHARSET_RE = re.compile(r"charset=([^\\\s;\"]*)", re.IGNORECASE)


def _check_charset(string: str, path: Path, lineno: int) -> None:
    """The header's ``charset`` must be UTF-8, the encoding the file is read in.

    Babel would decode the rest of the file with whatever it says: "latin-1" makes
    every Russian string mojibake (blamed on "untranslated strings" later), an
    unknown name crashes it.
    """
    match = _CHARSET_RE.search(string)
    if not match:
        return
    name = match.group(1)
    try:
        ok = codecs.lookup(name).name == "utf-8"
    except LookupError:
        ok = False
    if not ok:
        raise GuideError(
            located(
                path,
                lineno,
                f"the header says charset={name}: catalogs must be UTF-8 "
                '("Content-Type: text/plain; charset=UTF-8\\n")',
            )
        )


#: Longer than any language's rule in CLDR (Russian's is 95 characters): anything
#: longer is a mistake, or an attempt to make the expression parser work hard.
MAX_PLURAL_EXPR = 300
#: The counts every plural rule is tried on.
PLURAL_TEST_RANGE = range(1001)


def check_header(catalog: Catalog, path: Path) -> None:
    """Refuse a ``Plural-Forms`` header that would crash the build or pick wrong forms.

    The expression must be gettext's C grammar (parsed by the standard library's
    gettext.c2py: only ``n``, integers and C operators, nothing Python could run),
    at most MAX_PLURAL_EXPR characters; ``nplurals`` must be the language's number of
    forms in Babel's CLDR data; every n in 0..1000 must give a form in 0..nplurals-1.
    """
    expr, count = catalog.plural_expr, catalog.num_plurals
    expected = get_plural(catalog.locale)

    def error(message: str) -> GuideError:
        return GuideError(located(path, _header_line(path, "Plural-Forms"), message))

    if len(expr) > MAX_PLURAL_EXPR:
        raise error(
            f"Plural-Forms: the expression is {len(expr)} characters long "
            f"(at most {MAX_PLURAL_EXPR})"
        )
    try:
        rule = gettext.c2py(expr)
    except (ValueError, RecursionError) as exc:
        raise error(
            f"Plural-Forms: plural={expr[:60]!r} is not a gettext plural expression ({exc})"
        ) from None
    if count != expected.num_plurals:
        raise error(
            f"Plural-Forms: nplurals={count}, but {catalog.locale} has "
            f"{expected.num_plurals} plural form(s) (Babel: {expected.plural_forms})"
        )
    for n in PLURAL_TEST_RANGE:
        try:
            form = rule(n)
        except ArithmeticError as exc:
            raise error(f"Plural-Forms: plural={expr[:60]!r} fails for n={n} ({exc})") from None
        if not 0 <= form < count:
            raise error(
                f"Plural-Forms: plural={expr[:60]!r} gives form {form} for n={n}; "
                f"forms are 0..{count - 1}"
            )


def _header_line(path: Path, name: str) -> int | None:
    """The line of header field ``name`` (Babel keeps no line numbers for the header)."""
    for lineno, line in enumerate(read_text(path).split("\n"), 1):
        if line.lstrip('"').startswith(f"{name}:"):
            return lineno
    return None


#: The only %-forms a string may hold: ``%%`` (a percent sign), ``%(name)s`` and
#: ``%(name)d``. Width, precision and flags are refused: ``%(site)200000s`` pads a
#: fact to 200,000 characters, ``%(site).0s`` prints nothing of it.
_FORMAT_RE = re.compile(r"%(?:%|\((\w+)\)([sd]))")
#: What Python's % operator would read as a conversion, once the allowed ones are gone.
_ANY_FORMAT_RE = re.compile(r"%(?:\([^)]*\))?[-#0 +*]*[0-9]*(?:\.[0-9*]*)?[a-zA-Z]?")
_BRACE_RE = re.compile(r"(?<!\{)\{(\w*)(?:[!:][^{}]*)?\}(?!\})")
#: What HTML reads as markup: a tag ("<" and a letter), a comment or declaration
#: ("<!", "<?"), a character reference. "1 < 2" and "AT&T" are text.
_MARKUP_RE = re.compile(
    r"<(?:/?[a-zA-Z]|[!?])[^<>]*>?|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);"
)


def placeholders(text: str) -> set[str]:
    """``%(name)s`` and ``{name}`` placeholders of ``text`` (``%%`` and ``{{`` are literal)."""
    found = {f"%({name})" for name, _ in _FORMAT_RE.findall(text) if name}
    found |= {f"{{{m}}}" for m in _BRACE_RE.findall(_FORMAT_RE.sub("", text))}
    return found


def _conversions(text: str) -> set[str]:
    return {f"%({name}){conv}" for name, conv in _FORMAT_RE.findall(text) if name}


def format_problem(text: str) -> str | None:
    """Why ``text``'s %-formatting is not allowed, or None (see ``_FORMAT_RE``)."""
    found = _ANY_FORMAT_RE.search(_FORMAT_RE.sub("", text))
    if found is None:
        return None
    if not found.group(0).startswith("%("):
        return "a lone % (write %% for a percent sign)"
    return (
        f"{found.group(0)[:40]!r}: only %(name)s and %(name)d are allowed "
        "(no width, precision or flags)"
    )


def markup(text: str) -> set[str]:
    """The tags and character references in ``text``."""
    return set(_MARKUP_RE.findall(text))


def translation_problem(message: Message, num_plurals: int) -> str | None:
    """What is wrong with ``message``'s translation, or None.

    A translation is text: no control, invisible or bidirectional characters, at most
    MAX_TEXT characters, no markup its msgid does not have (it would be shown escaped,
    as text, anyway). Every string is %-formatted (Jinja2's newstyle gettext and our
    content alike), so only ``%%``, ``%(name)s`` and ``%(name)d`` may appear, and the
    placeholders must be the msgid's (a plural form may leave out the count: "one
    day"); a plural entry needs every form.
    """
    ids = [message.id] if isinstance(message.id, str) else list(message.id)
    forms = [message.string] if isinstance(message.string, str) else list(message.string or ())
    for form in forms:
        problem = character_problem(form or "")
        if problem:
            return problem
        if len(form or "") > MAX_TEXT:
            return f"{len(form)} characters, more than a leaflet takes ({MAX_TEXT})"
    if len(ids) > 1:
        # Babel pads missing forms with "", so a missing form shows up as an empty one.
        given = len([f for f in forms if f])
        if given and (given != num_plurals or len(forms) != num_plurals):
            return f"has {given} plural forms, the language has {num_plurals}"
    expected = set().union(*(placeholders(i) for i in ids))
    conversions = set().union(*(_conversions(i) for i in ids))
    tags = set().union(*(markup(i) for i in ids))
    for form in forms:
        if not form:
            continue
        problem = format_problem(form)
        if problem:
            return problem
        found = placeholders(form)
        ok = found == expected if len(ids) == 1 else expected - {"%(num)"} <= found <= expected
        if not ok:
            return f"placeholders {sorted(found)} in msgstr differ from {sorted(expected)} in msgid"
        for conversion in sorted(_conversions(form) - conversions):
            return f"placeholder {conversion} in msgstr: the msgid has it with another type"
        for tag in sorted(markup(form) - tags):
            return (
                f"markup {tag[:40]!r} in msgstr that the msgid does not have "
                "(translations are text)"
            )
    return None


def is_complete(message: Message, num_plurals: int) -> bool:
    """Translated, in every plural form, and not fuzzy."""
    if message.fuzzy or not message.id:
        return False
    if isinstance(message.id, (list, tuple)):
        forms = message.string if isinstance(message.string, (list, tuple)) else ()
        return len(forms) == num_plurals and all(forms)
    return bool(message.string)
