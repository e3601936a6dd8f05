"""Format specifications: a translation or a content string holds only ``%%``,
``%(name)s`` and (in the plural template strings) ``%(name)d`` — no width, precision
or flags, which would pad a fact to any length or drop it silently."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from catalog_edit import catalog, first_paragraph, set_msgstr, set_yaml_scalar, singles

from generator.catalog_rules import format_problem, translation_problem
from generator.content import check_placeholders, load_content
from generator.errors import GuideError
from generator.i18n import Translator
from generator.project import Project
from generator.schema import MAX_TEXT

from helpers import run_cli

SPECS = [
    "%(site)200000s",
    "%(site).0s",
    "%(site)-30s",
    "%(site)030s",
    "%(site)+s",
    "%(site)#s",
    "%(site) s",
    "%(site)*s",
    "%(site).*s",
    "%(site)r",
    "%(site)a",
    "%(site)x",
    "%(site)",
]
LONE = ["%s", "%d", "100%", "50 % off", "%", "%(site)s%"]


@pytest.mark.parametrize("spec", SPECS)
def test_width_precision_and_flags_are_refused(spec: str) -> None:
    problem = format_problem(f"Verify at {spec}.")
    assert problem is not None and "only %(name)s and %(name)d are allowed" in problem
    with pytest.raises(ValueError, match="is not one of"):
        check_placeholders(f"Verify at {spec}.")


@pytest.mark.parametrize("text", LONE)
def test_a_lone_percent_is_refused(text: str) -> None:
    assert format_problem(text) == "a lone % (write %% for a percent sign)"
    with pytest.raises(ValueError, match="write a literal percent sign as %%"):
        check_placeholders(text)


@pytest.mark.parametrize("text", ["%(site)s", "100%% of %(site)s", "%(num)d days", "%%(x)s"])
def test_the_exact_forms_are_allowed(text: str) -> None:
    assert format_problem(text) is None


def _site_message(project: Project, lang: str):
    return next(m for m in singles(catalog(project, lang)) if "%(site)s" in m.id)


@pytest.mark.parametrize("spec", [*SPECS[:4], "%(site)d"])
def test_build_and_check_refuse_a_format_spec_at_once(
    project_copy: Project, tmp_path: Path, spec: str
) -> None:
    lang = project_copy.catalog_languages()[-1]
    message = _site_message(project_copy, lang)
    set_msgstr(project_copy.po_file(lang), message, message.string.replace("%(site)s", spec))
    code, _, err = run_cli(
        "--lang", lang, "--operator", project_copy.operators()[0],
        "--project", str(project_copy.root), "--out", str(tmp_path), "--timeout", "20",
    )  # fmt: skip
    assert code == 1
    assert re.search(r"messages\.po:\d+: msgstr for .*(only %\(name\)s|another type)", err), err
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".pdf", ".html")]
    code, _, err = run_cli("check", "--project", str(project_copy.root))
    assert code == 1 and spec in err


def test_a_plural_count_may_be_d_but_not_decorated(project: Project) -> None:
    plural = next(
        m for lang in project.catalog_languages() for m in catalog(project, lang) if m.pluralizable
    )
    assert translation_problem(plural, len(plural.string)) is None
    broken = copy.deepcopy(plural)
    broken.string = tuple(f.replace("%(num)d", "%(num)5d") for f in broken.string)
    assert "only %(name)s and %(name)d" in (translation_problem(broken, len(broken.string)) or "")


def test_a_content_string_with_a_format_spec_is_refused(project_copy: Project) -> None:
    key_path = first_paragraph(project_copy)
    line = set_yaml_scalar(project_copy.guide_file, key_path, "Verify at %(site)200000s.")
    with pytest.raises(GuideError, match=rf"guide\.yaml:{line}: placeholder '%\(site\)200000s'"):
        load_content(project_copy)


def test_the_length_limit_holds_with_the_placeholders_filled_in(project: Project) -> None:
    lang = project.catalog_languages()[-1]
    cat = copy.deepcopy(catalog(project, lang))
    message = next(m for m in singles(cat) if "%(compiled)s" in m.id)
    names = sorted(set(re.findall(r"%\(\w+\)s", message.id)) - {"%(compiled)s"})
    # Under the limit as written; far over it once every %(compiled)s is a long date.
    message.string = " ".join(names) + " " + "%(compiled)s" * ((MAX_TEXT - 40) // 12)
    assert len(message.string) <= MAX_TEXT
    tr = Translator(lang=lang, path=project.po_file(lang), catalog=cat)
    values = {"operator": "Operator", "site": "example.ru", "compiled": "27 November 2026 …"}
    with pytest.raises(GuideError, match="with its placeholders filled in, more than a leaflet"):
        tr.format(message.context, message.id, values)
