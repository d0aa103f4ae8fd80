"""The window's defaults on its own English sample, as a first-time user meets them.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python scripts/window_defaults.py \\
        --workspace WS --out docs/img/screens

Opens the real window with fresh settings, picks the English sample on the Train
page and changes nothing else (character model, the default budget of 10
minutes, device auto). It waits for the recipe and shoots the page with its
reason shown before Start (``en-12-train-recipe.png``), presses Start, waits for
the run to end and shoots why it ended (``en-13-train-stopped.png``). Prints
JSON: the recipe, how the run ended, its minutes, and every validation score
with the step of the best one, so "the kept model is the best one and no
minutes are spent getting worse" can be read off.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.screenshots import Shooter, pause, wait_until  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workspace", required=True)
    p.add_argument("--out", default="docs/img/screens")
    p.add_argument("--name", default="window-defaults-english")
    args = p.parse_args(argv)
    os.environ["RNN_STUDIO_LANG"] = "en"
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gui.app import build_window

    app = QApplication.instance() or QApplication(["rnn-studio"])
    app.setApplicationName("RNN Studio")
    tmp = Path(tempfile.mkdtemp())
    settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("workspace", str(Path(args.workspace).resolve()))
    window = build_window(tmp / "rnn-studio.log", settings)
    window.resize(1400, 880)
    window.move(0, 0)
    window.show()
    pause(app, 1)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    shooter = Shooter(app, window, Path(args.out), "en")
    train = window.pages["train"]
    form = train.form
    window.show_page("train")
    ws = window.ctx.workspace
    if (ws.runs_dir / args.name).exists():
        ws.delete_run(args.name)
    form.corpus_edit.setText(str(ROOT / "corpora" / "english"))
    form.measure()
    wait_until(app, lambda: form.recipe is not None, 120, "the recipe")
    pause(app, 1)
    shooter.shot("12-train-recipe")
    form.name_edit.setText(args.name)
    train.start()
    wait_until(app, lambda: train.live is not None, 60, "the run to start")
    wait_until(app, lambda: not train.queue.busy, 15 * 60, "the end of the run")
    pause(app, 2)
    shooter.shot("13-train-stopped")
    run = ws.resolve(args.name)
    config = run.read_config()
    evals = [(r["step"], round(r["time"] / 60, 2), round(r["val_loss"], 4))
             for r in run.metrics() if "val_loss" in r]
    summary = run.summary()
    print(json.dumps({"recipe": config["recipe"]["why"], "outcome": config.get("outcome"),
                      "best_step": summary.best_step, "last_step": summary.step,
                      "evaluations (step, minutes, val loss)": evals,
                      "state": train.state_label.text(), "shots": shooter.saved},
                     indent=1))
    for page in window.pages.values():
        if hasattr(page, "shutdown"):
            page.shutdown(10)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
