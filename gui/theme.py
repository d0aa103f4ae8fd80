"""The colour scheme: light or dark, following the system's or chosen under
Settings > Appearance (remembered in the settings under :data:`SETTING_KEY`).

Where the platform style follows the system's scheme by itself (macOS,
Windows 11, a dark GNOME/KDE theme) "System" keeps it. Elsewhere, and for a
scheme chosen by hand, the window uses Qt's Fusion style with a palette of our
own, which works on every platform, offscreen and under Xvfb too (they have
no system scheme at all).

The plots (pyqtgraph) and the heatmaps take their colours from the palette:
:func:`follow_palette` calls a widget's restyling function once and again
whenever the palette changes, so a scheme changed live reaches them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

SETTING_KEY = "appearance/scheme"
SYSTEM, LIGHT, DARK = "system", "light", "dark"
SCHEMES = (SYSTEM, LIGHT, DARK)

_state: dict = {"choice": SYSTEM, "style": None, "connected": False}


def normalize(choice: object) -> str:
    """A scheme as SCHEMES spells it; anything else (a settings file edited by hand) is
    "system"."""
    text = str(choice or "").strip().lower()
    return text if text in SCHEMES else SYSTEM


def system_scheme() -> str:
    """The system's scheme, "light" when it says none (offscreen, Xvfb, old Qt)."""
    hints = QGuiApplication.styleHints()
    return DARK if hints.colorScheme() == Qt.ColorScheme.Dark else LIGHT


def current_choice() -> str:
    return _state["choice"]


def is_dark(palette: QPalette | None = None) -> bool:
    """Whether ``palette`` (the application's by default) is a dark one."""
    palette = palette if palette is not None else QApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def dark_palette() -> QPalette:
    p = QPalette()
    role, group = QPalette.ColorRole, QPalette.ColorGroup
    colours = {role.Window: "#2d2d2d", role.WindowText: "#e6e6e6", role.Base: "#1f1f1f",
               role.AlternateBase: "#2a2a2a", role.ToolTipBase: "#3a3a3a",
               role.ToolTipText: "#e6e6e6", role.PlaceholderText: "#8c8c8c",
               role.Text: "#e6e6e6", role.Button: "#383838", role.ButtonText: "#e6e6e6",
               role.BrightText: "#ff6b6b", role.Light: "#4a4a4a", role.Midlight: "#404040",
               role.Mid: "#303030", role.Dark: "#1a1a1a", role.Shadow: "#000000",
               role.Highlight: "#3d7fd9", role.HighlightedText: "#ffffff",
               role.Link: "#6cb4ff", role.LinkVisited: "#b58cff"}
    for r, c in colours.items():
        p.setColor(r, QColor(c))
    for r in (role.WindowText, role.Text, role.ButtonText):  # greyed out, still legible
        p.setColor(group.Disabled, r, QColor("#7a7a7a"))
    p.setColor(group.Disabled, role.Highlight, QColor("#505050"))
    return p


def light_palette() -> QPalette:
    """Fusion's own light palette (used when "Light" is chosen on a dark system)."""
    from PySide6.QtWidgets import QStyleFactory

    fusion = QStyleFactory.create("Fusion")
    return fusion.standardPalette()


def apply_scheme(app: QApplication, choice: object) -> str:
    """Apply ``choice`` ("system", "light", "dark") to ``app`` now; returns the scheme
    in effect ("light" or "dark"). "System" follows later changes of the system's
    scheme too."""
    choice = normalize(choice)
    if _state["style"] is None:  # the platform's own style, to go back to
        _state["style"] = app.style().name()
    if not _state["connected"]:
        app.styleHints().colorSchemeChanged.connect(_system_changed)
        _state["connected"] = True
    _state["choice"] = choice
    wanted = system_scheme() if choice == SYSTEM else choice
    if choice == SYSTEM:
        # the platform's style and palette, unless it stays light on a dark system
        app.setStyle(_state["style"])
        app.setPalette(QPalette())  # an empty palette: the platform's again
        if wanted == DARK and not is_dark(app.palette()):
            app.setStyle("Fusion")
            app.setPalette(dark_palette())
    else:
        app.setStyle("Fusion")
        app.setPalette(dark_palette() if wanted == DARK else light_palette())
    return DARK if is_dark(app.palette()) else LIGHT


def _system_changed(_scheme) -> None:
    app = QApplication.instance()
    if app is not None and _state["choice"] == SYSTEM:
        apply_scheme(app, SYSTEM)


# -- the plots -----------------------------------------------------------------------------

@dataclass(frozen=True)
class PlotColors:
    background: QColor  # the plot's background
    foreground: QColor  # axes, ticks, labels, legend text
    muted: QColor  # secondary lines and text (history, notes)
    strong: QColor  # the line that is the truth (black on light, near white on dark)
    legend_background: QColor
    legend_border: QColor


def plot_colors(widget: QWidget | None = None) -> PlotColors:
    """The plot colours for ``widget``'s palette (the application's if None)."""
    palette = widget.palette() if widget is not None else QApplication.palette()
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    dark = is_dark(palette)
    legend = QColor(base)
    legend.setAlpha(200)
    return PlotColors(
        background=base, foreground=text,
        muted=QColor("#a0a0a0") if dark else QColor("#555555"),
        strong=QColor("#f0f0f0") if dark else QColor("#000000"),
        legend_background=legend,
        legend_border=QColor("#606060") if dark else QColor("#bbbbbb"))


def style_plot(plot, colors: PlotColors) -> None:
    """Axes, tick labels and axis titles of a pyqtgraph PlotItem in ``colors``."""
    import pyqtgraph as pg

    pen = pg.mkPen(colors.foreground)
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(pen)
        axis.setTextPen(pen)  # also the axis title


def style_legend(legend, colors: PlotColors) -> None:
    import pyqtgraph as pg

    if legend is None:
        return
    legend.setLabelTextColor(colors.foreground)
    legend.setBrush(pg.mkBrush(colors.legend_background))
    legend.setPen(pg.mkPen(colors.legend_border))


class _PaletteWatcher(QObject):
    def __init__(self, widget: QWidget, restyle: Callable[[], None]):
        super().__init__(widget)
        self.restyle = restyle

    def eventFilter(self, _obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.restyle()
        return False


def follow_palette(widget: QWidget, restyle: Callable[[], None]) -> None:
    """Call ``restyle`` now and whenever ``widget``'s palette changes (a scheme
    chosen in Settings, or the system's changed)."""
    restyle()
    widget.installEventFilter(_PaletteWatcher(widget, restyle))
