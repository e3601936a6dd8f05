"""One leaflet, in memory: its HTML, the checks on what it prints, and its PDF.

Nothing is written here (see :mod:`generator.build` for files, :mod:`generator.api` for
bytes): a leaflet is complete in memory or it is an error. A leaflet with untranslated
or fuzzy strings is refused unless a draft is asked for (then it says DRAFT on every
page); a character that none of its fonts draws is refused whatever the format.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .build import Target
from .content import Content
from .errors import GuideError
from .i18n import Translator, html_lang, scripts_of
from .paper import PrintOptions
from .project import Project, cache_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendered:
    """A leaflet's files by format (``pdf``, ``html``), and whether it is a draft."""

    outputs: dict[str, bytes]
    draft: bool


def render_leaflet(
    project: Project,
    content: Content,
    tr: Translator,
    lang: str,
    operator: str,
    *,
    formats: Sequence[str] = ("pdf", "html"),
    print_options: PrintOptions | None = None,
    draft: bool = False,
    strict: bool = False,
    make_pdf: Callable[..., bytes] | None = None,
) -> Rendered:
    """Render the leaflet of ``operator`` in ``lang`` to the given ``formats``.

    ``draft``: build even with untranslated strings (the source text in their place,
    marked DRAFT). ``strict``: any WeasyPrint warning is an error. ``make_pdf``
    (default :func:`generator.pdf.html_to_pdf`) turns the HTML into PDF bytes.
    """
    from .characters import describe, origin
    from .localize import formats_locale, guide_fonts
    from .render import render_html

    options = print_options or PrintOptions()
    tr.missing.clear()
    alternates = [
        (
            html_lang(formats_locale(content, other, project.guide_file)),
            Target(other, operator).filename("html", suffix=options.suffix),
        )
        for other in project.languages()
    ]

    def render(as_draft: bool) -> str:
        return render_html(
            project,
            content,
            lang,
            operator,
            tr,
            draft=as_draft,
            print_options=options,
            alternates=alternates,
        )

    name = f"{operator}-{lang}"
    html = render(as_draft=False)
    is_draft = bool(tr.missing)
    if is_draft:
        if not draft:
            raise GuideError(
                f"{tr.path}: {name}: {tr.missing_summary()}; translate them, or build with --draft"
            )
        log.warning("%s: %s: building a draft", name, tr.missing_summary())
        html = render(as_draft=True)
    (script,) = scripts_of([lang]) or {"Latn"}
    fonts = guide_fonts(content)
    # Every character of the page (markup and CSS are ASCII), checked before any PDF:
    # an empty box must never be printed, --strict or not.
    missing = fonts.not_drawn(script, sorted(set(html) - set("\n\t\r"), key=html.index))
    if missing:
        where = origin(missing[0], content.sources.values(), tr.catalog, tr.path)
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise GuideError(
            f"{where}: {describe(missing[0])} is in none of the fonts of a {name} "
            f"leaflet ({', '.join(fonts.stack(script))}); it would print as an empty box{more}"
        )
    outputs: dict[str, bytes] = {}
    if "pdf" in formats:
        if make_pdf is None:
            from .pdf import html_to_pdf

            make_pdf = html_to_pdf
        cache = cache_dir()
        outputs["pdf"] = make_pdf(
            html=html,
            assets_dirs=project.assets_dirs,
            label=f"{name} on {options.spec.css_size} paper",
            max_pages=options.spec.budget,
            strict=strict,
            font_css=fonts.faces_css([script], html, cache),
            font_dir=cache / "fonts",
        )
    if "html" in formats:
        outputs["html"] = html.encode("utf-8")
    return Rendered(outputs, is_draft)
