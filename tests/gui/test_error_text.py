"""Back-end messages (English, from nlp/) in the Chinese interface: a translated
frame, with the English detail kept."""

from __future__ import annotations

import pytest

from gui import i18n
from gui.background import error_text
from nlp.errors import StudioError

DETAIL = "corpus.txt is not UTF-8 (byte 0xff at position 12)"


@pytest.fixture
def chinese(qapp):
    assert i18n.install_translator(qapp, "zh_CN") == "zh_CN"
    yield
    i18n.remove_translators(qapp)


def test_in_english_a_back_end_message_is_shown_as_it_is():
    assert error_text(StudioError(DETAIL)) == DETAIL


def test_in_chinese_a_back_end_message_gets_a_translated_frame(chinese):
    text = error_text(StudioError(DETAIL))
    frame, detail = text.split("\n", 1)
    assert detail == DETAIL  # the English detail, unchanged
    assert "后端" in frame  # the frame in Chinese
