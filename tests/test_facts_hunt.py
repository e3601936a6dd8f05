"""``make-guide facts verify`` under attack: a careless or hostile content editor, a hostile
web server. Each test is one way of breaking a promise of "Keeping facts true" (README):
no false "confirmed", no connection to a refused address, bounded time, ``--record``
changing only dates. No test reaches the internet.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator import fetch
from generator.content import parse_model
from generator.fetch import Fetcher, FetchError, Limits, _text, refusal
from generator.project import Project
from generator.record import _edited, record
from generator.schema import Operator
from generator.verify import Verdict, find_value
from generator.yamlsource import load_yaml

# --- matching: a value is found only as a reader would see it --------------------------


@pytest.mark.parametrize(
    ("value", "page"),
    [
        # A long number inside a longer one: a typo that drops a digit, an INN, a price list.
        ("8 800 250-08-9", "Звоните 8 800 250-08-90"),
        ("495 766-01-66", "тел. 1495 766-01-66"),
        ("+7 495 766-01-66", "+7 495 766-01-667"),
        ("8 800 250-08-90", "ИНН 7800250089012"),
        ("8 800 250-08-90", "Тарифы: 18 800 250 08 90 руб"),
        ("8 800 250-08-90", "Цены 2018 800 250 08 90 21"),
        # A short number written as something else: a date, a decimal, a model name.
        ("0611", "Акция до 06.11"),
        ("611", "курс 6.11"),
        ("611", "6 11"),
        ("100", "1 00"),
        ("611", "модель A611"),
        # A name or a short number inside a longer word or number.
        ("12", "в 2012 году"),
        ("МТС", "МТСБанк"),
        ("Tele2", "Tele22"),
        # A site with a path is more than its host.
        ("https://mts.ru/roaming", "Сайт: mts.ru"),
    ],
)
def test_no_false_match(value: str, page: str) -> None:
    assert find_value(value, page) is None


@pytest.mark.parametrize(
    ("value", "page"),
    [
        ("8 800 250-08-90", "8 800 250-08-90 (24/7)"),
        ("8 800 250-08-90", "88002500890"),
        ("8 800 250-08-90", "+7 800 2500890"),
        ("800 250-08-90", "8 800 250-08-90"),  # without the trunk prefix
        ("766-01-66", "+7 495 766-01-66"),  # a local number
        ("611", "Звоните 611 (бесплатно)"),
        ("+611", "+611"),
        ("0611", "«0611»"),
        ("Мой МТС (My MTS)", "«Мой МТС»"),
        ("Tele2", "Tele2, Tele2!"),
        ("https://mts.ru/roaming", "mts.ru/roaming/"),
        ("https://mts.ru/", "www.mts.ru"),
    ],
)
def test_still_found(value: str, page: str) -> None:
    assert find_value(value, page) is not None


@pytest.mark.xfail(strict=True, reason="a value that is the first groups of a longer number")
def test_a_number_cut_at_a_group_is_not_found() -> None:
    assert find_value("8 800 250-08", "Звоните 8 800 250-08-90") is None


# --- the page's visible text ------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "<div hidden>VALUE</div>",
        '<div hidden="">VALUE</div>',
        '<p style="display: none">VALUE</p>',
        '<p style="COLOR:red;Display:None">VALUE</p>',
        '<span style="visibility:hidden">VALUE</span>',
        "<iframe>VALUE</iframe>",
        "<noembed>VALUE</noembed>",
        "<noframes>VALUE</noframes>",
        "<dialog>VALUE</dialog>",
        "<div hidden><p>in <b>VALUE</b></p></div>",
    ],
)
def test_hidden_markup_is_not_visible_text(html: str) -> None:
    text = _text(f"<p>page</p>{html}<p>end</p>".encode(), "text/html")
    assert "VALUE" not in text and "page" in text and "end" in text


@pytest.mark.parametrize(
    "html",
    [
        '<div hidden="until-found">VALUE</div>',  # a find in the page reveals it
        "<dialog open>VALUE</dialog>",
        '<div aria-hidden="true">VALUE</div>',  # seen, just not read out
        '<p style="display:block">VALUE</p>',
    ],
)
def test_shown_markup_is_visible_text(html: str) -> None:
    assert "VALUE" in _text(html.encode(), "text/html")


@pytest.mark.parametrize(
    ("body", "content_type", "shown"),
    [
        (b"+ADgAOAA4-", "text/plain; charset=utf-7", "+ADgAOAA4-"),  # no browser reads utf-7
        (b"\\u0038\\u0038", "text/plain; charset=unicode_escape", "\\u0038\\u0038"),
        (b"xn--80ak6aa92e.com", "text/plain; charset=idna", "xn--80ak6aa92e.com"),
        ("тест".encode("koi8-r"), "text/plain; charset=KOI8-R", "тест"),
        ("тест".encode("cp1251"), "text/plain; charset=windows-1251", "тест"),
        ("тест".encode(), "text/plain", "тест"),
    ],
)
def test_plain_text_is_decoded_as_a_browser_would(
    body: bytes, content_type: str, shown: str
) -> None:
    assert _text(body, content_type) == shown


