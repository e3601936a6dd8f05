"""The subcommands of ``make-guide``: each module has ``parser()`` and ``run(args, out,
err) -> int``. They are part of the command line (they print; the library does not)."""
