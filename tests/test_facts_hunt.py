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


