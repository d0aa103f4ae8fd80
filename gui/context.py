"""What every page shares: the workspace, the settings, the log file, the one
training queue, and the signals by which one page asks another to act (open a
run in Generate, say)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from gui.background import collect_garbage_on_gui_thread, error_text
from gui.training_queue import TrainingQueue
from nlp.runs.workspace import Workspace


class AppContext(QObject):
    """Shared state of one window. Pages hold a reference to it and talk to each
    other only through its signals."""

    runs_changed = Signal()  # a run was created, renamed, deleted, imported or finished
    open_run = Signal(str, str)  # (page key: "generate"|"translate"|"train", run name)
    show_page = Signal(str)  # page key
    training_state = Signal(bool)  # True while the training queue trains
    # the Corpora page asks the Train page to train on a corpus: a dict with "kind"
    # ("text" or "pairs"), "path", and for pairs either "columns" (TSV) or "tgt_path"
    use_corpus = Signal(dict)
    # the Experiments page: compare these runs (names; some may still wait in the queue)
    compare_runs = Signal(list)
    queue_training = Signal(object)  # a nlp.training.jobs.TrainingJob: the Train page queues it
    search_state = Signal(bool)  # True while a hyperparameter search trains

    def __init__(self, workspace_root: Path, log_path: Path | None, settings: QSettings,
                 device_label: str = "CPU"):
        super().__init__()
        collect_garbage_on_gui_thread()  # before any worker runs: see there
        self.workspace = Workspace(Path(workspace_root))
        self.log_path = log_path
        self.settings = settings
        self.device_label = device_label
        # One queue for the window: a run trains at a time, whichever page queued it
        # (two at once would share the CPU and each run at half speed).
        self.training = TrainingQueue(self)
        self.training.started.connect(lambda _job_id: self._set_training(True))
        self.training.idle.connect(lambda: self._set_training(False))
        self.search_state.connect(self.training.hold)  # a search trains its trials itself
        self._training = False

    def _set_training(self, training: bool) -> None:
        if training != self._training:
            self._training = training
            self.training_state.emit(training)

    # -- settings: the user's last choices, per page ------------------------------------
    def remember(self, key: str, value) -> None:
        self.settings.setValue(key, value)

    def recall(self, key: str, default=None, type_=None):
        if type_ is None:
            return self.settings.value(key, default)
        try:
            return self.settings.value(key, default, type=type_)
        except (TypeError, ValueError):  # a settings file edited by hand
            return default

    # -- errors --------------------------------------------------------------------------
    def message_for(self, exc: BaseException) -> str:
        return error_text(exc, self.log_path)

    def show_error(self, parent: QWidget | None, title: str, exc: BaseException | str) -> None:
        """A dialog a person can act on; the traceback of a bug goes to the log."""
        text = exc if isinstance(exc, str) else self.message_for(exc)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                          parent)
        if self.log_path is not None:
            box.setInformativeText(self.tr("Log file: {path}").format(path=self.log_path))
        box.open()  # window-modal, does not block the event loop
