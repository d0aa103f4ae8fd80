"""Work off the GUI thread, its results handed back to it: the window's one way.

The window never waits on the back end. Whatever takes time (loading a
checkpoint, reading corpus statistics, generating, translating a file,
searching) is a plain function ``fn(report, should_stop)`` run by a
:class:`Worker`, on a thread of its own or on a thread pool. What it reports,
returns or raises arrives on the GUI thread as a signal (an error already put
in a person's words by :func:`error_text`); ``should_stop`` says a stop was
asked for.

Python's cycle collector is kept on the GUI thread too
(:func:`collect_garbage_on_gui_thread`): a widget must not be destroyed on a
worker.

A page starts its workers through :class:`Calls`, which keeps each alive until
it reports, and drops late results: those of a call superseded by a newer one
under the same key (the person chose another run meanwhile) and those for a
widget that was deleted (a closed page).
"""

from __future__ import annotations

import logging
import threading
import time
import warnings
from collections.abc import Callable

from PySide6.QtCore import (
    QCoreApplication,
    QObject,
    QRunnable,
    Qt,
    QThread,
    QThreadPool,
    Signal,
    Slot,
)
from shiboken6 import isValid

from gui.i18n import current_language
from nlp.errors import StudioError

log = logging.getLogger(__name__)

COLLECT_MS = 1000  # how often the GUI thread collects reference cycles (see below)

Report = Callable[[object], None]
ShouldStop = Callable[[], bool]
Work = Callable[[Report, ShouldStop], object]


def error_text(exc: BaseException, log_path: object = None) -> str:
    """The message a person sees for ``exc``. Back-end errors already speak
    plainly; anything else is a bug, whose traceback goes to the log file."""
    translate = QCoreApplication.translate
    if isinstance(exc, StudioError):
        # The back end speaks English only; in another interface language the
        # message gets a translated frame, with the English detail kept as is.
        if current_language() == "en":
            return str(exc)
        return translate("Errors", "The back end reports (in English):") + "\n" + str(exc)
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


_collector = None  # the GarbageCollector, once started


def collect_garbage_on_gui_thread() -> None:
    """Switch Python's automatic cycle collector off, and collect on the GUI
    thread instead, every :data:`COLLECT_MS` while the event loop runs
    (pyqtgraph's ``GarbageCollector`` does it: the thresholds are the automatic
    collector's own).

    The automatic collector runs in whichever thread happens to allocate when a
    threshold is passed. On a worker thread it may destroy a widget left in a
    reference cycle (a lambda connected to its own signal is one), and Qt
    widgets may only be destroyed on the GUI thread: the window hung so, its
    GUI thread and a worker each waiting on the other. Call once the
    application exists, on the GUI thread; later calls do nothing."""
    global _collector
    if _collector is not None or QCoreApplication.instance() is None:
        return
    from pyqtgraph.util.garbage_collector import GarbageCollector

    _collector = GarbageCollector(interval=COLLECT_MS / 1000)


class _Relay(QObject):
    """Signals emitted on the worker's thread; queued to the Worker's slots."""

    progress = Signal(object)
    done = Signal(object)
    failed = Signal(object)
    ended = Signal()


class _Thread(QThread):
    def __init__(self, body: Callable[[], None]):
        super().__init__()
        self.body = body

    def run(self) -> None:  # on the worker's thread
        self.body()


class _Task(QRunnable):
    def __init__(self, body: Callable[[], None]):
        super().__init__()
        self.body = body
        # The Worker keeps it and Python deletes it: a pool thread deleting a Python
        # object would need the interpreter lock while holding the pool's own.
        self.setAutoDelete(False)

    def run(self) -> None:  # on a pool thread
        self.body()


class Worker(QObject):
    """``fn(report, should_stop)`` off the GUI thread: on a QThread of its own
    (long work: generation, a file, a search) or, given a ``pool``, on one of its
    threads (short calls; a pool bounds how many run at once).

    Its signals are emitted on the GUI thread: ``progress(payload)`` for each
    report, then ``done(result)`` or ``failed(exception)``, then always
    ``finished()``. ``stop()`` asks the function to stop (it polls
    ``should_stop``). Keep the Worker referenced until ``finished`` (Calls does)."""

    progress = Signal(object)
    done = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(self, fn: Work, pool: QThreadPool | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._fn, self._pool = fn, pool
        self._stop = threading.Event()
        self._ended = threading.Event()
        self._thread: _Thread | None = None
        self._task: _Task | None = None
        self._relay = _Relay()
        queued = Qt.ConnectionType.QueuedConnection
        self._relay.progress.connect(self._on_progress, queued)
        self._relay.done.connect(self._on_done, queued)
        self._relay.failed.connect(self._on_failed, queued)
        self._relay.ended.connect(self._on_ended, queued)

    def start(self) -> Worker:
        if self._pool is not None:
            self._task = _Task(self._run)
            self._pool.start(self._task)
        else:
            self._thread = _Thread(self._run)
            # its end is told by the thread's own finished (after run() returned): then
            # waiting on it cannot hold the interpreter lock from a thread winding down
            self._thread.finished.connect(self._on_ended, Qt.ConnectionType.QueuedConnection)
            self._thread.start()
        return self

    def _run(self) -> None:  # on the worker's thread
        try:
            result = self._fn(self._report, self._stop.is_set)
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread as a message
            self._emit(self._relay.failed, exc)
        else:
            self._emit(self._relay.done, result)
        finally:
            self._ended.set()
            if self._thread is None:
                self._emit(self._relay.ended)

    def _report(self, payload: object) -> None:  # on the worker's thread
        self._emit(self._relay.progress, payload)

    @staticmethod
    def _emit(signal, *args) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:  # the relay is gone (the app is quitting): no one to tell
            pass

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def is_running(self) -> bool:
        return not self._ended.is_set()

    def wait(self, timeout_s: float) -> bool:
        """Block until the function returns (True) or ``timeout_s`` passes (False)."""
        if self._thread is not None:
            return self._thread.wait(max(0, int(timeout_s * 1000)))
        return self._ended.wait(max(0.0, timeout_s))

    # relays: these run on the GUI thread, where this object lives
    @Slot(object)
    def _on_progress(self, payload: object) -> None:
        self.progress.emit(payload)

    @Slot(object)
    def _on_done(self, result: object) -> None:
        self.done.emit(result)

    @Slot(object)
    def _on_failed(self, exc: object) -> None:
        self.failed.emit(exc)

    @Slot()
    def _on_ended(self) -> None:
        if self._thread is not None:
            self._thread.wait()  # lets the QThread object be dropped safely
        self.finished.emit()
        self._let_go()

    def _let_go(self) -> None:
        """Break the reference cycles through this worker (its function, and the
        handlers connected to it that refer back to it), so that it is freed at
        once, here on the GUI thread: a QObject that waits for Python's cycle
        collector may be destroyed on whatever thread the collector runs on."""
        self._fn = None
        for runner in (self._thread, self._task):
            if runner is not None:
                runner.body = None
        with warnings.catch_warnings():  # PySide warns of a signal with nothing connected
            warnings.simplefilter("ignore", RuntimeWarning)
            for signal in (self.progress, self.done, self.failed, self.finished):
                signal.disconnect()


def _ignore(_value: object) -> None:
    pass


class Calls:
    """The background work of one widget (a page, a panel).

    ``start(key, fn, on_done, ...)`` runs ``fn(report, should_stop)`` on a
    :class:`Worker`. Starting again under the same key supersedes the call
    before: it is asked to stop and whatever it still delivers is dropped. A
    call under ``key=None`` supersedes nothing. Nothing is delivered once the
    owner widget is deleted, or after :meth:`drop_all`."""

    def __init__(self, owner: QObject, threads: int | None = None):
        """``threads``: short calls run on a pool of their own of this many threads
        (owned by ``owner``); None: on the shared pool."""
        self.owner = owner
        self.pool: QThreadPool | None = None
        if threads is not None:
            self.pool = QThreadPool(owner)
            self.pool.setMaxThreadCount(threads)
        self._latest: dict[object, Worker] = {}  # the newest call under each key
        self._wanted: set[Worker] = set()  # calls whose results are still delivered
        self._running: set[Worker] = set()  # kept alive until they report

    def start(self, key: object, fn: Work, on_done: Callable[[object], None],
              on_error: Callable[[BaseException], None] | None = None,
              on_progress: Callable[[object], None] | None = None,
              *, own_thread: bool = False) -> Worker:
        """Start ``fn``; ``own_thread`` for long work that must not hold a pool
        thread (generation, a file, a search). Returns the worker (to stop it)."""
        old = self._latest.get(key) if key is not None else None
        if old is not None:
            old.stop()
        pool = None if own_thread else (self.pool or QThreadPool.globalInstance())
        worker = Worker(fn, pool)
        if key is not None:
            self._latest[key] = worker
        self._wanted.add(worker)
        self._running.add(worker)

        def deliver(handler, value) -> None:
            if handler is not None and self.current(key, worker):
                handler(value)

        worker.progress.connect(lambda payload: deliver(on_progress, payload))
        worker.done.connect(lambda result: deliver(on_done, result))
        worker.failed.connect(lambda exc: deliver(on_error or _ignore, exc))
        worker.finished.connect(lambda: self._ended(key, worker))
        return worker.start()

    def current(self, key: object, worker: Worker) -> bool:
        """Whether ``worker``'s results are still wanted."""
        if not isValid(self.owner) or worker not in self._wanted:
            return False
        return key is None or self._latest.get(key) is worker

    def _ended(self, key: object, worker: Worker) -> None:
        self._running.discard(worker)
        self._wanted.discard(worker)
        if key is not None and self._latest.get(key) is worker:
            del self._latest[key]

    def running(self, key: object) -> Worker | None:
        """The latest call under ``key`` until it returns (also once cancelled)."""
        return self._latest.get(key)

    def cancel(self, key: object) -> None:
        """Stop the call under ``key`` and drop what it still delivers."""
        worker = self._latest.get(key)
        if worker is not None:
            worker.stop()
            self._wanted.discard(worker)

    def drop_all(self) -> None:
        """Stop every call and drop their results (the widget is closing)."""
        for worker in self._running:
            worker.stop()
        self._latest.clear()
        self._wanted.clear()

    def wait(self, timeout_s: float) -> bool:
        """Block until every call has returned, at most ``timeout_s`` in all."""
        deadline = time.monotonic() + timeout_s
        return all(w.wait(deadline - time.monotonic()) for w in list(self._running))
