"""A translator's inspection on the Inspect page: per sentence, the beam's
alternatives with their scores, and the attention of the one picked."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.boxes import labelled, scrolled
from gui.widgets.heatmap import AttentionHeatmap
from nlp.analysis.inspect import (
    TranslationInspection,
)


class BeamView(QWidget):
    """A translator's inspection: per sentence, the beam's alternatives and the
    attention of the one chosen."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.inspection: TranslationInspection | None = None
        self.sentence_box = QComboBox()
        self.sentence_box.currentIndexChanged.connect(self._sentence_chosen)
        self.sentence_label = QLabel(self.tr("Sentence"))
        self.alternatives = QListWidget()
        self.alternatives.currentRowChanged.connect(self._alternative_chosen)
        self.attention = AttentionHeatmap()
        row = QHBoxLayout()
        row.addWidget(self.sentence_label)
        row.addWidget(self.sentence_box, 1)
        body = QSplitter(Qt.Orientation.Horizontal)
        self.alternatives.setToolTip(self.tr("Score: the length-normalised log-probability "
                                             "the beam ranks by; then the total "
                                             "log-probability; then the translation"))
        body.addWidget(labelled(self.tr("Alternatives: score, log-probability, text"),
                                 self.alternatives))
        body.addWidget(labelled(self.tr("Attention (rows: translation, columns: source)"),
                                 scrolled(self.attention)))
        body.setSizes([380, 620])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(body, 1)

    def show_inspection(self, inspection: TranslationInspection) -> None:
        self.inspection = inspection
        self.sentence_box.blockSignals(True)
        self.sentence_box.clear()
        for k, sentence in enumerate(inspection.sentences):
            self.sentence_box.addItem(f"{k + 1}. {sentence.source}")
        self.sentence_box.blockSignals(False)
        several = len(inspection.sentences) > 1
        self.sentence_box.setVisible(several)
        self.sentence_label.setVisible(several)
        self.sentence_box.setCurrentIndex(0)
        self._sentence_chosen(0)

    def _sentence_chosen(self, index: int) -> None:
        self.alternatives.blockSignals(True)
        self.alternatives.clear()
        sentences = self.inspection.sentences if self.inspection else []
        if 0 <= index < len(sentences):
            empty = self.tr("(empty)")
            for alt in sentences[index].alternatives:
                self.alternatives.addItem(f"{alt.score:7.3f}  {alt.log_prob:8.3f}   "
                                          f"{alt.text or empty}")
        self.alternatives.setCurrentRow(0)
        self.alternatives.blockSignals(False)
        self._alternative_chosen(self.alternatives.currentRow())

    def _alternative_chosen(self, row: int) -> None:
        index = self.sentence_box.currentIndex()
        sentences = self.inspection.sentences if self.inspection else []
        if not 0 <= index < len(sentences) or not 0 <= row < len(sentences[index].alternatives):
            self.attention.clear()
            return
        sentence = sentences[index]
        alt = sentence.alternatives[row]
        self.attention.set_attention(alt.attention, sentence.source_pieces, alt.pieces)
