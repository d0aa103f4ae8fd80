"""Pictures for the command line: widgets drawn offscreen and saved as PNG.

``nlp/`` never imports Qt; ``main.py`` installs this module as the CLI's
picture writer (``nlp.cli.pictures()``), so a command that is asked for a
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
