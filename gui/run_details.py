"""The details pane of the Runs page: one run's settings, scores, samples and
curves, or the curves of several runs overlaid; loaded off the GUI thread.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gui.background import Calls
from gui.context import AppContext
from gui.run_table import NO_BEST, created_text, size_text, task_text
from gui.style import error_color, muted_color
from gui.widgets.curves import CurvesView
from nlp.runs.workspace import Run, RunSummary
from nlp.training.metrics import shown_metrics

EMPTY_HINT = QT_TRANSLATE_NOOP("RunDetails", "No runs yet. Train one on the Train page, or "
                              "import a .rnnrun file (Import…).")
PICK_HINT = QT_TRANSLATE_NOOP("RunDetails", "Select a run to see its settings, curves and "
                             "samples; select several to compare.")


class RunDetails(QWidget):
    """A stack: a hint, one run (its description beside its curves), or the
    compared curves of several runs."""

    problem = Signal(str)  # a message for the page's status line

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._calls = Calls(self)  # "details": what the pane shows; a newer request drops it
        self._runs: list[RunSummary] = []
        self.stack = QStackedWidget()
        self.hint = QLabel(self.tr(PICK_HINT))
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        self.x_axis = self._build_x_axis()
        self.curves = CurvesView(x=self.x_axis.currentData())
        self.compare_curves = CurvesView(x=self.x_axis.currentData(), multi=True)
        self.compare_title = QLabel()

        self.single = QSplitter(Qt.Orientation.Horizontal)
        self.single.addWidget(self.text)
        self.single.addWidget(_box(self.curves))
        self.single.setSizes([380, 620])
        self.compare_page = _box(self.compare_title, self.compare_curves)
        for widget in (self.hint, self.single, self.compare_page):
            self.stack.addWidget(widget)

        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(QLabel(self.tr("Curves")))
        row.addWidget(self.x_axis)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.stack, 1)

    def _build_x_axis(self) -> QComboBox:
        combo = QComboBox()
        combo.addItem(self.tr("against minutes of training"), "time")
        combo.addItem(self.tr("against steps"), "step")
        combo.setCurrentIndex(max(0, combo.findData(self.ctx.recall("runs/x_axis", "time"))))
        combo.currentIndexChanged.connect(self._x_axis_changed)
        return combo

    def show_runs(self, runs: list[RunSummary], workspace_empty: bool = False) -> None:
        """Describe one run, compare several, or say what to do with none."""
        self._calls.cancel("details")
        self._runs = list(runs)
        if len(runs) == 1:
            self._show_one(runs[0])
        elif runs:
            self._show_compare(runs)
        else:
            self.hint.setText(self.tr(EMPTY_HINT if workspace_empty else PICK_HINT))
            self.stack.setCurrentWidget(self.hint)

    def _show_one(self, summary: RunSummary) -> None:
        run = Run(summary.path)
        self.text.setHtml(details_html(summary, []))
        self.curves.clear()
        self.stack.setCurrentWidget(self.single)
        self._calls.start("details", lambda *_: (run.metrics(), run.samples()),
                          lambda result: self._one_loaded(summary, *result), self._failed)

    def _one_loaded(self, summary: RunSummary, metrics: list[dict],
                    samples: list[dict]) -> None:
        self.text.setHtml(details_html(summary, samples))
        self.curves.clear()
        self.curves.set_history(summary.name, metrics)

    def _show_compare(self, runs: list[RunSummary]) -> None:
        self.compare_curves.clear()
        self.compare_title.setText(self.tr("Comparing {names}").format(
            names=", ".join(s.name for s in runs)))
        self.stack.setCurrentWidget(self.compare_page)
        folders = [(s.name, s.path) for s in runs]
        self._calls.start("details",
                          lambda *_: [(name, Run(path).metrics()) for name, path in folders],
                          self._compare_loaded, self._failed)

    def _compare_loaded(self, histories: list[tuple[str, list[dict]]]) -> None:
        self.compare_curves.clear()
        for name, rows in histories:
            self.compare_curves.set_history(name, rows)

    def _failed(self, exc: BaseException) -> None:
        self.problem.emit(self.ctx.message_for(exc))

    def _x_axis_changed(self) -> None:
        """CurvesView fixes its x axis when built: build both anew."""
        x = self.x_axis.currentData()
        self.ctx.remember("runs/x_axis", x)
        self.curves = _replace(self.curves, CurvesView(x=x))
        self.compare_curves = _replace(self.compare_curves, CurvesView(x=x, multi=True))
        self.show_runs(self._runs)


def _box(*widgets: QWidget) -> QWidget:
    """A plain box around ``widgets`` (the last one stretches), so that a widget
    can later be swapped for another in its layout."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    layout.setStretch(len(widgets) - 1, 1)
    return box


def _replace(old: QWidget, new: QWidget) -> QWidget:
    old.parentWidget().layout().replaceWidget(old, new)
    old.deleteLater()
    return new


# -- one run, described ---------------------------------------------------------------------
def _value_text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_value_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {_value_text(v)}" for k, v in value.items()) or "—"
    return str(value)


def _section(title: str, values: dict) -> str:
    muted = muted_color()
    rows = "".join(f"<tr><td style='color:{muted}; padding-right:12px'>{html.escape(str(k))}</td>"
                   f"<td>{html.escape(_value_text(v))}</td></tr>" for k, v in values.items())
    return f"<h4 style='margin-bottom:2px'>{html.escape(title)}</h4><table>{rows}</table>"


def details_html(s: RunSummary, samples: list[dict]) -> str:
    """A run's config, best scores and latest samples, escaped: a run file from
    elsewhere may hold any text."""
    translate = QCoreApplication.translate
    parts = [f"<h3 style='margin-bottom:0'>{html.escape(s.name)}</h3>"]
    folder = translate("RunDetails", "folder")
    run_title = translate("RunDetails", "Run")
    if s.error:
        damaged = translate("RunDetails", "Damaged:")
        advice = translate("RunDetails", "It cannot be opened, continued or exported; delete "
                           "it, or repair the file named above.")
        parts.append(f"<p style='color:{error_color()}'><b>{damaged}</b> "
                     f"{html.escape(s.error)}</p><p>{advice}</p>")
        if not s.config:  # nothing was read: the folder is all there is to say
            return "".join(parts) + _section(run_title, {folder: str(s.path)})
    overview = {translate("RunDetails", "task"): task_text(str(s.task)) if s.task else "—",
                translate("RunDetails", "steps"): f"{s.step:,}",
                translate("RunDetails", "created"): created_text(s.created) or "—",
                translate("RunDetails", "size on disk"): size_text(s.size_bytes),
                folder: str(s.path)}
    outcome = s.config.get("outcome")
    if isinstance(outcome, dict) and outcome.get("reason"):
        ended = str(outcome["reason"])
        if outcome.get("detail"):
            ended += f": {outcome['detail']}"
        overview[translate("RunDetails", "how it ended")] = ended
    parts.append(_section(run_title, overview))
    recipe = s.config.get("recipe")
    if isinstance(recipe, dict) and recipe.get("why"):
        parts.append(_section(translate("RunDetails", "Recipe"),
                              {translate("RunDetails", "why these settings"): recipe["why"]}))
    if s.best:
        chosen = {"val_loss": translate("RunDetails", "validation loss"),
                  "chrf": translate("RunDetails", "validation chrF"),
                  "bleu": translate("RunDetails", "validation BLEU")}.get(s.selected_by,
                                                                          s.selected_by)
        head = {translate("RunDetails", "chosen by"): chosen}
        if s.best_step is not None:
            head[translate("RunDetails", "step")] = f"{s.best_step:,}"
        scores = shown_metrics(s.best)
        if len(scores) < len(s.best):  # a word perplexity left out: say why, in its place
            scores = {**scores, "val_word_ppl": translate(
                "RunDetails", "not shown: this text is not written as space-separated "
                "words (Chinese, code); val_bpc (bits per character) compares instead")}
        parts.append(_section(translate("RunDetails", "Best checkpoint"), {**head, **scores}))
    elif s.no_best:
        why = translate("RunTable", NO_BEST[s.no_best]) if s.no_best in NO_BEST else s.no_best
        parts.append(_section(translate("RunDetails", "Best checkpoint"),
                              {translate("RunDetails", "none"): why}))
    parts.append(_samples_html(samples))
    for key, title in (("model", translate("RunDetails", "Model")),
                       ("data", translate("RunDetails", "Data")),
                       ("train", translate("RunDetails", "Training"))):
        section = s.config.get(key)
        if isinstance(section, dict) and section:
            parts.append(_section(title, section))
    return "".join(parts)


def _samples_html(samples: list[dict]) -> str:
    """The samples of the latest evaluation (a few, each cut to a readable length)."""
    latest = next((r for r in reversed(samples) if isinstance(r.get("samples"), list)), None)
    if not latest:
        return ""
    texts = "".join(f"<p style='white-space:pre-wrap; margin:4px 0'>"
                    f"{html.escape(str(t)[:2000])}</p><hr>" for t in latest["samples"][:5])
    title = QCoreApplication.translate("RunDetails", "Samples at step {step}").format(
        step=html.escape(str(latest.get("step", "?"))))
    return f"<h4 style='margin-bottom:2px'>{title}</h4>{texts}"
