"""Language-model training and scoring: data preparation, the trainer task, loading.

``prepare_lm_data`` turns a corpus into a tokenizer and two memory-mapped
token arrays (train and validation, cached on disk); :class:`LMTask` is what the
:class:`~nlp.training.trainer.Trainer` drives; ``evaluate_lm`` scores a model on the
whole of a token array; ``load_lm`` rebuilds a model and its tokenizer from a run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from models.language_model import LanguageModel, LMConfig
from nlp.data.batching import LMBatches
from nlp.data.corpus import LMSplit, TextOptions, corpus_fingerprint
from nlp.data.token_store import StoreInfo, cached_store
from nlp.data.tokenizers import CharTokenizer, SubwordTokenizer, Tokenizer, tokenizer_from_bytes
from nlp.errors import ConfigError, CorpusError
from nlp.runs.workspace import Run, load_model
from nlp.training.metrics import DIVERGED_NATS, lm_scores

log = logging.getLogger(__name__)

LEVELS = ("char", "subword")


@dataclass
class LMData:
    """A tokenizer and the train/validation token arrays (read-only memmaps)."""

    tokenizer: Tokenizer
    train: np.ndarray
    val: np.ndarray
    train_info: StoreInfo
    val_info: StoreInfo
    notes: tuple[str, ...] = ()  # things the user should read (a clamped vocabulary)


def train_tokenizer(level: str, chunks, vocab_size: int = 8000,
                    subword_type: str = "bpe") -> tuple[Tokenizer, list[str]]:
    """A tokenizer for ``level`` trained on ``chunks``; returns it and any notes."""
    if level == "char":
        return CharTokenizer.train(chunks), []
    if level == "subword":
        tok = SubwordTokenizer.train(chunks, vocab_size=vocab_size, model_type=subword_type)
        return tok, list(getattr(tok, "notes", ()))
    raise ConfigError(f"unknown level {level!r}; choose one of {', '.join(LEVELS)}")


def prepare_lm_data(corpus: str | Path, *, valid: str | Path | None = None,
                    options: TextOptions | None = None, level: str = "char",
                    vocab_size: int = 8000, subword_type: str = "bpe",
                    val_fraction: float = 0.1, tokenizer: Tokenizer | None = None) -> LMData:
    """Split the corpus, train a tokenizer on the training part (unless given),
    and encode both parts into cached, memory-mapped token arrays."""
    options = options or TextOptions()
    split = LMSplit(corpus, options, val_fraction, valid)
    notes: list[str] = []
    if tokenizer is None:
        tokenizer, notes = train_tokenizer(level, split.iter_train(), vocab_size, subword_type)
    base = corpus_fingerprint(corpus, options)
    if valid is not None:
        vkey = corpus_fingerprint(valid, options)
        train_key, val_key = f"{base}-all", f"{vkey}-all"
    else:
        train_key, val_key = f"{base}-train{val_fraction}", f"{base}-val{val_fraction}"
    train, train_info = cached_store(train_key, tokenizer, split.iter_train)
    val, val_info = cached_store(val_key, tokenizer, split.iter_val)
    if len(val) < 2:  # else training would run, then fail at its first evaluation
        raise CorpusError(f"the validation text is too short to score the model: it gives "
                          f"{len(val)} token(s), at least 2 are needed. Give a longer "
                          "validation file, or a larger validation fraction.")
    return LMData(tokenizer, train, val, train_info, val_info, tuple(notes))


def _stream_rows(n: int, rows: int) -> list[tuple[int, int]]:
    """Cut the n - 1 input positions of an n-token array into ``rows`` contiguous
    spans (start, end): each input ids[i] predicts ids[i + 1], exactly once."""
    rows = max(1, min(rows, (n - 1) // 2))
    size = (n - 1) // rows
    spans = [(r * size, (r + 1) * size) for r in range(rows)]
    spans[-1] = (spans[-1][0], n - 1)
    return spans


@torch.no_grad()
def evaluate_lm(model: LanguageModel, ids: np.ndarray, n_chars: int, n_words: int, *,
                device: torch.device | None = None, batch_rows: int = 32, seq_len: int = 256,
                should_stop=None) -> dict:
    """Score the whole of ``ids``: every token after the first is predicted once.

    The array is cut into ``batch_rows`` contiguous streams read side by side
    with the hidden state carried along each stream; the last stream takes the
    remainder, so nothing is left out. Returns ``lm_scores`` (loss, perplexity,
    bits per character, word-level perplexity), or {} if stopped.
    """
    device = device or next(model.parameters()).device
    if len(ids) < 2:
        raise ConfigError("the evaluation text is too short: it needs at least two tokens")
    spans = _stream_rows(len(ids), batch_rows)
    total, count = 0.0, 0
    # process the equal-length streams together, then the longer last one alone
    equal = [s for s in spans if s[1] - s[0] == spans[0][1] - spans[0][0]]
    groups = [equal] + ([[s] for s in spans if s not in equal])
    for group in groups:
        length = group[0][1] - group[0][0]
        state = None
        for t in range(0, length, seq_len):
            if should_stop is not None and should_stop():
                return {}
            end = min(t + seq_len, length)
            x = np.stack([ids[a + t:a + end] for a, _ in group]).astype(np.int64)
            y = np.stack([ids[a + t + 1:a + end + 1] for a, _ in group]).astype(np.int64)
            xt = torch.from_numpy(x).to(device)
            yt = torch.from_numpy(y).to(device)
            logits, _, state = model(xt, state)
            loss = nn.functional.cross_entropy(logits.float().reshape(-1, logits.size(-1)),
                                               yt.reshape(-1), reduction="sum")
            total += loss.item()
            count += yt.numel()
    return lm_scores(total, count, n_chars, n_words)


class LMTask:
    """The :class:`~nlp.training.trainer.Task` for a language model on ``data``."""

    kind = "lm"
    score_key = "val_loss"
    higher_is_better = False
    loss_limit = DIVERGED_NATS  # a loss above it counts as divergence (nlp.training.trainer)

    def __init__(self, model: LanguageModel, data: LMData, batch_mode: str = "stream",
                 sample_prompt: str = "\n", sample_tokens: int = 200):
        self.model, self.data = model, data
        self.batch_mode = batch_mode
        self.sample_prompt, self.sample_tokens = sample_prompt, sample_tokens
        self.batches: LMBatches | None = None
        self.state = None
        self.device = torch.device("cpu")
        self._pending: dict | None = None

    def model_config(self) -> dict:
        return self.model.cfg.to_dict()

    def tokenizers(self) -> dict[str, bytes]:
        return {"main": self.data.tokenizer.to_bytes()}

    def setup(self, device, cfg, rank: int, world: int) -> None:
        self.device = device
        self.seq_len = cfg.seq_len
        self.batches = LMBatches(self.data.train, cfg.batch_size, cfg.seq_len,
                                 mode=self.batch_mode, seed=cfg.seed, rank=rank,
                                 world_size=world)
        if self._pending is not None:
            self.load_state_dict(self._pending)

    def steps_per_epoch(self) -> int:
        return self.batches.steps_per_epoch if self.batches else 1

    def train_batches(self):
        if self.batches.position in (0, self.batches.steps_per_epoch):
            self.state = None  # a new pass over the data starts from zero state
        for x, y in self.batches:
            yield x.to(self.device, non_blocking=True), y.to(self.device, non_blocking=True)

    def loss(self, model: nn.Module, batch) -> tuple[torch.Tensor, int]:
        x, y = batch
        if x.numel() == 0:  # no tokens: the trainer skips it (an RNN cannot run zero steps)
            return x.new_zeros((), dtype=torch.float32), 0
        if not self.batches.carries_state:  # random windows: rows are unrelated
            self.state = None
        _, loss, state = model(x, self.state, y)
        self.state = LanguageModel.detach_state(state)
        return loss, x.numel()

    def evaluate(self, model: nn.Module, should_stop) -> dict:
        info = self.data.val_info
        return evaluate_lm(model, self.data.val, info.n_chars, info.n_words,
                           device=self.device, seq_len=max(self.seq_len, 256),
                           should_stop=should_stop)

    def eval_seconds_estimate(self, train_tokens_per_s: float) -> float:
        """How long an evaluation should take, before one was timed: a float32 forward
        pass reads about twice as many tokens a second as a training step trains."""
        return len(self.data.val) / max(2.0 * train_tokens_per_s, 1.0)

    def samples(self, model: nn.Module, count: int) -> list[str]:
        from nlp.decoding.generation import GenerationConfig, generate

        cfg = GenerationConfig(max_tokens=self.sample_tokens, temperature=0.8,
                               num_samples=count, seed=0)
        return generate(model, self.data.tokenizer, self.sample_prompt, cfg)

    def state_dict(self) -> dict:
        hidden = []
        for entry in self.state or []:
            hidden.append([t.detach().cpu() for t in entry] if isinstance(entry, tuple)
                          else [entry.detach().cpu()])
        return {"batches": self.batches.state_dict() if self.batches else {},
                "hidden": hidden, "cell": self.model.cfg.cell}

    def load_state_dict(self, state: dict) -> None:
        if self.batches is None:  # before setup: apply once batches exist
            self._pending = state
            return
        self._pending = None
        self.batches.load_state_dict(state["batches"])
        hidden = state.get("hidden") or []
        if not hidden:
            self.state = None
        elif self.model.cfg.cell == "lstm":
            self.state = [(h.to(self.device), c.to(self.device)) for h, c in hidden]
        else:
            self.state = [h[0].to(self.device) for h in hidden]


def load_lm(run: Run, which: str = "best") -> tuple[LanguageModel, Tokenizer, dict]:
    """Rebuild a run's language model and tokenizer from a checkpoint (on the CPU)."""
    model, ckpt = load_model(run, which, "lm", "a language model",
                             lambda cfg: LanguageModel(LMConfig.from_dict(cfg)))
    tokenizer = tokenizer_from_bytes(ckpt.tokenizers["main"])
    return model, tokenizer, ckpt.info

