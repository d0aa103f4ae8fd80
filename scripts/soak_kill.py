"""Power-loss soak: SIGKILL one language-model run at many random moments.

    .venv/bin/python scripts/soak_kill.py [--kills 20] [--seed 1] [--max-wait 20] \\
        [--forced-every 4] [--out FILE]

One run (a tiny character LSTM that saves a checkpoint every 5 steps) is started
with ``python main.py train lm``, killed with SIGKILL (no handler runs, as in a
power cut), and continued with ``train lm --resume``, again and again. Most kills
come at a random moment up to ``--max-wait`` seconds after the process starts
(start-up, data preparation, training, saving); every ``--forced-every``-th one
comes half-way through writing a checkpoint's weights (the reliability suite's
pausing writer, ``tests/reliability/conftest.py``). After each kill it checks what
a person would do next: the run lists without error, every checkpoint folder in
sight loads (weights and training state, checksums hold), ``last`` opens at the
step the list shows, and the next session resumes from exactly that step. A
last session then trains the run to its end.

Everything happens in a temporary folder (workspace, cache, logs). Prints JSON:
one record per kill, and a summary. Needs the test dependencies (pytest).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "soak"


def helpers():
    """The reliability suite's helpers, loaded by path (a conftest is no package)."""
    spec = importlib.util.spec_from_file_location(
        "reliability_helpers", ROOT / "tests" / "reliability" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hidden(run: Path) -> set[str]:
    """Temporary folders in the run's checkpoints (a save going on, or a kill's leftover)."""
    return {p.name for p in (run / "checkpoints").glob(".tmp-*")}


def moment(run: Path, log: Path, leftovers: set[str]) -> str:
    """What the process was doing, seen from outside just before the kill."""
    if not (run / "run.json").exists():
        return "starting up, no run yet"
    if hidden(run) - leftovers:
        return "writing a checkpoint"
    if f"run '{NAME}' in" not in log.read_text(errors="replace"):  # printed as training starts
        return "starting up or preparing the data"
    return "training"


def resumed_at(log: Path) -> int | None:
    """The step a session said it resumed at, if it got that far."""
    found = re.search(r"resumed at step (\d+)", log.read_text(errors="replace"))
    return int(found[1]) if found else None


def one_kill(h, i: int, rng: random.Random, args, tmp: Path, forced: bool) -> dict:
    ws, run = tmp / "ws", tmp / "ws" / "runs" / NAME
    resume = (run / "run.json").exists()
    argv = h.resume_args(ws, NAME) if resume else h.train_args(tmp / "play.txt", ws, NAME,
                                                                 args.steps)
    log, marker = tmp / f"session-{i:02d}.log", tmp / f"paused-{i:02d}"
    start_step, leftovers = h.last_step_in_index(run), hidden(run)
    started = time.monotonic()
    proc = h.start_cli(argv, log, pause_at_save=rng.randint(1, 3) if forced else None,
                       marker=marker)
    try:
        if forced:
            h.wait_for(marker.exists, 300, proc)
            what = "half-way through writing a checkpoint"
        else:
            h.wait_for(lambda: proc.poll() is not None, rng.uniform(0.2, args.max_wait))
            what = moment(run, log, leftovers)
    finally:  # never leave a trainer behind
        killed_after = time.monotonic() - started
        killed = h.sigkill(proc)
    record = {"kill": i, "session": "resume" if resume else "new run", "forced": forced,
              "after_s": round(killed_after, 2), "moment": what if killed else "had ended",
              "step_before": start_step, "resumed_at": resumed_at(log)}
    try:
        found = h.check_run_whole(ws, NAME)
        record.update(whole=True, listed=found["listed"], step_after=found["step"],
                      checkpoints=len(found["checkpoints"]), hidden_leftovers=found["hidden"],
                      torn_lines=found.get("torn_lines", 0))
    except Exception as exc:  # noqa: BLE001 - a finding, reported in the JSON
        record.update(whole=False, problem=f"{type(exc).__name__}: {exc}")
    return record


def soak(args) -> dict:
    h = helpers()
    tmp = Path(tempfile.mkdtemp(prefix="soak-kill-"))
    for key, sub in (("RNN_STUDIO_WORKSPACE", "ws"), ("RNN_STUDIO_CACHE", "cache"),
                     ("RNN_STUDIO_LOGS", "logs")):
        os.environ[key] = str(tmp / sub)
    (tmp / "play.txt").write_text(h.play_text(400), encoding="utf-8")
    rng = random.Random(args.seed)
    began = time.monotonic()
    records = [one_kill(h, i, rng, args, tmp, forced=i % args.forced_every == 0)
               for i in range(1, args.kills + 1)]
    final = h.run_cli(*h.resume_args(tmp / "ws", NAME, "--minutes", "0.1"), timeout=900)
    outcome = {"exit": final.returncode, "last_line": final.stderr.strip().splitlines()[-1:]}
    try:
        found = h.check_run_whole(tmp / "ws", NAME)
        outcome.update(whole=True, step=found["step"], hidden_leftovers=found["hidden"],
                       torn_lines=found["torn_lines"], history_rows=found["history_rows"])
    except Exception as exc:  # noqa: BLE001
        outcome.update(whole=False, problem=f"{type(exc).__name__}: {exc}")
    return {"command": " ".join(sys.argv), "folder": str(tmp), "records": records,
            "final": outcome, "summary": summarize(records, outcome, time.monotonic() - began)}


def summarize(records: list[dict], final: dict, seconds: float) -> dict:
    moments: dict[str, int] = {}
    for r in records:
        moments[r["moment"]] = moments.get(r["moment"], 0) + 1
    # each session that got as far as resuming did so from the step listed after the kill before
    pairs = [(prev.get("step_after"), nxt["resumed_at"])
             for prev, nxt in zip(records[:-1], records[1:], strict=True)
             if nxt["resumed_at"] is not None]
    return {"kills": len(records), "killed_while": moments,
            "runs_whole_after_kill": sum(r["whole"] for r in records),
            "resumed_from_the_listed_step": f"{sum(a == b for a, b in pairs)}/{len(pairs)}",
            "final_exit": final["exit"], "final_step": final.get("step"),
            "final_whole": final.get("whole"), "seconds": round(seconds, 1),
            "nothing_lost": all(r["whole"] for r in records) and final.get("whole", False)
            and final["exit"] == 0 and all(a == b for a, b in pairs)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-wait", type=float, default=20.0,
                        help="latest random kill, in seconds after a session starts")
    parser.add_argument("--forced-every", type=int, default=4,
                        help="every Nth kill comes half-way through a checkpoint write")
    parser.add_argument("--steps", type=int, default=100_000,
                        help="the run's budget (more than the soak reaches)")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    result = soak(args)
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0 if result["summary"]["nothing_lost"] else 1


if __name__ == "__main__":
    sys.exit(main())
