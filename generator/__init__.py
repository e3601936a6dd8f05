"""make-guide: structured content + gettext catalogs -> print-ready leaflets.

The pipeline is visible in the module names:
content (load + validate YAML) -> i18n (catalogs) -> render (Jinja2 -> HTML)
-> pdf (WeasyPrint) -> build (what to build, written atomically) -> cli.
"""

__version__ = "0.1.0"
