"""The window's training queue: jobs run one at a time on a worker thread.

A job (:class:`nlp.training.jobs.TrainingJob`) prepares a run on the worker
thread (reading the corpus and training a tokenizer can take minutes) and
returns the back end's ``(Trainer, Run)``; the worker then trains it while
holding the run's lock. There is one queue per window (``AppContext.training``),
used by every page that trains. The training loop calls its listeners on the
worker thread, so a :class:`_Forwarder` batches the events and hands them to the GUI thread as a
Qt signal, at most every :data:`FLUSH_S` seconds for step events (a tiny model
makes thousands of steps a second; one signal each would flood the event
loop). Every other event goes at once, after the steps before it.

The queue lives on the GUI thread: it starts one worker per job (the window's
one kind, ``gui.background.Worker``), and the next when that worker ends.
Signals carry the job id, so a page can ignore what belongs to a job it no
longer shows.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Signal

from gui.background import Worker
from nlp.cancel import cancel_when
from nlp.errors import Cancelled, StudioError
from nlp.runs.workspace import Run, Workspace, check_run_name
from nlp.training.events import Event, FinishedEvent, StepEvent
from nlp.training.jobs import TrainingJob
from nlp.training.trainer import Trainer

log = logging.getLogger(__name__)

FLUSH_S = 0.1  # step events reach the GUI at most this often


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


class _Running:
    """The job training now: a :class:`~gui.background.Worker` that prepares and
    trains it, its stop and pause control, and the forwarder of its events."""

    def __init__(self, job: TrainingJob):
        self.job = job
        self.control = _Control()
        # the worker's report, once it runs; held in a box the forwarder shares, so that
        # the forwarder does not refer back to this object (no cycle: see Worker._let_go)
        self._report_box: list = []
        box = self._report_box
        self.forwarder = _Forwarder(lambda batch: box[0](("events", batch)) if box else None)
        self.outcome: object = None  # the final event, or the exception that ended it
        self.worker = Worker(self._work)

    def _work(self, report, _should_stop) -> Event:  # on the worker thread
        self._report_box.append(report)
        try:
            return self._train()
        finally:
            self.forwarder.flush()  # the last events arrive before the outcome

    def _train(self) -> Event:
        try:  # reading a big corpus takes minutes: a stop ends it within a chunk
            with cancel_when(lambda: self.control.stopped):
                trainer, run = self.job.prepare((self.forwarder,))
        except Cancelled:  # stopped while reading the data: nothing was created or trained
            return FinishedEvent(0, "stopped")
        if self.control.stopped:
            return self._dropped(run)
        self._report_box[0](("run_ready", run.name, trainer.cfg.to_dict()))
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
        self._thread: _Running | None = None
        self._closing = False
        self._held = False

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

    def new_run_name(self, workspace: Workspace, given: str, default: str) -> str:
        """``given`` (a name the person typed) if no run or queued job has it, else a
        StudioError; without one, ``default`` or ``default-2``... whichever is free
        (two runs queued within a second would otherwise clash)."""
        taken = self.run_names()
        if given:
            name = check_run_name(given)
            if name in taken or (workspace.runs_dir / name).exists():
                raise StudioError(QCoreApplication.translate(
                    "TrainPage", "a run named '{name}' already exists or is queued; choose "
                    "another name").format(name=name))
            return name
        return workspace.free_name(default, taken)

    def add(self, job: TrainingJob) -> None:
        if self._closing:
            return
        self._pending.append(job)
        self.changed.emit()
        self._start_next()

    def hold(self, held: bool) -> None:
        """While held (a hyperparameter search trains its own trials), jobs wait in
        the queue instead of starting: one training at a time, whichever page asked."""
        self._held = held
        self._start_next()

    @property
    def held(self) -> bool:
        return self._held

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
        done = thread.worker.wait(timeout_s)
        if not done:
            log.warning("training did not stop within %.0f s (still preparing data?)", timeout_s)
            return False
        self._thread = None  # its late ``ended`` is ignored: the window is closing
        self.changed.emit()
        self.idle.emit()
        return True

    # -- threads -----------------------------------------------------------------
    def _start_next(self) -> None:
        if self._thread is not None or not self._pending or self._closing or self._held:
            return
        job = self._pending.pop(0)
        running = _Running(job)
        worker = running.worker
        worker.progress.connect(lambda payload: self._on_report(running, payload))
        worker.done.connect(lambda outcome: setattr(running, "outcome", outcome))
        worker.failed.connect(lambda exc: setattr(running, "outcome", exc))
        worker.finished.connect(lambda: self._on_ended(running))
        self._thread = running
        self.changed.emit()
        self.started.emit(job.id)
        worker.start()

    def _on_report(self, running: _Running, payload: tuple) -> None:
        if running is not self._thread:
            return  # the window is closing
        if payload[0] == "events":
            self.events.emit(running.job.id, payload[1])
        else:  # "run_ready", name, config
            self.run_ready.emit(running.job.id, payload[1], payload[2])

    def _on_ended(self, running: _Running) -> None:
        if running is not self._thread:
            return
        self._thread = None
        self.ended.emit(running.job.id, running.outcome)
        self.changed.emit()
        self._start_next()
        if not self.busy:
            self.idle.emit()
