"""The main window: a list of pages on the left, the current page on the right,
a menu with shortcuts, and a status bar with the device, workspace and log."""

from __future__ import annotations

import importlib
import importlib.util
import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings, Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from gui import i18n
from gui.context import AppContext

log = logging.getLogger(__name__)

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
        show_log = QAction(self.tr("Open the &log folder"), self)
        show_log.triggered.connect(self._open_log_folder)
        help_menu.addAction(show_log)
        about = QAction(self.tr("&About RNN Studio"), self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _build_settings_menu(self, menu) -> None:
        """Settings > Language: the system's language, or one chosen; applied at the
        next start (every text is translated when its widget is built)."""
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


def make_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "RNN Studio",
                     "RNN Studio")


def active_window() -> MainWindow | None:
    for w in QApplication.topLevelWidgets():
        if isinstance(w, MainWindow):
            return w
    return None
