"""The main window. For now it lists the built-in sample corpora; the desktop-app
issue fills it with the Corpora, Train, Generate, Translate and Runs pages."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QListWidget, QMainWindow, QVBoxLayout, QWidget

from nlp.paths import default_workspace, sample_corpora_dir


def _sample_corpora() -> list[Path]:
    root = sample_corpora_dir()
    found = [p for p in sorted(root.rglob("*")) if p.suffix in {".txt", ".tsv"}]
    return [p.relative_to(root) for p in found]


class MainWindow(QMainWindow):
    def __init__(self, log_path: Path | None = None) -> None:
        super().__init__()
        self.setWindowTitle("RNN Studio")
        self.resize(900, 600)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addWidget(QLabel("<h2>RNN Studio</h2>"
                                "<p>Built-in sample corpora:</p>"))
        self.corpora = QListWidget(central)
        self.corpora.addItems([str(p) for p in _sample_corpora()])
        layout.addWidget(self.corpora)
        self.setCentralWidget(central)
        status = f"Workspace: {default_workspace()}"
        if log_path is not None:
            status += f"   Log: {log_path}"
        self.statusBar().showMessage(status)
