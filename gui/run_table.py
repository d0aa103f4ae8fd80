"""The runs of a workspace as a table (model/view).

``RunTableModel`` holds the ``RunSummary`` list that ``Workspace.list_runs()``
gives; ``RunFilterProxy`` sorts it by the raw values (steps as numbers, dates as
times, not as the text shown) and filters it by the words typed in the filter
box.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from gui.style import error_color
from nlp.runs.workspace import (
    NO_BEST_FAILED,
    NO_BEST_STOPPED,
    NO_BEST_YET,
    RunSummary,
    selection_key,
)
from nlp.training.metrics import word_ppl_is_meaningful

SORT_ROLE = Qt.ItemDataRole.UserRole  # the raw value a column sorts by
SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 1  # the RunSummary of the row

# texts in English (tests look columns up by them); shown through _tr()
COLUMNS = (QT_TRANSLATE_NOOP("RunTable", "Name"), QT_TRANSLATE_NOOP("RunTable", "Task"),
           QT_TRANSLATE_NOOP("RunTable", "Model"), QT_TRANSLATE_NOOP("RunTable", "Data"),
           QT_TRANSLATE_NOOP("RunTable", "Steps"), QT_TRANSLATE_NOOP("RunTable", "Val loss"),
           QT_TRANSLATE_NOOP("RunTable", "Best score"), QT_TRANSLATE_NOOP("RunTable", "Created"),
           QT_TRANSLATE_NOOP("RunTable", "Size"), QT_TRANSLATE_NOOP("RunTable", "Status"))
TASKS = {"lm": QT_TRANSLATE_NOOP("RunTable", "Language model"),
         "mt": QT_TRANSLATE_NOOP("RunTable", "Translator"),
         "series": QT_TRANSLATE_NOOP("RunTable", "Series forecaster")}
# the score a run is judged by, in order of preference, and how it reads
SCORES = (("bleu", QT_TRANSLATE_NOOP("RunTable", "BLEU {:.1f}")),
          ("chrf", QT_TRANSLATE_NOOP("RunTable", "chrF {:.1f}")),
          ("val_bpc", QT_TRANSLATE_NOOP("RunTable", "{:.3f} bits/char")),
          ("val_word_ppl", QT_TRANSLATE_NOOP("RunTable", "word ppl {:.1f}")),
          ("val_ppl", QT_TRANSLATE_NOOP("RunTable", "ppl {:.2f}")),
          ("val_mse", QT_TRANSLATE_NOOP("RunTable", "MSE {:.4g}")))  # series, in its units
HIGHER_IS_BETTER = {"bleu", "chrf"}
# why a run has no best score yet (``RunSummary.no_best``), shown in its place
NO_BEST = {NO_BEST_STOPPED: QT_TRANSLATE_NOOP("RunTable", "stopped before its first evaluation"),
           NO_BEST_FAILED: QT_TRANSLATE_NOOP("RunTable", "failed before its first evaluation"),
           NO_BEST_YET: QT_TRANSLATE_NOOP("RunTable", "not evaluated yet")}


def _tr(text: str) -> str:
    """``text`` (marked with QT_TRANSLATE_NOOP above) in the interface language."""
    return QCoreApplication.translate("RunTable", text)


def task_text(task) -> str:
    """"Language model" or "Translator" (translated); an unknown task as it is."""
    return _tr(TASKS[task]) if task in TASKS else str(task)


def _number(v) -> float | None:
    return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else None


def model_text(config: dict) -> str:
    """``LSTM 2×512`` (a language model), ``GRU 2+1×256`` (encoder+decoder layers) or
    ``LSTM 50/50`` (a series regressor, one size per layer)."""
    model = config.get("model")
    if not isinstance(model, dict):
        return ""
    cell = str(model.get("cell", "")).upper()
    hidden = model.get("hidden_sizes") or model.get("hidden", "")
    if isinstance(hidden, list):
        hidden = "/".join(str(h) for h in hidden)
    if "enc_layers" in model:
        return f"{cell} {model.get('enc_layers')}+{model.get('dec_layers')}×{hidden}"
    if "layers" not in model:  # a series regressor: its sizes say the layers
        return f"{cell} {hidden}".strip()
    return f"{cell} {model.get('layers', '')}×{hidden}".strip()


def data_text(config: dict) -> str:
    """The corpus file a run learned from (its name; the path is in the tooltip)."""
    data = config.get("data")
    if not isinstance(data, dict):
        return ""
    path = data.get("corpus") or data.get("pairs") or data.get("src") or data.get("csv") or ""
    return Path(str(path)).name


def score(best: dict, config: dict | None = None) -> tuple[str, float | None, str]:
    """(metric key, value, text) of the score that judges a run, or ("", None, "").
    A translator is judged by the score that chose its best checkpoint (chrF, or
    BLEU for runs made before chrF was the default), a subword language model by
    its word perplexity (comparable with word-level models), a character model by
    its bits per character; and so is a subword model of a text not written as
    space-separated words (Chinese, code), where word perplexity means nothing."""
    data = (config or {}).get("data")
    subword = isinstance(data, dict) and data.get("level") == "subword"
    words = word_ppl_is_meaningful(best)
    first = "val_word_ppl" if subword and words else selection_key(config or {})
    order = sorted(SCORES, key=lambda item: item[0] != first)
    for key, fmt in order:
        if key == "val_word_ppl" and not words:
            continue
        value = _number(best.get(key))
        if value is not None:
            return key, value, _tr(fmt).format(value)
    return "", None, ""


def size_text(n: int) -> str:
    if n < 1000:
        return f"{n} B"
    for unit in ("KB", "MB", "GB", "TB"):
        n /= 1000
        if n < 1000 or unit == "TB":
            break
    return f"{n:.1f} {unit}"


def created_text(t: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if _number(t) else ""


def best_text(s: RunSummary) -> str:
    """The score that judges the run, or why it has none (stopped before its first
    evaluation, ...)."""
    text = score(s.best, s.config)[2]
    if text or not s.no_best:
        return text
    return _tr(NO_BEST[s.no_best]) if s.no_best in NO_BEST else s.no_best


def status_text(s: RunSummary) -> str:
    """``damaged: run.json is damaged (...)``: paths inside the run are shown
    from its folder (the whole path is in the tooltip)."""
    if s.error:
        return QCoreApplication.translate("RunTable", "damaged: {error}").format(
            error=s.error.replace(str(s.path) + os.sep, ""))
    return "" if s.step else QCoreApplication.translate("RunTable", "no checkpoint yet")


class RunTableModel(QAbstractTableModel):
    """One row per run; damaged runs stay, in red, with the reason."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._runs: list[RunSummary] = []

    def set_runs(self, runs: list[RunSummary]) -> None:
        self.beginResetModel()
        self._runs = list(runs)
        self.endResetModel()

    def summaries(self) -> list[RunSummary]:
        return list(self._runs)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._runs)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole):
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(COLUMNS)):
            return _tr(COLUMNS[section])
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._runs):
            return None
        s = self._runs[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(s, column)
        if role == SORT_ROLE:
            return self._sort_key(s, column)
        if role == SUMMARY_ROLE:
            return s
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(s, column)
        if role == Qt.ItemDataRole.ForegroundRole and s.error:
            return QBrush(QColor(error_color()))  # the scheme's, at each paint
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (4, 5, 6, 8):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(s: RunSummary, column: int) -> str:
        loss = _number(s.best.get("val_loss"))
        return (s.name, task_text(str(s.task)), model_text(s.config),
                data_text(s.config), f"{s.step:,}" if s.step else "",
                f"{loss:.3f}" if loss is not None else "", best_text(s),
                created_text(s.created), size_text(s.size_bytes) if s.size_bytes else "",
                status_text(s))[column]

    @staticmethod
    def _sort_key(s: RunSummary, column: int):
        """Numbers sort as numbers; a missing value sorts as None (last, see the proxy)."""
        if column == 4:
            return s.step
        if column == 5:
            return _number(s.best.get("val_loss"))
        if column == 6:
            key, value, _ = score(s.best, s.config)
            return -value if value is not None and key in HIGHER_IS_BETTER else value
        if column == 7:
            return _number(s.created)
        if column == 8:
            return s.size_bytes
        return RunTableModel._text(s, column).casefold()

    @staticmethod
    def _tooltip(s: RunSummary, column: int) -> str | None:
        if s.error:
            return QCoreApplication.translate("RunTable", "This run is damaged: {error}").format(
                error=s.error)
        if column == 3:
            data = s.config.get("data")
            return str(data.get("corpus") or data.get("pairs") or data.get("src")
                       or data.get("csv") or "") if isinstance(data, dict) else None
        if column == 0:
            return str(s.path)
        return None


class RunFilterProxy(QSortFilterProxyModel):
    """Sorts by ``SORT_ROLE`` (missing values last) and keeps the rows holding
    every word of the filter text, in any column (``lstm shakespeare``)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._words: list[str] = []
        self.setSortRole(SORT_ROLE)

    def set_filter_text(self, text: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.10 on; invalidateFilter() is deprecated
            self.beginFilterChange()
            self._words = text.casefold().split()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._words = text.casefold().split()
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent) -> bool:  # noqa: N802 - Qt's name
        if not self._words:
            return True
        model = self.sourceModel()
        texts = [str(model.data(model.index(row, c, parent)) or "") for c in range(len(COLUMNS))]
        haystack = " ".join(texts).casefold()
        return all(word in haystack for word in self._words)

    def lessThan(self, left, right) -> bool:  # noqa: N802 - Qt's name
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if a is None or b is None:  # missing values go after the others, either way
            ascending = self.sortOrder() == Qt.SortOrder.AscendingOrder
            return (a is not None) == ascending and a is not b
        return a < b
