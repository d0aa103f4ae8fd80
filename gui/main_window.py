"""The main window: a list of pages on the left, the current page on the right,
a menu with shortcuts, and a status bar with the device, workspace and log."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import re
from pathlib import Path

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings, Qt
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDesktopServices,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gui import i18n, theme
from gui.context import AppContext

log = logging.getLogger(__name__)

HELP_DIR = Path(__file__).resolve().parent / "help"
GUIDE_NAME = "guide.{language}.md"  # shipped as package data (pyproject.toml)

# (module, class): the pages, in the order of the side list. A page whose
# module is not there yet is left out: there are no placeholder pages.
ALL_PAGES: list[tuple[str, str]] = [
    ("gui.pages.corpora", "CorporaPage"),
    ("gui.pages.train.page", "TrainPage"),
    ("gui.pages.generate", "GeneratePage"),
    ("gui.pages.translate", "TranslatePage"),
    ("gui.pages.runs", "RunsPage"),
    ("gui.pages.experiments.page", "ExperimentsPage"),
    ("gui.pages.inspect.page", "InspectPage"),
    ("gui.pages.series", "SeriesPage"),
]
PAGES = [(m, c) for m, c in ALL_PAGES if importlib.util.find_spec(m) is not None]


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setWindowTitle("RNN Studio")
        self.setAcceptDrops(False)
        self.pages: dict[str, QWidget] = {}

        self.nav = QListWidget()
        self.nav.setFixedWidth(150)
        self.nav.setObjectName("nav")
        self.stack = QStackedWidget()
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(4, 4, 4, 4)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        for module, cls in PAGES:
            page = getattr(importlib.import_module(module), cls)(ctx)
            self.pages[page.key] = page
            self.nav.addItem(page_title(page))
            self.stack.addWidget(page)
        self.nav.currentRowChanged.connect(self._show_row)

        self._build_menu()
        self._build_status()
        ctx.open_run.connect(self._open_run)
        ctx.show_page.connect(self.show_page)
        self._restore()

    # -- pages ---------------------------------------------------------------------------
    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        self.stack.setCurrentIndex(row)
        page = self.stack.widget(row)
        if hasattr(page, "on_shown"):
            page.on_shown()
        self.ctx.remember("window/page", page.key)

    def show_page(self, key: str) -> None:
        keys = list(self.pages)
        if key in keys:
            self.nav.setCurrentRow(keys.index(key))

    def _open_run(self, key: str, name: str) -> None:
        self.show_page(key)
        page = self.pages.get(key)
        if page is not None and hasattr(page, "open_run"):
            page.open_run(name)

    # -- menu and status bar -------------------------------------------------------------
    def _build_menu(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        workspace = QAction(self.tr("Choose &workspace folder…"), self)
        workspace.triggered.connect(self._choose_workspace)
        file_menu.addAction(workspace)
        file_menu.addSeparator()
        quit_ = QAction(self.tr("&Quit"), self)
        quit_.setShortcut(QKeySequence.StandardKey.Quit)
        quit_.triggered.connect(self.close)
        file_menu.addAction(quit_)

        go = bar.addMenu(self.tr("&Go"))
        for i, page in enumerate(self.pages.values()):
            act = QAction(page_title(page), self)
            act.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            act.triggered.connect(lambda _=False, k=page.key: self.show_page(k))
            go.addAction(act)

        self._build_settings_menu(bar.addMenu(self.tr("&Settings")))

        help_menu = bar.addMenu(self.tr("&Help"))
        guide = QAction(self.tr("&Guide"), self)
        guide.setShortcut(QKeySequence.StandardKey.HelpContents)
        guide.triggered.connect(self.show_guide)
        help_menu.addAction(guide)
        shortcuts = QAction(self.tr("&Keyboard shortcuts"), self)
        shortcuts.triggered.connect(self.show_shortcuts)
        help_menu.addAction(shortcuts)
        help_menu.addSeparator()
        show_log = QAction(self.tr("Open the &log folder"), self)
        show_log.triggered.connect(self._open_log_folder)
        help_menu.addAction(show_log)
        about = QAction(self.tr("&About RNN Studio"), self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _build_settings_menu(self, menu) -> None:
        """Settings > Appearance: the colour scheme, applied at once. Settings >
        Language: the system's language, or one chosen; applied at the next start
        (every text is translated when its widget is built)."""
        scheme_menu = menu.addMenu(self.tr("&Appearance"))
        self.scheme_actions: dict[str, QAction] = {}
        schemes = QActionGroup(self)
        schemes.setExclusive(True)
        chosen_scheme = theme.normalize(self.ctx.recall(theme.SETTING_KEY, theme.SYSTEM))
        for code, label in ((theme.SYSTEM, self.tr("System colours")),
                            (theme.LIGHT, self.tr("Light")), (theme.DARK, self.tr("Dark"))):
            action = QAction(label, self, checkable=True)
            action.setChecked(code == chosen_scheme)
            action.triggered.connect(lambda _=False, c=code: self.choose_scheme(c))
            schemes.addAction(action)
            scheme_menu.addAction(action)
            self.scheme_actions[code] = action
        language_menu = menu.addMenu(self.tr("&Language"))
        self.language_actions: dict[str, QAction] = {}
        group = QActionGroup(self)
        group.setExclusive(True)
        system = i18n.LANGUAGES[i18n.system_language()]
        choices = [(i18n.SYSTEM, self.tr("System default ({language})").format(language=system)),
                   *i18n.LANGUAGES.items()]
        chosen = i18n.normalize(str(self.ctx.recall(i18n.SETTING_KEY, i18n.SYSTEM) or ""))
        for code, label in choices:
            action = QAction(label, self, checkable=True)
            action.setChecked(code == (chosen if chosen is not None else i18n.SYSTEM))
            action.triggered.connect(lambda _=False, c=code: self.choose_language(c))
            group.addAction(action)
            language_menu.addAction(action)
            self.language_actions[code] = action

    def choose_language(self, code: str) -> None:
        """Remember the interface language ("system", "en", "zh_CN") for the next start."""
        if code == str(self.ctx.recall(i18n.SETTING_KEY, i18n.SYSTEM) or i18n.SYSTEM):
            return
        self.ctx.remember(i18n.SETTING_KEY, code)
        self.ctx.settings.sync()
        shown = code if code in i18n.LANGUAGES else i18n.system_language()
        text = self.tr("RNN Studio will use the new language ({language}) when you start it "
                       "again.").format(language=i18n.LANGUAGES[shown])
        QMessageBox.information(self, self.tr("Language"), text)

    def choose_scheme(self, code: str) -> None:
        """Use the colour scheme ``code`` ("system", "light", "dark") now and at the
        next start."""
        code = theme.normalize(code)
        self.ctx.remember(theme.SETTING_KEY, code)
        self.scheme_actions[code].setChecked(True)
        theme.apply_scheme(QApplication.instance(), code)

    def _build_status(self) -> None:
        self.device_label = QLabel(self.ctx.device_label)
        self.workspace_label = QLabel()
        self.workspace_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addWidget(self.device_label)
        self.statusBar().addWidget(self.workspace_label, 1)
        if self.ctx.log_path is not None:
            log_label = QLabel(self.tr("Log: {path}").format(path=self.ctx.log_path))
            log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.statusBar().addPermanentWidget(log_label)
        self._show_workspace()

    def _show_workspace(self) -> None:
        self.workspace_label.setText(
            self.tr("Workspace: {path}").format(path=self.ctx.workspace.root))

    def _choose_workspace(self) -> None:
        reason = self._busy_reason()
        if reason:
            QMessageBox.information(self, self.tr("Workspace"),
                                    self.tr("Not now: {reason}.").format(reason=reason))
            return
        folder = QFileDialog.getExistingDirectory(self, self.tr("Workspace folder"),
                                                  str(self.ctx.workspace.root))
        if not folder:
            return
        from nlp.runs.workspace import Workspace

        candidate = Workspace(Path(folder))
        try:
            candidate.ensure_writable()
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self.ctx.show_error(self, self.tr("Workspace"), exc)
            return
        self.ctx.workspace = candidate
        self.ctx.remember("workspace", str(candidate.root))
        self._show_workspace()
        self.ctx.runs_changed.emit()

    def _open_log_folder(self) -> None:
        if self.ctx.log_path is not None:
            from PySide6.QtCore import QUrl

            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(self.ctx.log_path).parent)))

    def _about(self) -> None:
        about = self.tr("Train LSTM and GRU language models and translators on your own "
                        "text, offline.")
        workspace = self.tr("Workspace: {path}").format(path=self.ctx.workspace.root)
        log_file = self.tr("Log: {path}").format(path=self.ctx.log_path)
        QMessageBox.about(self, self.tr("About RNN Studio"),
                          f"<b>RNN Studio</b><p>{about}</p><p>{workspace}<br>{log_file}</p>")

    def guide_path(self) -> Path:
        """The guide in the interface language, else the English one."""
        localized = HELP_DIR / GUIDE_NAME.format(language=i18n.current_language())
        return localized if localized.is_file() else HELP_DIR / GUIDE_NAME.format(language="en")

    def show_guide(self) -> QDialog:
        """The short guide shipped with the app, in a window of its own (offline)."""
        browser = QTextBrowser()
        browser.setOpenExternalLinks(True)
        try:
            browser.setMarkdown(self.guide_path().read_text(encoding="utf-8"))
        except OSError as exc:  # a broken install: say where it looked
            browser.setPlainText(self.tr("The guide cannot be read: {error}").format(error=exc))
        return self._show_dialog(self.tr("RNN Studio guide"), browser, (720, 620))

    def shortcut_list(self) -> list[tuple[str, str]]:
        """(keys, what they do) of every shortcut the window has now, read from its
        actions and shortcuts, so the list cannot go stale."""
        rows: list[tuple[str, str]] = []
        for action in self.findChildren(QAction):
            menus = [m for m in action.associatedObjects() if isinstance(m, QMenu)]
            for keys in action.shortcuts():
                what = plain(action.text()) or action.toolTip()
                if menus:  # a menu's action: said with its menu ("Go: Train")
                    what = f"{plain(menus[0].title())}: {what}"
                rows.append((keys.toString(QKeySequence.SequenceFormat.NativeText),
                             self._where(action.parent(), what)))
        for shortcut in self.findChildren(QShortcut):
            for keys in shortcut.keys():
                what = shortcut.whatsThis() or self.tr("the page's main action")
                rows.append((keys.toString(QKeySequence.SequenceFormat.NativeText),
                             self._where(shortcut.parent(), what)))
        # grouped by menu or page, in the order of their keys (Ctrl+1, Ctrl+2, ...)
        return sorted(set(rows), key=lambda row: (row[1].split(": ")[0], row[0], row[1]))

    def _where(self, owner, what: str) -> str:
        """``what``, prefixed with the page it works on (the menus' work anywhere)."""
        while owner is not None and owner is not self:
            if owner in self.pages.values():
                return f"{page_title(owner)}: {what}"
            owner = owner.parent()
        return what

    def show_shortcuts(self) -> QDialog:
        rows = self.shortcut_list()
        table = QTableWidget(len(rows), 2)
        table.setHorizontalHeaderLabels([self.tr("Keys"), self.tr("Action")])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for r, (keys, what) in enumerate(rows):
            table.setItem(r, 0, QTableWidgetItem(keys))
            table.setItem(r, 1, QTableWidgetItem(what))
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        return self._show_dialog(self.tr("Keyboard shortcuts"), table, (560, 520))

    def _show_dialog(self, title: str, body: QWidget, size: tuple[int, int]) -> QDialog:
        dialog = QDialog(self)
        dialog.setWindowTitle(title)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(dialog)
        layout.addWidget(body)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        dialog.resize(*size)
        dialog.show()  # not modal: the guide can stay open beside the window
        return dialog

    # -- geometry and last page ----------------------------------------------------------
    def _restore(self) -> None:
        geometry = self.ctx.recall("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 800)
        key = self.ctx.recall("window/page", "")
        keys = list(self.pages)
        self.nav.setCurrentRow(keys.index(key) if key in keys else 0)

    # -- closing -------------------------------------------------------------------------
    def _busy_reason(self) -> str | None:
        for page in self.pages.values():
            reason = page.busy_reason() if hasattr(page, "busy_reason") else None
            if reason:
                return reason
        return None

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        reason = self._busy_reason()
        if reason:
            answer = QMessageBox.question(
                self, self.tr("Quit RNN Studio?"),
                self.tr("{reason}. Quit anyway? Training stops and saves a checkpoint first; "
                        "you can continue it later from Runs.").format(
                    reason=reason[0].upper() + reason[1:]),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.ctx.remember("window/geometry", self.saveGeometry())
        for page in self.pages.values():
            if hasattr(page, "shutdown"):
                page.shutdown(30.0)
        self.ctx.settings.sync()
        event.accept()


def page_title(page: QWidget) -> str:
    """A page's title in the interface language (pages give it in English)."""
    return QCoreApplication.translate("Pages", page.title)


def plain(text: str) -> str:
    """A menu text without its mnemonic: "&Go" -> "Go", "转到(&G)" -> "转到"."""
    return re.sub(r"\(&[^)]\)", "", text).replace("&", "").strip()


def make_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "RNN Studio",
                     "RNN Studio")


def active_window() -> MainWindow | None:
    for w in QApplication.topLevelWidgets():
        if isinstance(w, MainWindow):
            return w
    return None
