"""``make-guide serve``: a live preview that rebuilds a leaflet when a file it is built
from is saved, and reloads the pages open on it.

The design is mkdocs's livereload server. The watcher (:mod:`generator.watch`) only
marks what changed; one build loop takes the marks, rebuilds the leaflets they affect
in this warm process (an :class:`generator.api.Session`: content and catalogs are
parsed again only when their files changed), the HTML of all of them first and then
each PDF, and each step starts a new *epoch*. Open pages learn of epochs through
server-sent events (:mod:`generator.livereload`), and a request for a file that is
being rebuilt waits until it is written, so a reload never shows the previous version.

Everything is built into a temporary folder, removed by :meth:`Server.stop`, and only
the selected leaflets' files in it are served, by name: no ``..``, no other files, no
link leading out. A failed rebuild keeps the last good files, and its one-line error
shows over every served page until the leaflet builds again.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .api import Session, project_at
from .build import FORMATS, Target, select
from .errors import GuideError
from .output import write_files
from .paper import PrintOptions
from .project import Project
from .watch import Watcher, affected_by, watched_folders
from .webserver import HTTPServer, is_loopback

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: Seconds a request waits for its file to be rebuilt before it takes the last one.
REQUEST_WAIT = 60.0


@dataclass(frozen=True)
class Report:
    """What the build loop did: a leaflet built (with the seconds its HTML and its PDF
    took), or an error (one line, reported once per round however many leaflets it
    broke). ``first``: from the build at start, not a rebuild."""

    target: Target | None
    html_seconds: float = 0.0
    pdf_seconds: float = 0.0
    error: str | None = None
    first: bool = False


def _log_report(report: Report) -> None:
    if report.error:
        log.error("%s", report.error)
    elif report.target:
        log.info("built %s", report.target.name)


class Server:
    """A preview of ``langs`` x ``operators`` (every one when None) on ``host:port``
    (port 0: a free one; see :attr:`url`). :meth:`start` returns once the watch is
    in place; the first build goes on in the background (:meth:`wait_built`)."""

    def __init__(
        self,
        project: Project | str | Path | None,
        langs: Sequence[str] | None = None,
        operators: Sequence[str] | None = None,
        print_options: PrintOptions | None = None,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        draft: bool = False,
        on_report: Callable[[Report], None] | None = None,
    ) -> None:
        self.project = project_at(project)
        self.targets = select(self.project, langs, operators)
        self.print_options = print_options or PrintOptions()
        self.host, self.port = host, port
        self.draft = draft
        self.on_report = on_report or _log_report
        self.run_id = secrets.token_hex(8)
        # Names stay the same when a leaflet becomes or stops being a draft, so an open
        # page follows it (every page of a draft says DRAFT anyway).
        suffix = self.print_options.suffix
        self.files = {t: {f: t.filename(f, suffix=suffix) for f in FORMATS} for t in self.targets}
        self.out_dir = Path()
        self._session = Session(self.project)
        self._cond = threading.Condition()
        self._epoch = 0
        self._versions: dict[str, int] = {}
        self._errors: dict[Target, str] = {}
        self._busy: set[str] = set()
        self._changed: set[Path] = set()
        self._unfinished: set[Target] = set()
        self._stopping = False
        self._built = threading.Event()
        self._httpd: HTTPServer | None = None
        self._watcher: Watcher | None = None
        self._threads: list[threading.Thread] = []
        self._remove: weakref.finalize | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> None:
        """Listen, watch, and start the first build of every selected leaflet."""
        if not is_loopback(self.host):
            log.warning(
                "serving on %s, not only on this machine: anyone who can reach it there "
                "can read the leaflets and the error messages (which name files)",
                self.host,
            )
        self._httpd = HTTPServer(self, self.host, self.port)
        self.port = self._httpd.port
        self.out_dir = Path(tempfile.mkdtemp(prefix="make-guide-serve-"))
        # Removed by stop(), or at exit by a caller who forgot to stop.
        self._remove = weakref.finalize(self, shutil.rmtree, self.out_dir, ignore_errors=True)
        self._busy = {name for names in self.files.values() for name in names.values()}
        try:
            self._watcher = Watcher(watched_folders(self.project), self._mark)
            self._watcher.start()
        except BaseException:
            self.stop()
            raise
        for name, run in (("http", self._httpd.serve_forever), ("build", self._build_loop)):
            thread = threading.Thread(target=run, name=f"make-guide-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def wait_built(self, timeout: float | None = None) -> bool:
        """Wait for the first build to finish (good or not); False on timeout."""
        return self._built.wait(timeout)

    def stop(self) -> None:
        """Stop serving, watching and building; remove the temporary folder."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._watcher is not None:
            self._watcher.stop()
        if self._httpd is not None:
            if self._threads:
                self._httpd.shutdown()
            self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=30)  # a PDF being made is finished first
        if self._remove is not None:
            self._remove()

    # -- building ---------------------------------------------------------------

    def _mark(self, paths: set[Path]) -> None:
        with self._cond:
            self._changed |= paths
            self._cond.notify_all()

    def _build_loop(self) -> None:
        try:
            self._rebuild(self.targets, first=True)
        finally:
            self._built.set()
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._changed or self._stopping)
                if self._stopping:
                    return
                changed, self._changed = self._changed, set()
                # Failed leaflets are tried again whatever changed: the fix may be in a
                # file that is not theirs (a broken operator file breaks all content).
                failed = set(self._errors)
                unfinished, self._unfinished = self._unfinished, set()
            hit = set(affected_by(self.project, changed, self.targets)) | failed | unfinished
            if hit:
                self._rebuild([t for t in self.targets if t in hit])

    def _rebuild(self, targets: Sequence[Target], *, first: bool = False) -> None:
        with self._cond:
            self._busy.update(name for t in targets for name in self.files[t].values())
        reported: set[str] = set()

        def report(target: Target, error: str | None, html: float, pdf: float = 0.0) -> None:
            if error is None:
                self.on_report(Report(target, html, pdf, first=first))
            elif error not in reported:
                reported.add(error)
                self.on_report(Report(target, error=error, first=first))

        html_seconds: dict[Target, float] = {}
        errors: dict[Target, str | None] = {}
        for target in targets:
            seconds, errors[target] = self._write(target, "html")
            if errors[target] is None:
                html_seconds[target] = seconds
        # Reported before each event, so that the terminal says it first.
        for target in targets:
            if errors[target]:
                report(target, errors[target], 0.0)
        self._publish(
            written=[self.files[t]["html"] for t in html_seconds],
            done=[n for t in targets for f, n in self.files[t].items() if f == "html" or errors[t]],
            errors=errors,
        )
        for n, (target, html) in enumerate(html_seconds.items()):
            if self._stopping:
                return
            if self._changed:
                # A newer save: its HTML comes first; these PDFs are made in that round
                # (they stay "being built", so requests for them wait).
                with self._cond:
                    self._unfinished.update(list(html_seconds)[n:])
                return
            seconds, error = self._write(target, "pdf")
            report(target, error, html, seconds)
            name = self.files[target]["pdf"]
            self._publish(written=[] if error else [name], done=[name], errors={target: error})

    def _write(self, target: Target, fmt: str) -> tuple[float, str | None]:
        """Render ``target`` as ``fmt`` and write it: (seconds, None), or (0, the error)."""
        started = time.perf_counter()
        try:
            rendered = self._session.render(
                target.lang,
                target.operator,
                formats=("html",) if fmt == "html" else ("pdf",),
                print_options=self.print_options,
                draft=self.draft,
            )
            write_files({self.out_dir / self.files[target][fmt]: rendered.outputs[fmt]})
        except GuideError as exc:
            return 0.0, str(exc)
        except Exception as exc:
            # A bug: its traceback goes to the log, and the preview carries on.
            log.exception("%s: building the %s failed", target.name, fmt)
            return 0.0, str(GuideError(f"{target.name}: internal error: {exc!r}"))
        return time.perf_counter() - started, None

    def _publish(
        self, *, written: list[str], done: list[str], errors: dict[Target, str | None]
    ) -> None:
        """A new epoch: ``written`` files are new, ``done`` ones no longer being built."""
        with self._cond:
            self._epoch += 1
            for name in written:
                self._versions[name] = self._epoch
            self._busy.difference_update(done)
            for target, error in errors.items():
                if error:
                    self._errors[target] = error
                else:
                    self._errors.pop(target, None)
            self._cond.notify_all()

    # -- what requests see --------------------------------------------------------

    @property
    def names(self) -> set[str]:
        """The names of every file the preview builds (and serves)."""
        return {name for names in self.files.values() for name in names.values()}

    def _state(self) -> dict[str, Any]:
        """The state events carry (called with the lock held)."""
        return {
            "run": self.run_id,
            "epoch": self._epoch,
            "versions": dict(self._versions),
            "errors": self._error_lines(),
        }

    def _error_lines(self) -> list[str]:
        # One line per distinct error: a broken guide.yaml is one line, not sixteen.
        return list(dict.fromkeys(self._errors[t] for t in self.targets if t in self._errors))

    def next_state(self, last: int | None, timeout: float) -> dict[str, Any] | None:
        """The state once its epoch is not ``last`` (None after ``timeout`` or on stop)."""
        with self._cond:
            self._cond.wait_for(lambda: self._stopping or self._epoch != last, timeout)
            return None if self._stopping or self._epoch == last else self._state()

    @property
    def stopping(self) -> bool:
        return self._stopping

    def error_lines(self) -> list[str]:
        """The current errors, one line each."""
        with self._cond:
            return self._error_lines()

    def ready(self, name: str) -> int:
        """Wait while ``name`` is being rebuilt; the epoch it was last written at."""
        with self._cond:
            self._cond.wait_for(lambda: name not in self._busy or self._stopping, REQUEST_WAIT)
            return self._versions.get(name, 0)
