"""The window's one error colour, and the helper that shows a status line in it."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

ERROR_COLOR = "#b00020"  # a dark red that reads on light and dark palettes
ERROR_STYLE = f"color: {ERROR_COLOR};"


def show_status(label: QLabel, text: str, error: bool = False) -> None:
    """Put ``text`` on ``label``, in the error colour when ``error``."""
    label.setStyleSheet(ERROR_STYLE if error else "")
    label.setText(text)
