"""Soak: a generated 1 GB corpus, prepared and trained on with bounded memory.

Writes ``--gb`` gigabytes of made-up sentences into a temporary folder outside
the project (``--dir``, default the system's temporary folder), prepares it as
the window and the CLI do (split, character tokenizer, memory-mapped token
cache), trains a small LSTM on it for ``--minutes``, and loads the saved
checkpoint back to generate from it. A thread samples this process's resident
memory every 20 ms (psutil); the peak of each phase is reported. Prints JSON::

    .venv/bin/python scripts/soak_big_corpus.py --gb 1 --minutes 3

Everything it writes (corpus, token cache, run) is deleted at the end unless
``--keep`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MB = 1 << 20
BLOCK_BYTES = 4 * MB
UNIQUE_BLOCKS = 16  # 64 MB of distinct text, repeated: generating 1 GB stays quick


class Memory:
    """This process's resident memory, sampled on a thread; peaks per phase."""

    def __init__(self, every_s: float = 0.02):
        self.proc = psutil.Process()
        self.every_s = every_s
        self.base = self.proc.memory_info().rss
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(self.every_s):
            self.peak = max(self.peak, self.proc.memory_info().rss)

    def phase(self) -> None:
        """Start a new phase: its peak is measured from now."""
        self.peak = self.proc.memory_info().rss

    def report(self, started: float) -> dict:
        self.peak = max(self.peak, self.proc.memory_info().rss)
        return {"seconds": round(time.monotonic() - started, 1),
                "peak_rss_mb": round(self.peak / MB, 1),
                "peak_growth_mb": round((self.peak - self.base) / MB, 1)}

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def make_corpus(path: Path, size_bytes: int, seed: int = 0) -> int:
    """Made-up sentences over a 3,000-word vocabulary, ``size_bytes`` of them."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("etaoinshrdlucmfwypvbgkjqxz"))
    vocab = ["".join(rng.choice(letters, size=rng.integers(1, 9))) for _ in range(3000)]
    blocks = [_block(rng, vocab) for _ in range(UNIQUE_BLOCKS)]
    written = 0
    with open(path, "wb") as f:
        while written < size_bytes:
            block = blocks[rng.integers(len(blocks))]
            f.write(block)
            written += len(block)
    return written


def _block(rng, vocab: list[str]) -> bytes:
    words = rng.integers(len(vocab), size=BLOCK_BYTES // 5)
    ends = rng.random(len(words)) < 1 / 12  # about twelve words a sentence
    parts = [vocab[w] + (".\n" if end else " ") for w, end in zip(words, ends, strict=True)]
    return "".join(parts).encode("ascii")[:BLOCK_BYTES].rsplit(b"\n", 1)[0] + b"\n"


def soak(folder: Path, gb: float, minutes: float, threads: int) -> dict:
    os.environ["RNN_STUDIO_CACHE"] = str(folder / "cache")
    os.environ["RNN_STUDIO_WORKSPACE"] = str(folder / "workspace")
    os.environ["RNN_STUDIO_LOGS"] = str(folder / "logs")
    import torch

    from nlp.decoding.generation import GenerationConfig, generate
    from nlp.runs.workspace import Workspace
    from nlp.tasks.lm.session import LMDataSpec, new_lm_training
    from nlp.tasks.lm.task import load_lm
    from nlp.training.config import TrainConfig
    from nlp.training.events import FinishedEvent

    torch.set_num_threads(threads)
    memory, report = Memory(), {}
    corpus = folder / "big.txt"
    started = time.monotonic()
    size = make_corpus(corpus, int(gb * (1 << 30)))
    report["generate"] = {**memory.report(started), "corpus_mb": round(size / MB, 1)}

    memory.phase()
    started = time.monotonic()
    train = TrainConfig(max_minutes=minutes, batch_size=32, seq_len=128, eval_every=10**9,
                        checkpoint_minutes=1.0, device="cpu", threads=threads, samples=1)
    spec = LMDataSpec(corpus=str(corpus), level="char", val_fraction=0.002)
    model = {"cell": "lstm", "layers": 1, "hidden": 128, "embed": 32, "dropout": 0.0}
    trainer, run = new_lm_training(Workspace(folder / "workspace"), "big", spec, model, train)
    data = trainer.task.data
    cache_bytes = sum(p.stat().st_size for p in (folder / "cache").rglob("*") if p.is_file())
    report["prepare"] = {**memory.report(started),
                         "train_tokens": data.train_info.n_tokens,
                         "val_tokens": data.val_info.n_tokens,
                         "vocab": data.tokenizer.vocab_size,
                         "token_cache_mb": round(cache_bytes / MB, 1)}

    memory.phase()
    started = time.monotonic()
    final = trainer.run()
    report["train"] = {**memory.report(started), "outcome": type(final).__name__,
                       "steps": final.step,
                       "reason": getattr(final, "reason", getattr(final, "message", "")),
                       "best": getattr(final, "best_metrics", {})}

    memory.phase()
    started = time.monotonic()
    loaded, tokenizer, info = load_lm(run, "last")
    text = generate(loaded, tokenizer, "the ", GenerationConfig(max_tokens=80, seed=1))[0]
    report["reload"] = {**memory.report(started), "checkpoint_step": info["step"],
                        "sample": text}
    memory.close()
    report["ok"] = (isinstance(final, FinishedEvent) and info["step"] == final.step
                    and report["prepare"]["peak_growth_mb"] < size / MB / 4)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=1.0, help="corpus size in GiB")
    parser.add_argument("--minutes", type=float, default=3.0, help="training minutes")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--dir", default=None, help="where to put the temporary folder")
    parser.add_argument("--keep", action="store_true", help="keep the corpus, cache and run")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="rnn-studio-soak-corpus-", dir=args.dir))
    try:
        report = soak(folder, args.gb, args.minutes, args.threads)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    report["folder"] = str(folder) + ("" if args.keep else " (deleted)")
    print(json.dumps(report, indent=1))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
