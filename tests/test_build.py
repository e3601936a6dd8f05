"""Building: outputs are written atomically, failures never clobber good output,
and one failing leaflet does not stop the others."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from catalog_edit import catalog, set_msgstr

from generator.build import Settings, Target, build, select
from generator.errors import GuideError
from generator.output import prepare_out_dir, write_atomic
from generator.project import Project

from helpers import leaflet_files


def test_select_everything_by_default(project: Project) -> None:
    targets = select(project, None, None)
    assert len(targets) == len(project.languages()) * len(project.operators())
    assert {t.name for t in targets} == {
        f"{op}-{lang}" for op in project.operators() for lang in project.languages()
    }


def test_write_atomic_replaces_whole_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "a.pdf"
    target.write_bytes(b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.pdf"]


def test_failed_leaflet_keeps_previous_output(project_copy: Project, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = list(build(project_copy, [Target("ru", "mts")], Settings(out)))
    assert not first[0].error
    before = {name: (out / name).read_bytes() for name in leaflet_files(out)}
    # Break the Russian catalog: a placeholder the content does not provide.
    po = project_copy.po_file("ru")
    message = next(m for m in catalog(project_copy, "ru") if m.id == "%(operator)s: contacts")
    set_msgstr(po, message, message.string.replace("%(operator)s", "%(oprator)s"))
    second = list(build(project_copy, [Target("ru", "mts"), Target("en", "mts")], Settings(out)))
    assert second[0].error and "placeholders ['%(oprator)'] in msgstr differ" in second[0].error
    assert not second[1].error, "one failing leaflet does not stop the others"
    for name, data in before.items():
        assert (out / name).read_bytes() == data
    assert not [name for name in leaflet_files(out) if name.startswith(".")]


def test_output_path_that_is_a_file(tmp_path: Path) -> None:
    path = tmp_path / "dist"
    path.write_text("not a folder")
    with pytest.raises(GuideError, match="output path exists and is not a folder"):
        prepare_out_dir(path)


def test_unwritable_output_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ro"
    path.mkdir(mode=0o500)
    if os.geteuid() == 0:
        # Root writes anywhere (CI runs as root): ask access() what an ordinary user would hear.
        monkeypatch.setattr("generator.output.os.access", lambda p, mode: False)
    with pytest.raises(GuideError, match="ro: output folder is not writable"):
        prepare_out_dir(path)


def test_output_folder_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(GuideError, match="cannot create output folder"):
        prepare_out_dir(tmp_path / "f" / "dist")
