"""Importing WeasyPrint quickly: its C declarations parsed once and kept, fontTools on demand.

Half of a cold build used to be ``import weasyprint``. Most of that is cffi parsing the
C declarations of Pango, HarfBuzz and fontconfig with pycparser at every start (~0.3 s
here), and WeasyPrint importing fontTools' subsetter and variable-font instancer, which
it needs only when HarfBuzz's subsetter is missing or a font is variable (~0.15 s).

- cffi's parser state after a ``cdef`` (plain data: the declared types, constants) is
  pickled to the cache folder (:mod:`generator.diskcache`, kind ``cffi``), keyed by the
  declarations' text and the versions of cffi, WeasyPrint and Python; the next start
  loads it in a few milliseconds instead of parsing. Anything unexpected (another cffi,
  an unreadable cache) falls back to parsing, so the worst case is the old speed, never
  a wrong result.
- cffi parses every C type named at run time with pycparser (~3 ms each). WeasyPrint
  names an array of each length it subsets a font to (``hb_codepoint_t[1365]``): dozens
  per leaflet, each new to the process. Once one array of an item type is parsed, the
  others are built as cffi builds them (``model.ArrayType`` of the same item object).
- ``fontTools.subset`` and ``fontTools.varLib.instancer`` are imported when first used
  (``importlib.util.LazyLoader`` and a forwarding function), not when WeasyPrint loads;
  so is Pillow, which WeasyPrint needs for raster images (a leaflet has none).
- WeasyPrint tries several names for each library (Windows, macOS and Linux spellings);
  for each name that is not a file, cffi asks ``ctypes.util.find_library``, which runs
  ``ldconfig`` and the compiler as subprocesses (~50 of them). On Linux the names that
  are sonames (``libpango-1.0.so.0``) load directly by the same search ``dlopen`` does,
  so during that import ``find_library`` answers at once.

:func:`import_weasyprint` is called once, before anything imports WeasyPrint.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import logging
import pickle
import re
import sys
import types
from collections.abc import Callable
from typing import Any

from . import diskcache

log = logging.getLogger(__name__)

#: Bump when what is pickled changes.
CACHE_VERSION = "1"
#: Parser attributes that only matter while parsing (and do not pickle), or are ours.
_TRANSIENT = {"_structnode2type", "_mg_declared", "_mg_arrays"}


def _caching() -> bool:
    from .project import persistent_cache_dir

    return persistent_cache_dir() is not None


def _versions() -> str:
    parts = [sys.version, CACHE_VERSION]
    for name in ("cffi", "weasyprint", "pycparser"):
        parts.append(f"{name}={diskcache.library_version(name)}")
    return "|".join(parts)


def _cached_parse(parse: Callable[..., None]) -> Callable[..., None]:
    """``cffi.cparser.Parser.parse``, remembering the parser's state for each input."""

    @functools.wraps(parse)
    def cached(self: Any, csource: str, *args: Any, **kwargs: Any) -> None:
        before = sorted(getattr(self, "_declarations", {}))
        key = hashlib.sha256(
            repr((_versions(), before, csource, args, sorted(kwargs.items()))).encode()
        ).hexdigest()[:32]
        self.__dict__.pop("_mg_declared", None)  # the declarations change: types too
        self.__dict__.pop("_mg_arrays", None)
        try:
            state = pickle.loads(diskcache.load_bytes("cffi", key) or b"")
            if isinstance(state, dict) and "_declarations" in state:
                self.__dict__.update(state)
                return
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            pass  # not cached yet, or written by something else: parse
        parse(self, csource, *args, **kwargs)
        try:
            state = {k: v for k, v in vars(self).items() if k not in _TRANSIENT}
            data = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # only a cache: never a reason to fail the build
            log.debug("not caching cffi's declarations: %s", exc)
            return
        diskcache.store_bytes("cffi", key, data)

    return cached


class _TypeNames:
    """cffi parses each C type WeasyPrint names at run time (``ffi.new("int *")``) with
    pycparser, once per process: ~0.1 s of a cold build. The parsed types cannot be kept
    (cffi ties them to its own objects), but their names can: a process that has time to
    spare before its first PDF (the single-leaflet PDF process, while the HTML is still
    being rendered) parses them ahead with :func:`prewarm`. :func:`remember` saves the
    names a PDF needed (forked workers end without running ``atexit``)."""

    def __init__(self) -> None:
        self.key = f"types-{hashlib.sha256(_versions().encode()).hexdigest()[:16]}"
        loaded = diskcache.load("cffi", self.key)
        self.names: set[str] = (
            {n for n in loaded if isinstance(n, str)} if isinstance(loaded, list) else set()
        )
        self.new = False

    def wrap(self, parse_type: Callable[..., Any]) -> Callable[..., Any]:
        from cffi import model

        @functools.wraps(parse_type)
        def noted(parser: Any, cdecl: str) -> Any:
            # WeasyPrint asks for an array of each length it subsets a font to
            # ("hb_codepoint_t[1365]"): each a pycparser run of ~3 ms. Once the item type
            # is known, the array is built as cffi builds it (same item object).
            array = _ARRAY.fullmatch(cdecl) if isinstance(cdecl, str) else None
            arrays = parser.__dict__.setdefault("_mg_arrays", {})
            if array and array.group(1) in arrays:
                item, quals = arrays[array.group(1)]
                return model.ArrayType(item, int(array.group(2))), quals
            if isinstance(cdecl, str) and cdecl not in self.names:
                self.names.add(cdecl)
                self.new = True
            result = parse_type(parser, cdecl)
            tp, quals = result
            if array and isinstance(tp, model.ArrayType) and tp.length == int(array.group(2)):
                arrays[array.group(1)] = (tp.item, quals)
            return result

        return noted

    def save(self) -> None:
        if not self.new:
            return
        self.new = False
        diskcache.store("cffi", self.key, sorted(self.names))


_TYPES: _TypeNames | None = None
#: A C array type of a fixed length, as WeasyPrint names them: "hb_codepoint_t[42]".
_ARRAY = re.compile(r"([A-Za-z_][A-Za-z0-9_ ]*?)\s*\[([0-9]{1,9})\]")


def remember() -> None:
    """Save the C type names parsed since the last call (cheap when none are new)."""
    if _TYPES is not None:
        _TYPES.save()


def prewarm() -> None:
    """Spend idle time now on what the first PDF would: parse the C types it names and
    start fontconfig (a tiny document, our own fonts)."""
    try:
        from weasyprint import HTML
        from weasyprint.text.ffi import ffi

        # One array length per item type is enough: the others are then built directly.
        names, items = [], set()
        for name in sorted(_TYPES.names if _TYPES else ()):
            array = _ARRAY.fullmatch(name)
            if array and array.group(1) in items:
                continue
            if array:
                items.add(array.group(1))
            names.append(name)
        for name in names:
            try:
                ffi.typeof(name)
            except Exception:  # a name from another WeasyPrint: it will not be asked for
                continue
        HTML(string='<html lang="en"><p style="font-family: Noto Sans">x<b>y</b></p>').render()
    except Exception as exc:  # only a head start
        log.debug("no head start for the PDF: %s", exc)


def _lazy(name: str) -> None:
    """Import module ``name`` only when one of its attributes is first used."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    # Also an attribute of its package, as a real import leaves it: ``from package import
    # name`` then takes it from there. Otherwise that statement goes through the import
    # system, which reads the module's ``__spec__`` (Python 3.11), and that one read
    # loads the lazy module in full.
    parent, _, child = name.rpartition(".")
    if parent in sys.modules:
        setattr(sys.modules[parent], child, module)


def _forwarding(module_name: str, names: list[str]) -> None:
    """A stand-in for ``module_name`` whose functions (or classes, called) import the real
    module when called: ``from module import name`` would load a lazy module at once.
    Any other attribute asked of it imports the real module too."""
    if module_name in sys.modules:
        return
    stub = types.ModuleType(module_name)

    def real() -> types.ModuleType:
        if sys.modules.get(module_name) is stub:
            del sys.modules[module_name]
        return importlib.import_module(module_name)

    def forward(attr: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            return getattr(real(), attr)(*args, **kwargs)

        return call

    for attr in names:
        setattr(stub, attr, forward(attr))

    def other(attr: str) -> Any:
        if attr.startswith("__"):  # what the import system asks a module (__path__...)
            raise AttributeError(attr)
        return getattr(real(), attr)

    stub.__getattr__ = other  # type: ignore[method-assign]
    sys.modules[module_name] = stub


_DONE = False


def import_weasyprint() -> None:
    """Import WeasyPrint the quick way (idempotent; safe to call in any process)."""
    global _DONE
    if _DONE or "weasyprint" in sys.modules:
        _DONE = True
        return
    _DONE = True
    import ctypes.util

    find_library = ctypes.util.find_library
    try:
        import cffi.cparser

        if sys.platform.startswith("linux"):
            ctypes.util.find_library = lambda name: None
        if _caching() and not getattr(cffi.cparser.Parser.parse, "__wrapped__", None):
            global _TYPES
            _TYPES = _TypeNames()
            cffi.cparser.Parser.parse = _cached_parse(cffi.cparser.Parser.parse)
            cffi.cparser.Parser.parse_type_and_quals = _TYPES.wrap(
                cffi.cparser.Parser.parse_type_and_quals
            )
        _lazy("fontTools.subset")
        _forwarding("fontTools.varLib.instancer", ["instantiateVariableFont"])
        # Pillow reads raster images; a leaflet has none (its QR codes are SVG).
        for name in ("PIL.Image", "PIL.ImageFile", "PIL.ImageOps", "PIL.EpsImagePlugin"):
            _lazy(name)
        _forwarding("PIL.ImageCms", ["ImageCmsProfile"])
    except Exception as exc:  # a different cffi or fontTools: import as usual
        log.debug("importing WeasyPrint without the speed-ups: %s", exc)
    try:
        import weasyprint  # noqa: F401
    finally:
        ctypes.util.find_library = find_library
