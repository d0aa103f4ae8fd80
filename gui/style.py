"""The window's one error colour and one colour of secondary text (each in a light
and a dark version, for the scheme in use), and the helper that shows a status line."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from gui.theme import is_dark, plot_colors

# No one red reads well on both white and a dark grey: a dark red on the light
# scheme (about 8:1 on white) and a light red on the dark one (about 6:1 on #2d2d2d).
ERROR_COLOR = "#b00020"
ERROR_COLOR_DARK = "#ff7b7b"


def error_color() -> str:
    """The error colour for the scheme in use now."""
    return ERROR_COLOR_DARK if is_dark() else ERROR_COLOR


def error_style() -> str:
    """A style sheet that sets a label's text in :func:`error_color`."""
    return f"color: {error_color()};"


def muted_color() -> str:
    """The colour of secondary text (hints, paths, the names in a table of settings) for
    the scheme in use now: the plots' muted colour."""
    return plot_colors().muted.name()


def muted_style() -> str:
    return f"color: {muted_color()};"


def show_status(label: QLabel, text: str, error: bool = False) -> None:
    """Put ``text`` on ``label``, in the error colour when ``error``."""
    label.setStyleSheet(error_style() if error else "")
    label.setText(text)
