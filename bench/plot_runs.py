"""Plot the metrics history of one or more runs to a PNG (offscreen Qt + pyqtgraph).

    python bench/plot_runs.py RUN [RUN ...] --workspace DIR --out curve.png
        [--x time|step] [--metric val_loss] [--train]

Each RUN is a name in the workspace or a run folder. Validation points come from
``metrics.jsonl``; ``--train`` adds the smoothed training loss.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyqtgraph as pg  # noqa: E402
import pyqtgraph.exporters  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from nlp.paths import default_workspace  # noqa: E402
from nlp.runs.workspace import Workspace  # noqa: E402

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--workspace", type=Path, default=default_workspace())
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--x", choices=("time", "step"), default="time")
    ap.add_argument("--metric", default="val_loss")
    ap.add_argument("--train", action="store_true", help="also plot the training loss")
    ap.add_argument("--title", default="")
    args = ap.parse_args()
    app = QApplication.instance() or QApplication([])  # noqa: F841 - Qt needs one
    pg.setConfigOptions(background="w", foreground="k", antialias=True)
    plot = pg.PlotWidget(title=args.title)
    plot.resize(900, 520)
    plot.addLegend()
    plot.showGrid(x=True, y=True, alpha=0.3)
    scale = 60.0 if args.x == "time" else 1.0
    plot.setLabel("bottom", "minutes" if args.x == "time" else "step")
    plot.setLabel("left", args.metric)
    ws = Workspace(args.workspace)
    for i, ref in enumerate(args.runs):
        run = ws.resolve(ref)
        rows = run.metrics()
        color = COLORS[i % len(COLORS)]
        val = [r for r in rows if args.metric in r]
        plot.plot([r[args.x] / scale for r in val], [r[args.metric] for r in val],
                  pen=pg.mkPen(color, width=2), symbol="o", symbolSize=5,
                  symbolBrush=color, name=f"{run.name} {args.metric}")
        if args.train:
            tr = [r for r in rows if "train_loss" in r]
            plot.plot([r[args.x] / scale for r in tr], [r["train_loss"] for r in tr],
                      pen=pg.mkPen(color, width=1, style=pg.QtCore.Qt.DashLine),
                      name=f"{run.name} train_loss")
    exporter = pg.exporters.ImageExporter(plot.plotItem)
    exporter.parameters()["width"] = 900
    args.out.parent.mkdir(parents=True, exist_ok=True)
    exporter.export(str(args.out))
    print(args.out)


if __name__ == "__main__":
    main()
