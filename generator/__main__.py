"""``python -m generator``: the same command line as ``make-guide``."""

import sys

from .cli import main

sys.exit(main())
