"""``make-guide facts verify`` under attack: a careless or hostile content editor, a hostile
web server. Each test is one way of breaking a promise of "Keeping facts true" (README):
no false "confirmed", no connection to a refused address, bounded time, ``--record``
changing only dates. No test reaches the internet.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator import fetch
from generator.content import parse_model
from generator.fetch import Fetcher, FetchError, Limits, _text, refusal
from generator.project import Project
from generator.record import _edited, record
from generator.schema import Operator
from generator.verify import Verdict, find_value
from generator.yamlsource import load_yaml

# --- matching: a value is found only as a reader would see it --------------------------


@pytest.mark.parametrize(
    ("value", "page"),
    [
        # A long number inside a longer one: a typo that drops a digit, an INN, a price list.
        ("8 800 250-08-9", "Звоните 8 800 250-08-90"),
        ("495 766-01-66", "тел. 1495 766-01-66"),
        ("+7 495 766-01-66", "+7 495 766-01-667"),
        ("8 800 250-08-90", "ИНН 7800250089012"),
        ("8 800 250-08-90", "Тарифы: 18 800 250 08 90 руб"),
        ("8 800 250-08-90", "Цены 2018 800 250 08 90 21"),
        # A short number written as something else: a date, a decimal, a model name.
        ("0611", "Акция до 06.11"),
        ("611", "курс 6.11"),
        ("611", "6 11"),
        ("100", "1 00"),
        ("611", "модель A611"),
        # A name or a short number inside a longer word or number.
        ("12", "в 2012 году"),
        ("МТС", "МТСБанк"),
        ("Tele2", "Tele22"),
        # A site with a path is more than its host.
        ("https://mts.ru/roaming", "Сайт: mts.ru"),
    ],
)
def test_no_false_match(value: str, page: str) -> None:
    assert find_value(value, page) is None


@pytest.mark.parametrize(
    ("value", "page"),
    [
        ("8 800 250-08-90", "8 800 250-08-90 (24/7)"),
        ("8 800 250-08-90", "88002500890"),
        ("8 800 250-08-90", "+7 800 2500890"),
        ("800 250-08-90", "8 800 250-08-90"),  # without the trunk prefix
        ("766-01-66", "+7 495 766-01-66"),  # a local number
        ("611", "Звоните 611 (бесплатно)"),
        ("+611", "+611"),
        ("0611", "«0611»"),
        ("Мой МТС (My MTS)", "«Мой МТС»"),
        ("Tele2", "Tele2, Tele2!"),
        ("https://mts.ru/roaming", "mts.ru/roaming/"),
        ("https://mts.ru/", "www.mts.ru"),
    ],
)
def test_still_found(value: str, page: str) -> None:
    assert find_value(value, page) is not None


@pytest.mark.parametrize(
    ("page", "found"),
    [
        ("Звоните 8 800 250-08-90", False),
        ("Звоните 8 800 250 08 90", False),
        ("Звоните 8 800 250-08.90", False),
        ("Звоните 8 800 250-08 (24/7)", True),
        ("Звоните 8 800 250-08 или 8 800 333-08-90", True),
        ("Звоните 8 800 250-08 8 800 333-08-90", True),
        ("Звоните 8 800 250-08.", True),
    ],
)
def test_a_number_cut_at_a_group_is_not_found(page: str, found: bool) -> None:
    """The value "8 800 250-08" is found only where the number ends there."""
    assert (find_value("8 800 250-08", page) is not None) is found


# --- the page's visible text ------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<div hidden>VALUE</div>",
        '<div hidden="">VALUE</div>',
        '<p style="display: none">VALUE</p>',
        '<p style="COLOR:red;Display:None">VALUE</p>',
        '<span style="visibility:hidden">VALUE</span>',
        "<iframe>VALUE</iframe>",
        "<noembed>VALUE</noembed>",
        "<noframes>VALUE</noframes>",
        "<dialog>VALUE</dialog>",
        "<div hidden><p>in <b>VALUE</b></p></div>",
    ],
)
def test_hidden_markup_is_not_visible_text(html: str) -> None:
    text = _text(f"<p>page</p>{html}<p>end</p>".encode(), "text/html")
    assert "VALUE" not in text and "page" in text and "end" in text


@pytest.mark.parametrize(
    "html",
    [
        '<div hidden="until-found">VALUE</div>',  # a find in the page reveals it
        "<dialog open>VALUE</dialog>",
        '<div aria-hidden="true">VALUE</div>',  # seen, just not read out
        '<p style="display:block">VALUE</p>',
    ],
)
def test_shown_markup_is_visible_text(html: str) -> None:
    assert "VALUE" in _text(html.encode(), "text/html")


@pytest.mark.parametrize(
    ("body", "content_type", "shown"),
    [
        (b"+ADgAOAA4-", "text/plain; charset=utf-7", "+ADgAOAA4-"),  # no browser reads utf-7
        (b"\\u0038\\u0038", "text/plain; charset=unicode_escape", "\\u0038\\u0038"),
        (b"xn--80ak6aa92e.com", "text/plain; charset=idna", "xn--80ak6aa92e.com"),
        ("тест".encode("koi8-r"), "text/plain; charset=KOI8-R", "тест"),
        ("тест".encode("cp1251"), "text/plain; charset=windows-1251", "тест"),
        ("тест".encode(), "text/plain", "тест"),
    ],
)
def test_plain_text_is_decoded_as_a_browser_would(
    body: bytes, content_type: str, shown: str
) -> None:
    assert _text(body, content_type) == shown


def _pdf(content: bytes) -> bytes:
    """A one-page PDF with this content stream (Helvetica as /F1)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    return out + b"startxref\n%d\n%%%%EOF\n" % xref


@pytest.mark.parametrize(
    "hidden",
    [
        b"BT /F1 12 Tf 3 Tr 72 650 Td (VALUE) Tj ET",  # text render mode 3: invisible
        b"BT /F1 12 Tf 9000 9000 Td (VALUE) Tj ET",  # outside the page
    ],
    ids=["render-mode-3", "off-page"],
)
def test_invisible_pdf_text_is_not_on_the_page(hidden: bytes) -> None:
    text = _text(_pdf(b"BT /F1 12 Tf 72 700 Td (Shown) Tj ET " + hidden), "application/pdf")
    assert "Shown" in text and "VALUE" not in text


# --- addresses and connections ------------------------------------------------------------


def test_site_local_ipv6_is_refused() -> None:
    assert refusal("fec0::1") is not None


@pytest.fixture
def listener() -> Iterator[tuple[int, list[socket.socket]]]:
    """An "internal service" on 127.0.0.1 that counts the connections it gets."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []

    def accept() -> None:
        with contextlib.suppress(OSError):  # ends when the socket is closed
            while True:
                accepted.append(server.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1], accepted
    server.close()
    for sock in accepted:
        sock.close()


def test_a_name_for_a_local_address_gets_no_connection(
    listener: tuple[int, list[socket.socket]],
) -> None:
    """Refused before any packet: no connection to the internal service, and an open
    port reads exactly as a closed one (no port scan through the CI log)."""
    port, accepted = listener
    details = []
    for url in (f"http://localhost:{port}/", "http://localhost:1/"):
        with pytest.raises(FetchError) as caught:
            Fetcher(Limits(timeout=2)).get(url)
        details.append(caught.value.detail)
    time.sleep(0.1)
    assert accepted == []
    assert details[0] == details[1]
    assert "refused: 127.0.0.1 is a loopback address" in details[0]


@pytest.fixture
def blackhole() -> Iterator[int]:
    """A port whose connection attempts hang: a listener with a full backlog."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(3):
        sock = socket.socket()
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            sock.connect(("127.0.0.1", port))
        fillers.append(sock)
    time.sleep(0.1)
    yield port
    for sock in fillers:
        sock.close()
    server.close()


@pytest.mark.parametrize("deadline", [False, True])
def test_a_name_with_many_dead_addresses_keeps_the_time_limit(
    blackhole: int, monkeypatch: pytest.MonkeyPatch, deadline: bool
) -> None:
    """urllib3 gives each address of a name its own full timeout: eight dead addresses
    made a 0.5 s page take 4 s (and the run's --max-time likewise)."""
    address = (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", blackhole))
    monkeypatch.setattr(fetch.socket, "getaddrinfo", lambda *args, **kw: [address] * 8)
    limits = Limits(timeout=100 if deadline else 0.5, allow_local=True)
    start = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        Fetcher(limits).get(
            f"http://many.example:{blackhole}/",
            deadline=time.monotonic() + 0.5 if deadline else None,
        )
    assert time.monotonic() - start < 1.5


def test_a_slow_name_lookup_keeps_the_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(*args: object, **kw: object) -> list[object]:
        time.sleep(3)
        raise socket.gaierror(socket.EAI_NONAME, "not known")

    monkeypatch.setattr(fetch.socket, "getaddrinfo", slow)
    start = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        Fetcher(Limits(timeout=0.5)).get("http://slow-dns.example/")
    assert time.monotonic() - start < 1.5


# --- --record: only the dates change --------------------------------------------------

_FILE = """\
names:
  latin: MTS
  local: МТС
domains: [mts.ru]
compiled: 2026-01-01
facts:
  site:
    value: https://mts.ru
    source: https://mts.ru/x
    checked: 2026-01-01
    confidence: high
"""
_FOUR = """\
names:
    latin: MTS
    local: МТС
domains: [mts.ru]
compiled: 2026-01-01
facts:
    site:
        value: https://mts.ru
        source: https://mts.ru/x
        checked: 2026-01-01
        confidence: high
        note: |
            two
            lines
    unused:
        rule:
        - {sentence: fee_after_some_tariffs, num: "90", amount: "5"}
        source: x
        checked: 2026-01-01
        confidence: medium
"""
TODAY = dt.date(2026, 11, 27)


def _changed_lines(old: str, new: str) -> list[str]:
    diff = difflib.unified_diff(old.splitlines(True), new.splitlines(True), n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


@pytest.mark.parametrize(
    "text",
    [
        _FILE.replace("\n", "\r\n"),  # written on Windows
        "\ufeff" + _FILE,  # with a byte-order mark
        _FOUR,  # indented by four, sequences not indented
    ],
    ids=["crlf", "bom", "four-spaces"],
)
def test_record_changes_only_the_date_lines(tmp_path: Path, text: str) -> None:
    path = tmp_path / "mts.yaml"
    path.write_bytes(text.encode())
    operator = parse_model(Operator, load_yaml(path, text), slug="mts")
    assert isinstance(operator, Operator)
    new = _edited(path, text, operator, ["site"], TODAY)
    assert new is not None
    eol = "\r\n" if "\r\n" in text else "\n"
    line = next(line for line in text.splitlines() if "checked:" in line)
    indent = line[: len(line) - len(line.lstrip())]
    assert sorted(_changed_lines(text, new)) == sorted(
        [
            f"-{line}{eol}",
            f"+{indent}checked: 2026-11-27{eol}",
            f"+{indent}verified: 2026-11-27{eol}",
        ]
    )


def test_record_keeps_a_document_end_marker(tmp_path: Path) -> None:
    text = _FILE + "...\n"
    path = tmp_path / "mts.yaml"
    operator = parse_model(Operator, load_yaml(path, text), slug="mts")
    assert isinstance(operator, Operator)
    new = _edited(path, text, operator, ["site"], TODAY)
    assert new is not None and new.endswith("...\n")


def test_record_writes_through_a_link_inside_the_project(project_copy: Project) -> None:
    """An operator file that is a link (allowed inside the project) is edited where it
    leads; replacing the link by a file left the real one unchanged."""
    from generator.content import load_content

    operators = project_copy.root / "content" / "operators"
    real = project_copy.root / "shared" / "mts.yaml"
    real.parent.mkdir()
    shutil.move(operators / "mts.yaml", real)
    os.symlink(os.path.relpath(real, operators), operators / "mts.yaml")
    content = load_content(project_copy)
    verdict = Verdict("mts", "site", "confirmed", "https://mts.ru/", "found")
    record(project_copy, content, [verdict], TODAY)
    assert (operators / "mts.yaml").is_symlink()
    assert "verified: 2026-11-27" in real.read_text(encoding="utf-8")
