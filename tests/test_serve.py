"""make-guide serve: a live preview that rebuilds the leaflets a saved file affects and
makes open pages reload themselves; errors show over the page; only the preview's own
files are served; the reload script never reaches a normal build.

Every server here listens on a free port and builds a throw-away copy of the guide
project; every wait has a time limit, so a bug fails a test instead of hanging the
suite. Catalog slots are found by kind (a section heading), never by their wording.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pypdf
import pytest
from catalog_edit import catalog, headings, set_msgstr

from generator.api import Session
from generator.build import Target, select
from generator.livereload import EVENTS_PATH, FRAME_ID, OVERLAY_ID, PREVIEW_PREFIX
from generator.project import Project
from generator.serve import Report, Server
from generator.watch import affected, watched_folders
from generator.webserver import is_loopback

from helpers import run_cli, squash

#: The longest any one wait may take (a first build, a rebuild, an event).
TIMEOUT = 60.0
PROJECT = Project.default()
LANGS, OPERATORS = PROJECT.languages(), PROJECT.operators()
#: A language whose catalog is edited (one with translated headings), and one that
#: must be left alone.
EDITED = next(lang for lang in PROJECT.catalog_languages() if headings(catalog(PROJECT, lang)))
OTHER = next(lang for lang in LANGS if lang != EDITED)
OPERATOR = OPERATORS[0]


# -- helpers ----------------------------------------------------------------------


@pytest.fixture
def serve(project_copy: Project) -> Iterator[Callable[..., Server]]:
    """Start a preview of ``project_copy`` on a free port (stopped after the test)."""
    servers: list[Server] = []

    def start(langs=(EDITED, OTHER), operators=(OPERATOR,), **options) -> Server:
        server = Server(project_copy, list(langs), list(operators), port=0, **options)
        servers.append(server)
        server.start()
        assert server.wait_built(TIMEOUT), "the first build did not finish"
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One preview for the tests that only read from it."""
    root = tmp_path_factory.mktemp("served")
    for name in ("content", "templates", "locales"):
        shutil.copytree(PROJECT.root / name, root / name)
    server = Server(Project(root), [EDITED, OTHER], [OPERATOR], port=0)
    server.start()
    try:
        assert server.wait_built(TIMEOUT), "the first build did not finish"
        yield server
    finally:
        server.stop()


def get(server: Server, path: str, host: str | None = None) -> http.client.HTTPResponse:
    """GET ``path`` exactly as given (http.client does not normalise ``..`` or ``//``)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    conn.putrequest("GET", path, skip_host=host is not None)
    if host is not None:
        conn.putheader("Host", host)
    conn.endheaders()
    response = conn.getresponse()
    response.read()
    return response


def body(server: Server, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    conn.request("GET", path)
    response = conn.getresponse()
    assert response.status == 200, (path, response.status)
    return response.read()


class Events:
    """The server's event stream, read line by line (the socket has a time limit)."""

    def __init__(self, server: Server) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
        self.conn.request("GET", EVENTS_PATH)
        self.response = self.conn.getresponse()
        assert self.response.getheader("Content-Type") == "text/event-stream"

    def next(self, deadline: float | None = None) -> dict:
        """The next event's state (keep-alive comments are skipped, not waited out)."""
        deadline = deadline or time.monotonic() + TIMEOUT
        data = []
        while time.monotonic() < deadline:
            line = self.response.fp.readline().decode("utf-8")
            assert line, "the event stream ended"
            if line.startswith("data: "):
                data.append(line[len("data: ") :].rstrip("\n"))
            elif line == "\n" and data:
                return json.loads("".join(data))
        raise AssertionError("no event in time")

    def wait(self, test: Callable[[dict], bool]) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while not test(state := self.next(deadline)):
            pass
        return state

    def close(self) -> None:
        self.conn.close()


class _Overlay(HTMLParser):
    """The error overlay of a served page: whether it is hidden, and its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = self.hidden = self._inside = False
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if dict(attrs).get("id") == OVERLAY_ID:
            self.found, self._inside = True, True
            self.hidden = "hidden" in dict(attrs)

    def handle_endtag(self, tag: str) -> None:
        self._inside = False

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.text += data


def overlay(page: bytes) -> _Overlay:
    parser = _Overlay()
    parser.feed(page.decode("utf-8"))
    assert parser.found, "served page without the error overlay"
    return parser


def visible_text(page: bytes) -> str:
    """The page's text without its scripts and styles (markup removed)."""
    text = re.sub(rb"<(script|style)\b.*?</\1>", b"", page, flags=re.S)
    return re.sub(r"<[^>]+>", "", text.decode("utf-8"))


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def names(server: Server, lang: str = EDITED, operator: str = OPERATOR) -> dict[str, str]:
    return server.files[Target(lang, operator)]


def marker(n: int = 0) -> str:
    """New text for a heading: ASCII (every font draws it), found nowhere else."""
    return f"Zqxserve{4711 + n}"


def edit_heading(project: Project, text: str, lang: str = EDITED) -> None:
    """Set the first section heading of ``lang``'s catalog (printed in every leaflet)."""
    set_msgstr(project.po_file(lang), headings(catalog(project, lang))[0], text)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- rebuilding and reloading -------------------------------------------------------


def test_a_saved_catalog_rebuilds_only_its_language(serve, project_copy: Project) -> None:
    server = serve()
    html, pdf = names(server)["html"], names(server)["pdf"]
    events = Events(server)
    try:
        before = events.next()  # the state when connecting
        assert before["errors"] == [] and set(before["versions"]) == server.names
        edit_heading(project_copy, marker())
        # First the HTML's event, then the PDF's.
        state = events.wait(lambda s: s["versions"][html] > before["versions"][html])
        assert state["versions"][pdf] == before["versions"][pdf], "the HTML comes first"
        after = events.wait(lambda s: s["versions"][pdf] > before["versions"][pdf])
    finally:
        events.close()
    assert marker().lower() in squash(visible_text(body(server, "/" + html))).lower()
    assert marker().lower() in squash(pdf_text(body(server, "/" + pdf))).lower()
    changed = {n for n, v in after["versions"].items() if v != before["versions"][n]}
    assert changed == {html, pdf}, "another language's leaflet was rebuilt"


def test_a_request_waits_for_the_rebuild_of_its_file(serve, project_copy: Project) -> None:
    """Asked for right after the HTML's event, the PDF is the new one, not the last."""
    server = serve(langs=[EDITED])
    html, pdf = names(server)["html"], names(server)["pdf"]
    events = Events(server)
    try:
        before = events.next()
        edit_heading(project_copy, marker(1))
        events.wait(lambda s: s["versions"][html] > before["versions"][html])
        data = body(server, "/" + pdf)
    finally:
        events.close()
    assert marker(1).lower() in squash(pdf_text(data)).lower()


def _break_catalog(project: Project) -> str:
    edit_heading(project, "Broken %(bogus)s")  # a placeholder its msgid does not have
    return str(project.po_file(EDITED))


def _break_guide_yaml(project: Project) -> str:
    with project.guide_file.open("a", encoding="utf-8") as fh:
        fh.write("\n  - : ][\n")  # invalid YAML: every leaflet is affected
    return str(project.guide_file)


def _break_operator_file(project: Project) -> str:
    with project.operator_file(OPERATOR).open("a", encoding="utf-8") as fh:
        fh.write('\n"<img src=x onerror=alert(1)>": x\n')  # markup in the error line
    return str(project.operator_file(OPERATOR))


@pytest.mark.parametrize(
    "breaks", [_break_catalog, _break_guide_yaml, _break_operator_file], ids=lambda f: f.__name__
)
def test_a_broken_save_shows_its_error_until_fixed(
    serve, project_copy: Project, breaks: Callable[[Project], str]
) -> None:
    server = serve()
    html = names(server)["html"]
    on_disk = (server.out_dir / html).read_bytes()
    saved = {p: p.read_bytes() for p in (project_copy.po_file(EDITED), project_copy.guide_file)}
    saved[project_copy.operator_file(OPERATOR)] = project_copy.operator_file(OPERATOR).read_bytes()
    events = Events(server)
    try:
        assert events.next()["errors"] == []
        where = breaks(project_copy)
        state = events.wait(lambda s: s["errors"] != [])
        # One line naming the file and the line, however many leaflets it broke.
        assert len(state["errors"]) == 1
        error = state["errors"][0]
        assert re.match(re.escape(where) + r":\d+: ", error), error
        page = body(server, "/" + html)
        shown = overlay(page)
        assert not shown.hidden and shown.text == error
        assert b"<img src=x" not in page, "the error's text became markup"
        assert (server.out_dir / html).read_bytes() == on_disk, "the last good file is kept"
        for path, data in saved.items():
            path.write_bytes(data)
        events.wait(lambda s: s["errors"] == [])
    finally:
        events.close()
    shown = overlay(body(server, "/" + html))
    assert shown.hidden and shown.text == ""


@pytest.mark.skipif(len(OPERATORS) < 2, reason="needs two operators")
def test_leaflets_that_failed_are_built_again_when_the_fix_is_elsewhere(
    serve, project_copy: Project
) -> None:
    """While an operator file is broken, a catalog save fails another operator's
    leaflet too (the content is one); fixing the operator file, which is not that
    leaflet's, builds it again."""
    server = serve(langs=[EDITED], operators=OPERATORS[:2])
    other = names(server, EDITED, OPERATORS[1])["html"]
    path = project_copy.operator_file(OPERATOR)
    saved = path.read_bytes()
    events = Events(server)
    try:
        events.next()
        _break_operator_file(project_copy)
        broken = events.wait(lambda s: s["errors"] != [])
        edit_heading(project_copy, marker(4))  # a good save, but no leaflet builds
        failed = events.wait(lambda s: s["epoch"] > broken["epoch"])
        assert failed["errors"] == broken["errors"]
        path.write_bytes(saved)
        after = events.wait(lambda s: s["errors"] == [])
    finally:
        events.close()
    assert after["versions"][other] > failed["versions"][other]
    assert marker(4) in squash(visible_text(body(server, "/" + other)))


@pytest.mark.skipif(len(OPERATORS) < 2, reason="needs two operators")
def test_a_newer_save_does_not_wait_for_the_pdfs_of_the_last(
    serve, project_copy: Project, monkeypatch
) -> None:
    """Saved again while the PDFs of a save are being made, the new HTML comes after
    the PDF in progress, not after all of them; the rest follow in the new round."""
    gate, marked = threading.Event(), threading.Event()
    gate.set()  # the first build goes on
    render, mark = Session.render, Server._mark

    def held_render(self, *args, formats, **options):
        if formats == ("pdf",):
            assert gate.wait(TIMEOUT)  # the test lets the PDF go
        return render(self, *args, formats=formats, **options)

    def noted_mark(self, paths):
        mark(self, paths)
        marked.set()

    monkeypatch.setattr(Session, "render", held_render)
    monkeypatch.setattr(Server, "_mark", noted_mark)
    server = serve(langs=[EDITED], operators=OPERATORS[:2])
    first, second = (server.files[t] for t in server.targets)
    gate.clear()
    events = Events(server)
    try:
        before = events.next()
        edit_heading(project_copy, marker(5))
        html = lambda s, n=first["html"]: s["versions"][n]  # noqa: E731
        one = events.wait(lambda s: html(s) > before["versions"][first["html"]])
        marked.clear()
        edit_heading(project_copy, marker(6))  # while the first PDF is held
        assert marked.wait(TIMEOUT)
        gate.set()
        two = events.wait(lambda s: html(s) > one["versions"][first["html"]])
        assert two["versions"][second["pdf"]] == before["versions"][second["pdf"]]
    finally:
        gate.set()
        events.close()
    assert marker(6) in squash(pdf_text(body(server, "/" + second["pdf"])))


def test_errors_are_reported_once_and_builds_with_their_times(serve, project_copy) -> None:
    reports: list[Report] = []
    server = serve(on_report=reports.append)
    assert {r.target for r in reports} == set(server.targets)
    assert all(r.first and r.error is None and r.pdf_seconds > 0 for r in reports)
    reports.clear()
    events = Events(server)
    try:
        events.next()
        _break_guide_yaml(project_copy)
        events.wait(lambda s: s["errors"] != [])
    finally:
        events.close()
    assert [r.error is not None for r in reports] == [True], "one line for one mistake"


# -- what is served -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "//etc/passwd",
        "/%2Fetc%2Fpasswd",
        "/etc/passwd",
        "http://127.0.0.1/etc/passwd",
        "/.make-guide-manifest.json",
        "/secret.html",
        PREVIEW_PREFIX + "..%2f..%2fsecret.pdf",
        PREVIEW_PREFIX + "nothing.pdf",
        "/%00",
    ],
)
def test_nothing_outside_the_preview_is_served(served: Server, path: str) -> None:
    assert get(served, path).status in (403, 404)


def test_only_the_leaflets_files_are_served(serve, tmp_path: Path) -> None:
    server = serve(langs=[EDITED])
    secret = tmp_path / "secret.html"
    secret.write_text("<p>top secret</p>", "utf-8")
    # Another file put in the folder is not served, even a regular one.
    (server.out_dir / "notes.html").write_bytes(secret.read_bytes())
    assert get(server, "/notes.html").status == 404
    # A leaflet's name that is a link leading out is not followed.
    html = server.out_dir / names(server)["html"]
    html.unlink()
    html.symlink_to(secret)
    assert get(server, "/" + html.name).status == 404
    # The same text, as the leaflet's regular file, is served.
    html.unlink()
    html.write_bytes(secret.read_bytes())
    assert b"top secret" in body(server, "/" + html.name)


@pytest.mark.parametrize(
    ("host", "status"),
    [(None, 200), ("localhost", 200), ("127.0.0.1:8000", 200), ("evil.example", 403)],
)
def test_other_host_names_are_refused_on_loopback(
    served: Server, host: str | None, status: int
) -> None:
    assert get(served, "/", host=host).status == status


def test_the_script_is_added_only_when_serving(served: Server) -> None:
    server = served
    html, pdf = names(server)["html"], names(server)["pdf"]
    on_disk = (server.out_dir / html).read_bytes()
    assert b"<script" not in on_disk and EVENTS_PATH.encode() not in on_disk
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    conn.request("GET", "/" + html)
    response = conn.getresponse()
    served = response.read()
    assert EVENTS_PATH.encode() in served and served.startswith(on_disk[:100])
    # Only that script may run: its nonce is the policy's.
    nonce = re.search(rb'<script nonce="([^"]+)">', served).group(1).decode()
    assert f"script-src 'nonce-{nonce}'" in response.getheader("Content-Security-Policy")
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert body(server, "/" + pdf) == (server.out_dir / pdf).read_bytes()


def test_the_index_lists_every_leaflet_with_its_preview(served: Server) -> None:
    server = served
    index = body(server, "/").decode("utf-8")
    assert EVENTS_PATH in index
    for files in server.files.values():
        for link in (files["html"], files["pdf"], PREVIEW_PREFIX[1:] + files["pdf"]):
            assert f'href="{link}"' in index, link
        preview = body(server, PREVIEW_PREFIX + files["pdf"]).decode("utf-8")
        assert re.search(rf'id="{FRAME_ID}"[^>]* src="/{re.escape(files["pdf"])}\?v=\d+"', preview)


def test_a_normal_build_has_no_reload_script(project_copy: Project, tmp_path: Path) -> None:
    out = tmp_path / "site"
    code, _, err = run_cli(
        "--all", "--format", "html", "--out", str(out), "--project", str(project_copy.root)
    )
    assert code == 0, err
    pages = sorted(out.glob("*.html"))
    assert len(pages) == len(LANGS) * len(OPERATORS) + 1  # and the index
    for page in pages:
        text = page.read_text("utf-8")
        assert "<script" not in text and EVENTS_PATH not in text, page.name


def test_stop_removes_the_folder_and_stops_answering(project_copy: Project) -> None:
    server = Server(project_copy, [EDITED], [OPERATOR], port=0)
    server.start()
    assert server.wait_built(TIMEOUT)
    folder = server.out_dir
    assert (folder / names(server)["pdf"]).is_file()
    server.stop()
    assert not folder.exists()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=5).close()


# -- what a saved file affects ------------------------------------------------------

TARGETS = select(PROJECT, None, None)


def test_an_operator_file_affects_its_leaflets(operator: str) -> None:
    expected = [t for t in TARGETS if t.operator == operator]
    assert affected(PROJECT, PROJECT.operator_file(operator), TARGETS) == expected


def test_a_catalog_affects_its_language(lang: str) -> None:
    expected = [t for t in TARGETS if t.lang == lang]
    for path in (PROJECT.po_file(lang), PROJECT.po_file(lang).parent):
        assert affected(PROJECT, path, TARGETS) == expected


@pytest.mark.parametrize(
    ("path", "every"),
    [
        (PROJECT.guide_file, True),
        *[(folder / "style.css", True) for folder in PROJECT.template_dirs],
        *[(folder / "partials" / "x.html", True) for folder in PROJECT.template_dirs],
        *[(folder / "assets" / "logo.svg", True) for folder in PROJECT.template_dirs],
        (PROJECT.pot_file, False),
        (PROJECT.packs_dir / "tour.yaml", False),
        (PROJECT.content_dir / "notes.yaml", False),
        (PROJECT.operators_dir / "notes.txt", False),
        (PROJECT.root / "README.md", False),
    ],
    ids=lambda v: str(v.relative_to(PROJECT.root)) if isinstance(v, Path) else str(v),
)
def test_what_else_a_saved_file_affects(path: Path, every: bool) -> None:
    assert affected(PROJECT, path, TARGETS) == (TARGETS if every else [])


def test_the_watched_folders() -> None:
    assert set(watched_folders(PROJECT)) == {
        PROJECT.content_dir,
        PROJECT.locales_dir,
        *PROJECT.template_dirs,
    }


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.org", False),
    ],
)
def test_which_hosts_are_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_host_other_than_loopback_is_warned_about(project_copy: Project, caplog) -> None:
    server = Server(project_copy, [EDITED], [OPERATOR], host="0.0.0.0", port=0)
    try:
        server.start()
    finally:
        server.stop()
    assert any(r.levelname == "WARNING" and "0.0.0.0" in r.getMessage() for r in caplog.records)


# -- the command line ---------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["--port", "0"],
        ["--port", "65536"],
        ["--port", "http"],
        ["--lang", "xx"],
        ["--operator", "nobody"],
        ["--paper", "a3"],
    ],
)
def test_serve_usage_errors(argv: list[str]) -> None:
    code, out, err = run_cli("serve", *argv)
    assert code == 2 and out == ""
    assert err.startswith("make-guide: error: ") and err.count("\n") == 1, err


def test_a_port_in_use_is_one_line(serve, project_copy: Project) -> None:
    server = serve(langs=[EDITED])
    code, _, err = run_cli(
        "serve", "--project", str(project_copy.root), "--port", str(server.port), "-q"
    )
    assert code == 1 and err.startswith("make-guide: error: ") and err.count("\n") == 1, err
    assert "cannot listen" in err


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_serve_command_until_stopped(project_copy: Project, tmp_path: Path, stop) -> None:
    """The URL first, a line per build, errors as one line, and Ctrl-C (or a SIGTERM)
    ends it with exit code 0 and its temporary folder removed."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    port = free_port()
    argv = ["serve", "--project", str(project_copy.root), "--lang", EDITED, "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator.cli", *argv, "--operator", OPERATOR],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(temp)},
    )
    try:
        first = proc.stdout.readline()
        assert first == f"serving http://127.0.0.1:{port}/ (Ctrl-C to stop)\n", first
        assert re.fullmatch(
            rf"built {OPERATOR}-{EDITED} \(html \d+\.\d\d s, pdf \d+\.\d\d s\)\n",
            proc.stdout.readline(),
        )
        assert len(list(temp.iterdir())) == 1
        where = _break_catalog(project_copy)
        line = proc.stderr.readline()
        assert line.startswith(f"make-guide: error: {where}:"), line
    finally:
        proc.send_signal(stop)
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        finally:
            proc.kill()
    assert proc.returncode == 0, err
    assert out == "stopped\n" and "Traceback" not in err
    assert list(temp.iterdir()) == []


# -- in a browser -------------------------------------------------------------------


def until(page, expression: str) -> object:
    """Poll ``expression`` in ``page`` until it is truthy (through reloads). Not
    Playwright's wait_for_function: the page's Content-Security-Policy forbids eval."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        try:
            value = page.evaluate(expression)
        except Error:  # the page is reloading
            value = None
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"never true: {expression}")


def test_an_open_page_reloads_itself_and_shows_errors(
    browser, serve, project_copy: Project
) -> None:
    server = serve(langs=[EDITED])
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(server.url + names(server)["html"])
        page.evaluate("window.__marker = 1")
        # A broken save: the page stays (its file is not rebuilt) and shows the error.
        where = _break_catalog(project_copy)
        page.wait_for_selector(f"#{OVERLAY_ID}:not([hidden])", timeout=TIMEOUT * 1000)
        assert page.text_content(f"#{OVERLAY_ID}").startswith(where + ":")
        assert page.evaluate("window.__marker") == 1
        # A good save: the page reloads itself, with the new text and no overlay.
        with page.expect_event("load", timeout=TIMEOUT * 1000):
            edit_heading(project_copy, marker(2))
        page.wait_for_load_state()
        assert page.evaluate("window.__marker") is None
        assert marker(2) in squash(page.inner_text("body"))
        assert page.is_hidden(f"#{OVERLAY_ID}")
        assert problems == []
    finally:
        page.close()


def test_the_pdf_preview_follows_rebuilds(browser, serve, project_copy: Project) -> None:
    server = serve(langs=[EDITED])
    pdf = names(server)["pdf"]
    page = browser.new_page()
    try:
        page.goto(server.url + PREVIEW_PREFIX[1:] + pdf)
        page.evaluate("window.__marker = 1")
        src = page.get_attribute(f"#{FRAME_ID}", "src")
        edit_heading(project_copy, marker(3))
        until(page, f"document.getElementById('{FRAME_ID}').getAttribute('src') !== '{src}'")
        assert page.evaluate("window.__marker") == 1, "only the PDF reloads, not the page"
        new = page.get_attribute(f"#{FRAME_ID}", "src")
        assert urlsplit(new).path == "/" + pdf and new != src
    finally:
        page.close()


def test_served_pages_pass_axe(browser, serve, project_copy: Project) -> None:
    """The preview's index, a PDF preview page and a leaflet with the error overlay
    shown have no axe-core violations (the overlay is white on dark red)."""
    from test_browser import AXE_RUN, _tool

    default = Path(sys.prefix) / "node" / "node_modules" / "axe-core" / "axe.min.js"
    axe = Path(_tool("MAKE_GUIDE_AXE", default)).read_text("utf-8")
    server = serve(langs=[EDITED])
    _break_catalog(project_copy)
    # axe is added as an inline script, which the pages' policy would refuse.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        for path in ("", PREVIEW_PREFIX[1:] + names(server)["pdf"], names(server)["html"]):
            page.goto(server.url + path)
            page.wait_for_selector(f"#{OVERLAY_ID}:not([hidden])", timeout=TIMEOUT * 1000)
            page.add_script_tag(content=axe)
            assert page.evaluate(AXE_RUN) == [], path or "index"
            # axe leaves the overlay's contrast undecided when it lies over text.
            colors = page.evaluate(
                f"""() => {{ const s = getComputedStyle(document.getElementById('{OVERLAY_ID}'));
                return [s.color, s.backgroundColor]; }}"""
            )
            assert contrast(*colors) >= 7, colors
    finally:
        context.close()


def contrast(one: str, two: str) -> float:
    """The WCAG contrast ratio of two CSS ``rgb(r, g, b)`` colours."""

    def luminance(color: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", color)[:3]]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(one), luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
