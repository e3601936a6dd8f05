"""Hostile and broken inputs found by a hunt against the v2 surfaces (packs, clean, the
index, ``new``, ``i18n init``, guide.yaml's new fields, operator names), each class of
input table-driven: a one-line error naming the file (and line or key), a non-zero
exit, nothing written outside the output folder, and ``check`` catching what the build
refuses. No test depends on the guide's current sentences or section ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.project import Project

from helpers import run_cli

LANG = "en"


def _one_line_error(err: str) -> str:
    """The first line of ``err``, checked to be make-guide's one-line error."""
    assert "Traceback" not in err, err
    first = err.splitlines()[0]
    assert first.startswith("make-guide: error: "), err
    return first


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


# -- packs --------------------------------------------------------------------------


def _bad_names(project: Project) -> list[str]:
    leaflet = f"{project.operators()[0]}-{LANG}"
    return ["../escaped", "/tmp/abs-pack", "sub/x", ".hidden", "", "x\ny", "a" * 300, leaflet]


@pytest.mark.parametrize("which", range(8))
def test_pack_name_is_one_plain_word(project_copy: Project, tmp_path: Path, which: int) -> None:
    """``--name`` is a file name in the output folder: no folders, no hidden file, not
    a leaflet's name (it would overwrite that leaflet), never a traceback."""
    name = _bad_names(project_copy)[which]
    out = tmp_path / "out" / "dist"
    before = _files(tmp_path)
    code, _, err = run_cli(
        "pack", "--lang", LANG, "--name", name, "--project", str(project_copy.root),
        "--out", str(out),
    )  # fmt: skip
    assert code == 2
    assert "--name" in _one_line_error(err)
    assert _files(tmp_path) == before
    assert not Path("/tmp/abs-pack.pdf").exists()


def _declared(project: Project) -> list[tuple[str, str, str]]:
    """(file stem, YAML, what the error names) of packs the build must refuse."""
    lang, ops = project.languages(), project.operators()
    return [
        ("p", f"languages: [{lang[0]}, {lang[0]}]\n", "languages[1]"),
        ("p", f"languages: [{lang[0]}]\noperators: [{ops[0]}, {ops[0]}]\n", "operators[1]"),
        ("p", f"title: see https://evil.example/x\nlanguages: [{LANG}]\n", "title"),
        ("p", f"title: see bit.ly/x\nlanguages: [{LANG}]\n", "title"),
        ("p", f'title: "a\\u202eb"\nlanguages: [{LANG}]\n', "title"),
        ("p", f'title: "pack \\U0001F600"\nlanguages: [{LANG}]\n', "title"),
        (f"{ops[0]}-{LANG}", f"languages: [{LANG}]\n", f"{ops[0]}-{LANG}"),
    ]


@pytest.mark.parametrize("which", range(7))
def test_declared_pack_is_refused_by_build_and_check(
    project_copy: Project, tmp_path: Path, which: int
) -> None:
    """A pack file is content: duplicates (a pack as large as one likes), a foreign link,
    a control character or an undrawable one in its title, a leaflet's name."""
    stem, text, named = _declared(project_copy)[which]
    project_copy.packs_dir.mkdir()
    (project_copy.packs_dir / f"{stem}.yaml").write_text(text, "utf-8")
    out = tmp_path / "out"
    code, _, err = run_cli("pack", stem, "--project", str(project_copy.root), "--out", str(out))
    assert code != 0
    first = _one_line_error(err)
    assert f"{stem}.yaml" in first and named in first
    assert not list(out.glob("*.pdf"))
    code, _, err = run_cli("check", "--project", str(project_copy.root))
    assert code == 1
    assert any(f"{stem}.yaml" in line and named in line for line in err.splitlines()), err


def test_a_valid_pack_file_does_not_disturb_check_or_extraction(project_copy: Project) -> None:
    """Packs are not guide.yaml: extraction (check, i18n) must not read one as such."""
    root = str(project_copy.root)
    code_before, _, err_before = run_cli("check", "--project", root)
    project_copy.packs_dir.mkdir()
    (project_copy.packs_dir / "agency.yaml").write_text(
        f"title: A pack\nlanguages: [{LANG}]\n", "utf-8"
    )
    code, _, err = run_cli("check", "--project", root)
    assert (code, err) == (code_before, err_before)
    assert run_cli("i18n", "extract", "--project", root)[0] == 0


# -- clean and the index, from a crafted manifest ----------------------------------

#: Files put in the output folder by someone else, with the stamp a crafted manifest
#: gives them (None: their real one, as if the manifest were copied with them).
PLANTED = [
    ("precious.txt", None),
    ("javascript:alert(1)", None),
    ('x" onmouseover="alert(1).pdf', None),
    (".hidden.pdf", None),
    ("notes.pdf", [1, 1]),
    ("edited.html", [1, 1]),
]


@pytest.mark.parametrize(("name", "stamp"), PLANTED)
def test_clean_and_index_ignore_what_make_guide_did_not_write(
    project_copy: Project, tmp_path: Path, name: str, stamp: list[int] | None
) -> None:
    """A manifest listing files make-guide did not write (or that changed since) makes
    ``clean`` remove none of them, and the index links to none with a scheme."""
    import json

    from generator.index import found
    from generator.project import MANIFEST_NAME

    out = tmp_path / "out"
    operator = project_copy.operators()[0]
    root = str(project_copy.root)
    args = ("--lang", LANG, "--operator", operator, "--format", "html")
    assert run_cli(*args, "--project", root, "--out", str(out))[0] == 0
    planted = out / name
    planted.write_text("not make-guide's", "utf-8")
    st = planted.stat()
    manifest = json.loads((out / MANIFEST_NAME).read_text("utf-8"))
    real = [st.st_size, st.st_mtime_ns]
    manifest["leaflets"]["pack:planted"] = {"inputs": "", "outputs": {name: stamp or real}}
    (out / MANIFEST_NAME).write_text(json.dumps(manifest), "utf-8")
    _, packs = found(project_copy, out)
    if not name[0].isalnum() or not name.endswith((".pdf", ".html")) or " " in name:
        assert name not in packs
    code, _, err = run_cli("clean", "--project", root, "--out", str(out))
    assert code == 0, err
    assert planted.read_text("utf-8") == "not make-guide's"
    assert not (out / f"{operator}-{LANG}.html").exists()  # ours is removed


# -- i18n init editing guide.yaml -----------------------------------------------------

#: What is appended to a fresh project's guide.yaml before ``i18n init de``.
LANGUAGE_BLOCKS = [
    "languages:\n    en: {formats: en_GB}\n",  # indented by four
    "languages:\n en: {formats: en_GB}\n",  # by one
    "languages:\n  en:\n    formats: en_GB\n",  # a block mapping inside
    "languages: {en: {formats: en_GB}}\n",  # flow style: left to the editor
    "# the end, without a final line break",
]


@pytest.mark.parametrize("block", LANGUAGE_BLOCKS)
def test_i18n_init_never_breaks_guide_yaml(tmp_path: Path, block: str) -> None:
    """The line ``i18n init`` adds lands under ``languages:``, indented as its
    neighbours, or is not written at all: guide.yaml always reads back as before plus
    ``<lang>: {released: false}``."""
    from generator.yamlsource import load_yaml

    root = tmp_path / "guide"
    assert run_cli("new", str(root), "-q")[0] == 0
    guide = Project(root).guide_file
    guide.write_text(guide.read_text("utf-8") + "\n" + block, "utf-8")
    before = load_yaml(guide).data
    code, _, err = run_cli("i18n", "init", "de", "--project", str(root))
    assert code == 0, err
    after = load_yaml(guide).data  # a YAML error here is the defect
    if after != before:
        languages = {**(before.get("languages") or {}), "de": {"released": "false"}}
        assert after == {**before, "languages": languages}
    else:
        assert "under 'languages'" in err


# -- guide.yaml's language settings ---------------------------------------------------

#: (lines appended to a fresh project's guide.yaml, the key the error names)
LANGUAGE_SETTINGS = [
    ("staff_language: xx", "staff_language"),
    ("staff_language: '../x'", "staff_language"),
    ("languages:\n  en: {formats: zz_ZZ}", "languages.en.formats"),
    ("languages:\n  en: {formats: '<b>'}", "languages.en.formats"),
    ("languages:\n  '<x>': {formats: en_GB}", "languages"),
    ("source_language: xx", "source_language"),
]


@pytest.mark.parametrize(("lines", "key"), LANGUAGE_SETTINGS)
def test_unknown_languages_in_guide_yaml_are_refused_by_check_and_build(
    tmp_path: Path, lines: str, key: str
) -> None:
    """A language Babel does not know is refused where it is written, with its line and
    key, by ``check`` as by the build (not only when a leaflet is rendered)."""
    root = tmp_path / "guide"
    assert run_cli("new", str(root), "-q")[0] == 0
    guide = Project(root).guide_file
    guide.write_text(guide.read_text("utf-8") + "\n" + lines + "\n", "utf-8")
    code, _, err = run_cli("check", "--project", str(root))
    assert code == 1
    assert any("guide.yaml:" in line and f": {key}" in line for line in err.splitlines()), err
    code, _, err = run_cli("--all", "--format", "html", "--project", str(root), "--out",
                           str(tmp_path / "out"))  # fmt: skip
    assert code != 0
    first = _one_line_error(err)
    assert "guide.yaml:" in first and f": {key}" in first


# -- operator names ---------------------------------------------------------------------

#: (the operator's names block in a fresh project, the key the error names)
NAMES = [
    ("names:\n  latin: City Museum https://evil.example/\n", "names.latin"),
    ("names:\n  latin: evil.com\n", "names.latin"),
    ("names:\n  latin: City Museum\n  local: мтс.рф\n", "names.local"),
    ("names:\n  latin: City Museum\n  formerly: bit.ly/x\n", "names.formerly"),
]


@pytest.mark.parametrize(("names", "key"), NAMES)
def test_operator_names_name_no_foreign_site(tmp_path: Path, names: str, key: str) -> None:
    """Names are printed as written, like a fact's value: a domain in one is refused
    with its file, line and key, by check and by the build."""
    root = tmp_path / "guide"
    assert run_cli("new", str(root), "-q")[0] == 0
    project = Project(root)
    (path,) = [project.operator_file(slug) for slug in project.operators()]
    text = path.read_text("utf-8")
    start = text.index("names:\n")
    end = text.index("\n", text.index("latin:", start)) + 1
    path.write_text(text[:start] + names + text[end:], "utf-8")
    code, _, err = run_cli("check", "--project", str(root))
    assert code == 1
    assert any(f"{path.name}:" in line and f": {key}: link" in line for line in err.splitlines())
    out = tmp_path / "out"
    code, _, err = run_cli("--all", "--project", str(root), "--out", str(out), "--format", "html")
    assert code == 1
    first = _one_line_error(err)
    assert f"{path.name}:" in first and f": {key}: link" in first
    assert not list(out.glob("*.html"))


# -- counted rules: numbers and money as written ---------------------------------------

GOOD_RULE = {"num": "90", "amount": "2.50"}
#: (key, value as written): each would print another number than the one written.
BAD_NUMBERS = [
    ("num", "1.0"),
    ("num", "1_0"),
    ("num", "١٢"),
    ("amount", "0.001"),
    ("amount", "1e-100"),
    ("amount", "-0"),
    ("amount", "٥"),
    ("amount", "0." + "0" * 1000 + "1"),
]


def _rule_project(tmp_path: Path, rule: dict[str, str]) -> tuple[Path, Path]:
    """A fresh project whose one operator gives a fact as a counted ``rule``."""
    root = tmp_path / "guide"
    assert run_cli("new", str(root), "-q")[0] == 0
    project = Project(root)
    guide = project.guide_file
    text = guide.read_text("utf-8").replace("facts:\n", "facts:\n  fee: Fee\n", 1)
    text += (
        "\ncurrency: EUR\nsentences:\n  fee:\n"
        '    one: "A fee of %(amount)s after %(num)d day."\n'
        '    other: "A fee of %(amount)s after %(num)d days."\n'
    )
    guide.write_text(text, "utf-8")
    (path,) = [project.operator_file(slug) for slug in project.operators()]
    items = ", ".join(f'{k}: "{v}"' for k, v in rule.items())
    path.write_text(
        path.read_text("utf-8").replace(
            "facts:\n",
            f"facts:\n  fee:\n    rule: [{{sentence: fee, {items}}}]\n"
            "    source: the price list\n    checked: 2020-01-01\n    confidence: high\n",
            1,
        ),
        "utf-8",
    )
    return root, path


def test_a_plain_rule_builds(tmp_path: Path) -> None:
    root, _ = _rule_project(tmp_path, GOOD_RULE)
    code, _, err = run_cli("--all", "--format", "html", "--project", str(root), "--out",
                           str(tmp_path / "out"))  # fmt: skip
    assert code == 0, err


@pytest.mark.parametrize(("key", "value"), BAD_NUMBERS)
def test_counted_numbers_are_plain_digits(tmp_path: Path, key: str, value: str) -> None:
    """A count or an amount is printed as written or refused: never rounded to another
    number ("0.001" as 0, "-0", other digits), with the line and key."""
    root, path = _rule_project(tmp_path, {**GOOD_RULE, key: value})
    code, _, err = run_cli("check", "--project", str(root))
    assert code == 1
    where = f"{path.name}:"
    assert any(where in line and f"rule[0].{key}: " in line for line in err.splitlines()), err
    code, _, err = run_cli("--all", "--format", "html", "--project", str(root), "--out",
                           str(tmp_path / "out"))  # fmt: skip
    assert code == 1
    first = _one_line_error(err)
    assert where in first and f"rule[0].{key}: " in first


# -- make-guide new ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["too long", "dangling link", "under a file"])
def test_new_refuses_odd_folders_in_one_line(tmp_path: Path, kind: str) -> None:
    """A folder name the system refuses, or a name already taken by a link or a file,
    is one line and writes nothing, never a traceback."""
    (tmp_path / "file").write_text("x", "utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "nowhere")
    target = {"too long": "x" * 300, "dangling link": "link", "under a file": "file/sub"}[kind]
    before = _files(tmp_path)
    code, _, err = run_cli("new", str(tmp_path / target), "-q")
    assert code in (1, 2)
    _one_line_error(err)
    assert _files(tmp_path) == before and not (tmp_path / "nowhere").exists()


def test_list_names_a_catalog_of_a_language_babel_does_not_know(project_copy: Project) -> None:
    """``--list`` with ``locales/xx/`` (a folder name Babel does not know): one line."""
    import shutil

    lang = project_copy.catalog_languages()[0]
    shutil.copytree(project_copy.locales_dir / lang, project_copy.locales_dir / "xx")
    code, _, err = run_cli("--list", "--project", str(project_copy.root))
    assert code == 1
    first = _one_line_error(err)
    assert "xx" in first and str(project_copy.locales_dir / "xx") in first
