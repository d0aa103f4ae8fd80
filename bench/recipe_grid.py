"""The grid behind the recipes (``nlp/training/recipe.py``): budget x corpus -> settings -> score.

Each grid *cell* is a corpus and a budget; each *setting* is a full set of
``train lm`` flags. Two ways to run a cell:

- ``minutes``: real runs of ``main.py train lm --minutes M`` on this machine,
  one after another (the machine should be otherwise idle);
- ``steps``: first ``plan`` here measures, with ``nlp.training.speed``, how many
  tokens per second each setting trains on this machine, and turns the budget
  into the number of steps it would make here (minus the share that
  evaluation takes); then ``run --device cuda`` trains exactly those steps
  on a GPU, several settings at once. The step count, the schedule and the
  data order are what decide the score, not the clock, so a GPU can replay
  a 30-minute CPU run in under a minute. The documented CPU results of two
  settings (``ref`` in the table) check that the replay agrees.

    python bench/recipe_grid.py plan GRID.json            # here: speeds and steps
    python bench/recipe_grid.py run GRID.json --device cuda --parallel 6
    python bench/recipe_grid.py run GRID.json --mode minutes --only NAME

Prints one JSON object per setting (and writes them to ``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CORPORA = Path(os.environ.get("RNN_STUDIO_CORPORA", ROOT.parent / "shared" / "corpora"))
EVAL_SHARE = 0.04  # of a minutes budget spent evaluating (measured: 2-5% at 8-10 evaluations)


def _flags(setting: dict) -> list[str]:
    out = []
    for key, value in setting.items():
        if key in ("name", "ref", "steps", "fixed_steps", "tokens_per_s"):
            continue
        flag = "--" + key.replace("_", "-")
        if key == "vocab":
            flag = "--vocab"
        if value is True:
            out.append(flag)
        elif value is not False and value is not None:
            out += [flag, str(value)]
    return out


def _corpus_args(cell: dict) -> list[str]:
    if cell.get("task") == "mt":  # {"src": ..., "tgt": ..., "valid_src": ..., "valid_tgt": ...}
        return [a for k, v in cell["pairs"].items()
                for a in ("--" + k.replace("_", "-"), str(CORPORA / v))]
    args = ["--corpus", str(_path(cell["corpus"], cell)), "--level", cell["level"]]
    if cell.get("valid"):
        args += ["--valid", str(_path(cell["valid"], cell))]
    return args


def _path(name: str, cell: dict) -> Path:
    """A corpus of the grid: ``project:corpora/english`` is in this repository, anything
    else under the shared corpora; with ``head_chars``, a file of its first N characters
    (made once in the temporary folder)."""
    path = ROOT / name.removeprefix("project:") if name.startswith("project:") else CORPORA / name
    if not cell.get("head_chars"):
        return path
    head = Path(tempfile.gettempdir()) / f"grid-head-{cell['head_chars']}-{path.name}"
    if not head.exists():
        head.write_text(path.read_text(encoding="utf-8")[:cell["head_chars"]], encoding="utf-8")
    return head


def _speed(grid: dict, setting: dict):
    """(training tokens/s here, tokens per step) of one setting."""
    import torch

    from nlp.training.speed import lm_speed, mt_speed

    cpu, precision = torch.device("cpu"), setting.get("precision", "bf16")
    if grid.get("task") == "mt":
        src_len, tgt_len = grid["mean_lengths"]
        model = {"src_vocab": setting.get("vocab", 8000), "tgt_vocab": setting.get("vocab", 8000),
                 "embed": setting["embed"], "hidden": setting["hidden"],
                 "dropout": setting.get("dropout", 0.1), "tied": bool(setting.get("tied"))}
        speed = mt_speed(model, setting["batch_size"], src_len, tgt_len, cpu, precision)
        return speed.tokens_per_s, setting["batch_size"] * tgt_len
    model = {"vocab_size": grid.get("vocab_size", 65) if grid["level"] == "char"
             else setting.get("vocab", 8000),
             "cell": setting.get("cell", "lstm"), "layers": setting["layers"],
             "hidden": setting["hidden"], "embed": setting["embed"],
             "dropout": setting.get("dropout", 0.0), "tied": bool(setting.get("tied"))}
    speed = lm_speed(model, setting["batch_size"], setting["seq_len"], cpu, precision)
    return speed.tokens_per_s, setting["batch_size"] * setting["seq_len"]


def plan(grid: dict) -> dict:
    """Measure each setting's training speed here and give it its step count."""
    import torch

    for setting in grid["settings"]:
        tokens_per_s, per_step = _speed(grid, setting)
        tokens = tokens_per_s * grid["minutes"] * 60 * (1 - EVAL_SHARE)
        setting["tokens_per_s"] = round(tokens_per_s)
        setting["steps"] = setting.get("fixed_steps") or int(tokens / per_step)
        print(json.dumps({"name": setting["name"], "tokens_per_s": setting["tokens_per_s"],
                          "steps": setting["steps"]}), flush=True)
    grid["planned_on"] = {"torch": torch.__version__, "threads": torch.get_num_threads(),
                          "date": time.strftime("%Y-%m-%d")}
    return grid


def _final_scores(run_dir: Path) -> dict:
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()
            if line.strip()]
    evals = [r for r in rows if "val_loss" in r]
    key = "chrf" if evals and "chrf" in evals[0] else "val_loss"
    sign = -1 if key == "chrf" else 1
    best = min(evals, key=lambda r: sign * r[key]) if evals else {}
    return {"best": best, "last": evals[-1] if evals else {},
            "evals": [(r["step"], round(r["val_loss"], 4), r.get("bleu"), r.get("chrf"))
                      for r in evals]}


def _test_scores(grid: dict, name: str, device: str, workspace: Path) -> dict:
    out = {}
    for which in ("best", "last"):
        cmd = [sys.executable, str(ROOT / "main.py"), "evaluate", "mt", name,
               "--src", str(CORPORA / grid["test"][0]), "--ref", str(CORPORA / grid["test"][1]),
               "--beam", "5", "--checkpoint", which, "--device", device,
               "--workspace", str(workspace)]
        text = subprocess.run(cmd, capture_output=True, text=True).stdout
        out[which] = {k: float(v) for k, v in (line.split("\t") for line in text.splitlines()
                                               if line.split("\t")[0] in ("BLEU", "chrF"))}
    return out


def run_one(grid: dict, setting: dict, mode: str, device: str, workspace: Path,
            logs: Path) -> dict:
    name = f"{grid['name']}-{setting['name']}"
    if mode == "steps":
        budget = ["--steps", str(setting["steps"]), "--eval-every",
                  str(max(1, setting["steps"] // grid.get("evals", 4)))]
    elif mode == "minutes":
        budget = ["--minutes", str(grid["minutes"])]
    else:  # "flags": the setting carries its own budget and evaluation flags
        budget = []
    cmd = [sys.executable, str(ROOT / "main.py"), "train", grid.get("task", "lm"),
           *_corpus_args(grid),
           *_flags(setting), *budget, "--device", device, "--workspace", str(workspace),
           "--name", name]
    start = time.perf_counter()
    with open(logs / f"{name}.log", "w") as log:
        rc = subprocess.call(cmd, stdout=log, stderr=subprocess.STDOUT)
    scores = _final_scores(workspace / "runs" / name) if rc == 0 else {}
    if rc == 0 and grid.get("test"):  # a translator: test BLEU of the kept checkpoint, beam 5
        scores["test"] = _test_scores(grid, name, device, workspace)
    return {"cell": grid["name"], "name": setting["name"], "mode": mode, "device": device,
            "rc": rc, "wall_s": round(time.perf_counter() - start, 1),
            "steps": setting.get("steps"), "cpu_tokens_per_s": setting.get("tokens_per_s"),
            "ref": setting.get("ref"), **scores}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=("plan", "run"))
    ap.add_argument("grid", help="a grid JSON file (see bench/grids/)")
    ap.add_argument("--mode", choices=("steps", "minutes", "flags"), default="steps")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--parallel", type=int, default=1)
    ap.add_argument("--only", nargs="*", help="names of the settings to run")
    ap.add_argument("--workspace", default="/tmp/recipe-grid-ws")
    ap.add_argument("--out", help="append the results (JSON lines) to this file")
    args = ap.parse_args()
    path = Path(args.grid)
    grid = json.loads(path.read_text())
    if args.action == "plan":
        path.write_text(json.dumps(plan(grid), indent=1) + "\n")
        return
    settings = [s for s in grid["settings"] if not args.only or s["name"] in args.only]
    ws = Path(args.workspace)
    logs = ws / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max(1, args.parallel)) as pool:
        futures = [pool.submit(run_one, grid, s, args.mode, args.device, ws, logs)
                   for s in settings]
        for future in as_completed(futures):
            result = future.result()
            line = json.dumps(result)
            print(line, flush=True)
            if args.out:
                with open(args.out, "a") as f:
                    f.write(line + "\n")


if __name__ == "__main__":
    main()
