"""Travel packs and office printing from the command line: one PDF per pack (cover,
contents whose page numbers match the bookmarks' targets, every leaflet, tagged,
reproducible), declared packs, duplex padding, imposed files beside the plain leaflet,
print-shop builds as a PDF only, an index of every variant, and ``make-guide clean``."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pikepdf
import pypdf
import pytest

from generator.content import Content
from generator.i18n import translator
from generator.localize import localize
from generator.project import INDEX_NAME, LOCK_NAME, MANIFEST_NAME, Project

from helpers import parse_html, run_cli


def _pack(project: Project, out: Path, *argv: str) -> tuple[int, str, str]:
    return run_cli("pack", *argv, "--project", str(project.root), "--out", str(out))


@pytest.fixture(scope="module")
def zh_pack(tmp_path_factory: pytest.TempPathFactory, project: Project) -> Path:
    lang = project.catalog_languages()[-1]
    out = tmp_path_factory.mktemp("pack")
    code, stdout, err = _pack(project, out, "--lang", lang)
    assert code == 0, err
    path = out / f"pack-{lang}.pdf"
    assert stdout == f"wrote {path}\n"
    return path


def test_pack_has_a_cover_contents_and_every_leaflet(
    zh_pack: Path, project: Project, content: Content
) -> None:
    lang = zh_pack.stem.removeprefix("pack-")
    reader = pypdf.PdfReader(zh_pack)
    tr = translator(project, lang)
    leaflets = [localize(project, content, lang, op, tr) for op in project.operators()]
    # The cover: the guide's title, the language, when the facts were compiled.
    cover = reader.pages[0].extract_text()
    assert leaflets[0].guide.title.replace(" ", "") in cover.replace(" ", "")
    assert leaflets[0].compiled in cover.replace("\n", "")
    # Level-1 bookmarks: one per leaflet, in operator order, each with its sections.
    outline = reader.outline
    tops = [item for item in outline if not isinstance(item, list)]
    assert len(tops) == len(project.operators())
    for leaf, top in zip(leaflets, tops, strict=True):
        assert leaf.operator_name in top.title
    children = [item for item in outline if isinstance(item, list)]
    assert all(len(c) == len(content.guide.sections) for c in children)
    # Each leaflet's pages hold its own text, and fit its budget.
    starts = [reader.get_destination_page_number(t) for t in tops] + [len(reader.pages)]
    for leaf, start, end in zip(leaflets, starts, starts[1:], strict=False):
        assert 1 <= end - start <= 3
        assert leaf.operator_name in reader.pages[start].extract_text()


def test_contents_page_numbers_match_the_bookmarks(zh_pack: Path) -> None:
    reader = pypdf.PdfReader(zh_pack)
    toc = reader.pages[1].extract_text()
    # The contents page lists every section with the page it starts on; the bookmarks
    # point at the same pages (numbers are 1-based in print).
    printed = [int(n) for n in re.findall(r"(\d+)\s*$", toc, re.M)]
    targets = []
    for item in reader.outline:
        items = item if isinstance(item, list) else [item]
        for sub in items:
            targets.append(reader.get_destination_page_number(sub) + 1)
    # Leaflets and sections interleave the same way in both.
    assert printed == targets, (printed, targets)


def test_pack_is_tagged_labelled_and_reproducible(
    zh_pack: Path, project: Project, tmp_path: Path
) -> None:
    with pikepdf.open(zh_pack) as pdf:
        assert "/StructTreeRoot" in pdf.Root and pdf.Root.MarkInfo.Marked
        assert "/Lang" in pdf.Root
        assert "/PageLabels" in pdf.Root
    reader = pypdf.PdfReader(zh_pack)
    labels = reader.page_labels
    assert labels[0] == "i" and labels[1] == "ii"
    assert any(label.endswith(" 1") for label in labels[2:])
    lang = zh_pack.stem.removeprefix("pack-")
    code, _, err = _pack(project, tmp_path, "--lang", lang)
    assert code == 0, err
    assert (tmp_path / zh_pack.name).read_bytes() == zh_pack.read_bytes()


def test_declared_pack_and_all(project_copy: Project, tmp_path: Path) -> None:
    packs = project_copy.packs_dir
    packs.mkdir()
    lang = project_copy.catalog_languages()[0]
    ops = project_copy.operators()[:2]
    (packs / "agency.yaml").write_text(
        f"title: Agency pack\nlanguages: [{lang}]\noperators: [{', '.join(ops)}]\n", "utf-8"
    )
    (packs / "broken.yaml").write_text("languages: [xx]\n", "utf-8")
    code, _, err = _pack(project_copy, tmp_path, "agency")
    assert code == 0, err
    reader = pypdf.PdfReader(tmp_path / "agency.pdf")
    assert "Agency pack" in reader.pages[0].extract_text()
    assert len([i for i in reader.outline if not isinstance(i, list)]) == 2
    code, _out, err = _pack(project_copy, tmp_path, "--all")
    assert code == 1
    assert re.search(r"broken\.yaml:1: languages\[0\]: no catalog for language 'xx'", err)
    code, _, err = _pack(project_copy, tmp_path, "nope")
    assert code == 2 and "unknown pack 'nope' (choose from: agency, broken)" in err
    code, _, err = _pack(project_copy, tmp_path)
    assert code == 2 and "say which pack" in err


def test_duplex_pack_starts_each_leaflet_on_a_right_hand_page(
    project: Project, tmp_path: Path
) -> None:
    lang = project.catalog_languages()[0]
    code, _out, err = _pack(project, tmp_path, "--lang", lang, "--duplex")
    assert code == 0, err
    reader = pypdf.PdfReader(tmp_path / f"pack-{lang}-duplex.pdf")
    starts = [
        reader.get_destination_page_number(i) for i in reader.outline if not isinstance(i, list)
    ]
    assert all(start % 2 == 0 for start in starts), starts  # page 1, 3, 5...: right-hand
    assert len(reader.pages) % 2 == 0


def _build(project: Project, out: Path, *argv: str) -> tuple[int, str, str]:
    return run_cli(*argv, "--project", str(project.root), "--out", str(out))


def test_a5_duplex_and_imposed_files_beside_the_plain_one(project: Project, tmp_path: Path) -> None:
    lang, op = project.catalog_languages()[0], project.operators()[0]
    code, _, err = _build(project, tmp_path, "--lang", lang, "--operator", op, "--paper", "a5")
    assert code == 0, err
    plain = tmp_path / f"{op}-{lang}-a5.pdf"
    before = plain.read_bytes()
    pages = len(pypdf.PdfReader(plain).pages)
    for mode in ("booklet", "2up"):
        code, _, err = _build(
            project, tmp_path, "--lang", lang, "--operator", op, "--paper", "a5", "--impose", mode
        )
        assert code == 0, err
        imposed = pypdf.PdfReader(tmp_path / f"{op}-{lang}-a5-{mode}.pdf")
        box = imposed.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (842, 595)
        sheets = -(-pages // 4) if mode == "booklet" else -(-pages // 2)
        assert len(imposed.pages) == (2 * sheets if mode == "booklet" else sheets)
        assert plain.read_bytes() == before  # never replaced
    code, _out, err = _build(
        project, tmp_path, "--lang", lang, "--operator", op, "--paper", "a5", "--duplex"
    )
    assert code == 0, err
    padded = pypdf.PdfReader(tmp_path / f"{op}-{lang}-a5-duplex.pdf")
    assert len(padded.pages) == pages + pages % 2
    assert plain.read_bytes() == before


def test_impose_needs_a5(project: Project, tmp_path: Path) -> None:
    code, _, err = _build(project, tmp_path, "--all", "--impose", "booklet")
    assert code == 2 and "use it with --paper a5" in err


def test_print_shop_builds_write_the_pdf_only(project: Project, tmp_path: Path) -> None:
    lang, op = project.catalog_languages()[0], project.operators()[0]
    code, _out, err = _build(project, tmp_path, "--lang", lang, "--operator", op, "--bleed", "3mm")
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.glob(f"{op}-*")) == [f"{op}-{lang}-print.pdf"]
    code, _, err = _build(
        project, tmp_path, "--lang", lang, "--operator", op, "--marks", "--format", "html"
    )
    assert code == 2 and "print-shop PDF" in err


def test_index_lists_every_variant_and_clean_removes_only_ours(
    project: Project, tmp_path: Path
) -> None:
    assert _build(project, tmp_path, "--all", "--format", "html")[0] == 0
    assert _build(project, tmp_path, "--all", "--paper", "a5", "--impose", "booklet")[0] == 0
    lang = project.catalog_languages()[0]
    assert _pack(project, tmp_path, "--lang", lang)[0] == 0
    assert _build(project, tmp_path, "--all", "--format", "html", "--force")[0] == 0
    hrefs = {a["href"] for t, a in parse_html(tmp_path / INDEX_NAME).tags if t == "a"}
    op = project.operators()[0]
    for lang_ in project.released_languages():
        assert {
            f"{op}-{lang_}.html",
            f"{op}-{lang_}-a5.pdf",
            f"{op}-{lang_}-a5-booklet.pdf",
        } <= hrefs
    assert f"pack-{lang}.pdf" in hrefs
    assert not (tmp_path / LOCK_NAME).exists()  # the lock does not stay behind
    (tmp_path / "notes.txt").write_text("mine", "utf-8")
    code, out, err = run_cli("clean", "--out", str(tmp_path))
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert re.match(r"removed \d+ file\(s\) from ", out)


def test_clean_of_a_folder_make_guide_never_wrote(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<html>someone else's</html>", "utf-8")
    (tmp_path / MANIFEST_NAME).write_text("{}", "utf-8")
    code, out, _ = run_cli("clean", "--out", str(tmp_path))
    assert code == 0
    assert (tmp_path / "index.html").is_file()
    assert io.StringIO(out).read().startswith("removed 1 file(s)")  # only the empty manifest
