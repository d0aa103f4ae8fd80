"""A score logged during training is what ``evaluate`` gives for the saved checkpoint.

Two ways that went wrong: validation ran under the training precision's autocast
(bf16) while ``evaluate`` ran in float32; and a translator's derived weight copies
(the bf16 decoding copies, the table of token gates), checked by tensor version
counters, went stale under a fused optimizer step, which changes weights in place
without bumping those counters (the CUDA default; on a CPU with ``fused=True``
too), so validation BLEU stopped following the weights.
"""

from __future__ import annotations

import pytest
import torch

from main import main
from nlp.runs.workspace import Workspace
from nlp.tasks.mt.scores import score_translations
from nlp.tasks.mt.session import MTDataSpec, new_mt_training
from nlp.tasks.mt.task import load_translator
from nlp.training.config import TrainConfig
from nlp.training.devices import cpu_supports_bf16
from tests.test_mt_task import TINY_MODEL, pairs_tsv

MT_MODEL = {**TINY_MODEL, "hidden": 64, "embed": 32}


def _fused_adamw(monkeypatch):
    """The trainer's AdamW, fused (in place, no version bump) as on CUDA."""
    real = torch.optim.AdamW

    def fused(*args, **kwargs):
        return real(*args, **{**kwargs, "fused": True})

    monkeypatch.setattr(torch.optim, "AdamW", fused)


def _logged(run, key: str) -> list[tuple[int, float]]:
    return [(r["step"], r[key]) for r in run.metrics() if key in r]


def _mt_run(tmp_path, monkeypatch, device: str, precision: str):
    _fused_adamw(monkeypatch)
    tsv = pairs_tsv(tmp_path / "pairs.tsv", n=400)
    spec = MTDataSpec(pairs=str(tsv), vocab_size=60, eval_sentences=30)
    train = TrainConfig(max_steps=300, batch_size=16, eval_every=100, warmup_steps=10, lr=1e-2,
                        precision=precision, device=device, threads=1, samples=0, seed=3)
    trainer, run = new_mt_training(Workspace(tmp_path / "ws"), "mt", spec, MT_MODEL, train)
    final = trainer.run()
    assert final.reason == "budget", final
    return trainer, run


def _evaluate_checkpoint(trainer, run, which: str, device: str) -> dict:
    """What ``evaluate mt`` computes, on the validation sentences scored in training."""
    pairs = trainer.task.data.val_pairs[:trainer.task.eval_sentences]
    translator = load_translator(run, which, device)
    hyps = [r.text for r in translator.translate([s for s, _ in pairs], beam=1,
                                                  attention=False)]
    scores = score_translations(hyps, [t for _, t in pairs])
    return {"bleu": scores.bleu, "chrf": scores.chrf}


def _check_translator(tmp_path, monkeypatch, device: str, precision: str) -> None:
    trainer, run = _mt_run(tmp_path, monkeypatch, device, precision)
    chrf = _logged(run, "chrf")
    assert len({round(v, 6) for _, v in chrf}) > 1, "the model learned something"
    last_step, last_chrf = chrf[-1]
    bleu = dict(_logged(run, "bleu"))[last_step]
    again = _evaluate_checkpoint(trainer, run, "last", device)
    assert again["chrf"] == pytest.approx(last_chrf, abs=0.1)
    assert again["bleu"] == pytest.approx(bleu, abs=0.1)
    best = run.summary().best
    again = _evaluate_checkpoint(trainer, run, "best", device)
    assert again["chrf"] == pytest.approx(best["chrf"], abs=0.1)


def test_translator_validation_equals_evaluate_after_fused_steps(tmp_path, monkeypatch):
    _check_translator(tmp_path, monkeypatch, "cpu", "fp32")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here")
def test_translator_validation_equals_evaluate_on_cuda(tmp_path, monkeypatch):
    _check_translator(tmp_path, monkeypatch, "cuda", "bf16")


def test_language_model_validation_equals_evaluate(tmp_path, capsys):
    """Trained under bf16 autocast where the CPU has it: the logged validation loss is
    the float32 score that ``evaluate`` prints for the saved checkpoint."""
    text = "".join(f"line {i % 17} of a small text, with words {i % 5}.\n" for i in range(400))
    corpus = tmp_path / "text.txt"
    corpus.write_text(text, encoding="utf-8")
    precision = "bf16" if cpu_supports_bf16() else "fp32"
    ws = tmp_path / "ws"
    flags = ["--workspace", str(ws)]
    assert main(["train", "lm", "--corpus", str(corpus), "--level", "char", "--steps", "40",
                 "--layers", "1", "--hidden", "32", "--embed", "16", "--batch-size", "8",
                 "--seq-len", "32", "--eval-every", "20", "--precision", precision,
                 "--threads", "1", "--name", "lm", *flags]) == 0
    capsys.readouterr()
    valid = tmp_path / "valid.txt"
    valid.write_text(text[int(len(text) * 0.9):], encoding="utf-8")
    assert main(["evaluate", "lm", "--corpus", str(valid), "--checkpoint", "last",
                 *flags]) == 0
    printed = dict(line.split("\t") for line in capsys.readouterr().out.splitlines())
    from nlp.runs.workspace import Run

    logged = [r for r in Run(ws / "runs" / "lm").metrics() if "val_loss" in r][-1]
    assert float(printed["val_loss"]) == pytest.approx(logged["val_loss"], abs=1e-4)
