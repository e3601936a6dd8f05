"""The one exception type for mistakes a user can fix (bad content, catalogs, options).

Library code raises :class:`GuideError` with a message that names the file and the
line or key; only :mod:`generator.cli` turns it into ``make-guide: error: ...`` and
an exit code. Anything else that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path


class GuideError(Exception):
    """A problem in the user's input, reported as one line."""

    def __init__(self, message: str, *, exit_code: int = 1) -> None:
        # One line, whatever a file name, key or value carried in.
        super().__init__(message.replace("\r", "\\r").replace("\n", "\\n"))
        self.exit_code = exit_code


def located(path: Path | str, line: int | None, message: str) -> str:
    """Format ``file:line: message`` (or ``file: message`` when the line is unknown)."""
    where = f"{path}:{line}" if line else f"{path}"
    return f"{where}: {message}"
