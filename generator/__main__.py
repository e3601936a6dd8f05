"""``python -m generator``: the same command line as ``make-guide``."""

from .cli import run

run()
