"""The quick WeasyPrint import gives the C types cffi itself would (it only skips work)."""

from __future__ import annotations

import subprocess
import sys

#: Run in a fresh interpreter: the speed-ups apply only before WeasyPrint is imported.
CHECK = r"""
from generator.warmstart import import_weasyprint
import_weasyprint()
from weasyprint.text.ffi import ffi

# Arrays of any length, built from the first one parsed: the same types as cffi's.
first = ffi.typeof("hb_codepoint_t[3]")
for n in (1, 7, 1365, 20695):
    t = ffi.typeof(f"hb_codepoint_t[{n}]")
    assert t.kind == "array" and t.length == n, (t, n)
    assert t.item is first.item is ffi.typeof("hb_codepoint_t"), t
    cells = ffi.new(f"hb_codepoint_t[{n}]")
    cells[n - 1] = 42
    assert len(cells) == n and cells[n - 1] == 42
# ...and with a space, and an unknown item type still refused as cffi refuses it.
assert ffi.typeof("hb_codepoint_t [5]").length == 5
try:
    ffi.typeof("no_such_type_t[4]")
except Exception:
    pass
else:
    raise AssertionError("an unknown type was accepted")
# A plain cffi, parsing everything itself, agrees on the size.
assert ffi.sizeof("hb_codepoint_t[1365]") == 1365 * ffi.sizeof("hb_codepoint_t")
print("ok")
"""


def _run_fresh(script: str) -> None:
    """Run ``script`` in a fresh interpreter (the speed-ups apply only before WeasyPrint
    is imported); it prints "ok" when every assertion held."""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_arrays_are_cffis_own_types() -> None:
    _run_fresh(CHECK)


#: fontTools' subsetter (and the variable-font code it pulls in) is WeasyPrint's
#: fallback when HarfBuzz cannot subset: loaded only when used.
LAZY = r"""
import sys
from generator.warmstart import import_weasyprint
import_weasyprint()
import weasyprint.pdf.fonts

loaded = [m for m in ("fontTools.varLib", "fontTools.subset.cff", "fontTools.otlLib.builder")
          if m in sys.modules]
assert not loaded, f"loaded at import: {loaded}"
# ...and works as the real module when WeasyPrint falls back to it.
from fontTools import subset
options = subset.Options(retain_gids=True)
assert subset.Subsetter(options).options is options
assert "fontTools.subset.cff" in sys.modules
from fontTools.varLib.instancer import instantiateVariableFont
assert callable(instantiateVariableFont)
print("ok")
"""


def test_fonttools_subsetter_loads_only_when_used() -> None:
    _run_fresh(LAZY)


#: Pillow is imported when WeasyPrint first meets a raster image, and then works.
PILLOW = r"""
import base64, io, sys
from generator.warmstart import import_weasyprint
import_weasyprint()
from weasyprint import HTML

HTML(string="<p>text only</p>").write_pdf()
pillow = [m for m in ("PIL.Image", "PIL.ImageCms", "PIL.PngImagePlugin") if m in sys.modules
          and type(sys.modules[m]).__name__ == "module" and hasattr(sys.modules[m], "open")]
assert not pillow, f"loaded without an image: {pillow}"

# A 2x1 PNG: one red pixel, one blue.
png = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAAEElEQVR4nGP4z8DwHwyBDABE3An3Kqs3kwAAAABJRU5ErkJggg=="
)
uri = "data:image/png;base64," + base64.b64encode(png).decode()
pdf = HTML(string=f'<img src="{uri}">').write_pdf()
assert b"/Subtype /Image" in pdf or b"/Subtype/Image" in pdf, pdf[:2000]
from PIL import Image, ImageCms
assert Image.open(io.BytesIO(png)).size == (2, 1)
assert callable(ImageCms.ImageCmsProfile) and hasattr(ImageCms, "getOpenProfile")
print("ok")
"""


def test_pillow_loads_only_for_a_raster_image() -> None:
    _run_fresh(PILLOW)
