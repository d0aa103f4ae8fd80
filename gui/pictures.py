"""Pictures for the command line: widgets drawn offscreen and saved as PNG.

``nlp/`` never imports Qt; ``main.py`` hands this module to the CLI as its
picture writer (``nlp.cli.common.PictureWriter``), so a command that is asked for a
``.png`` draws it here with the same widgets the window shows.
"""

from __future__ import annotations

import os
from pathlib import Path

from nlp.errors import StudioError


def _app():
    """The running QApplication, or a new offscreen one (no display needed)."""
    if "QT_QPA_PLATFORM" not in os.environ and not os.environ.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


def save_widget(widget, path: str | Path, width: int, height: int) -> Path:
    """Lay ``widget`` out at ``width`` x ``height`` and save its picture to ``path``."""
    _app()
    path = Path(path)
    widget.resize(width, height)
    widget.ensurePolished()
    widget.show()  # offscreen: nothing appears, but layouts and plots settle
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    image = widget.grab()
    widget.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(path), "PNG"):
        raise StudioError(f"could not write the picture {path}; check that the folder "
                          "is writable")
    return path


def save_forecast(report: dict, path: str | Path, width: int = 900, height: int = 520) -> Path:
    """A series' held-out forecast against the truth and the baselines, with the
    verdict under it (``report``: ``nlp.tasks.series.task.SeriesReport.to_dict()``)."""
    _app()
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    from gui.widgets.forecast import ForecastView, verdict_text

    panel = QWidget()
    panel.setStyleSheet("background: white; color: black;")
    layout = QVBoxLayout(panel)
    view = ForecastView()
    view.show_report(report)
    verdict = QLabel(verdict_text(report))
    verdict.setWordWrap(True)
    layout.addWidget(view, 1)
    layout.addWidget(verdict)
    return save_widget(panel, path, width, height)


def save_inspection(inspection, path: str | Path, gate: str = "hidden", layer: int = -1,
                    units=(), width: int = 1100) -> Path:
    """A picture of an inspection (``nlp.analysis.inspect``). A language model's: the text
    coloured by each of ``units`` of ``gate`` in ``layer``, one captioned block per
    unit. A translator's: the attention of each sentence's best alternative."""
    _app()
    from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

    from gui.widgets.heatmap import AttentionHeatmap
    from gui.widgets.text_heatmap import ScaleBar, TextHeatmap
    from nlp.analysis.inspect import LMInspection, follows, rank_units, value_range

    picture = QWidget()
    picture.setAutoFillBackground(True)
    column = QVBoxLayout(picture)
    if isinstance(inspection, LMInspection):
        values = inspection.values(gate, layer)
        ranking = rank_units(inspection, gate, layer)
        for unit in units:
            caption = f"layer {layer % inspection.num_layers + 1} · {gate} · unit {unit}"
            score = follows(ranking, unit)
            if score is not None:
                caption += f": follows “{score.feature}” (r = {score.r:+.2f})"
            low, high = value_range(gate, values[:, unit])
            heatmap, scale = TextHeatmap(), ScaleBar()
            heatmap.set_values(inspection.text, inspection.spans, values[:, unit], low, high)
            scale.set_range(low, high)
            row = QHBoxLayout()
            row.addWidget(QLabel(caption), 1)
            row.addWidget(scale)
            column.addLayout(row)
            column.addWidget(heatmap)
    else:
        for sentence in inspection.sentences:
            best = sentence.alternatives[0]
            heatmap = AttentionHeatmap()
            heatmap.set_attention(best.attention, sentence.source_pieces, best.pieces)
            column.addWidget(QLabel(f"{sentence.source}  →  {best.text}  "
                                    f"(score {best.score:.3f})"))
            column.addWidget(heatmap)
    width = max(width, picture.sizeHint().width())
    height = picture.heightForWidth(width)  # -1 when the height does not depend on it
    return save_widget(picture, path, width, max(height, picture.sizeHint().height()))


def save_curves(histories: dict[str, list[dict]], path: str | Path, width: int = 900,
                height: int = 720) -> Path:
    """The learning curves of several runs overlaid (run label -> metrics rows),
    x in minutes of training: what ``compare --plot`` writes."""
    _app()
    from gui.widgets.curves import CurvesView

    view = CurvesView(x="time", multi=True)
    for label, rows in histories.items():
        view.set_history(label, rows)
    return save_widget(view, path, width, height)
