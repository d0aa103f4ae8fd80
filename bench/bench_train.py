"""End-to-end training throughput against the bare PyTorch step, on the same shapes.

The bare step is what a hand-written loop costs: embedding, ``nn.LSTM``/``nn.GRU``,
linear decoder, cross-entropy, backward, clipping and AdamW on random ids, no data
pipeline. The end-to-end number is RNN Studio's Trainer on tinyshakespeare
(memory-mapped token ids, hidden state carried, metrics logged, run folder on
disk), counted from its own step events. Both run in this process, alternating,
so the ratio is fair on a noisy machine.

    python bench/bench_train.py [--cell lstm|gru] [--precision fp32|bf16] [--steps N]

Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.language_model import LanguageModel, LMConfig  # noqa: E402
from nlp.runs.workspace import Workspace  # noqa: E402
from nlp.tasks.lm.task import LMTask, prepare_lm_data  # noqa: E402
from nlp.training.config import TrainConfig  # noqa: E402
from nlp.training.devices import pick_precision  # noqa: E402
from nlp.training.events import StepEvent  # noqa: E402
from nlp.training.trainer import Trainer  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "tinyshakespeare" / "input.txt"


def bare_tokens_per_s(cell: str, precision: str, steps: int, B=64, T=128, E=128, H=512,
                      V=65) -> float:
    torch.manual_seed(0)
    emb = nn.Embedding(V, E)
    rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(E, H, 2, batch_first=True, dropout=0.1)
    out = nn.Linear(H, V)
    params = [*emb.parameters(), *rnn.parameters(), *out.parameters()]
    opt = torch.optim.AdamW(params, lr=3e-3)
    prec = pick_precision(precision, torch.device("cpu"))
    x, y = torch.randint(0, V, (B, T)), torch.randint(0, V, (B, T))

    def step():
        with prec.autocast():
            h, _ = rnn(emb(x))
            logits = out(h)
        loss = nn.functional.cross_entropy(logits.float().view(-1, V), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return loss.item()

    for _ in range(3):
        step()
    t = time.perf_counter()
    for _ in range(steps):
        step()
    return B * T * steps / (time.perf_counter() - t)


def trainer_tokens_per_s(cell: str, precision: str, steps: int, data) -> float:
    cfg = TrainConfig(lr=3e-3, batch_size=64, seq_len=128, max_steps=steps + 3,
                      eval_every=10**9, samples=0, device="cpu", precision=precision,
                      checkpoint_minutes=10**6)
    model = LanguageModel(LMConfig(vocab_size=data.tokenizer.vocab_size, cell=cell,
                                   embed=128, hidden=512, layers=2, dropout=0.1))
    times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        run = Workspace(Path(tmp)).create_run("bench", {"task": "lm"})
        trainer = Trainer(LMTask(model, data), cfg, run,
                          (lambda e: isinstance(e, StepEvent) and times.append(
                              time.perf_counter()),))
        # the final evaluation and checkpoint happen after the last step event
        trainer.run()
    # skip 3 warm-up steps, as for the bare step
    return 64 * 128 * (len(times) - 4) / (times[-1] - times[3])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cell", choices=("lstm", "gru"), default="lstm")
    ap.add_argument("--precision", default="fp32", choices=("fp32", "bf16"))
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    if not CORPUS.exists():
        print(json.dumps({"skipped": f"{CORPUS} not found"}))
        return
    data = prepare_lm_data(CORPUS, level="char")
    bare, e2e = [], []
    for _ in range(args.rounds):
        bare.append(bare_tokens_per_s(args.cell, args.precision, args.steps))
        e2e.append(trainer_tokens_per_s(args.cell, args.precision, args.steps, data))
    result = {"cell": args.cell, "precision": args.precision, "shape": "E128 H512 x2, B64 T128",
              "threads": torch.get_num_threads(), "bare_tokens_per_s": [round(v) for v in bare],
              "trainer_tokens_per_s": [round(v) for v in e2e],
              "ratio": round(sum(e2e) / sum(bare), 3), "target_ratio": 0.9}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
