"""English and Simplified Chinese: the setting, the system locale and the
RNN_STUDIO_LANG override pick the language; the committed .ts translates every
text the code marks, and the .qm the app loads matches it."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QMessageBox

from gui import i18n

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "gui" / "i18n" / "rnnstudio_zh_CN.ts"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def ts_messages(path: Path = TS) -> list[tuple[str, str, ET.Element]]:
    """(context, source, translation element) of every message in a .ts file."""
    root = ET.parse(path).getroot()
    return [(ctx.findtext("name") or "", m.findtext("source") or "", m.find("translation"))
            for ctx in root.iter("context") for m in ctx.iter("message")]


@pytest.fixture
def no_override(monkeypatch):
    monkeypatch.delenv(i18n.ENV_VAR, raising=False)


@pytest.fixture
def chinese(qapp):
    assert i18n.install_translator(qapp, "zh_CN") == "zh_CN"
    yield
    i18n.remove_translators(qapp)


# -- choosing the language ------------------------------------------------------------------

def test_the_setting_picks_the_language(no_override):
    assert i18n.resolve_language("en", locale_name="zh_CN") == "en"
    assert i18n.resolve_language("zh_CN", locale_name="en_US") == "zh_CN"


@pytest.mark.parametrize("setting", ["system", None, "", "klingon"])
@pytest.mark.parametrize(("locale", "language"), [
    ("zh_CN", "zh_CN"), ("zh_TW", "zh_CN"), ("zh-Hans-CN", "zh_CN"), ("en_GB", "en"),
    ("de_DE", "en"), ("C", "en")])
def test_system_default_follows_the_locale(no_override, setting, locale, language):
    assert i18n.resolve_language(setting, locale_name=locale) == language


def test_the_system_locale_is_read_when_none_is_given(no_override):
    assert i18n.resolve_language("system") in i18n.LANGUAGES  # whatever this machine says


def test_the_environment_overrides_everything(monkeypatch):
    monkeypatch.setenv(i18n.ENV_VAR, "zh_CN")
    assert i18n.resolve_language("en", locale_name="en_US") == "zh_CN"
    monkeypatch.setenv(i18n.ENV_VAR, "en")
    assert i18n.resolve_language("zh_CN", locale_name="zh_CN") == "en"
    monkeypatch.setenv(i18n.ENV_VAR, "")  # empty: as if unset
    assert i18n.resolve_language("zh_CN", locale_name="en_US") == "zh_CN"


def test_languages_are_named_in_their_own_language():
    assert i18n.LANGUAGES == {"en": "English", "zh_CN": "简体中文"}


# -- installing the translation ----------------------------------------------------------------

def test_the_qm_file_translates_a_page_title(chinese):
    assert i18n.current_language() == "zh_CN"
    assert QCoreApplication.translate("Pages", "Train") == "训练"
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"  # Qt's own
    # a text of the run chooser shared by the Generate and Translate pages (its own context)
    assert QCoreApplication.translate("RunChooser", "  (step {step})") == "  （第 {step} 步）"


def test_english_and_removal_leave_the_source_texts(qapp):
    assert i18n.install_translator(qapp, "zh_CN") == "zh_CN"
    assert i18n.install_translator(qapp, "en") == "en"  # replaces the Chinese one
    assert QCoreApplication.translate("Pages", "Train") == "Train"
    assert i18n.current_language() == "en"


def test_a_missing_qm_file_falls_back_to_english(qapp, tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(i18n, "I18N_DIR", tmp_path)
    with caplog.at_level(logging.WARNING, logger="gui.i18n"):
        assert i18n.install_translator(qapp, "zh_CN") == "en"
    assert "cannot load" in caplog.text
    assert QCoreApplication.translate("Pages", "Train") == "Train"
    assert i18n.install_translator(qapp, "fr") == "en"  # a language we lack: no crash


def test_the_window_builds_in_chinese(chinese, ctx, qtbot):
    from gui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert titles[:2] == ["语料库", "训练"]
    assert window.pages["train"].form.start_button.text() == "开始训练"
    menus = [a.text() for a in window.menuBar().actions()]
    assert "设置(&S)" in menus and "文件(&F)" in menus
    assert window.workspace_label.text().startswith("工作区：")


# -- the Settings > Language menu --------------------------------------------------------------

def test_the_language_menu_remembers_the_choice(window, ctx, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "information",
                        lambda parent, title, text: shown.append((title, text)))
    assert window.language_actions["system"].isChecked()
    assert set(window.language_actions) == {"system", "en", "zh_CN"}
    window.language_actions["zh_CN"].trigger()
    assert ctx.recall("language") == "zh_CN"
    assert window.language_actions["zh_CN"].isChecked()
    assert len(shown) == 1 and "简体中文" in shown[0][1] and "start it again" in shown[0][1]
    window.language_actions["zh_CN"].trigger()  # the same choice again: nothing to say
    assert len(shown) == 1


def test_the_remembered_choice_is_checked(settings, ctx, qtbot):
    from gui.main_window import MainWindow

    settings.setValue("language", "en")
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    assert window.language_actions["en"].isChecked()
    assert not window.language_actions["system"].isChecked()


# -- the translation files -------------------------------------------------------------------

def test_every_text_is_translated():
    """Fails with the list of texts that lack a Chinese translation (run
    gui/i18n/update.sh, then translate the entries marked unfinished)."""
    problems = []
    for context, source, translation in ts_messages():
        text = translation.text if translation is not None else None
        kind = translation.get("type") if translation is not None else None
        if not text or not text.strip() or kind in ("unfinished", "vanished", "obsolete"):
            problems.append(f"{context}: {source!r} ({kind or 'empty'})")
        elif sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
            problems.append(f"{context}: {source!r}: the translation's {{placeholders}} differ")
        elif ("&" in source.replace("&&", "")) != ("&" in text.replace("&&", "")):
            problems.append(f"{context}: {source!r}: the translation's & shortcut differs")
    assert not problems, (f"{len(problems)} text(s) in {TS.name} need a translation:\n"
                          + "\n".join(problems))


def test_the_ts_file_holds_every_text_of_the_code(tmp_path):
    """A text marked in gui/ but missing from the .ts (lupdate not run) fails here."""
    tool = Path(sys.executable).parent / "pyside6-lupdate"
    lupdate = str(tool) if tool.exists() else shutil.which("pyside6-lupdate")
    if lupdate is None:
        pytest.skip("pyside6-lupdate is not installed")
    sources = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "gui").rglob("*.py"))
    fresh = tmp_path / "fresh.ts"
    subprocess.run([lupdate, *sources, "-ts", str(fresh)], cwd=ROOT, check=True,
                   capture_output=True, timeout=120)
    in_code = {(c, s) for c, s, _ in ts_messages(fresh)}
    in_ts = {(c, s) for c, s, t in ts_messages() if t.get("type") not in ("vanished", "obsolete")}
    missing = sorted(in_code - in_ts)
    stale = sorted(in_ts - in_code)
    assert not missing and not stale, (
        "gui/i18n/rnnstudio_zh_CN.ts is out of date; run gui/i18n/update.sh.\n"
        f"not in the .ts: {missing}\nno longer in the code: {stale}")


def test_the_qm_file_matches_the_ts_file(qapp):
    """The compiled .qm (what the app loads) was made from the current .ts."""
    translator = QTranslator()
    assert translator.load(str(i18n.qm_path("zh_CN")))
    stale = [(context, source) for context, source, translation in ts_messages()
             if translator.translate(context, source) != (translation.text or "")]
    assert not stale, f"rebuild the .qm with gui/i18n/update.sh; differing: {stale[:10]}"
