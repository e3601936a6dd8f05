"""Render a leaflet (or the index, or a pack) to one self-contained HTML string with Jinja2.

What the templates see comes from :mod:`generator.localize`; template strings are
translated by Jinja2's i18n extension (``{% trans %}`` / ``_()``, newstyle gettext).
Autoescaping is on and undefined variables are errors, so a string from a catalog can
never become markup and a typo in a template cannot print nothing. Template strings
are escaped too: Jinja2's newstyle gettext would take a translation for markup (only
its ``%(name)s`` arguments get escaped), so the gettext functions installed here
return it escaped — every translation is text. A template that fails is one line
naming its file and line.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from .content import Content
from .errors import GuideError, located
from .filters import css_counters, css_string, looks_like, mark_passages, qr_svg, tel_href
from .i18n import Translator
from .links import Policy
from .loader import BytecodeCache, ProjectLoader
from .localize import formats_locale, localize, money
from .paper import PrintOptions
from .project import Project, persistent_cache_dir

log = logging.getLogger(__name__)

TEMPLATE = "leaflet.html"


def _bytecode_dir() -> str | None:
    """The folder for compiled templates, or None (no bytecode cache) when the user's
    cache folder cannot be used: it only saves time, so it is simply left off."""
    path = persistent_cache_dir()
    return str(path / "jinja") if path else None


@lru_cache(maxsize=8)
def environment(template_dirs: tuple[Path, ...], root: Path) -> jinja2.Environment:
    """One Jinja2 environment per project, reused across leaflets.

    Templates are looked up in ``template_dirs`` in order (the project's own, then the
    built-in theme), each file on its own: a project overrides only what it changes.
    A project's templates must not lead out of ``root``; the theme is the tool's own.
    """
    bytecode_dir = _bytecode_dir()
    loaders = [
        ProjectLoader(folder, root if folder.is_relative_to(root) else folder)
        for folder in template_dirs
    ]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        # Compiled templates are kept between runs: a cold run skips recompiling them.
        bytecode_cache=BytecodeCache(bytecode_dir) if bytecode_dir else None,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["tel"] = tel_href
    env.filters["looks_like"] = looks_like
    env.filters["passages"] = mark_passages
    env.filters["css_counters"] = css_counters
    env.filters["css_string"] = css_string
    env.globals["qr_svg"] = qr_svg
    return env


def _check_template_links(translator: Translator, links: Policy) -> None:
    """Template strings are checked here: content strings are, in :func:`_translated`.

    (Template strings are the messages without a context.)
    """
    for message in translator.catalog:
        forms = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if message.id and message.context is None:
            for link in links.refused(f for f in forms if f):
                where = located(translator.path, message.lineno, "msgstr")
                raise GuideError(f"{where}: link not from an official site: {link}")


def render_html(
    project: Project,
    content: Content,
    lang: str,
    slug: str,
    translator: Translator,
    *,
    draft: bool = False,
    print_options: PrintOptions | None = None,
    alternates: Sequence[tuple[str, str]] = (),
) -> str:
    """The leaflet for ``slug`` in ``lang`` as one HTML document.

    With ``draft``, the page is marked DRAFT (strings the catalog lacks show in English).
    ``alternates`` are ``(hreflang, href)`` of the same leaflet in other languages.
    """
    leaflet = localize(
        project, content, lang, slug, translator, draft=draft, print_options=print_options
    )
    _check_template_links(translator, leaflet.links)
    locale = formats_locale(content, lang, content.sources["guide"].path)
    return render_template(
        project,
        TEMPLATE,
        translator,
        leaflet=leaflet,
        alternates=alternates,
        money=lambda amount: money(amount, locale),
    )


def _escaped(lookup: Callable[..., str]) -> Callable[..., Markup]:
    """``lookup`` returning its translation HTML-escaped.

    Newstyle gettext does ``Markup(translation) % arguments``: given a Markup already,
    it keeps the escaping, and the arguments are escaped as before.
    """

    def call(*args: Any) -> Markup:
        return escape(lookup(*args))

    return call


def render_template(project: Project, name: str, translator: Translator, **context: object) -> str:
    """Render template ``name`` with ``translator``; template mistakes become one-line errors."""
    env = environment(tuple(project.template_dirs), project.root)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _escaped(translator.gettext),
        _escaped(translator.ngettext),
        newstyle=True,
        pgettext=_escaped(translator.pgettext),
        npgettext=_escaped(translator.npgettext),
    )
    try:
        return env.get_template(name).render(**context)
    except GuideError:
        raise  # already one line (a catalog's problem found by a gettext call)
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename or project.template_dirs[0] / (exc.name or name)
        raise GuideError(
            located(where, exc.lineno, f"template syntax error: {exc.message}")
        ) from None
    except jinja2.TemplateNotFound as exc:
        dirs = " or ".join(str(d) for d in project.template_dirs)
        raise GuideError(f"{dirs}: template not found: {exc.name}") from None
    except jinja2.UndefinedError as exc:
        where, line = _template_frame(project.template_dirs)
        raise GuideError(located(where, line, f"undefined in template: {exc.message}")) from None
    except Exception as exc:
        # Templates are trusted, but a mistake in one ({{ 1/0 }}, a type error, an include
        # that includes itself) is still one line naming it; -v shows the traceback.
        where, line = _template_frame(project.template_dirs)
        log.debug("template error", exc_info=True)
        message = " ".join(str(exc).split())[:200]
        raise GuideError(
            located(where, line, f"template error: {type(exc).__name__}: {message}")
        ) from None


def _template_frame(template_dirs: list[Path]) -> tuple[Path | str, int | None]:
    """The innermost template file and line of the exception being handled.

    Jinja2 rewrites tracebacks so that template frames carry the template's own
    file name and line number.
    """
    tb = sys.exc_info()[2]
    where: tuple[Path | str, int | None] = (template_dirs[0], None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if any(filename.startswith(str(folder)) for folder in template_dirs):
            where = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return where
