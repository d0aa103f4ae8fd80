"""Translator training and scoring: data preparation, the trainer task, loading.

``prepare_mt_data`` reads sentence pairs (a TSV file or two aligned files),
filters them, splits off validation pairs (seeded) unless a validation set is
given, trains sentencepiece tokenizers (one per language, or one joint
vocabulary), and encodes both parts into cached ragged id stores.
:class:`MTTask` is what the :class:`~nlp.training.trainer.Trainer` drives; its
evaluation reports the validation loss and sacreBLEU BLEU/chrF of greedy (or
small-beam) translations of a capped number of validation pairs.
``load_translator`` rebuilds a run's model and tokenizers as a
:class:`~nlp.decoding.translator.Translator`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from models.seq2seq import Seq2Seq, Seq2SeqConfig
from nlp.data.batching import Seq2SeqBatch, Seq2SeqBatches
from nlp.data.corpus import TextOptions, corpus_fingerprint
from nlp.data.pairs import Pair, PairFilter, read_pairs, split_pairs
from nlp.data.token_store import PairStoreInfo, RaggedIds, cached_pairs
from nlp.data.tokenizers import SubwordTokenizer, Tokenizer, tokenizer_from_bytes
from nlp.errors import CheckpointError, ConfigError, StudioError
from nlp.runs.workspace import Run, load_model
from nlp.training.metrics import DIVERGED_NATS

__all__ = ["MTData", "MTTask", "SCORES", "load_mt", "load_translator", "prepare_mt_data"]

log = logging.getLogger(__name__)

SCORES = ("bleu", "chrf", "val_loss")
PairSource = str | Path | tuple[str | Path, str | Path]


@dataclass
class MTData:
    """Tokenizers, encoded train/validation pairs, and the validation text for BLEU."""

    src_tokenizer: Tokenizer
    tgt_tokenizer: Tokenizer
    joint: bool
    train_src: RaggedIds
    train_tgt: RaggedIds
    val_src: RaggedIds
    val_tgt: RaggedIds
    val_pairs: list[Pair]
    train_info: PairStoreInfo
    val_info: PairStoreInfo
    notes: tuple[str, ...] = ()

    def tokenizer_bytes(self) -> dict[str, bytes]:
        """``{"joint": ...}`` or ``{"src": ..., "tgt": ...}``, as checkpoints carry them."""
        if self.joint:
            return {"joint": self.src_tokenizer.to_bytes()}
        return {"src": self.src_tokenizer.to_bytes(), "tgt": self.tgt_tokenizer.to_bytes()}


def tokenizers_from_bytes(blobs: dict[str, bytes]) -> tuple[Tokenizer, Tokenizer, bool]:
    """``(src, tgt, joint)`` from a checkpoint's tokenizers."""
    if "joint" in blobs:
        tok = tokenizer_from_bytes(blobs["joint"])
        return tok, tok, True
    if "src" in blobs and "tgt" in blobs:
        return tokenizer_from_bytes(blobs["src"]), tokenizer_from_bytes(blobs["tgt"]), False
    raise CheckpointError(f"the checkpoint holds tokenizers {sorted(blobs)}, not the 'src' and "
                          "'tgt' (or 'joint') tokenizers of a translator")


def _lines(pairs: Sequence[Pair], sides: tuple[int, ...]) -> Iterator[str]:
    for pair in pairs:
        for side in sides:
            yield pair[side] + "\n"


def _train_tokenizers(train: Sequence[Pair], vocab_size: int, joint: bool, subword_type: str
                      ) -> tuple[Tokenizer, Tokenizer, list[str]]:
    if joint:
        tok = SubwordTokenizer.train(_lines(train, (0, 1)), vocab_size, subword_type)
        return tok, tok, [f"joint vocabulary: {n}" for n in tok.notes]
    src = SubwordTokenizer.train(_lines(train, (0,)), vocab_size, subword_type)
    tgt = SubwordTokenizer.train(_lines(train, (1,)), vocab_size, subword_type)
    return src, tgt, [f"source vocabulary: {n}" for n in src.notes] + \
        [f"target vocabulary: {n}" for n in tgt.notes]


def _fingerprint(source: PairSource, options: TextOptions) -> str:
    if isinstance(source, tuple | list):
        return "+".join(corpus_fingerprint(Path(p), options)[:24] for p in source)
    return corpus_fingerprint(Path(source), options)[:24]


def prepare_mt_data(source: PairSource, *, columns: Sequence[int] = (0, 1),
                    valid: PairSource | None = None, options: TextOptions | None = None,
                    pair_filter: PairFilter | None = None, val_fraction: float = 0.05,
                    split_seed: int = 0, vocab_size: int = 8000, joint: bool = False,
                    subword_type: str = "bpe",
                    tokenizers: tuple[Tokenizer, Tokenizer] | None = None) -> MTData:
    """Read, filter, split, tokenize and encode a parallel corpus (see the module docstring).

    ``source``/``valid``: a TSV path (``columns`` pick the sides) or a
    ``(source file, target file)`` pair. ``tokenizers``: reuse these (a
    resumed run) instead of training new ones.
    """
    options, pair_filter = options or TextOptions(), pair_filter or PairFilter()
    read = read_pairs(source, columns, options, pair_filter)
    if read.kept < read.read:
        log.info("kept %d of %d pairs (dropped: %s)", read.kept, read.read,
                 ", ".join(f"{k} {v}" for k, v in read.dropped.items() if v))
    if valid is not None:
        train, val = read.pairs, read_pairs(valid, columns, options).pairs
    else:
        parts = split_pairs(read.pairs, val_fraction, 0.0, split_seed)
        train, val = parts.train, parts.val
    notes: list[str] = []
    if tokenizers is None:
        src_tok, tgt_tok, notes = _train_tokenizers(train, vocab_size, joint, subword_type)
    else:
        src_tok, tgt_tok = tokenizers
    spec = {"src": _fingerprint(source, options), "columns": list(columns),
            "filter": pair_filter.to_dict(), "valid": _fingerprint(valid, options) if valid
            else None, "val_fraction": val_fraction, "seed": split_seed}
    key = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:32]
    train_src, train_tgt, train_info = cached_pairs(f"{key}-train", src_tok, tgt_tok,
                                                    lambda: iter(train))
    val_src, val_tgt, val_info = cached_pairs(f"{key}-val", src_tok, tgt_tok, lambda: iter(val))
    return MTData(src_tok, tgt_tok, src_tok is tgt_tok, train_src, train_tgt, val_src, val_tgt,
                  list(val), train_info, val_info, tuple(notes))


class MTTask:
    """The :class:`~nlp.training.trainer.Task` for a translator on ``data``.

    ``score``: what decides the best checkpoint and early stopping: ``chrf``
    (default: it stays informative where BLEU is 0 or tied, on one- or two-word
    targets, and follows BLEU elsewhere), ``bleu`` or ``val_loss``. ``eval_sentences``: how many
    validation pairs are translated for BLEU/chrF at each evaluation (0: none,
    only with ``score="val_loss"``); ``eval_beam``: 1 is greedy.
    ``batch_tokens``: padded tokens per batch; None uses the trainer's
    ``batch_size`` sentences.
    """

    kind = "mt"
    loss_limit = DIVERGED_NATS  # a loss above it counts as divergence (nlp.training.trainer)

    def __init__(self, model: Seq2Seq, data: MTData, *, score: str = "chrf",
                 eval_sentences: int = 500, eval_beam: int = 1, batch_tokens: int | None = None,
                 samples_from: int = 0):
        if score not in SCORES:
            raise ConfigError(f"unknown score {score!r}; choose one of {', '.join(SCORES)}")
        if eval_sentences < 1 and score != "val_loss":
            raise ConfigError(f"scoring by {score} needs eval_sentences of 1 or more")
        self.model, self.data = model, data
        self.score_key, self.higher_is_better = score, score != "val_loss"
        self.eval_sentences, self.eval_beam = eval_sentences, eval_beam
        self.batch_tokens, self.samples_from = batch_tokens, samples_from
        self.batches: Seq2SeqBatches | None = None
        self.device = torch.device("cpu")
        self._pending: dict | None = None

    def model_config(self) -> dict:
        return self.model.cfg.to_dict()

    def tokenizers(self) -> dict[str, bytes]:
        return self.data.tokenizer_bytes()

    def setup(self, device, cfg, rank: int, world: int) -> None:
        self.device = device
        size = {"max_tokens": self.batch_tokens, "batch_size": None} if self.batch_tokens \
            else {"max_tokens": None, "batch_size": cfg.batch_size}
        self.batches = Seq2SeqBatches(self.data.train_src, self.data.train_tgt, seed=cfg.seed,
                                      rank=rank, world_size=world, **size)
        self.val_batches = Seq2SeqBatches(self.data.val_src, self.data.val_tgt,
                                          max_tokens=8000, shuffle=False)
        if self._pending is not None:
            self.load_state_dict(self._pending)

    def steps_per_epoch(self) -> int:
        return self.batches.steps_per_epoch if self.batches else 1

    def train_batches(self) -> Iterator[Seq2SeqBatch]:
        for batch in self.batches:
            yield batch.to(self.device)

    def loss(self, model: nn.Module, batch: Seq2SeqBatch) -> tuple[torch.Tensor, int]:
        _, loss = model(batch)
        return loss, batch.n_tgt_tokens

    def validation_loss(self, model: Seq2Seq, should_stop) -> float | None:
        """Mean cross-entropy (no label smoothing) per validation target token; None if stopped."""
        total, count = 0.0, 0
        for batch in self.val_batches:
            if should_stop():
                return None
            batch = batch.to(self.device)
            logits, _ = model(batch)
            nll = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]),
                                  batch.tgt_out.reshape(-1), reduction="none")
            total += float((nll * batch.tgt_mask.reshape(-1)).sum())
            count += batch.n_tgt_tokens
        return total / max(count, 1)

    def evaluate(self, model: nn.Module, should_stop) -> dict:
        loss = self.validation_loss(model, should_stop)
        if loss is None:
            return {}
        metrics = {"val_loss": loss, "val_ppl": math.exp(min(loss, 50.0))}
        if self.eval_sentences > 0:
            scores = self.bleu(model, should_stop)
            if scores is None:
                return {}
            metrics.update(scores)
        return metrics

    def bleu(self, model: Seq2Seq, should_stop, chunk: int = 250) -> dict | None:
        """BLEU and chrF of the first ``eval_sentences`` validation pairs; None if stopped."""
        from nlp.decoding.translator import Translator
        from nlp.tasks.mt.scores import score_translations

        pairs = self.data.val_pairs[:self.eval_sentences]
        translator = Translator(model, self.data.src_tokenizer, self.data.tgt_tokenizer,
                                self.device)
        hyps: list[str] = []
        for start in range(0, len(pairs), chunk):
            if should_stop():
                return None
            results = translator.translate([s for s, _ in pairs[start:start + chunk]],
                                           beam=self.eval_beam, attention=False)
            hyps += [r.text for r in results]
        scores = score_translations(hyps, [t for _, t in pairs])
        return {"bleu": scores.bleu, "chrf": scores.chrf}

    def samples(self, model: nn.Module, count: int) -> list[str]:
        from nlp.decoding.translator import Translator

        pairs = self.data.val_pairs[self.samples_from:self.samples_from + count]
        translator = Translator(model, self.data.src_tokenizer, self.data.tgt_tokenizer,
                                self.device)
        results = translator.translate([s for s, _ in pairs], beam=1, attention=False)
        return [f"{s} => {r.text}" for (s, _), r in zip(pairs, results, strict=True)]

    def state_dict(self) -> dict:
        return {"batches": self.batches.state_dict() if self.batches else {}}

    def load_state_dict(self, state: dict) -> None:
        if self.batches is None:  # before setup: apply once batches exist
            self._pending = state
            return
        self._pending = None
        if state.get("batches"):
            self.batches.load_state_dict(state["batches"])


def load_mt(run: Run, which: str = "best") -> tuple[Seq2Seq, Tokenizer, Tokenizer, dict]:
    """Rebuild a run's translator model and tokenizers from a checkpoint (on the CPU)."""
    model, ckpt = load_model(run, which, "mt", "a translator",
                             lambda cfg: Seq2Seq(Seq2SeqConfig.from_dict(cfg)))
    src_tok, tgt_tok, _ = tokenizers_from_bytes(ckpt.tokenizers)
    return model, src_tok, tgt_tok, ckpt.info


def load_translator(run: Run, which: str = "best", device: str | None = None,
                    precision: str = "auto"):
    """A :class:`~nlp.decoding.translator.Translator` for a run's checkpoint (``best``, ``last``,
    ``step-N``); ``precision`` of its decoder's matrix products (``auto``, ``fp32``, ``bf16``).
    Its ``checkpoint`` says which checkpoint it is and by what score it was chosen
    (``nlp.runs.workspace.checkpoint_words``)."""
    from nlp.decoding.translator import Translator
    from nlp.runs.workspace import checkpoint_words
    from nlp.training.devices import pick_device

    model, src_tok, tgt_tok, info = load_mt(run, which)
    target = pick_device(device or "cpu")
    translator = Translator(model.to(target), src_tok, tgt_tok, target, precision=precision)
    try:
        config = run.read_config()
    except StudioError:  # the weights loaded; the words can do without the settings
        config = {"task": "mt"}
    translator.checkpoint = checkpoint_words(config, info, which)
    return translator
