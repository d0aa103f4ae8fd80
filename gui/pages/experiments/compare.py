"""The Experiments page's Compare tab: the runs ticked in the list (or sent here
by the Runs page's Compare selected, or queued by the Train page's Compare LSTM
and GRU) in one table (``nlp.experiments.compare.compare_table``) above their
validation curves overlaid. While the queue trains, the tab rereads the
compared runs from disk every :data:`LIVE_MS`, and only while it is shown:
``metrics.jsonl`` is small, so this is cheaper than following the queue's
events, and it also shows runs that another process trains.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, QSignalBlocker, Qt, QTimer
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.background import Calls
from gui.context import AppContext
from gui.pages.experiments.tables import (
    best_index,
    count_text,
    emphasize,
    finite,
    fit_columns,
    loss_text,
    make_table,
    score_text,
    settings_text,
    table_item,
)
from gui.run_table import model_text
from gui.style import show_status
from gui.widgets.curves import CurvesView
from nlp.runs.workspace import RUN_FILE, Run, RunSummary, Workspace
from nlp.training.progress import format_duration

LIVE_MS = 2000  # compared runs are reread this often while the queue trains
COLUMNS = (QT_TRANSLATE_NOOP("ExperimentsPage", "Run"),
           QT_TRANSLATE_NOOP("ExperimentsPage", "Cell"),
           QT_TRANSLATE_NOOP("ExperimentsPage", "Parameters"),
           QT_TRANSLATE_NOOP("ExperimentsPage", "Best val. loss"),
           QT_TRANSLATE_NOOP("ExperimentsPage", "Score"),
           QT_TRANSLATE_NOOP("ExperimentsPage", "Tokens/s"),
           QT_TRANSLATE_NOOP("ExperimentsPage", "Wall time"),
           QT_TRANSLATE_NOOP("ExperimentsPage", "Steps"),
           QT_TRANSLATE_NOOP("ExperimentsPage", "Differs in"))
HIGHER_IS_BETTER = {"BLEU"}


@dataclass
class Comparison:
    """What the Compare tab shows: rows of the runs that exist, their metrics
    histories, and compared names with no run yet (waiting in the queue)."""

    rows: list
    histories: dict
    waiting: list


def load_comparison(workspace: Workspace, names: list[str]) -> Comparison:
    """On a pool thread: the table rows and curves of ``names``."""
    from nlp.experiments.compare import compare_table

    present = [n for n in names if (workspace.runs_dir / n / RUN_FILE).is_file()]
    rows = compare_table(workspace, present) if present else []
    histories = {n: Run(workspace.runs_dir / n).metrics() for n in present}
    return Comparison(rows, histories, [n for n in names if n not in present])


class ComparePanel(QWidget):
    """The runs to compare (ticked), their table and their curves."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.names: list[str] = []
        self.comparison: Comparison | None = None
        self._seen: set[str] = set()  # compared names that had a run (gone: deleted/renamed)
        self._calls = Calls(self)  # "comparison": the compared runs, read again
        self._training = False
        self._live = QTimer(self, interval=LIVE_MS)
        self._live.timeout.connect(self.reload)
        self._build()
        ctx.training_state.connect(self._training_changed)
        self._show_hint()

    def _build(self) -> None:
        self.run_list = QListWidget()
        self.run_list.itemChanged.connect(self._ticked)
        left = QWidget()
        col = QVBoxLayout(left)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(QLabel(self.tr("Runs to compare")))
        col.addWidget(self.run_list, 1)
        clear = QPushButton(self.tr("Clear"))
        clear.clicked.connect(lambda: self.set_names([]))
        col.addWidget(clear)

        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.table = make_table(COLUMNS)
        self.curves = CurvesView(x="time", multi=True)
        right = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        top_col = QVBoxLayout(top)
        top_col.setContentsMargins(0, 0, 0, 0)
        top_col.addWidget(self.hint)
        top_col.addWidget(self.table, 1)
        right.addWidget(top)
        right.addWidget(self.curves)
        right.setSizes([170, 530])

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([260, 840])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    # -- which runs ------------------------------------------------------------------
    def set_names(self, names: list[str]) -> None:
        """Compare ``names`` (in this order); a name may still wait in the queue."""
        self.names = list(dict.fromkeys(names))
        self._tick_list()
        self.reload()

    def fill_list(self, runs: list[RunSummary]) -> None:
        """The workspace's runs, newest first, the compared ones ticked."""
        blocker = QSignalBlocker(self.run_list)
        self.run_list.clear()
        for summary in sorted(runs, key=lambda s: s.created, reverse=True):
            item = QListWidgetItem(f"{summary.name}   {model_text(summary.config)}")
            item.setData(Qt.ItemDataRole.UserRole, summary.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setToolTip(str(summary.path))
            self.run_list.addItem(item)
        blocker.unblock()
        self._tick_list()

    def _tick_list(self) -> None:
        blocker = QSignalBlocker(self.run_list)
        for row in range(self.run_list.count()):
            item = self.run_list.item(row)
            ticked = item.data(Qt.ItemDataRole.UserRole) in self.names
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
        blocker.unblock()

    def _ticked(self, item: QListWidgetItem) -> None:
        name = item.data(Qt.ItemDataRole.UserRole)
        if item.checkState() == Qt.CheckState.Checked and name not in self.names:
            self.names.append(name)
        elif item.checkState() != Qt.CheckState.Checked and name in self.names:
            self.names.remove(name)
        self.reload()

    # -- loading -----------------------------------------------------------------------
    def reload(self) -> None:
        """Reread the compared runs off the GUI thread (an older result is dropped)."""
        self._calls.cancel("comparison")
        workspace, names = self.ctx.workspace, list(self.names)
        if not names:
            self.comparison = None
            self._show_hint()
            return
        self._calls.start("comparison", lambda *_: load_comparison(workspace, names),
                          self._loaded, self._failed)

    def _loaded(self, comparison: Comparison) -> None:
        """Show the rows; a run that was there and is gone (deleted, renamed) leaves
        the comparison, one not there yet waits for the queue to make it."""
        self._seen.update(comparison.histories)
        gone = [n for n in comparison.waiting if n in self._seen]
        if gone:
            self.names = [n for n in self.names if n not in gone]
            comparison.waiting = [n for n in comparison.waiting if n not in gone]
            self._tick_list()
        self.comparison = comparison
        self._show_rows(comparison)
        self._show_curves(comparison)
        self._show_hint()

    def _failed(self, exc: BaseException) -> None:
        show_status(self.hint, self.tr("Could not compare these runs: {error}").format(
            error=self.ctx.message_for(exc)), error=True)

    def _show_hint(self) -> None:
        self.hint.setStyleSheet("")
        waiting = self.comparison.waiting if self.comparison else []
        if not self.names:
            text = self.tr("Select two or more runs on the Runs page and choose Compare "
                           "selected, tick runs in the list on the left, or press Compare "
                           "LSTM and GRU on the Train page.")
        elif waiting:
            text = self.tr("Waiting in the training queue: {names}. They appear here as "
                           "they train.").format(names=", ".join(waiting))
        elif len(self.names) == 1:
            text = self.tr("Tick another run to compare it with this one.")
        else:
            text = self.tr("The last column lists the settings in which the runs differ; "
                           "the best score is highlighted.")
        self.hint.setText(text)
        if not self.names:
            self.table.setRowCount(0)
            self.curves.clear()

    def _show_rows(self, comparison: Comparison) -> None:
        rows = comparison.rows
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            texts = (row.run, str(row.cell).upper(), count_text(row.params),
                     loss_text(row.best_val_loss), score_text(row.score, row.score_name),
                     f"{row.tokens_per_s:,.0f}" if finite(row.tokens_per_s) else "",
                     format_duration(row.wall_s), f"{row.steps:,}",
                     settings_text(row.differs))
            for c, text in enumerate(texts):
                self.table.setItem(r, c, table_item(text, number=c in (2, 3, 4, 5, 6, 7)))
        names = {row.score_name for row in rows}
        if len(names) == 1:  # scores of different kinds (bits/char, BLEU) do not compare
            best = best_index([row.score for row in rows], names <= HIGHER_IS_BETTER)
            if best is not None:
                emphasize(self.table, best)
        fit_columns(self.table)

    def _show_curves(self, comparison: Comparison) -> None:
        """Replace the histories; start over only when the runs shown changed."""
        if self.curves.labels() != list(comparison.histories):
            self.curves.clear()
        for name, rows in comparison.histories.items():
            self.curves.set_history(name, rows)

    # -- live ---------------------------------------------------------------------------
    def _training_changed(self, training: bool) -> None:
        self._training = training
        self._follow()
        if not training:
            self.reload()  # the runs' final rows

    def _follow(self) -> None:
        """Reread on a timer while something trains and the page is shown."""
        if self._training and self.isVisible():
            if not self._live.isActive():
                self._live.start()
        else:
            self._live.stop()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self._follow()

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().hideEvent(event)
        self._follow()


# -- the page -------------------------------------------------------------------------------
