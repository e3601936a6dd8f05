"""The HTTP side of ``make-guide serve``: the standard library's threading HTTP server.

What it answers (everything else is 404, never a traceback):

- ``/`` (and ``/index.html``): the preview's index; ``/__preview/<name>.pdf``: a page
  showing that PDF (see :mod:`generator.livereload`);
- ``/<name>.html`` and ``/<name>.pdf``: the selected leaflets' files in the preview's
  folder, by their exact names only (so ``..``, ``%2e%2e``, ``//etc/passwd``, the
  build's hidden files and anything else put there are not found), read only as
  regular files inside the folder (a link leading out is refused);
- ``/__events``: server-sent events, the build's state after every epoch.

Pages get the reload script and the error overlay as they are sent, with a
Content-Security-Policy that lets only that script run. A request for a file being
rebuilt waits until it is written. On a loopback address, requests naming another
host are refused: a web page elsewhere could otherwise read the preview through a
name it points at 127.0.0.1 (DNS rebinding).
"""

from __future__ import annotations

import errno
import ipaddress
import json
import logging
import secrets
import socket
import socketserver
import sys
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from . import files
from .errors import GuideError
from .livereload import EVENTS_PATH, PREVIEW_PREFIX, index_page, inject, preview_page
from .project import INDEX_NAME

if TYPE_CHECKING:
    from .serve import Server

log = logging.getLogger(__name__)

#: Seconds between keep-alive comments on an event stream (they find closed ones).
KEEPALIVE = 15.0
#: Larger than any leaflet; what is served is read whole.
MAX_SERVED = 50_000_000
_CSP = (
    "default-src 'self'; script-src 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'"
)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ``::1``)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Response:
    """An answer: a page (gets the script), a PDF, or an error."""

    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    watch: str | None = None
    """For a page: the file whose rebuilds reload it (the script is added when sent)."""
    version: int = 0
    """For a page: the epoch at which that file was written."""


NOT_FOUND = Response(404, b"not found\n")


def respond(preview: Server, path: str) -> Response:
    """The answer to a GET of ``path`` (the URL's path, still %-encoded)."""
    if path in ("/", f"/{INDEX_NAME}"):
        return Response(200, index_page(preview.targets, preview.files), watch="")
    if path == "/favicon.ico":
        return Response(204)  # browsers ask for one: there is none, but no 404 in their console
    if path.startswith(PREVIEW_PREFIX):
        name = unquote(path[len(PREVIEW_PREFIX) :])
        html = next((f["html"] for f in preview.files.values() if f["pdf"] == name), None)
        if html is None:
            return NOT_FOUND
        version = preview.ready(name)
        return Response(200, preview_page(name, html, version), watch=name, version=version)
    name = unquote(path[1:])
    # By exact name: "..", "%2e%2e", "//etc/passwd" and files not built are not found.
    if not path.startswith("/") or name not in preview.names:
        return NOT_FOUND
    version = preview.ready(name)
    try:
        data = files.read_bytes(preview.out_dir / name, root=preview.out_dir, limit=MAX_SERVED)
    except GuideError as exc:
        log.debug("not serving %s: %s", name, exc)
        return NOT_FOUND
    if name.endswith(".pdf"):
        return Response(200, data, "application/pdf")
    return Response(200, data, watch=name, version=version)


def host_allowed(preview: Server, header: str | None) -> bool:
    """False for a request naming another host than a loopback one, when serving on
    loopback (see the module's docstring)."""
    if not header or not is_loopback(preview.host):
        return True
    try:
        name = urlsplit(f"//{header}").hostname
    except ValueError:
        return False
    return name is not None and is_loopback(name)


class _Handler(BaseHTTPRequestHandler):
    server: HTTPServer
    server_version = "make-guide"

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _answer(self, *, body: bool) -> None:
        preview = self.server.preview
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if not host_allowed(preview, self.headers.get("Host")):
            response = Response(403, b"forbidden: not a name of this machine\n")
        elif path == EVENTS_PATH and body:
            self._events(preview)
            return
        else:
            response = respond(preview, path)
        data, headers = response.body, {"Content-Type": response.content_type}
        if response.watch is not None:
            nonce = secrets.token_urlsafe(16)
            data = inject(
                data,
                run=preview.run_id,
                watch=response.watch,
                version=response.version,
                errors=preview.error_lines(),
                nonce=nonce,
            )
            headers["Content-Type"] = "text/html; charset=utf-8"
            headers["Content-Security-Policy"] = _CSP.format(nonce=nonce)
        self.send_response(response.status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _events(self, preview: Server) -> None:
        """The state now, then after every epoch, until the page or the server goes."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        last: int | None = None
        while True:
            state = preview.next_state(last, KEEPALIVE)
            if preview.stopping:
                return
            if state is None:
                message = ": keep-alive\n\n"
            else:
                last = state["epoch"]
                message = f"id: {last}\ndata: {json.dumps(state)}\n\n"
            self.wfile.write(message.encode())
            self.wfile.flush()

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.address_string(), *args)


class HTTPServer(ThreadingHTTPServer):
    """Serves ``preview`` on ``host:port`` (port 0: a free one), a thread per request."""

    daemon_threads = True

    def __init__(self, preview: Server, host: str, port: int) -> None:
        self.preview = preview
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            super().__init__((host, port), _Handler)
        except OSError as exc:
            hint = "; is make-guide serve running already? pick another --port"
            raise GuideError(
                f"{host}:{port}: cannot listen: {exc.strerror or exc}"
                + (hint if exc.errno == errno.EADDRINUSE else "")
            ) from None

    @property
    def port(self) -> int:
        return int(self.socket.getsockname()[1])

    def server_bind(self) -> None:
        # HTTPServer's own asks DNS for the host's full name, which can take seconds.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.port

    def handle_error(self, request: object, client_address: object) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError):  # a page closed mid-answer
            log.debug("%s: connection closed: %s", client_address, exc)
        else:
            log.exception("answering %s failed", client_address)
