"""Fetch a fact's source page and return its text, for `make-guide facts verify`.

The URLs come from YAML written by content editors and this runs in CI, so the client is
defensive: http(s) only, no proxies, no connections to loopback/private/link-local/... addresses
(checked on the address actually connected to, so DNS rebinding cannot slip past), redirects
followed only on the same host, a hard time limit per request (a watchdog cuts the socket even
while a server trickles bytes), a size cap that also holds for gzip bombs, and text extraction
in a forked child killed at the same time limit (HTML and PDF parsers can be made to crawl).

Each request uses a fresh urllib3 connection that is closed afterwards: the caller fetches one
URL at a time from mostly different hosts, and no pooling means no socket outlives its checks.
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
import logging
import multiprocessing
import os
import socket
import threading
import time
import zlib
from dataclasses import dataclass
from http.client import HTTPException
from multiprocessing.connection import Connection
from typing import Literal

import tinyhtml5
import webencodings
from ada_url import URL
from pypdf import PageObject, PdfReader  # imported here, once, not in every forked reader
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NameResolutionError,
    NewConnectionError,
    ReadTimeoutError,
)

from generator import __version__
from generator.workers import worker_init

log = logging.getLogger(__name__)

_REDIRECTS = {301, 302, 303, 307, 308}
_MAX_PDF_PAGES = 100
_CHUNK = 64 * 1024
# Never rendered: iframe/noembed/noframes content is fallback text no browser shows.
_HIDDEN = {"script", "style", "template", "noscript", "iframe", "noembed", "noframes"}
# Elements whose boundaries separate words; inline ones (b, span, a...) must not, or
# "8 800 <b>250</b>-08-90" would read "8 800 250 -08-90".
# fmt: off
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "details", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "option", "p", "pre", "section", "summary",
    "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr", "ul",
})
# fmt: on
_RUN_OVER = "timed out: the run's time limit was reached"
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class Limits:
    # Seconds for one get(), redirects included: connect + whole body. Reading the page's
    # text afterwards gets as long again.
    timeout: float = 10.0
    max_bytes: int = 5_000_000  # body cap, after decompression
    max_redirects: int = 3  # same-host redirects followed
    allow_local: bool = False  # allow non-public addresses (tests use a local server)


@dataclass(frozen=True)
class Page:
    url: str  # the URL asked for
    final_url: str  # after same-host redirects
    text: str  # visible text of the HTML, text of the PDF, or the plain text as is


class FetchError(Exception):
    def __init__(self, status: Literal["unreachable", "moved"], detail: str) -> None:
        super().__init__(status, detail)  # args as the constructor's, so it pickles
        self.status = status
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.status}: {self.detail}"


class _TimedOut(Exception):
    pass


def refusal(address: str) -> str | None:
    """Why connecting to `address` is refused by default (None: a public address)."""
    ip = ipaddress.ip_address(address.split("%")[0])  # drop an IPv6 zone ("fe80::1%eth0")
    # An IPv6 address can carry an IPv4 one that is where the packets really go.
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
    kinds = ("loopback", "unspecified", "link_local", "site_local", "multicast", "private")
    for kind in (*kinds, "reserved"):
        if getattr(ip, f"is_{kind}", False):  # site-local: IPv6 only (fec0::/10, deprecated)
            article = "an" if kind == "unspecified" else "a"
            return f"{article} {kind.replace('_', '-')} address"
    return None if ip.is_global else "a non-public address"  # e.g. 100.64/10 (carrier NAT)


def _refuse(address: str) -> None:
    if (reason := refusal(address)) is not None:
        raise FetchError("unreachable", f"refused: {address} is {reason} (--allow-local allows it)")


class _Guard:
    """One request's watchdog and address check, shared with the connection it creates.

    Socket timeouts only bound each recv, so a server sending a byte a second would never
    trip them; at the deadline the timer shuts the socket down, which wakes any blocked
    read (connect itself is bounded by the connect timeout)."""

    def __init__(self, seconds: float, allow_local: bool) -> None:
        self.allow_local = allow_local
        self.end = time.monotonic() + max(seconds, 0.0)
        self.fired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def connected(self, sock: socket.socket) -> socket.socket:
        """Check the peer before a single byte is sent (TLS included), then watch the socket."""
        if not self.allow_local:
            try:
                _refuse(sock.getpeername()[0])
            except FetchError:
                sock.close()
                raise
        with self._lock:
            # A duplicate, because TLS wrapping detaches the original socket object.
            self._sock = sock.dup()
        if self.fired:
            self._fire()
        return sock

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            if self._sock is not None:
                with contextlib.suppress(OSError):
                    self._sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None


def _resolve(host: str, port: int, end: float) -> list[tuple]:  # type: ignore[type-arg]
    """getaddrinfo, given up at ``end`` (the resolver's own retries can take far longer);
    a lookup still running is left to finish in its daemon thread."""
    result: list[object] = []

    def lookup() -> None:
        try:
            result.append(socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM))
        except OSError as exc:
            result.append(exc)

    thread = threading.Thread(target=lookup, daemon=True)
    thread.start()
    thread.join(max(end - time.monotonic(), 0.0))
    if not result:
        raise TimeoutError("name lookup timed out")
    if isinstance(result[0], OSError):
        raise result[0]
    return result[0]  # type: ignore[return-value]


def _open(conn: HTTPConnection, guard: _Guard) -> socket.socket:
    """Resolve the host, drop the addresses refused before a single packet goes to them
    (so an internal host's open and closed ports look alike), and connect to the first
    address that answers; every step within the request's time, however many addresses
    the name has (urllib3 would give each its own full timeout)."""
    try:
        infos = _resolve(conn._dns_host, conn.port, guard.end)
    except socket.gaierror as exc:
        raise NameResolutionError(conn.host, conn, exc) from exc
    except TimeoutError as exc:
        raise ConnectTimeoutError(conn, f"Connection to {conn.host} timed out.") from exc
    if not guard.allow_local:
        allowed = [info for info in infos if refusal(info[4][0]) is None]
        if not allowed:
            _refuse(infos[0][4][0])
        infos = allowed
    error: OSError | None = None
    for family, kind, proto, _name, address in infos:
        remaining = guard.end - time.monotonic()
        if remaining <= 0:
            break
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(remaining)
            sock.connect(address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        sock.settimeout(conn.timeout)  # type: ignore[arg-type]
        return guard.connected(sock)
    if error is None or isinstance(error, TimeoutError):
        raise ConnectTimeoutError(conn, f"Connection to {conn.host} timed out.") from error
    raise NewConnectionError(conn, f"Failed to establish a new connection: {error}") from error


class _HTTPConnection(HTTPConnection):
    guard: _Guard

    def _new_conn(self) -> socket.socket:
        return _open(self, self.guard)


class _HTTPSConnection(HTTPSConnection):
    guard: _Guard

    def _new_conn(self) -> socket.socket:
        return _open(self, self.guard)


def _parse(url: str, base: str | None = None) -> URL | None:
    try:
        parsed = URL(url, base) if base else URL(url)
    except ValueError:
        return None
    ok = parsed.protocol in ("http:", "https:") and parsed.hostname
    return parsed if ok and not parsed.username and not parsed.password else None


def _is_timeout(exc: BaseException) -> bool:
    # urllib3 2 still derives NewConnectionError (refused, unreachable...) from ConnectTimeoutError.
    timeouts = (ConnectTimeoutError, ReadTimeoutError, TimeoutError)
    return isinstance(exc, timeouts) and not isinstance(exc, NewConnectionError)


def _network_error(exc: BaseException) -> str:
    if isinstance(exc, NameResolutionError):
        return "host name not found"
    if isinstance(exc, NewConnectionError):
        cause = exc.__cause__
        return f"connection failed: {getattr(cause, 'strerror', None) or type(cause).__name__}"
    if isinstance(exc, HTTPError) and isinstance(exc.__cause__, OSError):
        exc = exc.__cause__  # urllib3 wraps TLS errors
    if isinstance(exc, OSError) and "CERTIFICATE" in str(exc).upper():
        return "TLS certificate not accepted"
    if isinstance(exc, OSError) and "SSL" in type(exc).__name__.upper():
        return "TLS error"
    return f"network error ({type(exc).__name__})"


class _Body:
    """Collects a body up to the cap, undoing gzip/deflate with bounded output."""

    def __init__(self, encoding: str, cap: int) -> None:
        self.cap = cap
        self.data = bytearray()
        self._zlib = None
        if encoding in ("gzip", "x-gzip", "deflate"):
            self._zlib = zlib.decompressobj(32 + zlib.MAX_WBITS)  # zlib or gzip header
        elif encoding not in ("", "identity"):
            raise FetchError("unreachable", f"unsupported Content-Encoding: {encoding}")

    def feed(self, chunk: bytes) -> None:
        if self._zlib is None:
            self.data += chunk
        while self._zlib is not None and chunk:
            # max_length keeps a bomb's output at cap + 1; the rest of the input waits in
            # unconsumed_tail, which is only non-empty once that room is used up.
            try:
                self.data += self._zlib.decompress(chunk, self.cap + 1 - len(self.data))
            except zlib.error as exc:
                raise FetchError("unreachable", "unreadable compressed body") from exc
            chunk = self._zlib.unconsumed_tail
            if len(self.data) > self.cap:
                break
        if len(self.data) > self.cap:
            raise FetchError("unreachable", f"larger than {self.cap / 1e6:g} MB")


def _decode(body: bytes, charset: str | None) -> str:
    # Only the encodings a browser knows (the WHATWG labels, as for HTML): Python's own
    # codecs would read "+ADg-" as "8" (utf-7), "\\u0038" as "8" (unicode_escape), or
    # fail outright (idna), none of which a reader of the page sees.
    encoding = webencodings.lookup(charset) if charset else None
    return webencodings.decode(body, encoding or webencodings.UTF8, errors="replace")[0]


def _hidden(element: object) -> bool:
    """Hidden by its own markup: the ``hidden`` attribute (not ``until-found``, which a
    search reveals), a closed ``<dialog>``, an inline ``display: none`` or
    ``visibility: hidden``. A value only there is not what a reader sees."""
    get = getattr(element, "get", None)
    if get is None:
        return False
    hidden = get("hidden")
    if hidden is not None and hidden.strip().lower() != "until-found":
        return True
    if getattr(element, "tag", "").rpartition("}")[2] == "dialog" and get("open") is None:
        return True
    style = "".join((get("style") or "").split()).lower()
    return "display:none" in style or "visibility:hidden" in style


def _html_text(body: bytes, charset: str | None) -> str:
    # Bytes, never str: tinyhtml5.parse treats a short str naming an existing file as a path.
    # The declared charset wins over <meta>; with neither, UTF-8 rather than windows-1252.
    root = tinyhtml5.parse(body, transport_encoding=charset, default_encoding="utf-8")
    parts: list[str] = []
    stack: list[object] = [root]  # iterative: deeply nested markup must not hit recursion
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        tag = getattr(item, "tag", None)
        if getattr(item, "tail", None):
            stack.append(item.tail)  # type: ignore[attr-defined]
        if not isinstance(tag, str):  # comments and processing instructions
            continue
        name = tag.rpartition("}")[2]
        if name in _HIDDEN or _hidden(item):
            continue
        gap = " " if name in _BLOCKS else ""
        stack.append(gap)
        stack.extend(reversed(list(item)))  # type: ignore[call-overload]
        stack.extend([getattr(item, "text", None) or "", gap])
    return " ".join("".join(parts).split())  # also turns &nbsp; into plain spaces


def _extract(body: bytes, content_type: str, seconds: float) -> str | None:
    """The page's text, worked out in a forked child that is killed after `seconds` (None).

    Parsing is not bounded by the download's limits: tinyhtml5 is quadratic in nesting depth
    (100 kB of nested <div>s take half a minute) and PDFs can be worse, so a hostile page could
    otherwise hold a CI job for hours."""
    context = multiprocessing.get_context("fork")  # as the build's workers: nothing to re-import
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_extract_child, args=(send, os.getpid(), body, content_type), daemon=True
    )
    child.start()
    send.close()
    try:
        if not receive.poll(max(seconds, 0.0)):
            return None
        ok, payload = receive.recv()
    except EOFError:  # died without answering: killed (out of memory?) or crashed
        raise FetchError("unreachable", "unreadable page (its reader died)") from None
    finally:
        receive.close()
        child.kill()
        child.join()
    if not ok:
        raise FetchError("unreachable", payload)
    return str(payload)


def _extract_child(send: Connection, parent: int, body: bytes, content_type: str) -> None:
    worker_init(parent)  # dies with make-guide, like the build's workers
    try:
        send.send((True, _text(body, content_type)))
    except FetchError as exc:
        send.send((False, exc.detail))
    except Exception as exc:  # a parser bug on hostile input: a short line, not a traceback
        send.send((False, f"unreadable page ({type(exc).__name__})"))


#: Text render modes that paint nothing (3: invisible, 7: clipping only): an OCR layer,
#: or text hidden from the reader on purpose.
_INVISIBLE = {3, 7}


def _visible_pdf_text(page: PageObject) -> str:
    """The page's text as pypdf extracts it, without what a reader cannot see: text in
    an invisible render mode, or drawn outside the page."""
    box = page.mediabox
    left, bottom, right, top = (float(v) for v in (box.left, box.bottom, box.right, box.top))
    modes = [0]  # the render mode is part of the graphics state: q/Q save and restore it
    parts: list[str] = []

    def operand(operator: bytes, args: list[object], cm: object, tm: object) -> None:
        if operator == b"q":
            modes.append(modes[-1])
        elif operator == b"Q" and len(modes) > 1:
            modes.pop()
        elif operator == b"Tr" and args:
            with contextlib.suppress(TypeError, ValueError):
                modes[-1] = int(args[0])  # type: ignore[call-overload]

    def text(chunk: str, cm: list[float], tm: list[float], font: object, size: object) -> None:
        if not chunk.strip():
            parts.append(chunk)
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        if modes[-1] not in _INVISIBLE and left <= x <= right and bottom <= y <= top:
            parts.append(chunk)
        else:
            parts.append(" ")

    page.extract_text(visitor_operand_before=operand, visitor_text=text)
    return "".join(parts)


def _pdf_text(body: bytes) -> str:
    try:
        reader = PdfReader(io.BytesIO(body))
        count = min(len(reader.pages), _MAX_PDF_PAGES)
        text = " ".join(_visible_pdf_text(reader.pages[i]) for i in range(count))
    except Exception as exc:  # pypdf raises all sorts on broken files; none may escape
        raise FetchError("unreachable", "unreadable PDF") from exc
    return " ".join(text.split())


class Fetcher:
    def __init__(
        self,
        limits: Limits = Limits(),  # frozen, so one shared default is safe
        *,
        user_agent: str = f"make-guide/{__version__} (facts verify)",
    ) -> None:
        self.limits = limits
        self.user_agent = user_agent

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release: each request's connection and reader end with it."""

    def get(self, url: str, *, deadline: float | None = None) -> Page:
        """Fetch `url` and return its text; raise FetchError saying why not.

        `deadline` (a time.monotonic() value) bounds a whole run: no request starts after
        it and a running one is cut there."""
        current = _parse(url)
        if current is None:
            raise FetchError("unreachable", "not an http(s) URL")
        end = time.monotonic() + self.limits.timeout
        late = f"timed out after {self.limits.timeout:g} s"
        if deadline is not None and deadline < end:
            end, late = deadline, _RUN_OVER
        for _hop in range(self.limits.max_redirects + 1):
            if time.monotonic() >= end:
                raise FetchError("unreachable", late)
            try:
                location, body, content_type = self._request(current, end)
            except _TimedOut:
                raise FetchError("unreachable", late) from None
            if location is None:
                text = self._extract(body, content_type, deadline)
                return Page(url=url, final_url=current.href, text=text)
            target = _parse(location, current.href)
            if target is None or target.hostname != current.hostname:
                try:
                    absolute = URL(location, current.href).href
                except ValueError:
                    absolute = location
                raise FetchError("moved", f"redirected to {absolute}")
            log.debug("%s redirects to %s", current.href, target.href)
            current = target
        raise FetchError("unreachable", f"more than {self.limits.max_redirects} redirects")

    def _extract(self, body: bytes, content_type: str, deadline: float | None) -> str:
        # Reading gets a time limit of its own: the download may have used most of its own.
        seconds, slow = self.limits.timeout, f"too slow to read (over {self.limits.timeout:g} s)"
        if deadline is not None and deadline - time.monotonic() < seconds:
            seconds, slow = (
                deadline - time.monotonic(),
                _RUN_OVER,
            )
        text = _extract(body, content_type, seconds)
        if text is None:
            raise FetchError("unreachable", slow)
        return text

    def _request(self, url: URL, end: float) -> tuple[str | None, bytes, str]:
        """One GET: (Location, ...) for a redirect, else (None, body, Content-Type)."""
        host = url.hostname.strip("[]")
        if not self.limits.allow_local:
            with contextlib.suppress(ValueError):  # an IP literal: refuse without connecting
                _refuse(host)
        remaining = end - time.monotonic()
        guard = _Guard(remaining, self.limits.allow_local)
        cls = _HTTPSConnection if url.protocol == "https:" else _HTTPConnection
        conn = cls(host, int(url.port) if url.port else None, timeout=remaining)
        conn.guard = guard
        log.debug("GET %s", url.href)
        try:
            conn.request(
                "GET",
                url.pathname + url.search,
                headers={
                    "User-Agent": self.user_agent,
                    "Accept": "text/html,application/xhtml+xml,application/pdf,text/plain;q=0.9",
                    "Accept-Encoding": "identity",  # yet gzip is handled: servers ignore this
                    "Connection": "close",
                },
                preload_content=False,
                decode_content=False,
            )
            response = conn.getresponse()
            if response.status in _REDIRECTS:
                location = response.headers.get("Location")
                if not location:
                    raise FetchError("unreachable", f"HTTP {response.status} without Location")
                return location, b"", ""
            if response.status >= 300:
                raise FetchError("unreachable", f"HTTP {response.status}")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.limits.max_bytes:
                raise FetchError("unreachable", f"larger than {self.limits.max_bytes / 1e6:g} MB")
            body = _Body(
                response.headers.get("Content-Encoding", "").strip().lower(),
                self.limits.max_bytes,
            )
            for chunk in response.stream(_CHUNK, decode_content=False):
                if time.monotonic() > end:
                    raise _TimedOut
                body.feed(chunk)
            if guard.fired:  # the watchdog's shutdown can look like a normal end of body
                raise _TimedOut
            return None, bytes(body.data), response.headers.get("Content-Type", "")
        except (FetchError, _TimedOut):
            raise
        except (OSError, HTTPException, HTTPError) as exc:
            if guard.fired or _is_timeout(exc):
                raise _TimedOut from exc
            log.debug("GET %s failed", url.href, exc_info=True)
            raise FetchError("unreachable", _network_error(exc)) from exc
        finally:
            guard.close()
            conn.close()


def _text(body: bytes, content_type: str) -> str:
    kind, _, params = content_type.partition(";")
    kind = kind.strip().lower()
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    if kind == "application/pdf" or body.startswith(b"%PDF-"):
        return _pdf_text(body)
    if kind in ("", "text/html", "application/xhtml+xml"):  # no type: sniff as a browser would
        return _html_text(body, charset)
    if kind == "text/plain":
        return _decode(body, charset)
    raise FetchError("unreachable", f"not a page: {kind}")
