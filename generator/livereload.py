"""What only served pages have (``make-guide serve``): the reload script and the error
overlay, and the preview's own pages — its index, and a page showing each PDF.

All of it is added when a page is sent, never written: the files of a build, in the
preview's folder or from ``make-guide --all``, carry no script. The script listens to
the server's events (server-sent events, ``EVENTS_PATH``): each carries the build's
state — the epoch at which each file was last written and the current errors — so a
page that connects late, or misses an event, still learns that it is out of date.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from html import escape

from babel import Locale, UnknownLocaleError

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


def _json(value: object) -> str:
    """JSON that cannot end the ``<script>`` it sits in."""
    text = json.dumps(value, ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


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
    snippet = (
        f'<div id="{OVERLAY_ID}" role="alert" style="{_OVERLAY_STYLE}"'
        f"{'' if errors else ' hidden'}>{escape(chr(10).join(errors))}</div>"
        f'<script nonce="{escape(nonce)}">{_SCRIPT}({_json(config)});</script>\n'
    ).encode()
    end = page.lower().rfind(b"</body>")
    return page + snippet if end < 0 else page[:end] + snippet + page[end:]


def _page(title: str, style: str, body: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{style}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    ).encode()


def _language(lang: str) -> str:
    """A column heading: ``中文 (zh)``, the language's name in itself (marked with its
    language, for screen readers) and its identifier."""
    try:
        locale = Locale.parse(lang)
        name, tag = locale.get_display_name(locale) or lang, html_lang(locale)
    except (ValueError, UnknownLocaleError):
        return f'<th scope="col">{escape(lang)}</th>'
    return f'<th scope="col"><span lang="{escape(tag)}">{escape(name)}</span> ({escape(lang)})</th>'


def index_page(targets: Sequence[Target], files: Mapping[Target, Mapping[str, str]]) -> bytes:
    """The preview's index: per operator and language, the HTML, the PDF and the PDF
    in a page that follows its rebuilds. ``files``: each target's file per format."""
    langs = list(dict.fromkeys(t.lang for t in targets))
    operators = list(dict.fromkeys(t.operator for t in targets))
    head = "".join(_language(lang) for lang in langs)
    rows = []
    for op in operators:
        cells = []
        for lang in langs:
            names = files.get(Target(lang, op))
            if names is None:
                cells.append("<td></td>")
                continue
            html, pdf = escape(names["html"]), escape(names["pdf"])
            cells.append(
                f'<td><a href="{html}">HTML</a> · <a href="{pdf}">PDF</a> · '
                f'<a href="{PREVIEW_PREFIX[1:]}{pdf}">PDF preview</a></td>'
            )
        rows.append(f'<tr><th scope="row">{escape(op)}</th>{"".join(cells)}</tr>')
    style = (
        "body{font-family:sans-serif;margin:1.5rem}table{border-collapse:collapse}"
        "th,td{padding:.4rem .8rem;border:1px solid #888;text-align:left}"
    )
    body = (
        "<main>\n<h1>make-guide serve</h1>\n<p>Every page reloads itself when you save a "
        "file it is built from.</p>\n"
        f'<table>\n<tr><th scope="col">operator</th>{head}</tr>\n'
        + "\n".join(rows)
        + "\n</table>\n</main>"
    )
    return _page("make-guide serve", style, body)


def preview_page(pdf: str, html: str, version: int) -> bytes:
    """A page with the PDF ``pdf`` (written at epoch ``version``) in an iframe whose
    ``src`` is set again, with the new ``?v=<epoch>``, after each rebuild of the PDF;
    and links to the HTML and the index."""
    style = (
        "html,body{height:100%;margin:0}body{display:flex;flex-direction:column;"
        "font-family:sans-serif}header{display:flex;gap:1.5rem;align-items:baseline;"
        "padding:.3rem .8rem}h1{font-size:1rem;margin:0}main{flex:1;display:flex}"
        "iframe{flex:1;border:0;width:100%}"
    )
    body = (
        f'<header><h1>{escape(pdf)}</h1><nav><a href="/">index</a> · '
        f'<a href="/{escape(html)}">HTML</a> · <a href="/{escape(pdf)}">PDF</a></nav></header>\n'
        f'<main><iframe id="{FRAME_ID}" title="{escape(pdf)}" '
        f'src="/{escape(pdf)}?v={version}"></iframe></main>'
    )
    return _page(pdf, style, body)
