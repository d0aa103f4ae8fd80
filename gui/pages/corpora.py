"""The Corpora page: the user's corpora, and a look at one before training on it.

The list starts with the built-in samples and remembers what the user adds
(by dialog or by dropping files and folders). Selecting a corpus reads its
first lines and then its statistics on a pool thread, so a 200 MB corpus never
freezes the window; a newer selection (or change of options) supersedes the
reads before it, whose results are dropped (``gui.background.Calls``). Problems
are shown in the back end's words; an encoding problem also offers the fallback
choices. A folder's files can be narrowed with include/exclude patterns; the
files it skips (binary, empty, undecodable) are listed with their reasons. The
line-length chart is ``gui.widgets.length_chart``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.background import Calls
from gui.corpus_list import (
    SELECTED_KEY,
    CorpusEntry,
    aligned_entry,
    as_kind,
    entry_for_path,
    load_entries,
    read_preview,
    read_stats,
    save_entries,
    stats_html,
)
from gui.style import muted_style
from gui.widgets.length_chart import LengthChart
from nlp.cancel import cancel_when
from nlp.data.corpus import TextOptions
from nlp.data.stats import CorpusStats
from nlp.errors import EncodingProblem

DETECT = QT_TRANSLATE_NOOP("CorporaPage", "automatic")
ENCODINGS = ("utf-8", "cp1252", "latin-1", "utf-16", "utf-16-le", "utf-16-be", "gb18030",
             "cp950", "big5hkscs", "cp932", "euc-jp", "cp949", "cp1251", "koi8-r", "iso-8859-2")
PLACEHOLDER = QT_TRANSLATE_NOOP("CorporaPage", "The first lines of the corpus appear here.")
FOLDER_KEY = "corpora/last_folder"


def _filters(*kinds: tuple[str, str]) -> str:
    """A file dialog's filter: ``(description, patterns)`` pairs, then "All files (*)";
    the descriptions are translated, the patterns not."""
    translate = QCoreApplication.translate
    parts = [f"{description} ({patterns})" for description, patterns in kinds]
    return ";;".join([*parts, translate("CorporaPage", "All files") + " (*)"])


def _patterns(text: str) -> tuple[str, ...]:
    """Glob patterns typed with commas between them."""
    return tuple(p.strip() for p in text.split(",") if p.strip())


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for widget in widgets:
        row.addWidget(widget)
    row.addStretch(1)
    return row


class CorporaPage(QWidget):
    key = "corpora"
    title = QT_TRANSLATE_NOOP("Pages", "Corpora")

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.entries: list[CorpusEntry] = load_entries(ctx)
        self.preview: list | None = None
        self.stats = None  # CorpusStats | PairStats of the selected corpus, once read
        self.problem: BaseException | None = None
        # "preview" and "stats" of the selected corpus, on two threads of their own: a
        # stale full pass must not hold up the next one
        self._calls = Calls(self, threads=2)
        self._filling = False
        self.setAcceptDrops(True)
        self._build()
        self._fill_list()
        self._select_key(ctx.recall(SELECTED_KEY, "", str))

    # -- layout ------------------------------------------------------------------------
    def _build(self) -> None:
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._build_list_side())
        splitter.addWidget(self._build_detail_side())
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 780])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)

    def _build_list_side(self) -> QWidget:
        self.corpus_list = QListWidget()
        self.corpus_list.currentRowChanged.connect(self._row_changed)
        add_menu = QMenu(self)
        add_menu.addAction(self.tr("Text file…"), self.add_text_files_by_dialog)
        add_menu.addAction(self.tr("Folder of text files…"), self.add_folder_by_dialog)
        add_menu.addAction(self.tr("Pairs: tab-separated file…"), self.add_tsv_by_dialog)
        add_menu.addAction(self.tr("Pairs: two line-aligned files…"),
                           self.add_aligned_by_dialog)
        self.add_button = QToolButton()
        self.add_button.setText(self.tr("Add corpus"))
        self.add_button.setMenu(add_menu)
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.setToolTip(
            self.tr("Takes the corpus off this list; its files stay where they are."))
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        hint = QLabel(self.tr("Or drop text files, folders or .tsv files here."))
        hint.setWordWrap(True)
        hint.setStyleSheet(muted_style())
        side = QWidget()
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.corpus_list, 1)
        column.addLayout(buttons)
        column.addWidget(hint)
        return side

    def _build_detail_side(self) -> QWidget:
        self.name_label = QLabel()
        font = self.name_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.name_label.setFont(font)
        self.path_label = QLabel()
        self.path_label.setWordWrap(True)
        self.path_label.setStyleSheet(muted_style())
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview_box = QPlainTextEdit()
        self.preview_box.setReadOnly(True)
        self.preview_box.setAcceptDrops(False)  # a dropped file goes to the page, not the text
        self.preview_box.setFont(QFont("monospace"))
        self.preview_box.setPlaceholderText(self.tr(PLACEHOLDER))
        self.stats_label = QLabel()
        self.stats_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.stats_label.setWordWrap(True)
        self.stats_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.chart = LengthChart()
        self.train_button = QPushButton(self.tr("Train on this corpus"))
        self.train_button.clicked.connect(self.train_on_selected)

        stats_column = QVBoxLayout()
        stats_column.addWidget(QLabel("<b>{}</b>".format(self.tr("Statistics"))))
        stats_scroll = QScrollArea()  # long statistics scroll instead of stretching the page
        stats_scroll.setWidgetResizable(True)
        stats_scroll.setFrameShape(QFrame.Shape.NoFrame)
        stats_scroll.setWidget(self.stats_label)
        stats_column.addWidget(stats_scroll, 1)
        self.skipped_button = QPushButton()
        self.skipped_button.setCheckable(True)
        self.skipped_button.setToolTip(self.tr("The folder's files that were not read, and why."))
        self.skipped_button.toggled.connect(lambda on: self.skipped_box.setVisible(on))
        self.skipped_box = QPlainTextEdit()
        self.skipped_box.setReadOnly(True)
        self.skipped_box.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.skipped_button.hide()
        self.skipped_box.hide()
        stats_column.addWidget(self.skipped_button, 0, Qt.AlignmentFlag.AlignLeft)
        stats_column.addWidget(self.skipped_box, 1)
        figures = QWidget()
        row = QHBoxLayout(figures)
        row.setContentsMargins(0, 0, 0, 0)
        row.addLayout(stats_column, 1)
        row.addWidget(self.chart, 1)
        lines = QWidget()
        lines_column = QVBoxLayout(lines)
        lines_column.setContentsMargins(0, 0, 0, 0)
        lines_column.addWidget(QLabel("<b>{}</b>".format(self.tr("First lines"))))
        lines_column.addWidget(self.preview_box)
        panes = QSplitter(Qt.Orientation.Vertical)  # the user can give the preview more room
        panes.addWidget(lines)
        panes.addWidget(figures)
        panes.setSizes([300, 320])
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.train_button)
        side = QWidget()
        column = QVBoxLayout(side)
        column.setContentsMargins(6, 0, 0, 0)
        column.addWidget(self.name_label)
        column.addWidget(self.path_label)
        column.addLayout(self._build_options_grid())
        column.addWidget(self._build_problem_panel())
        column.addWidget(panes, 1)
        column.addLayout(bottom)
        return side

    def _build_options_grid(self) -> QGridLayout:
        """How the corpus is read: as text or TSV pairs, the encoding, normalization.
        Three short rows keep the page narrow enough for a small window."""
        self.read_as_label = QLabel(self.tr("Read as"))
        self.read_as = QComboBox()
        self.read_as.addItems([self.tr("text"), self.tr("pairs (TSV)")])
        self.read_as.setToolTip(
            self.tr("Pairs (TSV): one pair per line, in two tab-separated columns."))
        self.read_as.currentIndexChanged.connect(self._options_changed)
        self.src_column, self.tgt_column = QSpinBox(), QSpinBox()
        for spin in (self.src_column, self.tgt_column):
            spin.setRange(0, 99)
            spin.valueChanged.connect(self._options_changed)
        self.columns_label = QLabel(self.tr("columns: source"))
        for widget in (self.columns_label, self.src_column, self.tgt_column):
            widget.setToolTip(self.tr("Which tab-separated columns hold the pair, counted "
                                      "from 0."))
        self.tgt_column_label = QLabel(self.tr("target"))
        self.pair_button = QPushButton(self.tr("Pair with another file…"))
        self.pair_button.setToolTip(
            self.tr("Choose the other language's file, line-aligned with this one."))
        self.pair_button.clicked.connect(self.pair_selected_by_dialog)
        self.encoding = QComboBox()
        self.encoding.addItem(self.tr(DETECT), None)
        self.encoding.setItemData(0, self.tr("Detected for each file: UTF-8, UTF-16, or the "
                                             "likeliest legacy encoding (Big5, GB18030, "
                                             "Shift-JIS, cp1252…)"), Qt.ItemDataRole.ToolTipRole)
        for name in ENCODINGS:
            self.encoding.addItem(name, name)
        self.encoding.currentIndexChanged.connect(self._options_changed)
        self.replace_errors = QCheckBox(self.tr("Replace undecodable bytes"))
        self.replace_errors.setToolTip(self.tr("Read on past bytes the encoding cannot "
                                               "decode; each becomes U+FFFD and is counted."))
        self.lowercase = QCheckBox(self.tr("Lowercase"))
        self.nfc = QCheckBox("NFC")
        self.nfc.setToolTip(self.tr("Unicode NFC: an accent typed as two characters becomes "
                                    "one."))
        for box in (self.replace_errors, self.lowercase, self.nfc):
            box.toggled.connect(self._options_changed)
        self.files_label = QLabel(self.tr("Files"))
        self.include = QLineEdit()
        self.include.setPlaceholderText(self.tr("only files matching, e.g. *.py, *.md"))
        self.exclude = QLineEdit()
        self.exclude.setPlaceholderText(self.tr("leave out, e.g. tests/*, *.min.js"))
        for edit in (self.include, self.exclude):
            edit.setToolTip(self.tr("Patterns matched against a file's name or its path in "
                                    "the folder, separated by commas. Binary, empty and "
                                    "undecodable files are skipped anyway, and listed."))
            edit.editingFinished.connect(self._patterns_changed)
        grid = QGridLayout()
        grid.setColumnStretch(2, 1)
        grid.addWidget(self.read_as_label, 0, 0)
        grid.addWidget(self.read_as, 0, 1)
        grid.addLayout(_row(self.columns_label, self.src_column, self.tgt_column_label,
                            self.tgt_column, self.pair_button), 0, 2)
        grid.addWidget(QLabel(self.tr("Encoding")), 1, 0)
        grid.addWidget(self.encoding, 1, 1)
        grid.addLayout(_row(self.replace_errors), 1, 2)
        grid.addWidget(QLabel(self.tr("Text")), 2, 0)
        grid.addLayout(_row(self.lowercase, self.nfc), 2, 1, 1, 2)
        grid.addWidget(self.files_label, 3, 0)
        files = QHBoxLayout()
        files.addWidget(self.include, 1)
        files.addWidget(self.exclude, 1)
        grid.addLayout(files, 3, 1, 1, 2)
        return grid

    def _build_problem_panel(self) -> QFrame:
        """Why the corpus cannot be read, in the back end's words, and for an
        encoding problem the two ways on: another encoding, or replacement."""
        self.problem_panel = QFrame()
        self.problem_panel.setObjectName("problem")
        self.problem_panel.setStyleSheet(
            "#problem { background: #fff4e5; border: 1px solid #e0a050; border-radius: 4px; }")
        self.problem_text = QLabel()
        self.problem_text.setWordWrap(True)
        self.problem_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fallback_button = QPushButton()
        self.fallback_button.clicked.connect(self._use_fallback)
        self.replace_button = QPushButton(self.tr("Replace undecodable bytes"))
        self.replace_button.clicked.connect(lambda: self.replace_errors.setChecked(True))
        buttons = QHBoxLayout()
        buttons.addWidget(self.fallback_button)
        buttons.addWidget(self.replace_button)
        buttons.addStretch(1)
        column = QVBoxLayout(self.problem_panel)
        column.addWidget(self.problem_text)
        column.addLayout(buttons)
        self.problem_panel.hide()
        return self.problem_panel

    # -- the list ----------------------------------------------------------------------
    def _fill_list(self) -> None:
        self.corpus_list.blockSignals(True)
        self.corpus_list.clear()
        for entry in self.entries:
            self.corpus_list.addItem(self._item_for(entry))
        self.corpus_list.blockSignals(False)

    def _item_for(self, entry: CorpusEntry) -> QListWidgetItem:
        item = QListWidgetItem(f"{entry.display_name()}\n    {entry.kind_label()}")
        tip = entry.path if entry.tgt_path is None else f"{entry.path}\n{entry.tgt_path}"
        item.setToolTip(tip)
        return item

    def _select_key(self, key: str) -> None:
        keys = [e.key for e in self.entries]
        row = keys.index(key) if key in keys else (0 if keys else -1)
        if self.corpus_list.currentRow() == row:
            self._row_changed(row)
        else:
            self.corpus_list.setCurrentRow(row)

    def selected(self) -> CorpusEntry | None:
        row = self.corpus_list.currentRow()
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def _save(self) -> None:
        save_entries(self.ctx, self.entries)

    def add_paths(self, paths, as_pairs: bool | None = None) -> None:
        """Add files or folders (already listed ones are just selected)."""
        last = None
        known = {e.key for e in self.entries}
        for path in paths:
            last = entry_for_path(path, as_pairs)
            if last.key not in known:
                known.add(last.key)
                self.entries.append(last)
                self.corpus_list.addItem(self._item_for(last))
        if last is not None:
            self._save()
            self.ctx.remember(FOLDER_KEY, str(Path(last.path).parent))
            self._select_key(last.key)

    def add_aligned(self, first, other) -> None:
        """Two line-aligned files: add (or turn) ``first`` into pairs with ``other``."""
        self.add_paths([first], as_pairs=False)
        self._replace_selected(aligned_entry(self.selected(), other))

    def remove_selected(self) -> None:
        """Take the selected corpus off the list; no file is touched."""
        row = self.corpus_list.currentRow()
        if not 0 <= row < len(self.entries):
            return
        del self.entries[row]
        self._save()
        self.corpus_list.takeItem(row)  # selects a neighbour, which reads it
        if not self.entries:
            self._show_nothing()

    def _replace_selected(self, entry: CorpusEntry) -> None:
        row = self.corpus_list.currentRow()
        duplicate = [i for i, e in enumerate(self.entries) if e.key == entry.key and i != row]
        for i in reversed(duplicate):  # pairing may recreate an entry that is there already
            del self.entries[i]
            self.corpus_list.takeItem(i)
            row -= i < row
        self.entries[row] = entry
        self._save()
        item = self._item_for(entry)
        self.corpus_list.item(row).setText(item.text())
        self.corpus_list.item(row).setToolTip(item.toolTip())
        self._row_changed(row)

    # -- dialogs and drops -------------------------------------------------------------
    def _start_folder(self) -> str:
        return self.ctx.recall(FOLDER_KEY, str(Path.home()), str)

    def add_text_files_by_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Add text files"), self._start_folder(),
            _filters((self.tr("Text files"), "*.txt *.text *.md *.gz")))
        self.add_paths(paths, as_pairs=False)

    def add_folder_by_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Add a folder of text files"),
                                                  self._start_folder())
        if folder:
            self.add_paths([folder])

    def add_tsv_by_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Add tab-separated pairs"), self._start_folder(),
            _filters((self.tr("Tab-separated files"), "*.tsv *.txt *.gz")))
        if path:
            self.add_paths([path], as_pairs=True)

    def add_aligned_by_dialog(self) -> None:
        """The first file is added at once; then the user picks the other language's."""
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Pairs: the source language's file"),
                                              self._start_folder(), _filters())
        if path:
            self.add_paths([path], as_pairs=False)
            self.pair_selected_by_dialog()

    def pair_selected_by_dialog(self) -> None:
        entry = self.selected()
        if entry is None or not entry.is_single_file:
            return
        other, _ = QFileDialog.getOpenFileName(
            self, self.tr("The other language's file, line-aligned with {name}").format(
                name=Path(entry.path).name),
            str(Path(entry.path).parent), _filters())
        if other:
            self._replace_selected(aligned_entry(entry, other))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    # -- the selected corpus -------------------------------------------------------------
    def _row_changed(self, row: int) -> None:
        entry = self.selected()
        if entry is None:
            self._show_nothing()
            return
        self.ctx.remember(SELECTED_KEY, entry.key)
        self._show_entry(entry)
        self._read(entry)

    def _show_nothing(self) -> None:
        self._calls.drop_all()
        self.name_label.setText(self.tr("No corpus"))
        self.path_label.setText(self.tr("Add a text file, a folder or pairs to look at them "
                                        "here."))
        for widget in (self.preview_box, self.stats_label):
            widget.clear()
        self.chart.clear()
        self.problem_panel.hide()
        self.train_button.setEnabled(False)
        self._enable_controls(False)

    def _enable_controls(self, on: bool) -> None:
        for widget in (self.remove_button, self.read_as, self.src_column, self.tgt_column,
                       self.pair_button, self.encoding, self.replace_errors, self.lowercase,
                       self.nfc, self.include, self.exclude):
            widget.setEnabled(on)

    def _show_entry(self, entry: CorpusEntry) -> None:
        """Put the entry's name, files and options in the controls."""
        self._filling = True
        self.name_label.setText(entry.display_name())
        files = entry.path if entry.tgt_path is None else f"{entry.path}  +  {entry.tgt_path}"
        self.path_label.setText(self.tr("{kind}: {files}").format(kind=entry.kind_label(),
                                                                  files=files))
        single = entry.is_single_file
        for widget in (self.read_as_label, self.read_as):
            widget.setVisible(single)
        self.read_as.setCurrentIndex(1 if entry.is_tsv else 0)
        for widget in (self.columns_label, self.src_column, self.tgt_column_label, self.tgt_column):
            widget.setVisible(entry.is_tsv)
        src, tgt = entry.columns or (0, 1)
        self.src_column.setValue(src)
        self.tgt_column.setValue(tgt)
        self.pair_button.setVisible(single and entry.kind == "text")
        self._set_encoding(entry.options.encoding)
        self.replace_errors.setChecked(entry.options.replace_errors)
        self.lowercase.setChecked(entry.options.lowercase)
        self.nfc.setChecked(entry.options.nfc)
        folder = entry.kind == "text" and Path(entry.path).is_dir()
        for widget in (self.files_label, self.include, self.exclude):
            widget.setVisible(folder)
        self.include.setText(", ".join(entry.options.include))
        self.exclude.setText(", ".join(entry.options.exclude))
        self._enable_controls(True)
        self._filling = False

    def _set_encoding(self, name: str | None) -> None:
        index = self.encoding.findData(name)
        if index < 0:  # a name Python knows that the short list lacks
            self.encoding.addItem(name, name)
            index = self.encoding.count() - 1
        self.encoding.setCurrentIndex(index)

    def _options_changed(self, *_args) -> None:
        entry = self.selected()
        if self._filling or entry is None:
            return
        options = TextOptions(encoding=self.encoding.currentData(),
                              replace_errors=self.replace_errors.isChecked(),
                              nfc=self.nfc.isChecked(), lowercase=self.lowercase.isChecked(),
                              include=_patterns(self.include.text()),
                              exclude=_patterns(self.exclude.text()))
        entry = replace(entry, options=options)
        if entry.is_single_file:
            entry = as_kind(entry, self.read_as.currentIndex() == 1)
        if entry.is_tsv:
            entry = replace(entry, columns=(self.src_column.value(), self.tgt_column.value()))
        self._replace_selected(entry)

    def _patterns_changed(self) -> None:
        entry = self.selected()
        if entry is not None and (_patterns(self.include.text()), _patterns(self.exclude.text())
                                  ) != (entry.options.include, entry.options.exclude):
            self._options_changed()

    def _use_fallback(self) -> None:
        if isinstance(self.problem, EncodingProblem):
            self._set_encoding(self.problem.suggested_fallback)

    # -- reading off the GUI thread --------------------------------------------------------
    def _read(self, entry: CorpusEntry) -> None:
        """Read the first lines, then the statistics; a newer call makes these stale."""
        self.preview, self.stats, self.problem = None, None, None
        self.problem_panel.hide()
        self.preview_box.setPlainText(self.tr("reading…"))
        self.preview_box.setPlaceholderText(self.tr(PLACEHOLDER))
        self.stats_label.setText(self.tr("reading…"))
        self._show_skipped(())
        self.chart.clear()
        self.train_button.setEnabled(True)
        self._start("preview", lambda: read_preview(entry), self._preview_ready)
        self._start("stats", lambda: read_stats(entry), self._stats_ready)

    def _start(self, key: str, fn, on_done) -> None:
        def job(_report, should_stop):
            if should_stop():  # queued behind a newer selection: skip
                return None
            with cancel_when(should_stop):  # or stale mid-read
                return fn()

        self._calls.start(key, job, on_done, self._read_failed)

    def _preview_ready(self, rows: list) -> None:
        self.preview = rows
        pairs = bool(rows) and isinstance(rows[0], tuple)
        wrap = QPlainTextEdit.LineWrapMode  # prose lines wrap; a pair stays on one line
        self.preview_box.setLineWrapMode(wrap.NoWrap if pairs else wrap.WidgetWidth)
        if pairs:
            self.preview_box.setPlainText("\n".join(f"{src}   →   {tgt}" for src, tgt in rows))
        else:
            self.preview_box.setPlainText("\n".join(rows))

    def _stats_ready(self, stats) -> None:
        self.stats = stats
        self.stats_label.setText(stats_html(stats))
        self._show_skipped(stats.skipped if isinstance(stats, CorpusStats) else ())
        if isinstance(stats, CorpusStats):
            lines = self.tr("lines")
            self.chart.set_series(lines, [(lines, stats.text.line_lengths, "#1f77b4")])
        else:
            self.chart.set_series(self.tr("pairs"), [
                (self.tr("source"), stats.source_side.line_lengths, "#1f77b4"),
                (self.tr("target"), stats.target_side.line_lengths, "#ff7f0e")])

    def _show_skipped(self, skipped) -> None:
        """The button that shows the skipped files, and their list (names and reasons)."""
        self.skipped_button.setVisible(bool(skipped))
        self.skipped_button.setText(
            self.tr("Skipped files ({count})…").format(count=f"{len(skipped):,}"))
        self.skipped_box.setPlainText("\n".join(f"{s.file}: {s.reason}" for s in skipped))
        if not skipped:
            self.skipped_button.setChecked(False)
        self.skipped_box.setVisible(bool(skipped) and self.skipped_button.isChecked())

    def _read_failed(self, exc: BaseException) -> None:
        """Show why, in the back end's words; keep any preview lines already read."""
        self.problem = exc
        self.problem_text.setText(self.ctx.message_for(exc))
        encoding = isinstance(exc, EncodingProblem)
        if encoding:
            self.fallback_button.setText(
                self.tr("Read as {encoding}").format(encoding=exc.suggested_fallback))
        self.fallback_button.setVisible(encoding)
        self.replace_button.setVisible(encoding and not self.replace_errors.isChecked())
        self.problem_panel.show()
        if self.preview is None:
            self.preview_box.clear()
            self.preview_box.setPlaceholderText("")
        self.stats_label.setText("")
        self.chart.clear()
        self.train_button.setEnabled(False)

    # -- to the Train page, and closing ------------------------------------------------------
    def train_on_selected(self) -> None:
        entry = self.selected()
        if entry is not None:
            self.ctx.use_corpus.emit(entry.train_request())
            self.ctx.show_page.emit("train")

    def shutdown(self, timeout_s: float) -> None:
        """Drop queued reads and stop a running one (within a chunk: nlp.cancel)."""
        self._calls.drop_all()
        self._calls.wait(timeout_s)

