"""A language model's inspection on the Inspect page: one unit of one gate as
colours over the text, the units ranked by how closely they follow simple
features of the text, and the strongest of them one row each. Ranking the
units of a layer is a quick numpy call, made on the GUI thread when the layer
or the gate changes."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.boxes import labelled, scrolled
from gui.widgets.text_heatmap import ScaleBar, TextHeatmap, UnitGrid, describe_piece
from nlp.analysis.inspect import (
    LMInspection,
    follows,
    rank_units,
    strongest_units,
    value_range,
)

RANKED = 5  # units listed per feature
GRID_UNITS = 12  # rows of the units x positions grid

FEATURE_NAMES = {
    "inside quotes": QT_TRANSLATE_NOOP("InspectPage", "inside quotes"),
    "inside brackets": QT_TRANSLATE_NOOP("InspectPage", "inside brackets"),
    "position in line": QT_TRANSLATE_NOOP("InspectPage", "position in the line"),
    "after punctuation": QT_TRANSLATE_NOOP("InspectPage", "just after punctuation"),
    "word start": QT_TRANSLATE_NOOP("InspectPage", "start of a word"),
    "upper case": QT_TRANSLATE_NOOP("InspectPage", "upper case"),
    "whitespace": QT_TRANSLATE_NOOP("InspectPage", "whitespace"),
    "digit": QT_TRANSLATE_NOOP("InspectPage", "digit"),
}
GATE_NAMES = {
    "hidden": QT_TRANSLATE_NOOP("InspectPage", "hidden state"),
    "cell": QT_TRANSLATE_NOOP("InspectPage", "cell (memory)"),
    "input": QT_TRANSLATE_NOOP("InspectPage", "input gate"),
    "forget": QT_TRANSLATE_NOOP("InspectPage", "forget gate"),
    "output": QT_TRANSLATE_NOOP("InspectPage", "output gate"),
    "candidate": QT_TRANSLATE_NOOP("InspectPage", "candidate"),
    "reset": QT_TRANSLATE_NOOP("InspectPage", "reset gate"),
    "update": QT_TRANSLATE_NOOP("InspectPage", "update gate"),
}
GATE_ORDER = ("hidden", "cell", "forget", "input", "output", "update", "reset", "candidate")


def _name(text: str) -> str:
    """A feature or gate name (marked above) in the interface language."""
    return QCoreApplication.translate("InspectPage", text)


class GateView(QWidget):
    """A language model's inspection: a unit over the text, ranked units, a grid."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.inspection: LMInspection | None = None
        self.ranking: dict = {}
        self.grid_units: list = []  # UnitScore of each grid row
        self._build()

    def _build(self) -> None:
        self.layer_box = QComboBox()
        self.gate_box = QComboBox()
        self.unit_spin = QSpinBox()
        self.unit_spin.setToolTip(self.tr("Which unit of the layer to colour the text by"))
        self.surprisal_check = QCheckBox(self.tr("Colour by surprisal"))
        self.surprisal_check.setToolTip(self.tr("How unexpected each token was to the model, in "
                                                 "bits, instead of a unit's value"))
        for box in (self.layer_box, self.gate_box):
            box.currentIndexChanged.connect(self._rerank)
        self.unit_spin.valueChanged.connect(self.show_unit)
        self.surprisal_check.toggled.connect(lambda _: self.show_unit(self.unit_spin.value()))
        controls = QHBoxLayout()
        for label, widget in ((self.tr("Layer"), self.layer_box), (self.tr("Gate"), self.gate_box),
                              (self.tr("Unit"), self.unit_spin)):
            controls.addWidget(QLabel(label))
            controls.addWidget(widget)
        controls.addWidget(self.surprisal_check)
        controls.addStretch(1)

        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr("Feature / unit"), "r"])
        self.tree.setToolTip(self.tr("Units whose value follows each feature of the text most "
                                     "closely (Pearson r); click one to show it"))
        self.tree.itemClicked.connect(self._tree_clicked)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.heatmap = TextHeatmap()
        self.scale = ScaleBar()
        self.scale.setToolTip(self.tr("The colours of the values"))
        self.grid = UnitGrid()
        self.grid.row_clicked.connect(self._grid_clicked)
        right = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        col = QVBoxLayout(top)
        col.setContentsMargins(0, 0, 0, 0)
        caption_row = QHBoxLayout()
        caption_row.addWidget(self.caption, 1)
        caption_row.addWidget(self.scale)
        col.addLayout(caption_row)
        col.addWidget(scrolled(self.heatmap), 1)
        right.addWidget(top)
        strongest = self.tr("The strongest units, one row each (click one to show it)")
        right.addWidget(labelled(strongest, scrolled(self.grid)))
        right.setSizes([250, 300])
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(labelled(self.tr("Units that follow the text"), self.tree))
        body.addWidget(right)
        body.setSizes([260, 740])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(body, 1)

    # -- filling -------------------------------------------------------------------------
    def show_inspection(self, inspection: LMInspection) -> None:
        """Show a new inspection, keeping the chosen layer and gate where they exist."""
        self.inspection = inspection
        layer = self.layer_box.currentData()
        gate = self.gate_box.currentData()
        for box in (self.layer_box, self.gate_box):
            box.blockSignals(True)
            box.clear()
        for k in range(inspection.num_layers):
            self.layer_box.addItem(self.tr("{n} of {total} ({size} units)").format(
                n=k + 1, total=inspection.num_layers, size=inspection.layer_sizes[k]), k)
        for name in sorted(inspection.gate_names, key=GATE_ORDER.index):
            self.gate_box.addItem(_name(GATE_NAMES[name]), name)
        layer_index = self.layer_box.findData(layer)
        self.layer_box.setCurrentIndex(layer_index if layer_index >= 0
                                       else inspection.num_layers - 1)
        self.gate_box.setCurrentIndex(max(self.gate_box.findData(gate), 0))
        for box in (self.layer_box, self.gate_box):
            box.blockSignals(False)
        self._rerank()

    def current(self) -> tuple[int, str]:
        """(layer index, gate name) chosen."""
        return self.layer_box.currentData(), self.gate_box.currentData()

    def _rerank(self, *_: object) -> None:
        """Rank the units of the chosen layer and gate, list them, show the strongest."""
        if self.inspection is None or self.layer_box.currentIndex() < 0:
            return
        layer, gate = self.current()
        self.ranking = rank_units(self.inspection, gate, layer, RANKED)
        self.grid_units = strongest_units(self.ranking, GRID_UNITS)
        self._fill_tree()
        self.unit_spin.blockSignals(True)
        self.unit_spin.setRange(0, self.inspection.layer_sizes[layer] - 1)
        self.unit_spin.blockSignals(False)
        self.show_unit(self.grid_units[0].unit if self.grid_units else 0)

    def _fill_tree(self) -> None:
        self.tree.clear()
        for feature, units in self.ranking.items():
            top = QTreeWidgetItem([_name(FEATURE_NAMES[feature]), ""])
            if not units:
                top.setText(0, self.tr("{feature} (not in this text)").format(
                    feature=_name(FEATURE_NAMES[feature])))
                top.setDisabled(True)
            for score in units:
                child = QTreeWidgetItem([self.tr("unit {unit}").format(unit=score.unit),
                                         f"{score.r:+.2f}"])
                child.setData(0, Qt.ItemDataRole.UserRole, score.unit)
                top.addChild(child)
            self.tree.addTopLevelItem(top)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)

    def _tree_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        unit = item.data(0, Qt.ItemDataRole.UserRole)
        if unit is not None:
            self.surprisal_check.setChecked(False)
            self.show_unit(int(unit))

    def _grid_clicked(self, row: int) -> None:
        if 0 <= row < len(self.grid_units):
            self.surprisal_check.setChecked(False)
            self.show_unit(self.grid_units[row].unit)

    # -- showing a unit ------------------------------------------------------------------
    def show_unit(self, unit: int) -> None:
        """Colour the text by ``unit`` of the chosen gate and layer (or by surprisal)."""
        insp = self.inspection
        if insp is None:
            return
        self.unit_spin.blockSignals(True)
        self.unit_spin.setValue(unit)
        self.unit_spin.blockSignals(False)
        layer, gate = self.current()
        values = insp.values(gate, layer)
        if self.surprisal_check.isChecked():
            shown, name = insp.surprisal, "surprisal"
            self.caption.setText(self.tr("Surprisal: how unexpected each token was to the model, "
                                         "in bits (grey: the first token, which has nothing "
                                         "before it)."))
        else:
            shown, name = values[:, unit], gate
            self.caption.setText(self._unit_caption(layer, gate, unit))
        low, high = value_range(name, shown)
        self.heatmap.set_values(insp.text, insp.spans, shown, low, high, self._details)
        self.scale.set_range(low, high)
        rows = [s.unit for s in self.grid_units]
        grid_low, grid_high = value_range(gate, values[:, rows]) if rows else (0.0, 1.0)
        self.grid.set_rows(values[:, rows].T, [self._row_label(s) for s in self.grid_units],
                           insp.pieces, grid_low, grid_high,
                           rows.index(unit) if unit in rows else -1)

    def _unit_caption(self, layer: int, gate: str, unit: int) -> str:
        where = self.tr("Layer {layer} · {gate} · unit {unit}").format(
            layer=layer + 1, gate=_name(GATE_NAMES[gate]), unit=unit)
        score = follows(self.ranking, unit)
        if score is None:
            return where
        return self.tr("{where}: follows “{feature}” (r = {r})").format(
            where=where, feature=_name(FEATURE_NAMES[score.feature]), r=f"{score.r:+.2f}")

    @staticmethod
    def _row_label(score) -> str:
        return f"{score.unit} · {_name(FEATURE_NAMES[score.feature])} {score.r:+.2f}"

    def _details(self, t: int) -> str:
        """Tooltip lines for token t: its surprisal and what the model expected next."""
        insp = self.inspection
        lines = []
        surprisal = float(insp.surprisal[t])
        if surprisal == surprisal:  # not NaN
            lines.append(self.tr("surprisal {bits} bits").format(bits=f"{surprisal:.2f}"))
        lines.append(self.tr("expected next: {piece} ({percent}%)").format(
            piece=describe_piece(insp.expected[t]),
            percent=f"{100 * float(insp.expected_prob[t]):.0f}"))
        return "\n".join(lines)
