"""Soak the window: a long, seeded, random session of what a person does.

Switches pages, starts, pauses, stops and queues tiny trainings, continues runs,
generates, translates, adds odd corpora, clicks the buttons of whatever pages
exist, and opens dialogs (a timer closes them, as a person would), then closes
the window while a run trains. It records every exception that reaches Qt's
event loop or a thread, every error logged, and the longest stall of the event
loop (a 10 ms heartbeat timer), and prints them as JSON::

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/soak_window.py --actions 1000 --seed 1

Everything it writes (workspace, settings, caches, logs) goes to a temporary
folder. ``tests/reliability/test_window_stress.py`` runs a short session of
the same :class:`Session` in CI.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import logging
import os
import random
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WORDS = "the cat sat on a mat and dog ran far away from home while birds sang".split()
TINY_LM = {"cell": "lstm", "layers": 1, "hidden": 16, "embed": 8, "dropout": 0.0,
           "tied": False}
TINY_MT = {"cell": "gru", "embed": 8, "hidden": 16, "enc_layers": 1, "dec_layers": 1,
           "dropout": 0.0}
PROMPTS = ["", "The ", "the cat", "😀𠀀\U000E0067\U00100000 \u202eabc", "\x00\ufeff",
           "mat " * 5000]
SOURCES = ["one two three.", "four five. six!", "", "😀 𠀀 \u202e one", "two " * 3000]
STEPS_PER_RUN = 60  # the budget of a run the session starts: a few seconds of a tiny model
HANG_S = 120  # an action (with its events) that takes longer prints every thread's stack


# --- the event loop -------------------------------------------------------------------

def pump(ms: int) -> None:
    """Let the event loop run for ``ms`` milliseconds."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(condition, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        pump(20)
    return True


class Heartbeat:
    """A 10 ms timer; the longest gap between its ticks is the longest stall.

    ``doing`` names the action in progress, so the worst stalls say where they
    were, with the CPU time the GUI thread spent in them: near the gap, the
    window itself was busy; near zero, it waited (for a CPU on a loaded machine,
    or for the GIL)."""

    def __init__(self, parent) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer(parent, interval=10)  # dies with the window it watches
        self.timer.timeout.connect(self._tick)
        self.last: tuple[float, float] | None = None  # (wall, GUI thread CPU) at the last tick
        self.doing = ""
        self.max_gap = 0.0
        self.max_busy = 0.0  # the most CPU time the GUI thread spent between two ticks
        self.gaps_over_250ms = 0
        self.worst: list[tuple[float, float, str]] = []  # the five longest: (s, CPU s, action)

    def _tick(self) -> None:
        now = (time.monotonic(), time.thread_time())
        if self.last is not None:
            gap, cpu = now[0] - self.last[0], now[1] - self.last[1]
            self.max_gap = max(self.max_gap, gap)
            self.max_busy = max(self.max_busy, cpu)
            self.gaps_over_250ms += gap > 0.25
            self.worst = sorted([*self.worst, (round(gap, 3), round(cpu, 3), self.doing)],
                                reverse=True)[:5]
        self.last = now

    def start(self) -> None:
        self.last = None
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()


class DialogCloser:
    """Closes (rejects) every dialog and menu that has been open a little while, as
    a person pressing Escape would: modal ones that ``exec`` and window-modal
    message boxes alike.

    Its timer is a child of ``parent`` (the window) and keeps running until the
    window is deleted: closing the window may still ask something. Left without a
    parent, it outlived the window and fired into the next tests' half-deleted
    widgets (a segfault)."""

    def __init__(self, rng: random.Random, parent) -> None:
        from PySide6.QtCore import QTimer

        self.rng = rng
        self.seen: dict[int, float] = {}
        self.closed = 0
        self.timer = QTimer(parent, interval=40)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        from PySide6.QtWidgets import QApplication, QDialog, QMenu

        now = time.monotonic()
        for widget in QApplication.topLevelWidgets():
            if not isinstance(widget, (QDialog, QMenu)) or not widget.isVisible():
                continue
            opened = self.seen.setdefault(id(widget), now + self.rng.uniform(0.0, 0.2))
            if now >= opened:
                widget.reject() if isinstance(widget, QDialog) else widget.close()
                self.seen.pop(id(widget), None)
                self.closed += 1


class Problems(logging.Handler):
    """Exceptions that reached the event loop or a thread, and errors logged."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.items: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.items.append(f"logged: {record.getMessage()}"
                          + (f" ({record.exc_info[1]!r})" if record.exc_info else ""))

    def hook(self, kind, exc, tb) -> None:
        self.items.append("exception: " + "".join(traceback.format_exception(kind, exc, tb)))

    def thread_hook(self, args) -> None:
        self.hook(args.exc_type, args.exc_value, args.exc_traceback)

    def __enter__(self) -> Problems:
        self._saved = sys.excepthook, threading.excepthook
        sys.excepthook, threading.excepthook = self.hook, self.thread_hook
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        sys.excepthook, threading.excepthook = self._saved
        logging.getLogger().removeHandler(self)


# --- what the session works on ----------------------------------------------------------

def write_inputs(folder: Path) -> dict[str, Path]:
    """A tiny text corpus, sentence pairs, and odd files for the Corpora page."""
    rng = random.Random(0)
    folder.mkdir(parents=True, exist_ok=True)
    text = "\n".join(" ".join(rng.choice(WORDS) for _ in range(9)) + "." for _ in range(80))
    numbers = [("one", "un"), ("two", "deux"), ("three", "trois"), ("four", "quatre")]
    pairs = []
    for _ in range(150):
        chosen = [rng.choice(numbers) for _ in range(rng.randint(1, 3))]
        pairs.append(" ".join(e for e, _ in chosen) + "\t" + " ".join(f for _, f in chosen))
    files = {"corpus": folder / "tiny.txt", "pairs": folder / "pairs.tsv",
             "planes": folder / "planes.txt", "nul": folder / "nul.txt",
             "surrogate": folder / "surrogate.txt", "line": folder / "one-line.txt",
             "empty": folder / "empty.txt"}
    files["corpus"].write_text(text + "\n", encoding="utf-8")
    files["pairs"].write_text("\n".join(pairs) + "\n", encoding="utf-8")
    files["planes"].write_text((text[:2000] + " 😀𠀀\U000E0067\U000F0001\U00100000\u202e\ufeff\n")
                               * 3, encoding="utf-8-sig")
    files["nul"].write_bytes(text.encode() + b"\x00" + text.encode())
    files["surrogate"].write_bytes(text.encode() + b"\xed\xa0\x80\n")
    files["line"].write_text((text.replace("\n", " ") * 60)[:200_000], encoding="utf-8")
    files["empty"].write_bytes(b"")
    return files


def make_runs(workspace, files: dict[str, Path]) -> list[str]:
    """A tiny language model and a tiny translator to generate and translate with."""
    from nlp.tasks.lm.session import LMDataSpec, new_lm_training
    from nlp.tasks.mt.session import MTDataSpec, new_mt_training
    from nlp.training.config import TrainConfig

    train = TrainConfig(max_steps=20, batch_size=4, seq_len=16, warmup_steps=0, device="cpu",
                        threads=1, samples=0, eval_every=1000)
    trainer, _ = new_lm_training(workspace, "tiny-lm", LMDataSpec(corpus=str(files["corpus"])),
                                 TINY_LM, train)
    trainer.run()
    spec = MTDataSpec(pairs=str(files["pairs"]), vocab_size=60, eval_sentences=20)
    trainer, _ = new_mt_training(workspace, "tiny-mt", spec, TINY_MT, train)
    trainer.run()
    return ["tiny-lm", "tiny-mt"]


# --- the session -------------------------------------------------------------------------

class Session:
    """Random actions on ``window`` (a ``gui.main_window.MainWindow``), seeded."""

    def __init__(self, window, files: dict[str, Path], seed: int = 0):
        self.window, self.files = window, files
        self.rng = random.Random(seed)
        self.pages = window.pages
        self.counts: Counter[str] = Counter()
        self.heartbeat = Heartbeat(window)
        self.closer = DialogCloser(self.rng, window)
        self.problems = Problems()
        self.actions = [
            (self.switch_page, 12), (self.start_training, 6), (self.stop_training, 4),
            (self.pause_training, 3), (self.remove_queued, 1), (self.open_run, 5),
            (self.continue_run, 2), (self.generate, 6), (self.stop_generating, 3),
            (self.translate, 6), (self.add_corpus, 3), (self.open_dialog, 5),
            (self.poke_button, 8), (self.resize, 2),
        ]

    @property
    def train(self):
        return self.pages["train"]

    # -- running ---------------------------------------------------------------------------
    def run(self, n_actions: int) -> dict:
        """Do ``n_actions`` random actions, then stop everything; returns the report."""
        started = time.monotonic()
        with self.problems:
            self.heartbeat.start()
            self.closer.timer.start()
            for done in range(n_actions):
                self.step()
                if (done + 1) % 100 == 0:  # progress on stderr: slow is not hung
                    print(f"{done + 1} actions, {time.monotonic() - started:.0f} s",
                          file=sys.stderr, flush=True)
            settled = self.settle()
            self.heartbeat.stop()
        return {"actions": sum(self.counts.values()), "by_kind": dict(sorted(self.counts.items())),
                "problems": self.problems.items, "max_stall_s": round(self.heartbeat.max_gap, 3),
                "max_busy_stall_s": round(self.heartbeat.max_busy, 3),
                "stalls_over_250ms": self.heartbeat.gaps_over_250ms,
                "worst_stalls": self.heartbeat.worst,
                "dialogs_closed": self.closer.closed, "settled": settled,
                "seconds": round(time.monotonic() - started, 1)}

    def step(self) -> None:
        functions, weights = zip(*self.actions, strict=True)
        action = self.rng.choices(functions, weights)[0]
        self.heartbeat.doing = action.__name__
        faulthandler.dump_traceback_later(HANG_S)  # a hang says where it is, on stderr
        try:
            action()
            self.counts[action.__name__] += 1
            self.heartbeat.doing = f"after {action.__name__}"
            pump(self.rng.choice((0, 5, 20, 50, 100)))
        finally:
            faulthandler.cancel_dump_traceback_later()

    def settle(self, timeout_s: float = 90.0) -> bool:
        """Stop training, generating and translating, and wait for all of it to end."""
        queue = self.train.queue
        for job in queue.pending():
            queue.remove(job.id)
        self.train.stop()
        gen, tra = self.pages.get("generate"), self.pages.get("translate")
        if gen is not None:
            gen.stop()
        return wait_until(lambda: not queue.busy and (gen is None or not gen.is_generating())
                          and (tra is None or not tra.is_busy()), timeout_s)

    # -- actions -----------------------------------------------------------------------------
    def switch_page(self) -> None:
        self.window.show_page(self.rng.choice(list(self.pages)))

    def set_up_form(self) -> None:
        """The Train page's form: a tiny model on the tiny corpus, a budget of steps."""
        form = self.train.form
        corpus = str(self.files["corpus"])
        if form.task != "char" or form.corpus_edit.text() != corpus or form.size is None:
            form.task_combo.setCurrentIndex(form.task_combo.findData("char"))
            form.corpus_edit.setText(corpus)
            form.measure()
            wait_until(lambda: form.size is not None, 30)
        form.layers_spin.setValue(1)
        form.hidden_spin.setValue(16)
        form.embed_spin.setValue(8)
        form.batch_spin.setValue(4)
        form.seq_spin.setValue(16)
        form.budget_unit.setCurrentIndex(form.budget_unit.findData("steps"))
        form.budget_spin.setValue(STEPS_PER_RUN)
        form.device_combo.setCurrentIndex(max(0, form.device_combo.findData("cpu")))
        form.name_edit.clear()

    def start_training(self) -> None:
        if len(self.train.queue.pending()) >= 2:
            return self.stop_training()
        self.window.show_page("train")
        self.set_up_form()
        self.train.start()

    def stop_training(self) -> None:
        self.train.stop()

    def pause_training(self) -> None:
        self.train.toggle_pause()

    def remove_queued(self) -> None:
        if self.train.queue_list.count():
            self.train.queue_list.setCurrentRow(0)
            self.train.remove_selected()

    def run_names(self) -> list[str]:
        runs_dir = self.window.ctx.workspace.runs_dir
        return sorted(p.name for p in runs_dir.iterdir()) if runs_dir.is_dir() else []

    def open_run(self) -> None:
        """The Runs page selects a run and opens it (Generate, Translate or Train)."""
        names = self.run_names()
        runs = self.pages.get("runs")
        if not names or runs is None:
            return
        self.window.show_page("runs")
        runs.open_run(self.rng.choice(names))
        pump(50)
        self.rng.choice((runs.open_selected, runs.continue_selected, runs.compare_selected))()

    def continue_run(self) -> None:
        """Open a trained run on the Train page and queue half a minute more."""
        names = [n for n in self.run_names() if n.startswith("tiny-")] or self.run_names()
        if not names or len(self.train.queue.pending()) >= 2:
            return
        self.window.ctx.open_run.emit("train", self.rng.choice(names))
        pump(100)
        if self.train.shown_run is not None:
            self.train.continue_spin.setValue(0.5)
            self.train.continue_shown_run()

    def generate(self) -> None:
        page = self.pages.get("generate")
        if page is None or page.is_generating():
            return
        self.window.show_page("generate")
        page.open_run("tiny-lm")
        page.prompt.setPlainText(self.rng.choice(PROMPTS))
        page.length.setValue(self.rng.choice((1, 50, 400, 5000)))
        page.seed.setText(self.rng.choice(("", "1", "x", "99999999999")))
        page.generate()

    def stop_generating(self) -> None:
        page = self.pages.get("generate")
        if page is not None:
            page.stop()

    def translate(self) -> None:
        page = self.pages.get("translate")
        if page is None:
            return
        self.window.show_page("translate")
        page.open_run("tiny-mt")
        page.source.setPlainText(self.rng.choice(SOURCES))
        if self.rng.random() < 0.5:
            page.translate_now()

    def add_corpus(self) -> None:
        page = self.pages.get("corpora")
        if page is None:
            return
        self.window.show_page("corpora")
        page.add_paths([str(self.rng.choice(list(self.files.values())))])

    def open_dialog(self) -> None:
        """A dialog that the closer dismisses: about, rename, delete, export, import,
        save, or a file to translate; nothing must change when it is dismissed."""
        w, runs = self.window, self.pages.get("runs")
        choices = [w._about, w._choose_workspace]
        if runs is not None:
            names = self.run_names()
            if names:
                runs.open_run(self.rng.choice(names))
                pump(50)
            choices += [runs.rename_selected, runs.delete_selected, runs.export_selected,
                        runs.import_file]
        if "generate" in self.pages:
            choices.append(self.pages["generate"]._ask_save)
        if "translate" in self.pages:
            choices.append(self.pages["translate"]._ask_file)
        self.rng.choice(choices)()

    def poke_button(self) -> None:
        """Click an enabled button of the page shown, whatever page it is."""
        from PySide6.QtWidgets import QAbstractButton

        page = self.window.stack.currentWidget()
        skip = {self.train.form.start_button, self.train.continue_button}
        buttons = [b for b in page.findChildren(QAbstractButton)
                   if b.isVisible() and b.isEnabled() and b not in skip]
        if buttons:
            self.rng.choice(buttons).click()

    def resize(self) -> None:
        self.window.resize(self.rng.randint(500, 1600), self.rng.randint(400, 1000))

    # -- closing while a run trains -----------------------------------------------------------
    def close_while_training(self, timeout_s: float = 60.0) -> dict:
        """Start a run, wait for its first steps, close the window (answering Yes
        to the question); returns how long closing took and what was saved."""
        from PySide6.QtWidgets import QMessageBox

        self.window.show_page("train")
        self.set_up_form()
        self.train.form.budget_spin.setValue(1_000_000)
        self.train.form.name_edit.setText("closing")
        self.train.start()
        stepped = wait_until(lambda: self.train.live is not None and self.train.live.last
                             is not None and self.train.live.last.step >= 3, timeout_s)
        original = QMessageBox.question
        QMessageBox.question = staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes)
        try:
            started = time.monotonic()
            closed = self.window.close()
            seconds = time.monotonic() - started
        finally:
            QMessageBox.question = original
        from nlp.runs.workspace import Run

        run = Run(self.window.ctx.workspace.runs_dir / "closing")
        saved = run.load("last").info["step"] if run.checkpoint_names() else None
        return {"stepped": stepped, "closed": closed, "close_s": round(seconds, 2),
                "saved_step": saved, "still_training": self.train.queue.busy}


def damaged_runs(workspace) -> list[str]:
    """Runs whose last checkpoint does not load: what a session must never leave."""
    from nlp.errors import StudioError
    from nlp.runs.workspace import Run

    bad = []
    for summary in workspace.list_runs():
        run = Run(summary.path)
        if not run.checkpoint_names():
            continue
        try:
            run.load("last")
        except StudioError as exc:
            bad.append(f"{summary.name}: {exc}")
    return bad


# --- the script ---------------------------------------------------------------------------

def _private_environment(folder: Path) -> None:
    for name in ("WORKSPACE", "CACHE", "LOGS"):
        os.environ[f"RNN_STUDIO_{name}"] = str(folder / name.lower())
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rnn-studio-soak-window-") as tmp:
        folder = Path(tmp)
        _private_environment(folder)
        import torch
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication

        from gui.context import AppContext
        from gui.main_window import MainWindow

        torch.set_num_threads(1)
        app = QApplication.instance() or QApplication([])
        settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
        ctx = AppContext(folder / "workspace", folder / "rnn-studio.log", settings, "CPU (soak)")
        files = write_inputs(folder / "inputs")
        make_runs(ctx.workspace, files)
        window = MainWindow(ctx)
        window.show()
        session = Session(window, files, args.seed)
        report = session.run(args.actions)
        with session.problems:
            report["close"] = session.close_while_training()
        report["damaged_runs"] = damaged_runs(ctx.workspace)
        report["runs"] = len(ctx.workspace.list_runs())
        report["seed"] = args.seed
        app.processEvents()
    print(json.dumps(report, indent=1, ensure_ascii=False))
    ok = (not report["problems"] and not report["damaged_runs"] and report["settled"]
          and report["close"]["saved_step"] is not None)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
