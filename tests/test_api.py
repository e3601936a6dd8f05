"""The Python API for pipelines (generator.api): a leaflet to bytes, a set to a folder, a
warm session that re-reads only what changed — and the README's example runs as written."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pypdf
import pytest
from catalog_edit import catalog, headings, set_msgstr

from generator import api
from generator.errors import GuideError
from generator.project import Project

ROOT = Path(__file__).resolve().parent.parent


def test_build_leaflet_returns_pdf_and_html_bytes(project: Project) -> None:
    lang, op = project.catalog_languages()[0], project.operators()[0]
    pdf = api.build_leaflet(project.root, lang, op)
    assert pdf.startswith(b"%PDF-")
    html = api.build_leaflet(str(project.root), lang, op, fmt="html", paper="a5")
    assert html.startswith(b"<!DOCTYPE html>") and b"size: A5" in html


@pytest.mark.parametrize(
    ("kwargs", "message", "code"),
    [
        ({"lang": "xx"}, "unknown language 'xx'", 2),
        ({"operator": "nope"}, "unknown operator 'nope'", 2),
        ({"fmt": "docx"}, "unknown format 'docx'", 2),
        ({"paper": "a3"}, "unknown paper 'a3'", 2),
    ],
)
def test_mistakes_raise_the_one_error_type(
    project: Project, kwargs: dict, message: str, code: int
) -> None:
    args = {"lang": project.source_language(), "operator": project.operators()[0], **kwargs}
    with pytest.raises(GuideError, match=re.escape(message)) as info:
        api.build_leaflet(project, args.pop("lang"), args.pop("operator"), **args)
    assert info.value.exit_code == code


def test_build_set_writes_files_and_reports_each_result(project: Project, tmp_path: Path) -> None:
    lang = project.catalog_languages()[0]
    results = api.build_set(project, tmp_path, langs=[lang], formats=("pdf",), jobs=2)
    assert sorted(r.target.operator for r in results) == project.operators()
    assert not [r.error for r in results if r.error]
    for r in results:
        assert len(pypdf.PdfReader(r.written[0]).pages) >= 1
    again = api.build_set(project, tmp_path, langs=[lang], formats=("pdf",))
    assert all(r.up_to_date for r in again)


def test_session_rereads_a_catalog_only_when_it_changed(project_copy: Project) -> None:
    session = api.Session(project_copy)
    lang = project_copy.catalog_languages()[0]
    op = project_copy.operators()[0]
    first = session.render(lang, op, formats=("html",)).outputs["html"].decode()
    assert session.translator(lang) is session.translator(lang)  # kept while unchanged
    slot = headings(catalog(project_copy, lang))[0]
    set_msgstr(project_copy.po_file(lang), slot, "A NEW HEADING")
    second = session.render(lang, op, formats=("html",)).outputs["html"].decode()
    assert "A NEW HEADING" not in first and "A NEW HEADING" in second


def test_session_sees_an_edit_that_kept_the_size_and_the_mtime(project_copy: Project) -> None:
    """``touch -r`` puts the old mtime back after a same-size edit: the preview must
    still notice (the inode change time cannot be put back)."""
    session = api.Session(project_copy)
    path = project_copy.operator_file(project_copy.operators()[0])
    text = path.read_text(encoding="utf-8")
    facts = session.content().operators[path.stem].facts
    key, value = next((k, f.value) for k, f in facts.items() if f.value and f.value[-1].isdigit())
    assert f'"{value}"' in text
    before = path.stat()
    same_size = value[:-1] + str((int(value[-1]) + 1) % 10)  # another digit
    path.write_text(text.replace(f'"{value}"', f'"{same_size}"', 1), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    assert session.content().operators[path.stem].facts[key].value == same_size


def test_the_readme_example_runs(project_copy: Project, tmp_path: Path, monkeypatch) -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## For developers: the Python API", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code, "the README shows the API with an example"
    source = code.group(1).replace('"path/to/guide"', repr(str(project_copy.root)))
    monkeypatch.chdir(tmp_path)  # "dist" in the example lands here
    namespace: dict[str, object] = {}
    exec(compile(source, "README.md", "exec"), namespace)
    assert isinstance(namespace["pdf"], bytes) and namespace["failed"] == []
    assert (tmp_path / "dist").is_dir()
