"""The Experiments page: runs compared side by side (``compare``), and searches
for better settings (``search``), one tab each.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import (
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui.background import Calls
from gui.context import AppContext
from gui.pages.experiments.compare import ComparePanel
from gui.pages.experiments.search import SearchPanel


class ExperimentsPage(QWidget):
    key = "experiments"
    title = QT_TRANSLATE_NOOP("Pages", "Experiments")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._calls = Calls(self)  # "runs": the runs to tick
        self.compare = ComparePanel(ctx)
        self.search = SearchPanel(ctx)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.compare, self.tr("Compare"))
        self.tabs.addTab(self.search, self.tr("Search"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        ctx.compare_runs.connect(self.show_compare)
        ctx.runs_changed.connect(self.refresh)
        self.refresh()
        self.search.refresh()

    def show_compare(self, names: list) -> None:
        """Another page asks to compare ``names``: show them here."""
        self.tabs.setCurrentWidget(self.compare)
        self.compare.set_names([str(n) for n in names])
        self.ctx.show_page.emit(self.key)

    def refresh(self) -> None:
        """Reload the run list and the comparison (a run was made, renamed, deleted)."""
        workspace = self.ctx.workspace
        self._calls.start("runs", lambda *_: workspace.list_runs(), self.compare.fill_list,
                          lambda exc: self.compare.hint.setText(self.ctx.message_for(exc)))
        self.compare.reload()

    def on_shown(self) -> None:
        self.refresh()
        self.search.refresh()

    def busy_reason(self) -> str | None:
        return self.search.busy_reason()

    def shutdown(self, timeout_s: float) -> None:
        self.search.shutdown(timeout_s)
