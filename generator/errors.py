"""The one exception type for mistakes a user can fix (bad content, catalogs, options).

Library code raises :class:`GuideError` with a message that names the file and the
line or key; only :mod:`generator.cli` turns it into ``make-guide: error: ...`` and
an exit code. Anything else that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


class GuideError(Exception):
    """A problem in the user's input, reported as one line.

    ``details``: when this error stands for several problems found together (every
    schema error of a file), each of them, one line each, for ``make-guide check``.
    """

    def __init__(self, message: str, *, exit_code: int = 1, details: Sequence[str] = ()) -> None:
        # One line, whatever a file name, key or value carried in.
        super().__init__(_one_line(message))
        self.exit_code = exit_code
        self.details = [_one_line(d) for d in details] or [str(self)]


def _one_line(message: str) -> str:
    return message.replace("\r", "\\r").replace("\n", "\\n")


class Problems:
    """Where a loader puts the problems it finds: raised at once (a build), or collected
    so that ``make-guide check`` lists every one in a single run."""

    def __init__(self, *, collect: bool = False) -> None:
        self.collect = collect
        self.found: list[str] = []

    def add(self, error: GuideError) -> None:
        if not self.collect:
            raise error
        self.found.extend(error.details)

    @contextmanager
    def catch(self) -> Iterator[None]:
        """Collect a GuideError raised in the block (or let it through)."""
        try:
            yield
        except GuideError as exc:
            self.add(exc)


def located(path: Path | str, line: int | None, message: str) -> str:
    """Format ``file:line: message`` (or ``file: message`` when the line is unknown)."""
    where = f"{path}:{line}" if line else f"{path}"
    return f"{where}: {message}"
