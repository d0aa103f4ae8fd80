"""The window's languages: English (the source texts) and Simplified Chinese.

Every user-visible text in ``gui/`` goes through Qt's translation system
(``self.tr(...)`` in QObject subclasses, ``QCoreApplication.translate(context,
...)`` elsewhere, ``QT_TRANSLATE_NOOP`` for module-level tables translated
where they are shown). The translations live in ``gui/i18n/``:
``rnnstudio_zh_CN.ts`` (the editable XML) and ``rnnstudio_zh_CN.qm`` (what the
app loads; committed, so a fresh checkout needs no build step).

After changing or adding texts, refresh both files with::

    gui/i18n/update.sh

which runs ``pyside6-lupdate`` over the ``gui/`` sources (new texts appear in
the .ts as unfinished; fill them in, e.g. with Qt Linguist) and then
``pyside6-lrelease``. ``tests/gui/test_i18n.py`` fails while any text lacks a
translation.

The language is the settings key ``language`` ("system", "en" or "zh_CN"),
chosen under Settings > Language and applied at the next start. The
environment variable ``RNN_STUDIO_LANG`` overrides it (tests, screenshots).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

log = logging.getLogger(__name__)

LANGUAGES = {"en": "English", "zh_CN": "简体中文"}  # each named in its own language
SETTING_KEY = "language"
SYSTEM = "system"
ENV_VAR = "RNN_STUDIO_LANG"
I18N_DIR = Path(__file__).resolve().parent / "i18n"
QM_NAME = "rnnstudio_{language}.qm"

_installed: list[QTranslator] = []  # referenced here so Python does not collect them
_current = "en"


def normalize(code: str | None) -> str | None:
    """A language code as LANGUAGES spells it ("zh-CN", "zh_Hans_CN", "zh" -> "zh_CN";
    "en_US" -> "en"), ``SYSTEM`` for "system"/empty, None for a language we lack."""
    text = (code or "").strip().replace("-", "_")
    if not text or text.lower() in (SYSTEM, "auto", "default"):
        return SYSTEM
    first = text.split("_")[0].lower()
    if first == "zh":
        return "zh_CN"
    if first in ("en", "c", "posix"):
        return "en"
    return None


def system_language(locale_name: str | None = None) -> str:
    """The language the system asks for: ``locale_name`` ("zh_CN", "de_DE") when
    given, else the user's preferred UI languages in order, then the locale.
    Any Chinese locale gives "zh_CN"; anything else we lack gives "en"."""
    if locale_name is not None:
        candidates = [locale_name]
    else:
        system = QLocale.system()
        candidates = [*system.uiLanguages(), system.name()]
    for name in candidates:
        language = normalize(name)
        if language in LANGUAGES:
            return language
    return "en"


def resolve_language(setting: str | None, locale_name: str | None = None) -> str:
    """The language to show: ``RNN_STUDIO_LANG`` if set, else the setting
    ("en", "zh_CN"), else (for "system", None, "" or an unknown value) the
    system's (see :func:`system_language`)."""
    for value in (os.environ.get(ENV_VAR), setting):
        language = normalize(value) if value else None
        if language in LANGUAGES:
            return language
        if value and language is None:
            log.warning("unknown language %r; using the system's", value)
    return system_language(locale_name)


def qm_path(language: str) -> Path:
    return I18N_DIR / QM_NAME.format(language=language)


def current_language() -> str:
    """The language :func:`install_translator` last installed ("en": none)."""
    return _current


def remove_translators(app: QCoreApplication | None = None) -> None:
    """Back to the English source texts (tests call this to clean up)."""
    global _current
    app = app or QCoreApplication.instance()
    for translator in _installed:
        if app is not None:
            app.removeTranslator(translator)
    _installed.clear()
    _current = "en"


def install_translator(app: QCoreApplication, language: str) -> str:
    """Install the translations for ``language`` (replacing any installed before)
    and return the language actually in use: "en" when ``language`` is English,
    unknown, or its .qm file is missing or unreadable (logged, never raised).
    Qt's own translations (standard dialog buttons) are added when Qt has them.
    Install before building widgets: texts are translated when they are set."""
    global _current
    remove_translators(app)
    if language not in LANGUAGES:
        log.warning("no translations for language %r; using English", language)
        return "en"
    if language == "en":
        return "en"
    path = qm_path(language)
    translator = QTranslator(app)
    if not path.is_file() or not translator.load(str(path)):
        log.warning("cannot load the %s translations from %s; using English", language, path)
        return "en"
    app.installTranslator(translator)
    _installed.append(translator)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    qt = QTranslator(app)
    if qt.load(f"qtbase_{language}", qt_dir):
        app.installTranslator(qt)
        _installed.append(qt)
    else:
        log.info("Qt's own %s translations are not in %s", language, qt_dir)
    _current = language
    log.info("interface language: %s", language)
    return language
