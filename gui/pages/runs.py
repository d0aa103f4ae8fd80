"""The Runs page: every run of the workspace in a sortable, filterable table;
the selected run's config, curves and samples; several runs' curves overlaid;
and the actions on runs (open, continue, rename, delete, export, import).

Everything that reads or writes the disk runs off the GUI thread; a result
that arrives after the selection (or the list) moved on is dropped.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QItemSelection,
    QItemSelectionModel,
    QPoint,
    QSignalBlocker,
    Qt,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.background import Calls
from gui.context import AppContext
from gui.run_details import RunDetails
from gui.run_table import SUMMARY_ROLE, RunFilterProxy, RunTableModel, size_text
from gui.style import show_status
from nlp.runs.archive import checkpoint_problem
from nlp.runs.workspace import Run, RunSummary, Workspace

OPEN_PAGE = {"lm": ("generate", QT_TRANSLATE_NOOP("RunsPage", "Open in Generate")),
             "mt": ("translate", QT_TRANSLATE_NOOP("RunsPage", "Open in Translate")),
             "series": ("series", QT_TRANSLATE_NOOP("RunsPage", "Open in Series"))}
TRAINABLE = ("lm", "mt")  # tasks the Train page continues (a series retrains on its page)
INSPECTABLE = ("lm", "mt")  # tasks the Inspect page reads


def list_runs_checked(workspace: Workspace) -> list[RunSummary]:
    """The runs, each marked damaged when a checkpoint file is missing or cut
    short (listing alone reads only the small JSON files)."""
    runs = workspace.list_runs()
    for summary in runs:
        if not summary.error:
            summary.error = checkpoint_problem(Run(summary.path))
    return runs


class RunsPage(QWidget):
    key = "runs"
    title = QT_TRANSLATE_NOOP("Pages", "Runs")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._calls = Calls(self)  # "list": the runs, read again
        self._sized = False  # the columns were fitted to the first runs listed
        self._busy: str | None = None  # what a file operation is doing ("exporting x")
        self._select_after: list[str] = []  # names to select once the list is reloaded
        self._file_ops = Calls(self, threads=1)  # one at a time; waited for at exit

        self.model = RunTableModel(self)
        self.proxy = RunFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._build_actions()
        self._build_ui()
        self.addActions(self._page_actions)
        self.table.addActions(self._table_actions)
        self._restore_sort()
        ctx.runs_changed.connect(self.refresh)
        self._update_actions()
        self.refresh()

    # -- building -----------------------------------------------------------------------
    def _action(self, text: str, slot, shortcut=None, tip: str = "",
                table_only: bool = False) -> QAction:
        """An action for the buttons and the context menu. Its shortcut works
        anywhere on the page, or, for keys that the filter box types (Enter,
        Delete, F2), only in the table."""
        action = QAction(text, self)
        action.setToolTip(tip or text)
        action.triggered.connect(slot)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut if table_only
                                      else Qt.ShortcutContext.WidgetWithChildrenShortcut)
        (self._table_actions if table_only else self._page_actions).append(action)
        return action

    def _build_actions(self) -> None:
        self._table_actions: list[QAction] = []
        self._page_actions: list[QAction] = []
        self.open_action = self._action(self.tr("Open in Generate"), self.open_selected,
                                        "Return",
                                        self.tr("Open the run in Generate or Translate (Enter)"),
                                        table_only=True)
        self.continue_action = self._action(self.tr("Continue training"),
                                            self.continue_selected, None,
                                            self.tr("Train this run further from its last "
                                                    "checkpoint"))
        self.inspect_action = self._action(self.tr("Inspect"), self.inspect_selected, None,
                                           self.tr("Look inside the run on the Inspect page: "
                                                   "gates and hidden units over a text, or a "
                                                   "translator's attention"), table_only=True)
        self.rename_action = self._action(self.tr("Rename…"), self.rename_selected, "F2",
                                          self.tr("Rename the run (F2)"), table_only=True)
        self.delete_action = self._action(self.tr("Delete…"), self.delete_selected,
                                          QKeySequence.StandardKey.Delete,
                                          self.tr("Delete the selected runs and their "
                                                  "checkpoints (Del)"),
                                          table_only=True)
        self.export_action = self._action(self.tr("Export…"), self.export_selected, "Ctrl+E",
                                          self.tr("Save the run as one .rnnrun file (Ctrl+E)"))
        self.import_action = self._action(self.tr("Import…"), self.import_file, "Ctrl+I",
                                          self.tr("Add a run from a .rnnrun file (Ctrl+I)"))
        self.compare_action = self._action(self.tr("Compare selected"), self.compare_selected,
                                           None,
                                           self.tr("Compare the selected runs on the "
                                                   "Experiments page: their results side by "
                                                   "side and their curves overlaid "
                                                   "(Ctrl+click to select several)"))
        self._action(self.tr("Find"), self._focus_filter, QKeySequence.StandardKey.Find)
        self._action(self.tr("Refresh"), self.refresh, QKeySequence.StandardKey.Refresh)

    def _build_ui(self) -> None:
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText(self.tr("Filter runs: name, task, model, data… "
                                                    "(Ctrl+F)"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter_changed)
        self.count_label = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.count_label)
        top.addWidget(self._button(self.import_action))

        self.table = self._build_table()
        buttons = QHBoxLayout()
        for action in (self.open_action, self.continue_action, self.inspect_action,
                       self.rename_action, self.delete_action, self.export_action,
                       self.compare_action):
            buttons.addWidget(self._button(action))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons.addWidget(self.status, 1)

        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addLayout(top)
        upper_layout.addWidget(self.table, 1)
        upper_layout.addLayout(buttons)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(upper)
        self.details = RunDetails(self.ctx)
        self.details.problem.connect(lambda text: self._say(text, error=True))
        self.splitter.addWidget(self.details)
        self.splitter.setSizes([300, 500])
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)

    @staticmethod
    def _button(action: QAction) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return button

    def _build_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.proxy)
        table.setSortingEnabled(True)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.sortIndicatorChanged.connect(self._remember_sort)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._context_menu)
        table.doubleClicked.connect(lambda _index: self.open_selected())
        table.selectionModel().selectionChanged.connect(self._selection_changed)
        return table

    # -- the list -------------------------------------------------------------------------
    def on_shown(self) -> None:
        self.refresh()

    def open_run(self, name: str) -> None:
        """Show ``name`` selected (another page asked), once the list has it."""
        self._select_after = [name]
        self.refresh()

    def refresh(self) -> None:
        """Reload the list off the GUI thread; an older reload's result is dropped."""
        workspace = self.ctx.workspace
        if not self._select_after:
            self._select_after = self.selected_names()
        self._calls.start("list", lambda *_: list_runs_checked(workspace), self._list_loaded,
                          self._list_failed)

    def _list_loaded(self, runs: list[RunSummary]) -> None:
        wanted, self._select_after = self._select_after, []
        self.model.set_runs(runs)
        if runs and not self._sized:  # once: later the widths are the person's
            self._fit_columns()
        self._select(wanted)
        self._update_count()

    def _fit_columns(self) -> None:
        self._sized = True
        self.table.resizeColumnsToContents()
        for column in range(self.model.columnCount() - 1):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column) + 8, 280))

    def _list_failed(self, exc: BaseException) -> None:
        self._select_after = []
        self._say(self.tr("Could not list the runs: {error}").format(
            error=self.ctx.message_for(exc)), error=True)

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count_label.setText(self.tr("{total} runs").format(total=total) if shown == total
                                 else self.tr("{shown} of {total} runs").format(shown=shown,
                                                                                total=total))

    def _filter_changed(self, text: str) -> None:
        self.proxy.set_filter_text(text)
        self._update_count()

    def _focus_filter(self) -> None:
        self.filter_edit.setFocus()
        self.filter_edit.selectAll()

    def _restore_sort(self) -> None:
        column = self.ctx.recall("runs/sort_column", 7, int)
        order = self.ctx.recall("runs/sort_order", 1, int)
        if not 0 <= column < self.model.columnCount():
            column = 7
        self.table.sortByColumn(column, Qt.SortOrder(1 if order else 0))

    def _remember_sort(self, column: int, order: Qt.SortOrder) -> None:
        self.ctx.remember("runs/sort_column", column)
        self.ctx.remember("runs/sort_order", 1 if order == Qt.SortOrder.DescendingOrder else 0)

    # -- selection ------------------------------------------------------------------------
    def selected(self) -> list[RunSummary]:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return [r.data(SUMMARY_ROLE) for r in sorted(rows, key=lambda i: i.row())]

    def selected_names(self) -> list[str]:
        return [s.name for s in self.selected()]

    def _current(self) -> RunSummary | None:
        runs = self.selected()
        return runs[0] if len(runs) == 1 else None

    def _select(self, names: list[str]) -> None:
        """Select the rows of ``names`` in one step (one details load, not one per row)."""
        selection = QItemSelection()
        first = None
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(SUMMARY_ROLE).name in names:
                selection.select(index, index)
                first = index if first is None else first
        model = self.table.selectionModel()
        blocker = QSignalBlocker(model)
        model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect
                     | QItemSelectionModel.SelectionFlag.Rows)
        if first is not None:
            model.setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)
            self.table.scrollTo(first)
        blocker.unblock()
        self.table.viewport().update()
        self._selection_changed()

    def _selection_changed(self, *_args) -> None:
        self._update_actions()
        self.details.show_runs(self.selected(), workspace_empty=self.model.rowCount() == 0)

    def _update_actions(self) -> None:
        runs = self.selected()
        one = runs[0] if len(runs) == 1 else None
        healthy = one is not None and not one.error
        key, label = OPEN_PAGE.get(str(one.task) if one else "", ("", OPEN_PAGE["lm"][1]))
        self.open_action.setText(QCoreApplication.translate("RunsPage", label))
        self.open_action.setEnabled(healthy and bool(key) and one.step > 0)
        self.continue_action.setEnabled(healthy and one.step > 0 and one.task in TRAINABLE)
        self.inspect_action.setEnabled(healthy and one.step > 0 and one.task in INSPECTABLE)
        idle = self._busy is None
        self.rename_action.setEnabled(one is not None and idle)
        self.delete_action.setEnabled(bool(runs) and idle)
        self.export_action.setEnabled(healthy and idle)
        self.import_action.setEnabled(idle)
        self.compare_action.setEnabled(len(runs) > 1)

    def compare_selected(self) -> None:
        """Open the selected runs on the Experiments page (selecting several already
        overlays their curves here; that page adds their results in a table)."""
        names = self.selected_names()
        if len(names) > 1:
            self.ctx.compare_runs.emit(names)

    # -- actions --------------------------------------------------------------------------
    def _context_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        for action in (self.open_action, self.continue_action, self.inspect_action, None,
                       self.rename_action,
                       self.delete_action, None, self.export_action, self.import_action, None,
                       self.compare_action):
            menu.addSeparator() if action is None else menu.addAction(action)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def open_selected(self) -> None:
        run = self._current()
        if run is None or not self.open_action.isEnabled():
            return
        self.ctx.open_run.emit(OPEN_PAGE[str(run.task)][0], run.name)

    def inspect_selected(self) -> None:
        run = self._current()
        if run is not None and self.inspect_action.isEnabled():
            self.ctx.open_run.emit("inspect", run.name)

    def continue_selected(self) -> None:
        run = self._current()
        if run is not None and self.continue_action.isEnabled():
            self.ctx.open_run.emit("train", run.name)

    def rename_selected(self) -> None:
        run = self._current()
        if run is None or self._busy:
            return
        new, ok = QInputDialog.getText(self, self.tr("Rename run"),
                                       self.tr("New name for “{name}”:").format(name=run.name),
                                       QLineEdit.EchoMode.Normal, run.name)
        new = new.strip()
        if not ok or not new or new == run.name:
            return
        workspace = self.ctx.workspace
        self._file_job(self.tr("renaming {name}").format(name=run.name),
                       lambda: workspace.rename_run(run.name, new),
                       lambda renamed: self._changed(
                           [renamed.name], self.tr("Renamed {old} to {new}.").format(
                               old=run.name, new=renamed.name)),
                       self.tr("Rename run"))

    def delete_selected(self) -> None:
        runs = self.selected()
        if not runs or self._busy:
            return
        names = [s.name for s in runs]
        size = size_text(sum(s.size_bytes for s in runs))
        if len(names) == 1:
            question = self.tr("Delete run “{name}” with all checkpoints ({size})? This "
                               "cannot be undone.").format(name=names[0], size=size)
        else:
            listed = ", ".join(names[:5]) + ("…" if len(names) > 5 else "")
            question = self.tr("Delete {count} runs ({names}) with all checkpoints ({size})? "
                               "This cannot be undone.").format(count=len(names), names=listed,
                                                                size=size)
        answer = QMessageBox.question(
            self, self.tr("Delete runs?") if len(names) > 1 else self.tr("Delete run?"),
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        workspace = self.ctx.workspace

        def delete_all() -> list[str]:
            for name in names:
                workspace.delete_run(name)
            return names

        self._file_job(self.tr("deleting {names}").format(names=", ".join(names)), delete_all,
                       lambda gone: self._changed([], self.tr("Deleted {names}.").format(
                           names=", ".join(gone))),
                       self.tr("Delete run"), on_error=lambda: self.ctx.runs_changed.emit())

    def export_selected(self) -> None:
        run = self._current()
        if run is None or not self.export_action.isEnabled():
            return
        from nlp.runs.archive import SUFFIX, export_run

        folder = self.ctx.recall("runs/export_dir", str(Path.home()))
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export run"), str(Path(folder) /
                                              f"{run.name}{SUFFIX}"),
                                              self.tr("RNN Studio runs") + f" (*{SUFFIX})")
        if not path:
            return
        dest = Path(path) if path.endswith(SUFFIX) else Path(path + SUFFIX)
        self.ctx.remember("runs/export_dir", str(dest.parent))
        self._file_job(self.tr("exporting {name}").format(name=run.name),
                       lambda: export_run(Run(run.path), dest),
                       lambda written: self._say(self.tr("Exported {name} to {path}.").format(
                           name=run.name, path=written)),
                       self.tr("Export run"))

    def import_file(self) -> None:
        if self._busy:
            return
        from nlp.runs.archive import SUFFIX, import_run

        folder = self.ctx.recall("runs/export_dir", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Import run"), str(folder),
            self.tr("RNN Studio runs") + f" (*{SUFFIX});;" + self.tr("All files") + " (*)")
        if not path:
            return
        self.ctx.remember("runs/export_dir", str(Path(path).parent))
        workspace = self.ctx.workspace
        self._file_job(self.tr("importing {name}").format(name=Path(path).name),
                       lambda: import_run(workspace, path),
                       lambda run: self._changed([run.name], self.tr(
                           "Imported {file} as {name}.").format(file=Path(path).name,
                                                               name=run.name)),
                       self.tr("Import run"))

    def _changed(self, select: list[str], message: str) -> None:
        self._say(message)
        self._select_after = select
        self.ctx.runs_changed.emit()  # this page refreshes too

    # -- background work ------------------------------------------------------------------
    def _file_job(self, doing: str, fn, on_done, title: str, on_error=None) -> None:
        """One write to the disk at a time; the actions wait until it ends."""
        self._busy = doing
        self._say(f"{doing[0].upper()}{doing[1:]}…")
        self._update_actions()

        def done(result) -> None:
            self._busy = None
            self._update_actions()
            on_done(result)

        def failed(exc: BaseException) -> None:
            self._busy = None
            self._update_actions()
            self._say("")
            self.ctx.show_error(self, title, exc)
            if on_error is not None:
                on_error()

        self._file_ops.start(None, lambda *_: fn(), done, failed)

    def _say(self, text: str, error: bool = False) -> None:
        show_status(self.status, text, error)

    # -- the window's hooks -----------------------------------------------------------------
    def busy_reason(self) -> str | None:
        return (self.tr("the Runs page is {doing}").format(doing=self._busy) if self._busy
                else None)

    def shutdown(self, timeout_s: float) -> None:
        self._file_ops.wait(timeout_s)
