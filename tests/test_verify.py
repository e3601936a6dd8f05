"""``make-guide facts verify``: each fact looked for on its source, against a local
server with fixture pages; ``--record`` on a copy of the project.

No test reaches the internet: the operator files of a project copy are pointed at a
server on 127.0.0.1 (hence ``--allow-local``, itself tested: without it nothing is
fetched at all).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from catalog_edit import set_yaml_scalar

from generator.content import load_content
from generator.project import Project
from generator.verify import find_value

from helpers import run_cli

# --- matching -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "page", "found"),
    [
        ("8 800 250-08-90", "Звоните 8 (800) 250 08 90 бесплатно", True),
        ("8-800-700-06-11", "горячая линия: 8 800 700-06-11", True),
        ("+7 495 766-01-66", "тел. 8 495 766 01 66", True),
        ("8 495 766-01-66", "Call +7 (495) 766-01-66", True),
        ("8 800 250-08-90", "８ ８００ ２５０-０８-９０", True),  # full-width digits
        ("8 800 250-08-90", "8\u00a0800\u00a0250\u201108\u201190", True),  # no-break
        ("8 800 250-08-90", "8 800 250-08-91", False),
        ("0890", "короткий номер 0890.", True),
        ("0890", "8 800 250-08-90", False),  # a short number inside a longer one
        ("611", "Звоните 611 с телефона t2", True),
        ("611", "Звоните 6110", False),
        ("*100#", "наберите * 100 # и вызов", True),
        ("*102#", "USSD *102#", True),
        ("*100#", "*1100#", False),
        ("*100#", "*100*1#", False),
        ("https://mts.ru", "Сайт: WWW.MTS.RU", True),
        ("https://t2.ru", "see t2.ru/help.", True),
        ("https://mts.ru", "mts.ru.evil.example", False),
        ("https://mts.ru", "smts.ru", False),
        ("Мой МТС (My MTS)", "приложение «Мой   МТС»", True),
        ("Мой МТС (My MTS)", "приложение МТС", False),
        ("МегаФон (MegaFon)", "МЕГАФОН", True),
    ],
)
def test_values_are_compared_normalised(value: str, page: str, found: bool) -> None:
    assert (find_value(value, page) is not None) is found


# --- a local server with fixture pages ----------------------------------------------


def _reformatted(value: str) -> str:
    """The value as a page would write it differently from the operator file."""
    digits = "".join(c for c in value if c.isdigit())
    if re.fullmatch(r"\+?[0-9][0-9 ()\-]*", value):
        if len(digits) == 11:
            first = "+7" if digits[0] == "8" else "8"
            return f"{first}&nbsp;({digits[1:4]}) {digits[4:7]}&#8209;{digits[7:9]} {digits[9:]}"
        return f"<b>{digits}</b>"
    if value.startswith("https://"):
        return "WWW." + value.removeprefix("https://").upper()
    if "*" in value or "#" in value:
        return " ".join(value)
    return value.split(" (")[0].upper()


def _pdf(text: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<p>Справка: {text}</p>").write_pdf()


class Fixtures:
    """What each route serves; ``hits`` counts the requests that reached the server."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        #: Made beforehand: WeasyPrint's first PDF takes longer than the tests' timeout.
        self.pdfs: dict[str, bytes] = {}
        self.hits = 0
        self.agents: set[str] = set()
        self.port = 0

    def page(self, handler: BaseHTTPRequestHandler) -> None:
        self.hits += 1
        self.agents.add(handler.headers.get("User-Agent", ""))
        _, slug, key, scenario = handler.path.split("/")
        value = self.values.get(f"{slug}/{key}", "")
        if scenario == "404":
            return _send(handler, 404, b"not here")
        if scenario == "moved":
            handler.send_response(302)
            handler.send_header("Location", f"http://elsewhere.invalid:{self.port}/x")
            handler.end_headers()
            return None
        if scenario == "slow":
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html")
            handler.end_headers()
            for _ in range(40):
                try:
                    handler.wfile.write(b" ")
                    handler.wfile.flush()
                except OSError:
                    return None
                time.sleep(0.25)
            return None
        if scenario == "huge":
            return _send(handler, 200, b"<p>" + b"a" * 6_000_000 + b"</p>")
        if scenario == "pdf":
            return _send(handler, 200, self.pdfs[f"{slug}/{key}"], "application/pdf")
        if scenario == "found":
            body = f"<main><p>Контакты:<span> {_reformatted(value)} </span></p></main>"
        elif scenario == "decoy":  # only inside a script: not on the page
            body = f"<p>Ничего.</p><script>var v = '{value}';</script>"
        else:
            body = "<p>Другая страница, без этого значения.</p>"
        html = f"<!doctype html><html><head><meta charset=utf-8></head><body>{body}</body></html>"
        return _send(handler, 200, html.encode("utf-8"))


def _send(handler: BaseHTTPRequestHandler, code: int, body: bytes, kind: str = "") -> None:
    handler.send_response(code)
    handler.send_header("Content-Type", kind or "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    with contextlib.suppress(OSError):  # the client stopped reading (the size cap)
        handler.wfile.write(body)


@pytest.fixture
def server() -> Iterator[Fixtures]:
    fixtures = Fixtures()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fixtures.page(self)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    fixtures.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield fixtures
    httpd.shutdown()
    httpd.server_close()


#: What each scenario must come out as (in an order that gives one operator's six
#: value facts every status).
EXPECTED = {
    "found": "confirmed",
    "absent": "not_found",
    "moved": "moved",
    "404": "unreachable",
    "pdf": "confirmed",
    "decoy": "not_found",
    "slow": "unreachable",
    "huge": "unreachable",
}


def _point_at(project: Project, server: Fixtures, slugs: list[str]) -> dict[tuple[str, str], str]:
    """Point the sources of the operators' facts at the server, the value facts one
    scenario after another; the expected status of each fact."""
    content = load_content(project)
    expected = {}
    scenarios = iter(list(EXPECTED) * 10)
    for slug in slugs:
        path = project.root / "content" / "operators" / f"{slug}.yaml"
        for key, fact in content.operators[slug].facts.items():
            if fact.value is not None:
                scenario = next(scenarios)
                server.values[f"{slug}/{key}"] = fact.value
                if scenario == "pdf":
                    server.pdfs[f"{slug}/{key}"] = _pdf(_reformatted(fact.value))
                expected[slug, key] = EXPECTED[scenario]
            else:
                scenario = "found"
                expected[slug, key] = "skipped"  # prose or a rule, even with a URL
            url = f"http://127.0.0.1:{server.port}/{slug}/{key}/{scenario}"
            set_yaml_scalar(path, ("facts", key, "source"), url)
    return expected


def _verify(project: Project, *args: str) -> tuple[int, str, str]:
    return run_cli("facts", "verify", "--project", str(project.root), "--timeout", "1", *args)


def test_each_scenario_gets_its_status(project_copy: Project, server: Fixtures) -> None:
    expected = _point_at(project_copy, server, project_copy.operators())
    assert set(expected.values()) == {*EXPECTED.values(), "skipped"}
    started = time.monotonic()
    code, out, err = _verify(project_copy, "--allow-local", "--json")
    assert code == 0, err
    results = json.loads(out)
    assert [(r["operator"], r["fact"]) for r in results] == list(expected)
    for r in results:
        assert set(r) == {"operator", "fact", "status", "url", "detail"}
        assert r["status"] == expected[r["operator"], r["fact"]], r
        assert r["detail"] and "\n" not in r["detail"]
    details = {
        r["url"].rsplit("/", 1)[1]: r["detail"]
        for r in results
        if f"{r['operator']}/{r['fact']}" in server.values
    }
    assert "timed out" in details["slow"]
    assert "404" in details["404"]
    assert "elsewhere.invalid" in details["moved"]
    assert "«" in details["found"] and "«" in details["pdf"]
    # Each slow page is cut at the timeout (1 s), not served to its end (10 s).
    n_slow = sum(1 for r in results if r["url"] and r["url"].endswith("/slow"))
    assert time.monotonic() - started < 6 + 2 * n_slow
    assert server.agents and all("make-guide" in agent for agent in server.agents)


def test_every_operator_fact_gets_one_status(project_copy: Project, server: Fixtures) -> None:
    """All operators at once, as a readable table with a summary."""
    expected = _point_at(project_copy, server, project_copy.operators())
    code, out, err = _verify(project_copy, "--allow-local")
    assert code == 0, err
    lines = out.splitlines()
    for (slug, key), status in expected.items():
        assert any(line.split()[:3] == [slug, key, status] for line in lines), (slug, key)
    summary = lines[-1]
    for status in set(expected.values()):
        assert f"{status} {list(expected.values()).count(status)}" in summary
    assert summary.endswith(f"({len(expected)} facts)")


def test_fail_on_a_status(project_copy: Project, server: Fixtures) -> None:
    slug = project_copy.operators()[0]
    _point_at(project_copy, server, [slug])
    args = ("--operator", slug, "--allow-local", "-q")
    assert _verify(project_copy, *args, "--fail-on", "not_found")[0] == 1
    code, _, err = _verify(project_copy, *args, "--fail-on", "moved,not_found")
    assert code == 1 and err == "make-guide: error: facts moved, not_found\n"


def test_local_addresses_are_refused_unless_allowed(
    project_copy: Project, server: Fixtures
) -> None:
    slug = project_copy.operators()[0]
    _point_at(project_copy, server, [slug])
    code, out, err = _verify(project_copy, "--operator", slug, "--json")
    assert code == 0, err
    results = json.loads(out)
    fetched = [r for r in results if f"{slug}/{r['fact']}" in server.values]
    assert fetched and all(r["status"] == "unreachable" for r in fetched)
    assert all("127.0.0.1" in r["detail"] and "--allow-local" in r["detail"] for r in fetched)
    assert server.hits == 0  # refused before a single request


@pytest.mark.parametrize(
    "source",
    ["file:///etc/passwd", "ftp://mts.ru/x", "javascript:alert(1)", "mts.ru/page", "see mts.ru"],
)
def test_only_http_sources_are_fetched(project_copy: Project, source: str) -> None:
    slug = project_copy.operators()[0]
    path = project_copy.root / "content" / "operators" / f"{slug}.yaml"
    set_yaml_scalar(path, ("facts", "site", "source"), source)
    code, out, _ = _verify(project_copy, "--operator", slug, "--json")
    (site,) = [r for r in json.loads(out) if r["fact"] == "site"]
    assert code == 0 and site["status"] == "skipped" and site["url"] is None


def test_the_whole_run_is_bounded(project_copy: Project, server: Fixtures) -> None:
    """--max-time: pages not fetched in time are unreachable, and the run ends."""
    slug = project_copy.operators()[0]
    path = project_copy.root / "content" / "operators" / f"{slug}.yaml"
    content = load_content(project_copy)
    values = [k for k, f in content.operators[slug].facts.items() if f.value is not None]
    for key in values:
        server.values[f"{slug}/{key}"] = content.operators[slug].facts[key].value or ""
        url = f"http://127.0.0.1:{server.port}/{slug}/{key}/slow"
        set_yaml_scalar(path, ("facts", key, "source"), url)
    started = time.monotonic()
    code, out, _ = _verify(
        project_copy, "--operator", slug, "--allow-local", "--max-time", "1.5", "--json"
    )
    assert time.monotonic() - started < 4
    results = [r for r in json.loads(out) if r["fact"] in values]
    assert code == 0 and len(results) == len(values)
    assert all(r["status"] == "unreachable" for r in results)
    # The first page is cut at its timeout (1 s), the second at the run's limit (1.5 s);
    # the others are never requested.
    assert server.hits == 2
    print(results[-1]["detail"])


# --- --record -------------------------------------------------------------------------


def test_record_changes_only_the_confirmed_dates(project_copy: Project, server: Fixtures) -> None:
    slug = project_copy.operators()[0]
    expected = {k: v for (_, k), v in _point_at(project_copy, server, [slug]).items()}
    path = project_copy.root / "content" / "operators" / f"{slug}.yaml"
    # A comment the editor wrote must survive the edit.
    before = path.read_text("utf-8").replace("\nfacts:\n", "\nfacts:  # keep this comment\n")
    path.write_text(before, "utf-8")
    original = load_content(project_copy).operators[slug]
    code, _, err = _verify(project_copy, "--operator", slug, "--allow-local", "--record", "-q")
    assert code == 0, err
    after = path.read_text("utf-8")
    today = dt.date.today().isoformat()
    confirmed = [k for k, s in expected.items() if s == "confirmed"]
    assert confirmed
    # The diff: a checked line changed and a verified line added per confirmed fact.
    old, new = before.splitlines(), after.splitlines()
    assert len(new) == len(old) + len(confirmed)
    assert [line for line in old if "checked:" not in line] == [
        line for line in new if "checked:" not in line and "verified:" not in line
    ]
    op = load_content(project_copy).operators[slug]
    for key, fact in op.facts.items():
        if key in confirmed:
            assert fact.checked.isoformat() == today and fact.live
        else:
            assert fact.verified is None and fact.checked == original.facts[key].checked
    assert "# keep this comment" in after
    # Recording twice is no change.
    _verify(project_copy, "--operator", slug, "--allow-local", "--record", "-q")
    assert path.read_text("utf-8") == after
    # The project is still clean, and the leaflet now says what was found live, and when.
    assert run_cli("check", "--project", str(project_copy.root))[0] == 0


def test_record_keeps_the_compiled_month(project_copy: Project, server: Fixtures) -> None:
    """An operator file without ``compiled`` gets one before its dates move."""
    slug = project_copy.operators()[0]
    path = project_copy.root / "content" / "operators" / f"{slug}.yaml"
    text = re.sub(r"\ncompiled: .*\n", "\n", path.read_text("utf-8"))
    path.write_text(text, "utf-8")
    compiled = load_content(project_copy).operators[slug].compiled_on()
    _point_at(project_copy, server, [slug])
    code, _, err = _verify(project_copy, "--operator", slug, "--allow-local", "--record", "-q")
    assert code == 0, err
    op = load_content(project_copy).operators[slug]
    assert op.compiled == compiled
    assert op.verified_on() == dt.date.today()


def test_without_record_nothing_is_written(project_copy: Project, server: Fixtures) -> None:
    slug = project_copy.operators()[0]
    _point_at(project_copy, server, [slug])
    path = project_copy.root / "content" / "operators" / f"{slug}.yaml"
    before = path.read_bytes()
    assert _verify(project_copy, "--operator", slug, "--allow-local", "-q")[0] == 0
    assert path.read_bytes() == before


def test_every_operator_file_can_be_recorded_round_trip(project_copy: Project) -> None:
    """The repository's own operator files, edited round-trip, differ only in the dates."""
    from generator.record import _edited

    content = load_content(project_copy)
    today = dt.date.today() + dt.timedelta(days=1)  # a change even where checked is today
    for slug, op in content.operators.items():
        path = content.sources[slug].path
        text = path.read_text("utf-8")
        keys = [k for k, f in op.facts.items() if f.source.startswith(("http://", "https://"))]
        new = _edited(path, text, op, keys, today)
        assert new is not None
        old_lines = [line for line in text.splitlines() if "checked:" not in line]
        new_lines = [
            line for line in new.splitlines() if "checked:" not in line and "verified:" not in line
        ]
        assert old_lines == new_lines, slug


# --- what a page or a server says is shown as plain text ------------------------------


class _Stub:
    """A fetcher answering from a table: a page's text, or a FetchError."""

    def __init__(self, answers: dict[str, object]) -> None:
        self.answers = answers

    def get(self, url: str, *, deadline: float | None = None) -> object:
        answer = self.answers[url]
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.mark.parametrize(
    "hostile",
    ["\x1b[2J\x1b]0;pwned\x07", "\u202eevil\u202c", "\r\nfake: line", "\u2028next", "\x00"],
)
def test_page_and_server_text_cannot_reach_the_terminal_raw(hostile: str) -> None:
    from generator.facts import FactRow
    from generator.fetch import FetchError, Page
    from generator.verify import verify

    def row(key: str, value: str, url: str) -> FactRow:
        return FactRow(
            operator="op", key=key, kind="value", value=value, confidence="high",
            provenance="official page", year=None, source=url, url=url,
            checked=dt.date(2026, 1, 1), verified=None, age_days=0, marks=(), file="f", line=1,
        )  # fmt: skip

    a, b = "https://a.example/", "https://b.example/"
    stub = _Stub({a: Page(a, a, f"app Мой {hostile}x"), b: FetchError("moved", f"to {hostile}")})
    rows = [
        row("app", "Мой", "https://a.example/"),
        row("site", "https://b.example", "https://b.example/"),
    ]
    verdicts = list(verify(rows, stub))  # type: ignore[arg-type]
    assert [v.status for v in verdicts] == ["confirmed", "moved"]
    for verdict in verdicts:
        assert all(c.isprintable() for c in verdict.detail), repr(verdict.detail)
