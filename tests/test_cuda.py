"""The CUDA path: an autocast training step, a checkpoint round trip, generation.

Runs where a CUDA GPU is present, skips otherwise (``pytest -m gpu`` selects it).
"""

from __future__ import annotations

import math

import pytest
import torch

from models.language_model import LanguageModel, LMConfig
from nlp.runs.workspace import Workspace
from nlp.tasks.lm.task import LMTask, load_lm, prepare_lm_data
from nlp.training.config import TrainConfig
from nlp.training.trainer import Trainer

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here")]


@pytest.fixture
def corpus(tmp_path):
    """60 KB of one line repeated: more and plainer text than ``text_corpus``, so that
    80 steps of 16 x 64 characters on the GPU surely learn it (the test checks that)."""
    path = tmp_path / "t.txt"
    path.write_text("".join(f"line {i}: to be or not to be.\n" for i in range(2000)))
    return path


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_autocast_training_checkpoint_and_generation(corpus, tmp_path, precision):
    data = prepare_lm_data(corpus, level="char")
    model = LanguageModel(LMConfig(vocab_size=data.tokenizer.vocab_size, embed=32, hidden=64,
                                   layers=2, dropout=0.0))
    run = Workspace(tmp_path / "ws").create_run(f"gpu-{precision}", {"task": "lm"})
    cfg = TrainConfig(lr=5e-3, batch_size=16, seq_len=64, max_steps=80, eval_every=40,
                      warmup_steps=5, device="cuda", precision=precision, samples=1)
    trainer = Trainer(LMTask(model, data), cfg, run)
    final = trainer.run()
    assert final.reason == "budget", final
    assert trainer.device.type == "cuda" and trainer.precision.name == precision
    assert next(model.parameters()).is_cuda
    assert final.best_metrics["val_loss"] < math.log(data.tokenizer.vocab_size) - 0.5
    loaded, tokenizer, _ = load_lm(run, "best")  # weights come back on the CPU
    for a, b in zip(model.state_dict().values(), loaded.state_dict().values(), strict=True):
        torch.testing.assert_close(a.cpu(), b)
    from nlp.decoding.generation import GenerationConfig, generate

    text = generate(loaded.cuda(), tokenizer, "line 1",
                    GenerationConfig(max_tokens=30, temperature=0.5, seed=1))
    assert len(text) == 1 and len(text[0]) > 0
