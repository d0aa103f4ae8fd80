"""Event-loop stalls of the window while a run trains, as JSON.

    .venv/bin/python bench/bench_gui_stalls.py               # about 70 seconds
    .venv/bin/python bench/bench_gui_stalls.py --seconds 10  # a quick check

Opens the real main window (offscreen unless ``QT_QPA_PLATFORM`` says
otherwise) on the Train page, starts a character LSTM with the sizes the page
suggests on the sample corpus ``corpora/english``, and lets it train for
``--seconds`` while a 10 ms ``QTimer`` measures how late each tick comes
(lateness = actual interval - 10 ms): a late tick is a moment the window could
not react. Reports:

- ``stall_ms``: p50, p99 and max lateness over the whole time (preparing the
  data included), and ``stall_ms_training`` from the first step on;
- ``step_events``: how many step events the trainer emitted, ``event_batches``
  how many batches of them reached the GUI thread, ``first_step_s`` when the
  first step arrived after pressing Start;
- the model sizes used. Target: p99 under 50 ms.

Everything (workspace, cache, settings) goes to a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TICK_MS = 10


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"p50": None, "p99": None, "max": None}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"p50": at(0.50), "p99": at(0.99), "max": round(ordered[-1], 2)}


class StallMeter:
    """Lateness of a 10 ms timer: what the person would feel as a frozen window."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.ticks: list[float] = []
        self.timer = QTimer(interval=TICK_MS, timerType=Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def start(self) -> None:
        self.ticks = [time.perf_counter()]
        self.timer.start()

    def lateness_ms(self, since: float = 0.0) -> list[float]:
        pairs = zip(self.ticks, self.ticks[1:], strict=False)
        return [max(0.0, (b - a) * 1000 - TICK_MS) for a, b in pairs if a >= since]


def wait_for(app, condition, timeout_s: float) -> None:
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            raise SystemExit(json.dumps({"error": "timed out waiting for the window"}))
        app.processEvents()
        time.sleep(0.005)


def emit_loses_references() -> bool:
    """PySide6 6.12.0 on Python 3.11 drops a reference to ``True`` at every
    ``Signal.emit``: a window that emits (pyqtgraph does, on every redraw)
    aborts with "bool_dealloc" within seconds. 6.11 does not."""
    from PySide6.QtCore import QObject, Signal

    class Probe(QObject):
        ping = Signal()

    probe = Probe()
    before = sys.getrefcount(True)
    for _ in range(50):
        probe.ping.emit()
    return sys.getrefcount(True) < before - 25


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="training time measured")
    parser.add_argument("--corpus", default=str(ROOT / "corpora" / "english"))
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="bench-gui-")
    for key in ("WORKSPACE", "CACHE", "LOGS"):
        os.environ[f"RNN_STUDIO_{key}"] = str(Path(tmp.name) / key.lower())

    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from gui.context import AppContext
    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    if emit_loses_references():
        import PySide6

        print(json.dumps({"error": f"PySide6 {PySide6.__version__} loses a reference at every "
                          "Signal.emit and would crash this benchmark; use PySide6 6.11"}))
        return 2
    settings = QSettings(str(Path(tmp.name) / "settings.ini"), QSettings.Format.IniFormat)
    ctx = AppContext(Path(tmp.name) / "workspace", Path(tmp.name) / "log.txt", settings,
                     "bench")
    window = MainWindow(ctx)
    window.show()
    window.show_page("train")
    page = window.pages["train"]
    form = page.form
    form.task_combo.setCurrentIndex(form.task_combo.findData("char"))
    form.corpus_edit.setText(args.corpus)
    form.measure()
    wait_for(app, lambda: form.size is not None, 30)
    form.budget_unit.setCurrentText("minutes")
    form.budget_spin.setValue(args.seconds / 60 + 5)  # stopped by the benchmark, not the budget
    values = form.values()

    counts = {"step_events": 0, "event_batches": 0, "first_step": None}

    def count(_job: int, batch: list) -> None:
        from nlp.training.events import StepEvent

        steps = sum(isinstance(e, StepEvent) for e in batch)
        counts["event_batches"] += 1
        counts["step_events"] += steps
        if steps and counts["first_step"] is None:
            counts["first_step"] = time.perf_counter()

    page.queue.events.connect(count)
    meter = StallMeter()
    meter.start()
    started = time.perf_counter()
    page.start()
    # a local loop: QApplication.quit() would close the window mid-training (Qt 6)
    loop = QEventLoop()
    QTimer.singleShot(int(args.seconds * 1000), loop.quit)
    loop.exec()
    meter.timer.stop()
    stopping = time.perf_counter()
    page.shutdown(60)
    first = counts["first_step"]
    result = {
        "seconds": round(stopping - started, 2),
        "ticks": len(meter.ticks) - 1,
        "stall_ms": percentiles(meter.lateness_ms()),
        "stall_ms_training": percentiles(meter.lateness_ms(first)) if first else None,
        "step_events": counts["step_events"],
        "event_batches": counts["event_batches"],
        "first_step_s": round(first - started, 2) if first else None,
        "stop_s": round(time.perf_counter() - stopping, 2),
        "corpus": args.corpus,
        "model": {k: values[k] for k in ("cell", "layers", "hidden", "embed", "batch",
                                         "seq_len", "device")},
        "platform": os.environ.get("QT_QPA_PLATFORM"),
    }
    window.close()
    print(json.dumps(result, indent=2))
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
