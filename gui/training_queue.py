"""Training jobs, queued and run one at a time on a worker thread.

A job is a plain function that prepares a run on the worker thread (reading
the corpus and training a tokenizer can take minutes) and returns the
back end's ``(Trainer, Run)``; the worker then trains it while holding the
run's lock. The training loop calls its listeners on the worker thread, so a
:class:`_Forwarder` batches the events and hands them to the GUI thread as a
Qt signal, at most every :data:`FLUSH_S` seconds for step events (a tiny model
makes thousands of steps a second; one signal each would flood the event
loop). Every other event goes at once, after the steps before it.

The queue lives on the GUI thread: it starts one :class:`_JobThread` per job,
and the next when that thread ends. Signals carry the job id, so a page can
ignore what belongs to a job it no longer shows.
"""

from __future__ import annotations

import itertools
import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt, QThread, Signal

from nlp.cancel import cancel_when
from nlp.errors import Cancelled
from nlp.runs.workspace import Run
from nlp.training.events import Event, FinishedEvent, StepEvent
from nlp.training.trainer import Trainer

log = logging.getLogger(__name__)

FLUSH_S = 0.1  # step events reach the GUI at most this often
_ids = itertools.count(1)

Prepare = Callable[[tuple], tuple[Trainer, Run]]  # (listeners) -> (trainer, run)


@dataclass
class TrainingJob:
    """One queued training: ``prepare(listeners)`` runs on the worker thread.

    ``run_name`` is the run it creates or continues; ``task`` is ``"lm"`` or
    ``"mt"`` (how to continue it later); ``resumes`` is True when it continues
    an existing run (so a stop before the first step must not delete that
    run's folder).
    """

    title: str
    run_name: str
    prepare: Prepare
    task: str = "lm"
    resumes: bool = False
    id: int = field(default_factory=lambda: next(_ids))


class _Forwarder:
    """A training listener: batches events and emits them to the GUI thread."""

    def __init__(self, emit: Callable[[list], None]):
        self._emit = emit
        self._lock = threading.Lock()
        self._pending: list[Event] = []
        self._last = 0.0

    def __call__(self, event: Event) -> None:  # on the worker thread
        with self._lock:
            self._pending.append(event)
            if isinstance(event, StepEvent) and time.monotonic() - self._last < FLUSH_S:
                return
        self.flush()

    def flush(self) -> None:
        """Send what is pending (also from the GUI thread, when pausing)."""
        with self._lock:
            batch, self._pending = self._pending, []
            self._last = time.monotonic()
        if batch:
            self._emit(batch)


class _Control:
    """Stop and pause requests for one job, valid before its trainer exists."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.trainer: Trainer | None = None
        self.stopped = False
        self.paused = False

    def attach(self, trainer: Trainer) -> None:
        with self._lock:
            self.trainer = trainer
            if self.paused:
                trainer.pause()
            if self.stopped:
                trainer.request_stop()

    def stop(self) -> None:
        with self._lock:
            self.stopped = True
            if self.trainer is not None:
                self.trainer.request_stop()

    def set_paused(self, paused: bool) -> None:
        with self._lock:
            self.paused = paused
            if self.trainer is not None:
                (self.trainer.pause if paused else self.trainer.resume)()


class _JobThread(QThread):
    """Prepares and trains one job; always ends with ``ended``."""

    events = Signal(int, list)  # job id, a batch of training events
    run_ready = Signal(int, str, dict)  # job id, run name, its TrainConfig as a dict
    ended = Signal(int, object)  # job id, the final event, or the exception that ended it

    def __init__(self, job: TrainingJob, parent: QObject | None = None):
        super().__init__(parent)
        self.job = job
        self.control = _Control()
        self.forwarder = _Forwarder(lambda batch: self.events.emit(job.id, batch))

    def run(self) -> None:  # on the worker thread
        try:
            outcome = self._train()
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread as a message
            outcome = exc
        self.forwarder.flush()
        self.ended.emit(self.job.id, outcome)

    def _train(self) -> Event:
        try:  # reading a big corpus takes minutes: a stop ends it within a chunk
            with cancel_when(lambda: self.control.stopped):
                trainer, run = self.job.prepare((self.forwarder,))
        except Cancelled:  # stopped while reading the data: nothing was created or trained
            return FinishedEvent(0, "stopped")
        if self.control.stopped:
            return self._dropped(run)
        self.run_ready.emit(self.job.id, run.name, trainer.cfg.to_dict())
        with run.lock():
            self.control.attach(trainer)
            return trainer.run()

    def _dropped(self, run: Run) -> FinishedEvent:
        """Stopped while preparing: nothing was trained. A new run's folder
        holds only its config then, so it goes (a run that cannot be opened or
        continued would only clutter the Runs page)."""
        if not self.job.resumes and not run.checkpoint_names():
            shutil.rmtree(run.path, ignore_errors=True)
        return FinishedEvent(0, "stopped")


class TrainingQueue(QObject):
    """Jobs waiting, and the one training now (on its own thread)."""

    changed = Signal()  # a job was added, removed, started or ended
    started = Signal(int)  # job id: preparing data
    run_ready = Signal(int, str, dict)  # job id, run name, TrainConfig dict: training begins
    events = Signal(int, list)  # job id, a batch of events
    # job id, and the final event (FinishedEvent or FailedEvent; a job stopped while
    # preparing ends FinishedEvent(0, "stopped")) or the exception that ended it
    ended = Signal(int, object)
    idle = Signal()  # the last job ended and none waits

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pending: list[TrainingJob] = []
        self._thread: _JobThread | None = None
        self._closing = False

    # -- what is queued ------------------------------------------------------------
    @property
    def current(self) -> TrainingJob | None:
        return self._thread.job if self._thread is not None else None

    def pending(self) -> list[TrainingJob]:
        return list(self._pending)

    @property
    def busy(self) -> bool:
        return self._thread is not None or bool(self._pending)

    def run_names(self) -> set[str]:
        """Runs that the queue creates or continues (to refuse a duplicate)."""
        jobs = self._pending + ([self.current] if self.current else [])
        return {j.run_name for j in jobs}

    def add(self, job: TrainingJob) -> None:
        if self._closing:
            return
        self._pending.append(job)
        self.changed.emit()
        self._start_next()

    def remove(self, job_id: int) -> bool:
        """Drop a job that has not started; False if it is not waiting."""
        before = len(self._pending)
        self._pending = [j for j in self._pending if j.id != job_id]
        if len(self._pending) == before:
            return False
        self.changed.emit()
        return True

    # -- the running job -------------------------------------------------------------
    def stop(self) -> None:
        """Stop the current job after its step; the trainer saves a checkpoint."""
        if self._thread is not None:
            self._thread.control.stop()

    def set_paused(self, paused: bool) -> None:
        if self._thread is not None:
            self._thread.control.set_paused(paused)
            if paused:
                self._thread.forwarder.flush()  # show the last steps before the pause

    @property
    def paused(self) -> bool:
        return self._thread is not None and self._thread.control.paused

    def shutdown(self, timeout_s: float) -> bool:
        """Drop waiting jobs, stop the current one and wait for it to save.
        True when the worker ended within ``timeout_s``."""
        self._closing = True
        self._pending.clear()
        thread = self._thread
        if thread is None:
            return True
        thread.control.stop()
        done = thread.wait(int(timeout_s * 1000))
        if not done:
            log.warning("training did not stop within %.0f s (still preparing data?)", timeout_s)
            return False
        self._thread = None  # its late ``ended`` is ignored: the window is closing
        self.changed.emit()
        self.idle.emit()
        return True

    # -- threads -----------------------------------------------------------------
    def _start_next(self) -> None:
        if self._thread is not None or not self._pending or self._closing:
            return
        job = self._pending.pop(0)
        thread = _JobThread(job)
        queued = Qt.ConnectionType.QueuedConnection
        thread.events.connect(self.events, queued)
        thread.run_ready.connect(self.run_ready, queued)
        thread.ended.connect(self._on_ended, queued)
        self._thread = thread
        self.changed.emit()
        self.started.emit(job.id)
        thread.start()

    def _on_ended(self, job_id: int, outcome: object) -> None:
        thread = self._thread
        if thread is None or thread.job.id != job_id:
            return
        thread.wait()  # ``ended`` is the thread's last act: this returns at once
        thread.deleteLater()
        self._thread = None
        self.ended.emit(job_id, outcome)
        self.changed.emit()
        self._start_next()
        if not self.busy:
            self.idle.emit()
