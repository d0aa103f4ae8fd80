"""Open the real window, drive each page as a person would, and save screenshots.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python scripts/screenshots.py \\
        --workspace WS --out docs/img/screens [--lang en|zh_CN] [--scheme light|dark] \\
        [--lm RUN] [--mt RUN] \\
        [--compare RUN RUN ...] [--inspect RUN] [--experiments RUN RUN ...] [--search NAME]

Needs a display: under Xvfb (Debian packages ``xvfb xauth libxcb-icccm4
libxcb-keysyms1``; ``fonts-noto-cjk`` for the Chinese interface) or a desktop.
The pages are grabbed from the screen (``QScreen.grabWindow``), so what is
saved is what the window server shows, not an offscreen rendering.

What it does, page by page:

- Corpora: selects the English sample corpus (preview, statistics, histogram).
- Train: trains a small character GRU on that corpus for ``--train-minutes``
  (a real run, saved in WS as ``screenshot-<lang>-char-gru``), shot while it
  trains and once it has finished.
- Generate: opens ``--lm`` (default: the newest character or subword model)
  and generates from a prompt with a fixed seed.
- Translate: opens ``--mt`` (default: the newest translator), translates a
  sentence with beam 5 and three alternatives; the attention heatmap shows.
- Runs: the browser with the language model's details, then ``--compare``
  (default: every language model) selected, their curves on one plot.
- Inspect: ``--inspect`` (default: the newest character model) reads a few
  lines of dialogue; the text is coloured by its strongest hidden unit.
- Experiments: ``--experiments`` runs compared (table and curves), then the
  saved search ``--search`` with its trials.
- Series: trains an LSTM 50/50 on the sample series for 30 epochs (saved as
  ``screenshot-<lang>-series``) and shows its held-out forecast.

``--scheme dark`` sets the window's colour scheme to dark (Settings >
Appearance) and names the files ``<lang>-dark-<page>.png``.

Settings go to a temporary file: your own window settings are not touched.
Prints the saved paths as JSON.
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

GERMAN = "Ein Mann mit einem roten Hut fährt mit dem Fahrrad durch die Stadt."
PROMPTS = {"char": "ROMEO:\n", "subword": "The history of"}


def wait_until(app, condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {timeout_s:.0f} s")
        app.processEvents()
        time.sleep(0.02)


def pause(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def newest(runs, task: str) -> str | None:
    chosen = [r for r in runs if r.task == task and r.error is None and r.step > 0]
    chosen.sort(key=lambda r: r.created, reverse=True)
    return chosen[0].name if chosen else None


class Shooter:
    def __init__(self, app, window, out: Path, lang: str):
        self.app, self.window, self.out, self.lang = app, window, out, lang
        self.saved: list[str] = []

    def shot(self, name: str) -> None:
        pause(self.app, 0.4)  # let layouts and plots settle
        screen = self.window.screen()
        pixmap = screen.grabWindow(self.window.winId())
        path = self.out / f"{self.lang}-{name}.png"
        if not pixmap.save(str(path)):
            raise OSError(f"cannot save {path}")
        self.saved.append(str(path))


def drive_folder(app, window, shooter: Shooter, folder: str) -> None:
    """The Corpora page with a folder corpus: what was read, and the skipped files."""
    window.show_page("corpora")
    corpora = window.pages["corpora"]
    corpora.add_paths([folder])
    wait_until(app, corpora.skipped_button.isVisible, 60, "the folder's statistics")
    corpora.skipped_button.setChecked(True)
    pause(app, 2)
    shooter.shot("1b-corpora-folder")


def drive(app, window, shooter: Shooter, args) -> None:
    from nlp.runs.workspace import Workspace

    pages = window.pages
    ws: Workspace = window.ctx.workspace

    # Corpora: the English sample.
    window.show_page("corpora")
    corpora = pages["corpora"]
    english = str(ROOT / "corpora" / "english")
    for row, entry in enumerate(corpora.entries):
        if Path(entry.path).resolve() == Path(english).resolve():
            corpora.corpus_list.setCurrentRow(row)
            break
    pause(app, 3)
    shooter.shot("1-corpora")

    # Train: a real short run from the form.
    window.show_page("train")
    train = pages["train"]
    form = train.form
    form.task_combo.setCurrentIndex(form.task_combo.findData("char"))
    form.corpus_edit.setText(english)
    form.measure()
    wait_until(app, lambda: form.size is not None, 30, "the corpus size")
    form.cell_combo.setCurrentIndex(form.cell_combo.findData("gru"))
    form.budget_unit.setCurrentText("minutes")
    form.budget_spin.setValue(args.train_minutes)
    name = f"screenshot-{shooter.lang}-char-gru"
    if (ws.runs_dir / name).exists():
        ws.delete_run(name)  # the previous screenshot run
    form.name_edit.setText(name)
    train.start()
    wait_until(app, lambda: train.live is not None and train.live.last is not None
               and train.live.last.step >= 30, 120, "training steps")
    pause(app, min(20.0, args.train_minutes * 30))
    shooter.shot("2-train-live")
    wait_until(app, lambda: not train.queue.busy, args.train_minutes * 60 + 120,
               "the end of the training run")
    pause(app, 1)
    shooter.shot("3-train-finished")

    runs = ws.list_runs()
    lm = args.lm or newest([r for r in runs if not r.name.startswith("screenshot-")],
                           "lm") or name
    mt = args.mt or newest(runs, "mt")

    # Generate.
    window.ctx.open_run.emit("generate", lm)
    gen = pages["generate"]
    loading = gen.model_label.text()  # set at once; the model loads in the background
    wait_until(app, lambda: gen.model_label.text() != loading, 120, "the language model")
    level = "char" if "char" in lm else "subword"
    gen.prompt.setPlainText(PROMPTS[level])
    gen.seed.setText("7")
    gen.length.setValue(500)
    gen.generate()
    wait_until(app, lambda: not gen.is_generating(), 120, "generation")
    shooter.shot("4-generate")

    # Translate.
    if mt:
        window.ctx.open_run.emit("translate", mt)
        tr = pages["translate"]
        loading = tr.model_label.text()
        wait_until(app, lambda: tr.model_label.text() != loading, 120, "the translator")
        tr.beam.setValue(5)
        tr.n_best.setValue(3)
        source = GERMAN if "de" in mt else "three hundred and twelve."
        tr.source.setPlainText(source)
        tr.translate_now()
        wait_until(app, lambda: tr.shown_source == source and not tr.is_busy(), 120,
                   "the translation")
        shooter.shot("5-translate")

    # Runs: details of the language model, then all LMs compared.
    window.ctx.open_run.emit("runs", lm)
    browser = pages["runs"]
    wait_until(app, lambda: browser.selected_names() == [lm], 60, "the run to be selected")
    pause(app, 2)
    shooter.shot("6-runs")
    lms = args.compare or [r.name for r in ws.list_runs() if r.task == "lm" and r.step > 0]
    if len(lms) > 1:  # selecting several runs overlays their curves
        browser._select(lms)
        browser.compare_selected()
        pause(app, 2)
        shooter.shot("7-runs-compare")


INSPECT_TEXT = ('TOBIAS:\n"Who wants the last slice of seed cake?" (Nobody answers.)\n'
                "FELIX:\nI want it, but I will not say so, because it would be rude.\n")


def newest_char_lm(runs) -> str | None:
    """The newest character language model (Inspect shows one character per box),
    one trained apart from this script if there is one."""
    chars = [r for r in runs if r.config.get("data", {}).get("level") == "char"]
    return newest([r for r in chars if not r.name.startswith("screenshot-")], "lm") \
        or newest(chars, "lm")


def drive_inspect(app, window, shooter: Shooter, run: str) -> None:
    """Inspect: ``run`` reads a few lines of dialogue, coloured by the top layer's
    strongest hidden unit, with the units ranked and the grid of the strongest."""
    window.ctx.open_run.emit("inspect", run)
    page = window.pages["inspect"]
    page.text_edit.setPlainText(INSPECT_TEXT)
    page.inspect()
    wait_until(app, lambda: page.shown_run == run and not page.is_busy()
               and page.result.text == INSPECT_TEXT, 120, "the inspection")
    shooter.shot("8-inspect")


def drive_experiments(app, window, shooter: Shooter, compare: list[str], search: str) -> None:
    """Experiments: ``compare`` side by side with their curves overlaid, then the
    saved search ``search`` with its trials."""
    page = window.pages["experiments"]
    if compare:
        page.show_compare(compare)
        wait_until(app, lambda: page.compare.comparison is not None
                   and len(page.compare.comparison.rows) == len(compare), 120,
                   "the comparison")
        pause(app, 1)
        shooter.shot("10-experiments-compare")
    if search:
        window.show_page("experiments")
        page.tabs.setCurrentWidget(page.search)
        page.search.refresh(select=search)
        wait_until(app, lambda: page.search.searches
                   and page.search.searches[page.search.search_list.currentRow()].name
                   == search, 60, "the saved search")
        pause(app, 1)
        shooter.shot("11-experiments-search")


SERIES_EPOCHS = 30


def drive_series(app, window, shooter: Shooter) -> None:
    """Series: an LSTM 50/50 trained from the page on the sample series (the settings
    of `main.py series`, so the numbers are those of docs/series.md), shot with its
    held-out forecast, metrics and verdict (a real run, ``screenshot-<lang>-series``)."""
    window.show_page("series")
    page = window.pages["series"]
    page.use_sample()
    wait_until(app, lambda: page.column_combo.count() > 0, 30, "the sample's columns")
    page.cell_combo.setCurrentIndex(page.cell_combo.findData("lstm"))
    page.hidden_edit.setText("50 50")
    page.unit_combo.setCurrentIndex(page.unit_combo.findData("epochs"))
    page.budget_spin.setValue(SERIES_EPOCHS)
    name = f"screenshot-{shooter.lang}-series"
    if (window.ctx.workspace.runs_dir / name).exists():
        window.ctx.workspace.delete_run(name)  # the previous screenshot run
    page.name_edit.setText(name)
    page.train()
    wait_until(app, lambda: page.report is not None and not page.queue.busy, 600,
               "the series forecast")
    pause(app, 1)
    shooter.shot("9-series")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workspace", required=True, help="workspace with trained runs")
    p.add_argument("--out", default=str(ROOT / "docs" / "img" / "screens"))
    p.add_argument("--lang", default="en", help="interface language: en or zh_CN")
    p.add_argument("--scheme", choices=("light", "dark"), default="light",
                   help="colour scheme (dark files are named <lang>-dark-<page>.png)")
    p.add_argument("--lm", help="language model run for Generate (default: the newest)")
    p.add_argument("--mt", help="translator run for Translate (default: the newest)")
    p.add_argument("--inspect", help="character language model for Inspect (default: the "
                   "newest)")
    p.add_argument("--compare", nargs="+", metavar="RUN",
                   help="runs to compare on the Runs page (default: every language model)")
    p.add_argument("--train-minutes", type=float, default=0.5)
    p.add_argument("--size", default="1280x820", help="window size, WxH")
    p.add_argument("--experiments", nargs="+", metavar="RUN",
                   help="runs to show compared on the Experiments page")
    p.add_argument("--search", help="saved search to show on the Experiments page")
    p.add_argument("--no-series", action="store_true", help="skip the Series page")
    p.add_argument("--folder", help="only the Corpora page with this folder as a corpus, its "
                   "skipped files listed (<lang>-1b-corpora-folder.png)")
    args = p.parse_args(argv)

    os.environ["RNN_STUDIO_LANG"] = args.lang
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from gui.app import build_window

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(["rnn-studio"])
    app.setApplicationName("RNN Studio")
    try:
        from gui.i18n import install_translator, resolve_language

        install_translator(app, resolve_language(None))
    except ImportError:
        pass
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue("workspace", str(Path(args.workspace).resolve()))
        from gui.theme import SETTING_KEY

        settings.setValue(SETTING_KEY, args.scheme)  # build_window applies it
        window = build_window(Path(tmp) / "rnn-studio.log", settings)
        width, height = (int(v) for v in args.size.split("x"))
        window.resize(width, height)
        window.move(0, 0)
        window.show()
        window.raise_()
        pause(app, 1)
        prefix = args.lang if args.scheme == "light" else f"{args.lang}-{args.scheme}"
        shooter = Shooter(app, window, out, prefix)
        try:
            if args.folder:
                drive_folder(app, window, shooter, args.folder)
                return 0
            drive(app, window, shooter, args)
            inspected = args.inspect or newest_char_lm(window.ctx.workspace.list_runs())
            if "inspect" in window.pages and inspected:
                drive_inspect(app, window, shooter, inspected)
            if "series" in window.pages and not args.no_series:
                drive_series(app, window, shooter)
            if "experiments" in window.pages:
                drive_experiments(app, window, shooter, args.experiments or [], args.search)
        finally:
            for page in window.pages.values():
                if hasattr(page, "shutdown"):
                    page.shutdown(10)
            window.close()
    print(json.dumps({"saved": shooter.saved}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
