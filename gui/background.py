"""Run back-end calls off the GUI thread and hand their results back to it.

The window never waits on the back end: loading a checkpoint, reading corpus
statistics or translating a file happens on a pool thread, and the result (or
the error, already put in a person's words) comes back as a Qt signal, which Qt
delivers on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal

from nlp.errors import StudioError

log = logging.getLogger(__name__)


def error_text(exc: BaseException, log_path: object = None) -> str:
    """The message a person sees for ``exc``. Back-end errors already speak
    plainly; anything else is a bug, whose traceback goes to the log file."""
    if isinstance(exc, StudioError):
        return str(exc)
    translate = QCoreApplication.translate
    if isinstance(exc, MemoryError):
        return translate("Errors", "Not enough memory for this. Try a smaller model, batch "
                         "or input.")
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}."
    log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    if log_path:
        return translate("Errors", "Something went wrong inside RNN Studio (a bug). The "
                         "details are in {log}.").format(log=log_path)
    return translate("Errors", "Something went wrong inside RNN Studio (a bug).")


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)  # the exception


class Call(QRunnable):
    """One function call on the shared thread pool."""

    def __init__(self, fn: Callable[[], object]):
        super().__init__()
        self.fn = fn
        self.signals = _Signals()

    def run(self) -> None:  # on a pool thread
        try:
            result = self.fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread as a message
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


def call_in_background(fn: Callable[[], object], on_done: Callable[[object], None],
                       on_error: Callable[[BaseException], None],
                       pool: QThreadPool | None = None) -> Call:
    """Run ``fn()`` on a pool thread; ``on_done(result)`` or ``on_error(exc)``
    then runs on the GUI thread. Keep the returned object alive if the
    receivers may be deleted first (signals to deleted receivers are dropped)."""
    call = Call(fn)
    call.signals.done.connect(on_done)
    call.signals.failed.connect(on_error)
    (pool or QThreadPool.globalInstance()).start(call)
    return call
