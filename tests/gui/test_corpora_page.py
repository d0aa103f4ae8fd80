"""The Corpora page lists, remembers, reads and hands corpora to the Train page."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog

from gui.corpus_list import SAMPLES
from gui.pages import corpora
from gui.pages.corpora import CorporaPage
from nlp.paths import sample_corpora_dir


@pytest.fixture
def make_page(ctx, qtbot):
    """New pages on the same settings; their background reads end with the test."""
    pages = []

    def make() -> CorporaPage:
        pages.append(CorporaPage(ctx))
        qtbot.addWidget(pages[-1])
        return pages[-1]

    yield make
    for p in pages:
        p.shutdown(10.0)


@pytest.fixture
def page(make_page):
    return make_page()


def read(qtbot, page):
    """Wait until the selected corpus is read, or has failed to read."""
    qtbot.waitUntil(lambda: page.problem is not None
                    or (page.stats is not None and page.preview is not None), timeout=15000)


def write(path, data) -> str:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def test_samples_are_listed_at_first_start(page, qtbot):
    assert [e.name for e in page.entries] == [name for name, _, _ in SAMPLES]
    assert all(e.sample for e in page.entries)
    assert page.selected().path == str(sample_corpora_dir() / "english")
    read(qtbot, page)
    assert page.problem is None
    assert page.stats.text.lines > 100 and len(page.stats.files) == 6


def test_adding_a_text_file_shows_preview_stats_and_histogram(page, qtbot, tmp_path):
    path = write(tmp_path / "tiny.txt", "hello world\nthe second line\n")
    page.add_paths([path])
    assert page.selected().path == path and page.selected().kind == "text"
    assert page.stats_label.text() == "reading…" and page.stats is None  # off the GUI thread
    read(qtbot, page)
    assert page.preview_box.toPlainText() == "hello world\nthe second line"
    text = page.stats.text
    assert (text.lines, text.words, text.characters) == (2, 5, 28)
    shown = page.stats_label.text()
    assert "Lines" in shown and "Distinct characters" in shown and "Most frequent" in shown
    assert page.chart.bars and page.train_button.isEnabled()


def test_a_cp1252_file_shows_the_encoding_problem_then_reads_as_cp1252(page, qtbot, tmp_path,
                                                                      make_page):
    path = write(tmp_path / "old.txt", b"tea\ncaf\xe9 au lait\n")
    page.add_paths([path])
    read(qtbot, page)
    page.encoding.setCurrentIndex(page.encoding.findData("utf-8"))  # a wrong choice
    read(qtbot, page)
    message = page.problem_text.text()
    assert "old.txt" in message and "line 2" in message and "byte offset 7" in message
    assert page.problem_panel.isVisibleTo(page) and not page.train_button.isEnabled()
    assert page.fallback_button.text() == "Read as cp1252"
    page.fallback_button.click()
    read(qtbot, page)
    assert page.problem is None and not page.problem_panel.isVisibleTo(page)
    assert "café au lait" in page.preview_box.toPlainText()
    assert page.selected().options.encoding == "cp1252"
    again = make_page()  # the choice is remembered for that corpus
    assert again.selected().path == path and again.encoding.currentData() == "cp1252"


def test_replacing_undecodable_bytes_is_offered_and_counted(page, qtbot, tmp_path):
    page.add_paths([write(tmp_path / "bad.txt", "ok où ça, à été\nbad ".encode() + b"\xff byte\n")])
    read(qtbot, page)
    assert page.replace_button.isVisibleTo(page)
    page.replace_button.click()
    read(qtbot, page)
    assert page.stats.replacements == 1 and "U+FFFD" in page.stats_label.text()


@pytest.mark.parametrize(("data", "words"), [(b"\x00\x01\x02\x03binary\x00\x00", "binary file"),
                                             (b"", "is empty")])
def test_binary_and_empty_files_show_a_plain_message(page, qtbot, tmp_path, data, words):
    page.add_paths([write(tmp_path / "odd.txt", data)])
    read(qtbot, page)
    message = page.problem_text.text()
    assert words in message and "Traceback" not in message
    assert not page.fallback_button.isVisibleTo(page)


def test_a_detected_encoding_is_shown_with_its_confidence(page, qtbot, tmp_path):
    text = "我們今天早上去公園散步，天氣很好，風也很舒服。這個城市的圖書館藏書豐富。\n" * 3
    page.add_paths([write(tmp_path / "big5.txt", text.encode("cp950"))])
    read(qtbot, page)
    assert page.problem is None and "公園散步" in page.preview_box.toPlainText()
    assert "Encoding: cp950 (detected, " in page.stats_label.text()
    page.add_paths([write(tmp_path / "short.txt", "Le café était fermé.\n".encode("cp1252"))])
    read(qtbot, page)
    assert "is a guess" in page.stats_label.text() and "--encoding" in page.stats_label.text()


def test_a_folder_lists_skipped_files_and_takes_patterns(page, qtbot, tmp_path):
    folder = tmp_path / "code"
    (folder / "lib").mkdir(parents=True)
    write(folder / "main.py", "print('hi')\n")
    write(folder / "lib/util.js", "let a = 2;\n")
    write(folder / "lib/blob.bin", b"\x00\x01\x02\x03" * 8)
    page.add_paths([str(folder)])
    read(qtbot, page)
    assert page.include.isVisibleTo(page) and page.exclude.isVisibleTo(page)
    assert "2 file(s) read" in page.stats_label.text() and "1 skipped" in page.stats_label.text()
    assert page.skipped_button.isVisibleTo(page) and not page.skipped_box.isVisibleTo(page)
    page.skipped_button.click()
    assert page.skipped_box.isVisibleTo(page)
    assert page.skipped_box.toPlainText() == f"{folder / 'lib/blob.bin'}: is binary (it contains NUL bytes)"
    page.exclude.setText("lib/*")
    page.exclude.editingFinished.emit()
    read(qtbot, page)
    assert page.selected().options.exclude == ("lib/*",)
    assert page.stats.files == (str(folder / "main.py"),) and not page.skipped_button.isVisibleTo(page)


def test_a_tsv_shows_pair_statistics_and_columns_can_change(page, qtbot, tmp_path):
    path = write(tmp_path / "pairs.tsv", "one\tun\tx\ntwo\tdeux\tx\n\tvide\tx\n")
    page.add_paths([path])
    entry = page.selected()
    assert (entry.kind, entry.columns) == ("pairs", (0, 1))
    read(qtbot, page)
    assert page.stats.pairs == 2 and page.stats.dropped["empty"] == 1
    assert "2 pairs" in page.stats_label.text() and "empty 1" in page.stats_label.text()
    assert "one   →   un" in page.preview_box.toPlainText()
    page.tgt_column.setValue(2)
    read(qtbot, page)
    assert page.selected().columns == (0, 2) and page.stats.pairs == 2
    assert page.stats.target_side.characters == 2


def test_two_aligned_files_by_dialog(page, qtbot, tmp_path, monkeypatch):
    src = write(tmp_path / "train.de", "Hallo\nWelt\n")
    tgt = write(tmp_path / "train.en", "Hello\nWorld\n")
    answers = iter([(src, ""), (tgt, "")])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: next(answers))
    page.add_aligned_by_dialog()
    entry = page.selected()
    assert (entry.kind, entry.path, entry.tgt_path) == ("pairs", src, tgt)
    assert entry.name == "train.de + train.en"
    assert len([e for e in page.entries if e.path == src]) == 1  # the first file became the pair
    read(qtbot, page)
    assert page.stats.pairs == 2
    assert page.preview_box.toPlainText() == "Hallo   →   Hello\nWelt   →   World"


def test_unequal_line_counts_are_explained(page, qtbot, tmp_path):
    page.add_aligned(write(tmp_path / "a.txt", "1\n2\n3\n"), write(tmp_path / "b.txt", "1\n2\n"))
    read(qtbot, page)
    assert "different numbers of lines" in page.problem_text.text()


def test_the_list_is_remembered_and_remove_keeps_files(page, tmp_path, make_page):
    path = write(tmp_path / "mine.txt", "mine\n")
    page.add_paths([path])
    page.corpus_list.setCurrentRow(0)
    page.remove_selected()  # the English sample
    assert (tmp_path / "mine.txt").exists() and (sample_corpora_dir() / "english").is_dir()
    page.corpus_list.setCurrentRow(len(page.entries) - 1)
    again = make_page()
    assert [e.name for e in again.entries] == [e.name for e in page.entries]
    assert "English stories" not in [e.name for e in again.entries]
    assert again.selected().path == path


def test_dropping_files_and_folders_adds_them(page, tmp_path):
    folder = tmp_path / "books"
    folder.mkdir()
    write(folder / "a.txt", "a\n")
    tsv = write(tmp_path / "p.tsv", "a\tb\n")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder)), QUrl.fromLocalFile(tsv)])
    enter = QDragEnterEvent(QPointF(5, 5).toPoint(), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    page.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    page.dropEvent(drop)
    kinds = {e.path: e.kind_label() for e in page.entries}
    assert kinds[str(folder)] == "text folder" and kinds[tsv] == "pairs, TSV"
    assert page.selected().path == tsv


def test_a_newer_selection_discards_an_older_result(page, qtbot, tmp_path, monkeypatch):
    first = write(tmp_path / "first.txt", "first\n" * 1000)
    second = write(tmp_path / "second.txt", "second\n")
    release, read_stats = threading.Event(), corpora.read_stats

    def held_for_first(entry):  # the first file's statistics end after the second is shown
        if entry.path == first:
            release.wait(15)
        return read_stats(entry)

    monkeypatch.setattr(corpora, "read_stats", held_for_first)
    page.add_paths([first])
    ended = []  # the first file's reads, once each has delivered whatever it would
    for key in ("preview", "stats"):
        page._calls.running(key).finished.connect(lambda: ended.append(True))
    page.add_paths([second])
    read(qtbot, page)
    release.set()
    qtbot.waitUntil(lambda: len(ended) == 2, timeout=15000)
    assert page.stats.source == second and page.preview == ["second"]
    assert page.problem is None  # nor did its cancelled read show up as a problem


def test_train_on_this_corpus_emits_use_corpus(page, qtbot, ctx, tmp_path):
    page.add_paths([write(tmp_path / "p.tsv", "a\tb\n")])
    page.lowercase.setChecked(True)
    read(qtbot, page)
    with qtbot.waitSignal(ctx.use_corpus) as used, qtbot.waitSignal(ctx.show_page) as shown:
        page.train_button.click()
    request = used.args[0]
    assert request["kind"] == "pairs" and request["path"] == str(tmp_path / "p.tsv")
    assert request["columns"] == [0, 1] and "tgt_path" not in request
    assert request["options"]["lowercase"] is True and request["options"]["nfc"] is True
    assert shown.args == ["train"]


def test_removing_every_corpus_leaves_an_empty_page(page):
    while page.entries:
        page.remove_selected()
    assert page.name_label.text() == "No corpus"
    assert not page.train_button.isEnabled() and not page.encoding.isEnabled()
