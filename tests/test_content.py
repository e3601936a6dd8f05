"""Content validation: the repository's content is valid, and bad content is refused
with one line that names the file, the line and the key path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.content import Content, load_content, messages
from generator.errors import GuideError
from generator.project import Project
from generator.schema import SITE


def test_every_operator_gives_every_fact_with_provenance(content: Content, operator: str) -> None:
    op = content.operators[operator]
    assert set(op.facts) == set(content.guide.facts)
    for key, fact in op.facts.items():
        assert fact.source.strip(), key
        assert fact.checked.year >= 2024, key
        assert fact.confidence in ("high", "medium", "low"), key


def test_phone_numbers_and_codes_are_strings(content: Content) -> None:
    # The source files write them bare (0611, 0890); they must stay as written.
    assert content.operators["beeline"].facts["short_number"].value == "0611"
    assert content.operators["mts"].facts["short_number"].value == "0890"
    for op in content.operators.values():
        for fact in op.facts.values():
            assert fact.value is None or isinstance(fact.value, str)


def test_official_site_is_https_on_the_operators_domain(content: Content, operator: str) -> None:
    site = content.operators[operator].facts[SITE]
    assert site.value and site.value.startswith("https://")
    assert site.printable


def test_every_message_has_a_context_and_a_comment(content: Content) -> None:
    seen = set()
    for m in messages(content):
        assert m.context and m.comment and m.line, m
        seen.add((m.context, m.msgid))
    assert len(seen) >= 50


def _replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), "utf-8")


def _line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


# (file, old text, new text, expected error after "file:line: ")
BAD = [
    (
        "operators/beeline.yaml",
        "    confidence: medium\n",
        "    confidence: medium\n    colour: red\n",
        r"facts\.short_number\.colour: unknown key",
    ),
    ("operators/beeline.yaml", "  latin: Beeline\n", "", r"names\.latin: required key is missing"),
    (
        "operators/beeline.yaml",
        "    checked: 2026-11-27\n",
        "    checked: [2026]\n",
        r"facts\.site\.checked: .*date",
    ),
    (
        "operators/beeline.yaml",
        "    checked: 2026-11-27\n",
        "    checked: 2026-13-40\n",
        r"facts\.site\.checked: .*date",
    ),
    (
        "operators/beeline.yaml",
        "    confidence: high\n",
        "    confidence: certain\n",
        r"facts\.site\.confidence: Input should be 'high', 'medium' or 'low'",
    ),
    (
        "operators/beeline.yaml",
        '    value: "0611"\n',
        '    value: "0611"\n    text: "x"\n',
        r"facts\.short_number: a fact needs exactly one of 'value' \(printed as is\), "
        r"'text' or 'rule'",
    ),
    (
        "operators/beeline.yaml",
        "  short_number:\n",
        "  shortnumber:\n",
        r"facts\.shortnumber: unknown fact",
    ),
    (
        "operators/beeline.yaml",
        "    value: https://beeline.ru\n",
        "    value: http://beeline.ru\n",
        r"facts\.site\.value: the official site must be an https:// URL",
    ),
    (
        "operators/beeline.yaml",
        "names:\n  latin: Beeline\n  local: билайн\n",
        "names: Beeline\n",
        r"names: Input should be a valid dictionary",
    ),
    (
        "guide.yaml",
        "      - facts: [unused]\n",
        "      - facts: [unusd]\n",
        r"sections\[0\]\.body\[1\]\.facts\[0\]: fact 'unusd' is not defined under facts",
    ),
    (
        "guide.yaml",
        "  - id: before\n",
        "  - id: why\n",
        r"sections\[1\]\.id: section id 'why' is already used by sections\[0\]",
    ),
    (
        "guide.yaml",
        '      - p: "Point to',
        '      - p: "%(name)s Point to',
        r"placeholder '%\(name\)s' is not one of .*%\(compiled\)s.*%\(operator\)s",
    ),
    (
        "guide.yaml",
        "    heading: Why cancel\n",
        "    heading:\n",
        r"sections\[0\]\.heading: String should have at least 1 character",
    ),
    (
        "guide.yaml",
        "      - bullets:\n",
        "      - bullet:\n",
        r"sections\[0\]\.body\[0\]\.bullet: unknown key",
    ),
    ("guide.yaml", "title: How", "titel: How", r"titel: unknown key \(did you mean 'title'\?\)"),
]


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"), BAD, ids=[f"{b[0]}:{b[3][:30]}" for b in BAD]
)
def test_bad_content_gives_one_line_with_file_and_line(
    project_copy: Project, name: str, old: str, new: str, expected: str
) -> None:
    path = project_copy.content_dir / name
    _replace(path, old, new)
    with pytest.raises(GuideError) as info:
        load_content(project_copy)
    message = str(info.value)
    assert "\n" not in message
    match = re.match(r"^(.+?):(\d+): (.*)$", message)
    assert match, message
    assert match.group(1) == str(path)
    assert re.search(expected, match.group(3)), message
    # The line named is the line of the offending key (or its parent) in the file.
    line = int(match.group(2))
    assert 1 <= line <= len(path.read_text("utf-8").splitlines())


def test_line_points_at_the_offending_key(project_copy: Project) -> None:
    path = project_copy.content_dir / "operators" / "mts.yaml"
    _replace(path, "    confidence: medium\n", "    confidence: medium\n    colour: red\n")
    with pytest.raises(GuideError) as info:
        load_content(project_copy)
    assert str(info.value).startswith(f"{path}:{_line_of(path, 'colour: red')}: ")


def test_operator_missing_a_fact(project_copy: Project) -> None:
    path = project_copy.operators_dir / "t2.yaml"
    text = path.read_text("utf-8")
    start = text.index("  lost:\n")
    path.write_text(text[:start], "utf-8")
    with pytest.raises(GuideError, match=r"t2\.yaml:\d+: facts: fact 'lost' is missing"):
        load_content(project_copy)


def test_bare_phone_number_must_be_quoted(project_copy: Project) -> None:
    # We would read 0611 right, but Weblate's or an editor's YAML tools would read 393.
    path = project_copy.operators_dir / "beeline.yaml"
    _replace(path, '    value: "0611"\n', "    value: 0611\n")
    line = _line_of(path, "value: 0611")
    with pytest.raises(GuideError) as info:
        load_content(project_copy)
    assert str(info.value) == (
        f'{path}:{line}: facts.short_number.value: write it in quotes ("0611"): '
        "other YAML tools read an unquoted 0611 as a number"
    )


def test_no_operator_files(project_copy: Project) -> None:
    for f in project_copy.operators_dir.glob("*.yaml"):
        f.unlink()
    with pytest.raises(GuideError, match="no operator files"):
        load_content(project_copy)
