"""What only served pages have (``make-guide serve``): the reload script and the error
overlay, and the preview's own pages — its index, and a page showing each PDF.

All of it is added when a page is sent, never written: the files of a build, in the
preview's folder or from ``make-guide --all``, carry no script. The script listens to
the server's events (server-sent events, ``EVENTS_PATH``): each carries the build's
state — the epoch at which each file was last written and the current errors — so a
page that connects late, or misses an event, still learns that it is out of date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import jinja2
from babel import Locale, UnknownLocaleError
from markupsafe import Markup

from .build import Target
from .i18n import html_lang

#: Where pages listen for builds (server-sent events).
EVENTS_PATH = "/__events"
#: ``/__preview/<name>.pdf``: the PDF in an iframe that reloads after each PDF rebuild.
PREVIEW_PREFIX = "/__preview/"
OVERLAY_ID = "make-guide-error"
FRAME_ID = "make-guide-pdf"

# Fixed, on top of everything, white on dark red (contrast 10:1), text as given.
_OVERLAY_STYLE = (
    "position:fixed;z-index:2147483647;top:0;left:0;right:0;margin:0;"
    "padding:.75em 1em;background:#8b0000;color:#fff;font:15px/1.4 monospace;"
    "white-space:pre-wrap;overflow-wrap:anywhere;max-height:50vh;overflow:auto"
)

# The page's file, the epoch it was written at, and the server run it came from; a
# newer epoch reloads the page (or, on a preview page, only the PDF's iframe), and a
# restarted server reloads every page. Errors go in as text, never as markup.
_SCRIPT = """(function (c) {
  var box = document.getElementById(c.overlay);
  var events = new EventSource(c.events);
  events.onmessage = function (message) {
    var state = JSON.parse(message.data);
    box.textContent = state.errors.join("\\n");
    box.hidden = state.errors.length === 0;
    var version = state.versions[c.watch] || 0;
    if (state.run !== c.run) {
      events.close();
      location.reload();
    } else if (version > c.version) {
      c.version = version;
      var frame = document.getElementById(c.frame);
      if (frame) {
        frame.src = "/" + encodeURIComponent(c.watch) + "?v=" + version;
      } else {
        events.close();
        location.reload();
      }
    }
  };
})"""

# Autoescaped like every template: the errors are text; tojson cannot end the script.
_PAGES = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
_PAGES.globals["script"] = Markup(_SCRIPT)
_SNIPPET = _PAGES.from_string(
    '<div id="{{ overlay }}" role="alert" style="{{ style }}"{% if not errors %} hidden{% endif %}>'
    '{{ errors|join("\\n") }}</div>'
    '<script nonce="{{ nonce }}">{{ script }}({{ config|tojson }});</script>\n'
)


def inject(
    page: bytes, *, run: str, watch: str, version: int, errors: Sequence[str], nonce: str
) -> bytes:
    """``page`` with the error overlay and the reload script added before ``</body>``.

    ``watch``: the file whose rebuilds reload the page (its own, or the PDF of a
    preview page), written at epoch ``version``. ``nonce``: the one script the
    page's Content-Security-Policy lets run.
    """
    config = {
        "run": run,
        "watch": watch,
        "version": version,
        "events": EVENTS_PATH,
        "overlay": OVERLAY_ID,
        "frame": FRAME_ID,
    }
    snippet = _SNIPPET.render(
        overlay=OVERLAY_ID, style=_OVERLAY_STYLE, errors=errors, nonce=nonce, config=config
    ).encode()
    end = page.lower().rfind(b"</body>")
    return page + snippet if end < 0 else page[:end] + snippet + page[end:]


# The preview's own pages: not in the theme (templates/), as a project has no reason to
# override them and they are never part of a build.
_INDEX = _PAGES.from_string(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>make-guide serve</title>
<style>
body { font-family: sans-serif; margin: 1.5rem; }
table { border-collapse: collapse; }
th, td { padding: .4rem .8rem; border: 1px solid #888; text-align: left; }
</style>
</head>
<body>
<main>
<h1>make-guide serve</h1>
<p>Every page reloads itself when you save a file it is built from.</p>
<table>
<tr><th scope="col">operator</th>
{%- for lang, tag, name in languages %}
<th scope="col">{% if tag %}<span lang="{{ tag }}">{{ name }}</span> ({{ lang }})
{%- else %}{{ lang }}{% endif %}</th>
{%- endfor %}</tr>
{% for operator, row in rows %}
<tr><th scope="row">{{ operator }}</th>
{%- for files in row %}
<td>{% if files %}<a href="{{ files.html }}">HTML</a> · <a href="{{ files.pdf }}">PDF</a> ·
<a href="{{ preview }}{{ files.pdf }}">PDF preview</a>{% endif %}</td>
{%- endfor %}</tr>
{% endfor %}
</table>
</main>
</body>
</html>
"""
)
_PREVIEW = _PAGES.from_string(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ pdf }}</title>
<style>
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font-family: sans-serif; }
header { display: flex; gap: 1.5rem; align-items: baseline; padding: .3rem .8rem; }
h1 { font-size: 1rem; margin: 0; }
main { flex: 1; display: flex; }
iframe { flex: 1; border: 0; width: 100%; }
</style>
</head>
<body>
<header><h1>{{ pdf }}</h1>
<nav><a href="/">index</a> · <a href="/{{ html }}">HTML</a> · <a href="/{{ pdf }}">PDF</a></nav>
</header>
<main><iframe id="{{ frame }}" title="{{ pdf }}" src="/{{ pdf }}?v={{ version }}"></iframe></main>
</body>
</html>
"""
)


def _language(lang: str) -> tuple[str, str | None, str]:
    """``(zh, zh-Hans, 中文)``: the identifier, its BCP 47 tag and the language's name
    in itself (tag and name None and the identifier when Babel does not know it)."""
    try:
        locale = Locale.parse(lang)
    except (ValueError, UnknownLocaleError):
        return lang, None, lang
    return lang, html_lang(locale), locale.get_display_name(locale) or lang


def index_page(targets: Sequence[Target], files: Mapping[Target, Mapping[str, str]]) -> bytes:
    """The preview's index: per operator and language, the HTML, the PDF and the PDF
    in a page that follows its rebuilds. ``files``: each target's file per format."""
    langs = list(dict.fromkeys(t.lang for t in targets))
    operators = list(dict.fromkeys(t.operator for t in targets))
    rows = [(op, [files.get(Target(lang, op)) for lang in langs]) for op in operators]
    page = _INDEX.render(
        languages=[_language(lang) for lang in langs], rows=rows, preview=PREVIEW_PREFIX[1:]
    )
    return page.encode()


def preview_page(pdf: str, html: str, version: int) -> bytes:
    """A page with the PDF ``pdf`` (written at epoch ``version``) in an iframe whose
    ``src`` is set again, with the new ``?v=<epoch>``, after each rebuild of the PDF;
    and links to the HTML and the index."""
    return _PREVIEW.render(pdf=pdf, html=html, version=version, frame=FRAME_ID).encode()
