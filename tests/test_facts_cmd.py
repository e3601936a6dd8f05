"""``make-guide facts``: every operator fact with its age, provenance and marks."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from catalog_edit import set_yaml_scalar

from generator.content import Content, load_content
from generator.facts import months_before
from generator.project import Project
from generator.provenance import is_official

from helpers import run_cli


def _listed(project: Project, *args: str) -> list[dict]:
    code, out, err = run_cli("facts", "--json", "--project", str(project.root), *args)
    assert code == 0, err
    return json.loads(out)


def test_every_fact_of_an_operator_is_listed(
    project: Project, content: Content, operator: str
) -> None:
    rows = _listed(project, "--operator", operator)
    source = content.operators[operator]
    assert [r["fact"] for r in rows] == list(source.facts)
    today = dt.date.today()
    for row in rows:
        fact = source.facts[row["fact"]]
        assert row["operator"] == operator
        assert row["confidence"] == fact.confidence
        assert row["checked"] == fact.checked.isoformat()
        assert row["age_days"] == (today - fact.checked).days
        official = is_official(fact.source, source.domains)
        assert row["provenance"] == ("official page" if official else "secondary source")
        assert row["source"] == fact.source
        is_url = fact.source.startswith(("http://", "https://"))
        assert row["url"] == (fact.source if is_url else None)
        assert row["no_url"] is (not is_url)
        assert row["low"] is (fact.confidence == "low")
        assert row["line"] and Path(row["file"]).name == f"{operator}.yaml"
        assert row["value"]  # a value, prose or a rule's numbers, never empty


def test_the_table_has_every_fact_and_a_summary(project: Project, content: Content) -> None:
    code, out, _ = run_cli("facts", "--project", str(project.root))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["operator", "fact", "value"]
    total = sum(len(op.facts) for op in content.operators.values())
    assert len(lines) == total + 2
    assert re.match(rf"{total} facts: \d+ stale .* low confidence, \d+ without", lines[-1])


def _age(project: Project, slug: str, key: str, day: str) -> None:
    path = project.root / "content" / "operators" / f"{slug}.yaml"
    set_yaml_scalar(path, ("facts", key, "checked"), "", yaml=day)


def test_a_fact_older_than_the_limit_is_stale(project_copy: Project) -> None:
    slug = project_copy.operators()[0]
    old = months_before(dt.date.today(), 7).isoformat()
    _age(project_copy, slug, "site", old)
    rows = {(r["operator"], r["fact"]): r for r in _listed(project_copy)}
    assert rows[slug, "site"]["stale"] is True
    assert [k for k, r in rows.items() if r["stale"]] == [(slug, "site")]
    # Exit 0 unless asked to fail on it; then 1 and one line.
    code, _, err = run_cli("facts", "--project", str(project_copy.root), "--fail-on", "stale")
    assert code == 1 and err == "make-guide: error: facts marked stale\n"
    # The guide sets the limit.
    guide = project_copy.guide_file
    set_yaml_scalar(guide, ("stale_after_months",), "", yaml="12")
    assert not any(r["stale"] for r in _listed(project_copy))
    assert run_cli("facts", "--project", str(project_copy.root), "--fail-on", "stale")[0] == 0


@pytest.mark.parametrize(
    ("fail_on", "code"),
    [("stale", 0), ("low", 1), ("no-url", 1), ("any", 1), ("stale,low", 1)],
)
def test_fail_on(project: Project, fail_on: str, code: int) -> None:
    """The repository's facts are fresh, but some are low confidence or cite no URL."""
    content = load_content(project)
    facts = [f for op in content.operators.values() for f in op.facts.values()]
    assert any(f.confidence == "low" for f in facts)
    got, _, err = run_cli("facts", "--project", str(project.root), "--fail-on", fail_on, "-q")
    assert got == code, err


@pytest.mark.parametrize(
    "argv",
    [
        ["--fail-on", "bogus"],
        ["--fail-on", ""],
        ["--operator", "nope"],
        ["verify", "--fail-on", "stale"],
        ["verify", "--timeout", "nan"],
        ["verify", "--max-time", "-1"],
        ["verify", "extra"],
    ],
)
def test_usage_errors_are_one_line(project: Project, argv: list[str]) -> None:
    code, out, err = run_cli("facts", "--project", str(project.root), *argv)
    assert code == 2 and out == ""
    assert err.startswith("make-guide: error: ") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2026-11-27", 6, "2026-05-27"),
        ("2026-05-31", 3, "2026-02-28"),
        ("2024-03-31", 1, "2024-02-29"),
        ("2026-01-15", 1, "2025-12-15"),
        ("2026-01-15", 25, "2023-12-15"),
    ],
)
def test_months_before(day: str, months: int, expected: str) -> None:
    assert months_before(dt.date.fromisoformat(day), months).isoformat() == expected


@pytest.mark.parametrize(
    ("key_path", "yaml", "message"),
    [
        (("facts", "site", "verified"), "2099-01-01", "'verified' cannot be later than 'checked'"),
        (("facts", "short_number", "verified"), "2020-01-01", "needs a 'source' that is an http"),
        (("compiled",), "someday", "compiled"),
    ],
)
def test_check_dates_are_refused_with_their_line(
    project_copy: Project, key_path: tuple[str, ...], yaml: str, message: str
) -> None:
    slug = "mts" if "mts" in project_copy.operators() else project_copy.operators()[0]
    path = project_copy.root / "content" / "operators" / f"{slug}.yaml"
    text = path.read_text("utf-8")
    if key_path[-1] == "verified":
        # A new key under the fact, after its checked line.
        fact = key_path[1]
        pattern = rf"(\n  {fact}:\n(?:    .*\n)*?    checked: .*\n)"
        text = re.sub(pattern, rf"\g<1>    verified: {yaml}\n", text)
    else:
        text = re.sub(r"\ncompiled: .*\n", f"\ncompiled: {yaml}\n", text)
    path.write_text(text, "utf-8")
    code, _, err = run_cli("facts", "--project", str(project_copy.root))
    assert code == 1
    assert err.startswith(f"make-guide: error: {path}:") and message in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("name", ["found", "verified", "facts", "compiled", "operator"])
def test_a_fact_may_not_take_a_placeholder_of_the_tool(project_copy: Project, name: str) -> None:
    guide = project_copy.guide_file
    text = guide.read_text("utf-8").replace("\nfacts:\n", f"\nfacts:\n  {name}: Something\n", 1)
    guide.write_text(text, "utf-8")
    code, _, err = run_cli("check", "--project", str(project_copy.root))
    assert code == 1 and f"a fact cannot be called {name}" in err
