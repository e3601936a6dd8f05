"""The content schema: pydantic models of ``guide.yaml`` and ``operators/<slug>.yaml``.

Every model forbids unknown keys; strings are stripped and may not be empty.
The YAML arrives with every scalar as a string, so the few typed fields (dates,
numbers, enums) are converted here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from .project import LANG_RE, SLUG_RE

#: The fact every operator must have: its official site (https), used for the
#: QR code, the %(site)s placeholder and the "verify at" line.
SITE = "site"

#: The longest string a leaflet takes (ours are under 400): anything longer is a mistake,
#: and laying out a 100,000-character word takes WeasyPrint minutes.
MAX_TEXT = 2000
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]
Slug = Annotated[str, StringConstraints(pattern=SLUG_RE.pattern)]
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Confidence = Literal["high", "medium", "low"]
#: Placeholders the tool fills in itself (generator.content): no fact may be called so.
RESERVED_NAMES = frozenset({"operator", "compiled", "facts", "found", "verified", "num", "amount"})


class StrictModel(BaseModel):
    # defer_build: validators and serializers are built when first used, not at import:
    # content read back from the cache (generator.content.load_content) is not
    # validated again, and a leaflet then needs only those of its translated copy.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _written(pattern: str, what: str) -> Callable[[object], object]:
    """A check of a number as written in the YAML (every scalar arrives as a string)."""

    def check(value: object) -> object:
        if isinstance(value, str) and not re.fullmatch(pattern, value.strip()):
            raise ValueError(f"write {what}")
        return value

    return check


#: A count, in ASCII digits: "1.0", "1_0" or "١٢" would be read as another number.
Count = Annotated[int, BeforeValidator(_written(r"[0-9]{1,7}", "a whole number in digits (90)"))]
#: Money as printed: at most two decimals, so nothing is rounded away ("0.001" is not
#: "0"), and no sign ("-0").
Amount = Annotated[
    Decimal,
    BeforeValidator(
        _written(
            r"[0-9]{1,7}(\.[0-9]{1,2})?", "an amount in digits, with at most two decimals (5, 2.50)"
        )
    ),
]


class Counted(StrictModel):
    """One sentence of a rule: a sentence the guide declares (``sentences``), with the
    numbers this operator gives it. ``%(num)d`` chooses the plural form."""

    sentence: Key
    num: Count = Field(ge=0, le=1_000_000)
    amount: Amount | None = Field(default=None, ge=0, le=1_000_000)
    """Money, in the guide's ``currency``: ``%(amount)s`` in the sentence."""


class Fact(StrictModel):
    """One operator fact with its provenance: exactly one of value, text or rule."""

    value: Text | None = None
    """Printed exactly as written: a phone number, a code, an app name, a URL."""
    text: Text | None = None
    """Prose, translated through the catalogs."""
    rule: list[Counted] | None = Field(default=None, min_length=1)
    """Numbers, phrased (and pluralised) by the guide's ``sentences``."""
    source: Text
    """Where the fact comes from: a URL, or a short description (a citation, never a link)."""
    year: int | None = Field(default=None, ge=1990, le=2100)
    """The source's own year, when known: printed with the fact's provenance."""
    or_earlier: bool = False
    """The source is from ``year`` or before (a page older than a rebrand, say)."""
    checked: dt.date
    """When the fact was last checked: transcribed and compared with the research, or
    found on its source by ``make-guide facts verify --record``."""
    verified: dt.date | None = None
    """The day ``make-guide facts verify --record`` found the value on its live source.
    It counts only while it is the fact's latest check (``verified == checked``): an
    editor who re-checks a fact by hand moves ``checked`` past it."""
    confidence: Confidence
    note: Text | None = None
    """For editors only; never printed."""

    @model_validator(mode="after")
    def _one_kind(self) -> Fact:
        if sum(x is not None for x in (self.value, self.text, self.rule)) != 1:
            raise ValueError(
                "a fact needs exactly one of 'value' (printed as is), 'text' or 'rule'"
            )
        if self.or_earlier and self.year is None:
            raise ValueError("'or_earlier' needs a 'year'")
        if self.verified is not None:
            if self.verified > self.checked:
                raise ValueError("'verified' cannot be later than 'checked'")
            if self.url is None:
                raise ValueError("'verified' needs a 'source' that is an http(s) URL")
        return self

    @property
    def url(self) -> str | None:
        """The source when it is an http(s) URL, which ``facts verify`` can fetch
        (anything else is a citation)."""
        source = self.source
        if source.startswith(("https://", "http://")) and not any(c.isspace() for c in source):
            return source
        return None

    @property
    def live(self) -> bool:
        """Found on its live source at its latest check (not only transcribed)."""
        return self.verified is not None and self.verified == self.checked

    @property
    def printable(self) -> bool:
        """Low-confidence facts are never printed as facts."""
        return self.confidence != "low"


class Names(StrictModel):
    latin: Text
    """The name in Latin letters, used in every language but the staff's."""
    local: Text | None = None
    """The name as written on signs in the staff's language (МТС): used in that language
    and shown beside the Latin name elsewhere."""
    formerly: Text | None = None


#: A host name as written in ``domains`` (lowercase, no scheme, port or path).
Domain = Annotated[
    str,
    StringConstraints(pattern=r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$"),
]


class Operator(StrictModel):
    """One ``content/operators/<slug>.yaml``."""

    slug: Slug
    names: Names
    domains: list[Domain] = Field(min_length=1)
    """Official domains (subdomains included): the only hosts a leaflet may link to."""
    compiled: dt.date | None = None
    """When this operator's facts were compiled from the research (default: the oldest
    ``checked`` among the printed facts). ``facts verify --record`` writes it before it
    moves any ``checked`` date, so the leaflet's "compiled in" stays true."""
    facts: dict[Key, Fact]

    @property
    def site(self) -> str:
        return self.facts[SITE].value or "" if SITE in self.facts else ""

    def compiled_on(self) -> dt.date:
        """When the printed facts were compiled: ``compiled``, or the oldest check date
        among them (the leaflet's claim is no newer)."""
        if self.compiled is not None:
            return self.compiled
        return min(f.checked for f in self.facts.values() if f.printable)

    def verified_on(self) -> dt.date | None:
        """The latest day a printed fact was found on its live source, if any was."""
        return max((f.checked for f in self.facts.values() if f.printable and f.live), default=None)


class Phrase(StrictModel):
    staff: Text
    """The sentence in the staff's language, shown as is."""
    text: Text
    """Its meaning, translated into the leaflet's language."""
    fill: bool = False
    """Followed by a blank line to fill in by hand (a number, a name)."""


BLOCK_KINDS = (
    "p",
    "steps",
    "bullets",
    "facts",
    "phrases",
    "qr",
    "unconfirmed",
    "verified",
    "unverified",
)


class Block(StrictModel):
    """One piece of a section body: exactly one of the keys in ``BLOCK_KINDS``."""

    p: Text | None = None
    steps: list[Text] | None = Field(default=None, min_length=1)
    bullets: list[Text] | None = Field(default=None, min_length=1)
    facts: list[Key] | None = Field(default=None, min_length=1)
    phrases: list[Phrase] | None = Field(default=None, min_length=1)
    qr: Key | None = None
    unconfirmed: Text | None = None
    """A sentence naming the facts left out as low confidence (``%(facts)s``); shown
    only when the operator has such facts."""
    verified: Text | None = None
    """A sentence naming the printed facts found on their live sources (``%(found)s``)
    and the latest such day (``%(verified)s``); shown only when there are such facts."""
    unverified: Text | None = None
    """A sentence shown only when no printed fact has been found on its live source."""

    @model_validator(mode="after")
    def _one_kind(self) -> Block:
        given = [k for k in BLOCK_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"a block needs exactly one of: {', '.join(BLOCK_KINDS)}")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in BLOCK_KINDS if getattr(self, k) is not None)


class Source(StrictModel):
    """Where a section's general rules come from (for editors; never printed)."""

    source: Text
    checked: dt.date
    confidence: Confidence
    note: Text | None = None


class Section(StrictModel):
    id: Slug
    heading: Text
    body: list[Block] = Field(min_length=1)
    sources: list[Source] | None = None


def _locale(code: str) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        raise ValueError(
            f"'{code[:50]}' is not a language Babel knows (a Babel identifier: ru, en_GB, zh_Hant)"
        ) from None
    return code


#: A language as Babel names it (``ru``, ``en_GB``, ``zh_Hant``): checked when the
#: content is read, so ``check`` finds what the build would stop on, with its line.
LocaleCode = Annotated[
    str, StringConstraints(pattern=LANG_RE.pattern, max_length=50), AfterValidator(_locale)
]


class LanguageSettings(StrictModel):
    """How one language is built."""

    formats: LocaleCode | None = None
    """The Babel locale for dates and money (``en_GB`` for British English)."""
    released: bool = True
    """False while a translation is in progress: ``--all`` and the index leave it out,
    and building it needs ``--draft``."""


class Plural(StrictModel):
    """A sentence with a count, in its English singular and plural forms."""

    one: Text
    other: Text


#: An ISO 4217 currency code.
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


def _script_code(code: str) -> str:
    from babel import Locale  # its English names of scripts are the ISO 15924 list

    if code not in Locale("en").scripts:
        raise ValueError(
            f"'{code}' is not an ISO 15924 script code (Latn, Cyrl, Hans, Hant, Jpan, Kore, "
            "Arab, Hebr, ...)"
        )
    return code


#: An ISO 15924 script code, as a language's writing script is named (``Arab``, ``Jpan``).
ScriptCode = Annotated[str, AfterValidator(_script_code)]
#: A font family as fontconfig names it; no quotes, braces or other CSS syntax.
FontFamily = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=100, pattern=r"^\w[\w .+-]*$"),
]

#: The families of one script, in order (a few: fontconfig is asked about each).
FontStack = Annotated[list[FontFamily], Field(min_length=1, max_length=8)]


class Guide(StrictModel):
    """``content/guide.yaml``."""

    title: Text
    subtitle: Text
    publisher: Text
    keywords: Text | None = None
    """For the documents' metadata (the PDF's keywords), translated."""
    staff_language: LocaleCode | None = None
    """The language the staff card (``phrases``) is written in; needed only with one."""
    source_language: LocaleCode = "en"
    """The language this guide is written in: its leaflets need no catalog."""
    languages: dict[LocaleCode, LanguageSettings] = Field(default_factory=dict)
    """Per-language settings, by Babel identifier."""
    currency: Currency | None = None
    """The currency of the amounts in operators' rules."""
    sentences: dict[Key, Plural] = Field(default_factory=dict)
    """Sentences with a count that operators' ``rule`` facts use (pluralised per language)."""
    fonts: dict[ScriptCode, FontStack] = Field(default_factory=dict)
    """Font families by writing script, over the defaults of :mod:`generator.fonts`
    (``Jpan: [Noto Sans CJK JP]``): the first that draws a character sets it."""
    facts: dict[Key, Text]
    """The facts every operator gives, with their (translatable) labels."""
    stale_after_months: Count = Field(default=6, ge=1, le=120)
    """``make-guide facts`` marks a fact stale when its last check is older than this."""
    sections: list[Section] = Field(min_length=1)

    @model_validator(mode="after")
    def _fact_names(self) -> Guide:
        # A fact is also a placeholder (%(tollfree)s): it may not take the name of one
        # the tool fills in itself, or a sentence would print the other.
        taken = sorted(RESERVED_NAMES & set(self.facts))
        if taken:
            raise ValueError(
                f"a fact cannot be called {', '.join(taken)}: the tool fills in that placeholder"
            )
        return self


class PackFile(StrictModel):
    """``content/packs/<name>.yaml``: leaflets printed together as one PDF."""

    title: Text | None = None
    """Printed on the cover as written (default: the guide's title, translated)."""
    languages: list[Annotated[str, StringConstraints(pattern=LANG_RE.pattern)]] = Field(
        min_length=1
    )
    operators: list[Slug] | None = None
    """Default: every operator."""
