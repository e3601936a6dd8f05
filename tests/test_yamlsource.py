"""The YAML reader: strings stay strings, and its refusals name the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import GuideError
from generator.yamlsource import load_yaml


def load(tmp_path: Path, text: str | bytes):
    path = tmp_path / "x.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return load_yaml(path)


def test_bare_numbers_stay_exactly_as_written(tmp_path: Path) -> None:
    # YAML 1.1 would read 0611 as the octal number 393 and `no` as False.
    src = load(tmp_path, "short: 0611\ncode: 0890\nflag: no\nn: 1e3\nd: 2026-11-27\n")
    assert src.data == {
        "short": "0611",
        "code": "0890",
        "flag": "no",
        "n": "1e3",
        "d": "2026-11-27",
    }


def test_line_numbers_of_keys(tmp_path: Path) -> None:
    src = load(tmp_path, "a:\n  b:\n    - x\n    - y\n")
    assert src.line_of(("a", "b", 1)) == 4
    assert src.line_of(("a", "b", 1, "missing")) == 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\nb: [\n", r"x.yaml:3: YAML syntax error"),
        ("a: 1\na: 2\n", r"x.yaml:2: a: duplicate key \(first at line 1\)"),
        ("a: &x [1]\nb: *x\n", r"x.yaml:2: b: anchors and aliases are not supported"),
        ("", r"x.yaml: the file is empty"),
        ("# only a comment\n", r"x.yaml: the file is empty"),
        (b"a: ok\nb: \xff\xfe\n", r"x.yaml:2: not valid UTF-8 text"),
        ("? [a, b]\n: 1\n", r"x.yaml:1: a key must be a plain string"),
    ],
)
def test_refusals_name_file_and_line(tmp_path: Path, text: str | bytes, expected: str) -> None:
    with pytest.raises(GuideError, match=expected) as info:
        load(tmp_path, text)
    assert "\n" not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(GuideError, match=r"nope\.yaml: file not found"):
        load_yaml(tmp_path / "nope.yaml")


def test_control_character_names_its_line(tmp_path: Path) -> None:
    # Found by hypothesis: PyYAML's reader error spans several lines.
    with pytest.raises(GuideError) as info:
        load(tmp_path, "a: 1\nb: x\x1fy\n")
    assert str(info.value).endswith("x.yaml:2: YAML error: character U+001F is not allowed")
