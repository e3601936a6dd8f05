"""generator.fetch against a local HTTP server: text extraction, limits, redirects and the
refusal of non-public addresses. Nothing here needs the internet."""

from __future__ import annotations

import http.server
import pickle
import shutil
import ssl
import subprocess
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pytest

from generator.fetch import Fetcher, FetchError, Limits, refusal

PHONE = "8 800 250-08-90"
CYRILLIC = "Звоните: 8 800 250-08-90"

HTML = b"""<!doctype html><html><head><title>MTS</title>
<style>.decoy { content: "STYLE-DECOY" }</style>
<script>var phone = "SCRIPT-DECOY 8 800 000-00-00";</script></head>
<body><!-- COMMENT-DECOY --><div><p>Call&nbsp;us:
  <span><b>8&nbsp;800</b>&nbsp;<i>250-08-90</i></span></p>
<noscript>NOSCRIPT-DECOY</noscript><template>TEMPLATE-DECOY</template>
<p>Fish &amp; chips &mdash; ok</p></div></body></html>"""


@cache
def gzip_bomb() -> bytes:
    """50 MB of zeros, gzipped (about 50 kB), built without holding the 50 MB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1_000_000)
    return b"".join(packer.compress(zeros) for _ in range(50)) + packer.flush()


@cache
def pdf_bytes() -> bytes:
    from weasyprint import HTML as WeasyHTML

    return WeasyHTML(string=f"<p>Hotline {PHONE}</p>").write_pdf()


def _gzip(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def trickle(handler: Handler, headers_first: bool) -> None:
    """Slower than any test's timeout in total, but never silent long enough for a socket
    timeout: only a whole-request deadline stops it."""
    try:
        if headers_first:
            handler.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n")
        else:
            handler.wfile.write(b"HTTP/1.0 200 OK\r\nX-Slow: ")
        for _ in range(150):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(0.2)
    except OSError:
        pass  # the client hung up, as it should


def redirect(location: str, code: int = 302) -> Callable[[Handler], None]:
    def send(handler: Handler) -> None:
        handler.send_response(code)
        handler.send_header("Location", location.replace("PORT", str(handler.server.server_port)))
        handler.end_headers()

    return send


def page(body: bytes, content_type: str, **headers: str) -> Callable[[Handler], None]:
    def send(handler: Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        for name, value in headers.items():
            handler.send_header(name.replace("_", "-"), value)
        handler.end_headers()
        handler.wfile.write(body)

    return send


def huge(handler: Handler) -> None:
    """2 MB with no Content-Length, so only counting the streamed bytes can stop it."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.end_headers()
    try:
        for _ in range(32):
            handler.wfile.write(b"a" * 65536)
    except OSError:
        pass


def status(code: int) -> Callable[[Handler], None]:
    return lambda handler: handler.send_error(code)


ROUTES: dict[str, Callable[[Handler], None]] = {
    "/html": page(HTML, "text/html; charset=utf-8"),
    "/cp1251-header": page(
        f"<p>{CYRILLIC}</p>".encode("cp1251"), "text/html; charset=windows-1251"
    ),
    "/cp1251-meta": page(
        f'<html><head><meta charset="windows-1251"></head><p>{CYRILLIC}</p>'.encode("cp1251"),
        "text/html",
    ),
    "/plain": page(f"{CYRILLIC}\n  line two".encode(), "text/plain; charset=utf-8"),
    "/plain-bad-charset": page(CYRILLIC.encode(), "text/plain; charset=rot13"),
    "/gzip": page(_gzip(HTML), "text/html", Content_Encoding="gzip"),
    "/brotli": page(b"\x0b\x02\x80hi\x03", "text/plain", Content_Encoding="br"),
    "/bomb": lambda h: page(gzip_bomb(), "text/plain", Content_Encoding="gzip")(h),
    "/declared-big": page(b"x" * 10, "text/plain", Content_Length="999999999"),
    "/huge": huge,
    "/slow-body": lambda h: trickle(h, headers_first=True),
    "/slow-headers": lambda h: trickle(h, headers_first=False),
    "/404": status(404),
    "/500": status(500),
    "/pdf": lambda h: page(pdf_bytes(), "application/pdf")(h),
    "/pdf-untyped": lambda h: page(pdf_bytes(), "application/octet-stream")(h),
    "/bad-pdf": page(b"%PDF-1.7\n this is not a PDF at all", "application/pdf"),
    "/garbage-pdf": page(b"\x00\x01garbage" * 100, "application/pdf"),
    "/png": page(b"\x89PNG\r\n\x1a\n", "image/png"),
    "/filename": page(b"/etc/passwd", "text/html"),
    # tinyhtml5 is quadratic in nesting depth: this takes minutes to parse.
    "/deep": page(b"<div>" * 100_000 + b"deep", "text/html"),
    "/same-host": redirect("/html"),
    "/same-host-absolute": redirect("http://127.0.0.1:PORT/plain", 301),
    "/other-host": redirect("http://localhost.invalid-other.example/x?y=1"),
    "/other-ip": redirect("http://127.0.0.2:PORT/html", 307),
    "/other-scheme": redirect("ftp://127.0.0.1/file"),
    "/no-location": status(302),
    # /chain/N redirects to /chain/N-1; /chain/0 is the page.
    **{f"/chain/{n}": redirect(f"/chain/{n - 1}") for n in range(1, 6)},
    "/chain/0": page(b"end of chain", "text/plain"),
}


class Handler(http.server.BaseHTTPRequestHandler):
    server: Server

    def do_GET(self) -> None:
        self.server.hits.append((self.path, dict(self.headers)))
        ROUTES.get(self.path, status(404))(self)

    def log_message(self, format: str, *args: object) -> None:
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    hits: list[tuple[str, dict[str, str]]]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.hits = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


TIMEOUT = 2.0


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(Limits(allow_local=True, timeout=TIMEOUT, max_bytes=1_000_000)) as fetcher:
        yield fetcher


def fails(fetcher: Fetcher, url: str, **kwargs: float) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetcher.get(url, **kwargs)
    return caught.value


def test_html_text_is_the_visible_text(server: Server, fetcher: Fetcher) -> None:
    page = fetcher.get(server.base + "/html")
    assert PHONE in page.text
    assert "Call us:" in page.text  # &nbsp; decoded, then collapsed like any whitespace
    assert "Fish & chips — ok" in page.text
    assert "DECOY" not in page.text
    assert page.url == page.final_url == server.base + "/html"
    assert "  " not in page.text and "\n" not in page.text


@pytest.mark.parametrize(
    "path",
    ["/cp1251-header", "/cp1251-meta", "/plain", "/plain-bad-charset", "/gzip"],
)
def test_text_encodings(server: Server, fetcher: Fetcher, path: str) -> None:
    assert (CYRILLIC if path != "/gzip" else PHONE) in fetcher.get(server.base + path).text


def test_plain_text_is_kept_as_is(server: Server, fetcher: Fetcher) -> None:
    assert fetcher.get(server.base + "/plain").text == f"{CYRILLIC}\n  line two"


def test_html_body_is_never_taken_for_a_file_name(server: Server, fetcher: Fetcher) -> None:
    # tinyhtml5.parse reads a short str that names an existing file; bodies go in as bytes.
    assert fetcher.get(server.base + "/filename").text == "/etc/passwd"


@pytest.mark.parametrize("path", ["/pdf", "/pdf-untyped"])
def test_pdf_text(server: Server, fetcher: Fetcher, path: str) -> None:
    assert PHONE in fetcher.get(server.base + path).text


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/404", "HTTP 404"),
        ("/500", "HTTP 500"),
        ("/no-route", "HTTP 404"),
        ("/bad-pdf", "unreadable PDF"),
        ("/garbage-pdf", "unreadable PDF"),
        ("/png", "not a page: image/png"),
        ("/brotli", "unsupported Content-Encoding: br"),
        ("/declared-big", "larger than 1 MB"),
        ("/huge", "larger than 1 MB"),
        ("/no-location", "HTTP 302 without Location"),
        ("/chain/4", "more than 3 redirects"),
    ],
)
def test_unreachable(server: Server, fetcher: Fetcher, path: str, detail: str) -> None:
    error = fails(fetcher, server.base + path)
    assert (error.status, error.detail) == ("unreachable", detail)


@pytest.mark.parametrize("path", ["/slow-body", "/slow-headers"])
def test_trickling_server_is_cut_at_the_timeout(
    server: Server, fetcher: Fetcher, path: str
) -> None:
    start = time.monotonic()
    error = fails(fetcher, server.base + path)
    assert time.monotonic() - start < TIMEOUT + 1
    assert (error.status, error.detail) == ("unreachable", "timed out after 2 s")


def test_page_too_slow_to_parse_is_cut(server: Server, fetcher: Fetcher) -> None:
    start = time.monotonic()
    error = fails(fetcher, server.base + "/deep")
    assert time.monotonic() - start < TIMEOUT + 1
    assert (error.status, error.detail) == ("unreachable", "too slow to read (over 2 s)")


def test_fetch_error_pickles() -> None:
    error = pickle.loads(pickle.dumps(FetchError("moved", "redirected to https://a.example/")))
    assert (error.status, error.detail) == ("moved", "redirected to https://a.example/")
    assert str(error) == "moved: redirected to https://a.example/"


def test_run_deadline_cuts_a_running_request(server: Server) -> None:
    start = time.monotonic()
    with Fetcher(Limits(allow_local=True, timeout=30)) as fetcher:
        error = fails(fetcher, server.base + "/slow-body", deadline=start + TIMEOUT)
    assert time.monotonic() - start < TIMEOUT + 1
    assert error.detail == "timed out: the run's time limit was reached"


def test_past_deadline_sends_no_request(server: Server, fetcher: Fetcher) -> None:
    hits = len(server.hits)
    error = fails(fetcher, server.base + "/html", deadline=time.monotonic() - 1)
    assert error.status == "unreachable" and "timed out" in error.detail
    assert len(server.hits) == hits


def test_gzip_bomb_stops_at_the_cap(server: Server, fetcher: Fetcher) -> None:
    gzip_bomb()  # built before measuring
    tracemalloc.start()
    start = time.monotonic()
    try:
        error = fails(fetcher, server.base + "/bomb")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (error.status, error.detail) == ("unreachable", "larger than 1 MB")
    assert time.monotonic() - start < 5
    assert peak < 10_000_000  # the cap is 1 MB; inflating all 50 MB would show


@pytest.mark.parametrize(
    ("path", "final"),
    [("/same-host", "/html"), ("/same-host-absolute", "/plain"), ("/chain/3", "/chain/0")],
)
def test_same_host_redirects_are_followed(
    server: Server, fetcher: Fetcher, path: str, final: str
) -> None:
    page = fetcher.get(server.base + path)
    assert (page.url, page.final_url) == (server.base + path, server.base + final)
    assert page.text


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/other-host", "http://localhost.invalid-other.example/x?y=1"),
        ("/other-ip", "http://127.0.0.2:PORT/html"),
        ("/other-scheme", "ftp://127.0.0.1/file"),
    ],
)
def test_redirect_elsewhere_is_moved(
    server: Server, fetcher: Fetcher, path: str, location: str
) -> None:
    hits = len(server.hits)
    error = fails(fetcher, server.base + path)
    location = location.replace("PORT", str(server.server_port))
    assert (error.status, error.detail) == ("moved", f"redirected to {location}")
    assert len(server.hits) == hits + 1  # the redirect itself, not its target


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("127.0.0.1", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("172.16.0.1", "a private address"),
        ("192.168.1.1", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("fe80::1%eth0", "a link-local address"),
        ("fc00::1", "a private address"),
        ("0.0.0.0", "an unspecified address"),
        ("::", "an unspecified address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("::ffff:10.0.0.1", "a private address"),
        ("64:ff9b::a00:1", "a private address"),  # NAT64 of 10.0.0.1
        ("2002:7f00:1::1", "a loopback address"),  # 6to4 of 127.0.0.1
        ("224.0.0.1", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("240.0.0.1", "a private address"),
        ("100.64.0.1", "a non-public address"),
        ("93.184.216.34", None),
        ("2606:4700::1", None),
        ("::ffff:93.184.216.34", None),
        ("64:ff9b::5db8:d822", None),  # NAT64 of 93.184.216.34
    ],
)
def test_address_classification(address: str, refused: str | None) -> None:
    assert refusal(address) == refused


@pytest.mark.parametrize(
    ("url", "detail"),
    [
        ("http://127.0.0.1:PORT/html", "refused: 127.0.0.1 is a loopback address"),
        ("http://0x7f.1:PORT/html", "refused: 127.0.0.1 is a loopback address"),
        ("http://localhost:PORT/html", "refused: 127.0.0.1 is a loopback address"),
        ("http://[::1]:PORT/html", "refused: ::1 is a loopback address"),
        ("http://10.0.0.1/", "refused: 10.0.0.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is a link-local"),
        ("http://127.0.0.1:PORT/same-host", "refused: 127.0.0.1 is a loopback address"),
    ],
)
def test_local_addresses_are_refused_before_any_request(
    server: Server, url: str, detail: str
) -> None:
    hits = len(server.hits)
    with Fetcher(Limits(timeout=TIMEOUT)) as fetcher:
        error = fails(fetcher, url.replace("PORT", str(server.server_port)))
    assert error.status == "unreachable"
    assert error.detail.startswith(detail) and error.detail.endswith("(--allow-local allows it)")
    assert len(server.hits) == hits


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://x",
        "javascript:alert(1)",
        "data:,hello",
        "mts.ru",
        "",
        "http://",
        "http://user:secret@127.0.0.1:PORT/html",
        "//127.0.0.1:PORT/html",
    ],
)
def test_only_http_urls(server: Server, fetcher: Fetcher, url: str) -> None:
    hits = len(server.hits)
    error = fails(fetcher, url.replace("PORT", str(server.server_port)))
    assert (error.status, error.detail) == ("unreachable", "not an http(s) URL")
    assert len(server.hits) == hits


def test_user_agent_names_make_guide(server: Server, fetcher: Fetcher) -> None:
    fetcher.get(server.base + "/html")
    path, headers = server.hits[-1]
    assert path == "/html"
    assert headers["User-Agent"].startswith("make-guide/")
    assert headers["Accept-Encoding"] == "identity"


def test_connection_refused_is_a_short_line(fetcher: Fetcher) -> None:
    with http.server.HTTPServer(("127.0.0.1", 0), Handler) as closed:
        port = closed.server_port  # bound, then closed: nothing listens there
    error = fails(fetcher, f"http://127.0.0.1:{port}/")
    assert error.status == "unreachable"
    assert error.detail.startswith("connection failed")


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl command")
def test_untrusted_certificate_is_refused(tmp_path: Path) -> None:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    request = "req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
    san = "subjectAltName=IP:127.0.0.1"
    command = ["openssl", *request.split(), "-addext", san, "-keyout", str(key), "-out", str(cert)]
    subprocess.run(command, check=True, capture_output=True)
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.hits = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with Fetcher(Limits(allow_local=True, timeout=5)) as fetcher:
            error = fails(fetcher, f"https://127.0.0.1:{httpd.server_port}/html")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert (error.status, error.detail) == ("unreachable", "TLS certificate not accepted")
    assert httpd.hits == []
