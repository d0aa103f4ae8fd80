"""Translator runs: the data spec, the recipe, new and resumed runs (CLI and window).

A run's ``run.json`` records the data (pair files, columns, filters, split,
tokenizer settings), the model config and the training config. Resuming
reloads the tokenizers and weights from the last checkpoint (the tokenizers
are never retrained) and continues the same step count, schedule,
early-stopping state and data order.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import ClassVar

from models.seq2seq import Seq2Seq, Seq2SeqConfig
from nlp.data.corpus import TextOptions
from nlp.data.pairs import PairFilter
from nlp.errors import ConfigError
from nlp.runs.workspace import Run, Workspace
from nlp.tasks.mt.task import MTData, MTTask, load_mt, prepare_mt_data, tokenizers_from_bytes
from nlp.tasks.session import DataSpec, TaskKind, new_training, resume_training, run_name
from nlp.training.config import TrainConfig
from nlp.training.trainer import Trainer

__all__ = ["MTDataSpec", "default_mt_run_name", "new_mt_training", "resume_mt_training"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MTDataSpec(DataSpec):
    """Where a translator's pairs come from, how they are tokenized and scored.

    Give ``pairs`` (a TSV file, sides picked by ``columns``) or ``src`` +
    ``tgt`` (two aligned files); likewise ``valid_pairs`` or ``valid_src`` +
    ``valid_tgt``, else ``val_fraction`` of the pairs is split off (seeded by
    ``split_seed``). ``options``: :class:`TextOptions` fields; ``filter``:
    :class:`PairFilter` fields for the training pairs.
    """

    PATH_FIELDS: ClassVar[tuple[str, ...]] = ("pairs", "src", "tgt", "valid_pairs",
                                               "valid_src", "valid_tgt")

    pairs: str | None = None
    columns: tuple[int, int] = (0, 1)
    src: str | None = None
    tgt: str | None = None
    valid_pairs: str | None = None
    valid_src: str | None = None
    valid_tgt: str | None = None
    joint_vocab: bool = False
    vocab_size: int = 8000
    subword_type: str = "bpe"
    val_fraction: float = 0.05
    split_seed: int = 0
    options: dict = dataclasses.field(default_factory=dict)
    filter: dict = dataclasses.field(default_factory=dict)
    batch_tokens: int | None = None
    score: str = "chrf"
    eval_sentences: int = 500
    eval_beam: int = 1

    def __post_init__(self) -> None:
        if (self.pairs is None) == (self.src is None or self.tgt is None):
            raise ConfigError("give the training pairs either as one TSV file (--pairs) or as "
                              "two aligned files (--src and --tgt), not both or neither")
        if (self.valid_src is None) != (self.valid_tgt is None):
            raise ConfigError("give both --valid-src and --valid-tgt, or neither")
        if self.valid_pairs is not None and self.valid_src is not None:
            raise ConfigError("give the validation pairs as --valid-pairs or as --valid-src "
                              "and --valid-tgt, not both")
        object.__setattr__(self, "columns", tuple(self.columns))


def planned_mt(spec: MTDataSpec, budget, device: str = "auto", fixed: dict | None = None,
               model_extra: dict | None = None):
    """``(spec, model, train, recipe)`` for a new translator: the recipe
    (``nlp.training.recipe.plan_mt``) for the pairs of ``spec``, ``budget`` and device, with
    ``fixed`` (fields a person chose) kept as given; the spec takes the recipe's
    vocabulary, score and evaluation size unless ``fixed`` names them. The CLI and
    the window both start runs from this. ``model_extra``: model fields no recipe
    sets (label smoothing, scheduled sampling)."""
    from nlp.training.recipe import plan_mt
    from nlp.training.sizing import measure_pairs, pair_lengths

    source = spec.pairs or spec.src
    lengths = pair_lengths(source, spec.columns, None if spec.pairs else spec.tgt)
    recipe = plan_mt(measure_pairs(source), budget, device, fixed, lengths)
    spec = dataclasses.replace(spec, vocab_size=recipe.data["vocab_size"],
                               score=recipe.data["score"],
                               eval_sentences=recipe.data["eval_sentences"])
    return spec, {**recipe.model, **(model_extra or {})}, recipe.train_config(), recipe


def default_mt_run_name(spec: MTDataSpec, cell: str) -> str:
    return run_name(spec.pairs or spec.src, "mt", cell, fallback="pairs")


def _data(spec: MTDataSpec, tokenizers=None) -> MTData:
    source = spec.pairs if spec.pairs is not None else (spec.src, spec.tgt)
    valid = spec.valid_pairs if spec.valid_pairs is not None else (
        (spec.valid_src, spec.valid_tgt) if spec.valid_src is not None else None)
    return prepare_mt_data(source, columns=spec.columns, valid=valid,
                           options=TextOptions.from_dict(spec.options),
                           pair_filter=PairFilter.from_dict(spec.filter),
                           val_fraction=spec.val_fraction, split_seed=spec.split_seed,
                           vocab_size=spec.vocab_size, joint=spec.joint_vocab,
                           subword_type=spec.subword_type, tokenizers=tokenizers)


def _precision_for(train: TrainConfig) -> TrainConfig:
    """``auto`` means fp32 on a CPU for translators: the decoder's many small
    per-step products run slower under bf16 autocast (measured 0.159 vs
    0.115 s per 64-pair step, 256 wide, 2 threads, with AVX-512 BF16 and AMX)."""
    from nlp.training.devices import pick_device

    if train.precision == "auto" and pick_device(train.device).type == "cpu":
        return dataclasses.replace(train, precision="fp32")
    return train


class TranslatorKind(TaskKind):
    """How a translator's runs differ (:mod:`nlp.tasks.session` does the rest)."""

    name, what, spec_type = "mt", "a translator", MTDataSpec
    missing = ("the pairs of run {run!r} are no longer at {path}; put them back there to "
               "continue training")

    def prepare(self, spec: MTDataSpec, tokenizers=None) -> MTData:
        return _data(spec, tokenizers)

    def tokenizer_blob(self, data: MTData):
        return data.tokenizer_bytes()

    def tokenizers_from_blob(self, blob):
        src_tok, tgt_tok, _ = tokenizers_from_bytes(blob)
        return src_tok, tgt_tok

    def build(self, model: dict, data: MTData) -> Seq2Seq:
        return Seq2Seq(Seq2SeqConfig.from_dict({**model,
                                                "src_vocab": data.src_tokenizer.vocab_size,
                                                "tgt_vocab": data.tgt_tokenizer.vocab_size,
                                                "joint_vocab": data.joint}))

    def task(self, model: Seq2Seq, data: MTData, spec: MTDataSpec) -> MTTask:
        return MTTask(model, data, score=spec.score, eval_sentences=spec.eval_sentences,
                      eval_beam=spec.eval_beam, batch_tokens=spec.batch_tokens)

    def load_last(self, run: Run):
        model, src_tok, tgt_tok, info = load_mt(run, "last")
        return model, (src_tok, tgt_tok), info

    def record(self, data: MTData) -> dict:
        return {"corpus_stats": {"train_pairs": data.train_info.n_pairs,
                                 "val_pairs": data.val_info.n_pairs,
                                 "train_src_tokens": data.train_info.src_tokens,
                                 "train_tgt_tokens": data.train_info.tgt_tokens}}


MT = TranslatorKind()


def new_mt_training(workspace: Workspace, name: str, spec: MTDataSpec, model: dict,
                    train: TrainConfig, listeners=(), recipe: dict | None = None
                    ) -> tuple[Trainer, Run]:
    """Prepare the data, build the model and create the run folder
    (:func:`~nlp.tasks.session.new_training`).

    ``model`` holds :class:`Seq2SeqConfig` fields except the vocabulary sizes
    and ``joint_vocab``, which come from the tokenizers trained here.
    """
    return new_training(MT, workspace, name, spec, model, _precision_for(train), listeners,
                        recipe=recipe)


def resume_mt_training(workspace: Workspace, ref: str, extra_minutes: float | None = None,
                       listeners=()) -> tuple[Trainer, Run]:
    """Continue a run from its last checkpoint (:func:`~nlp.tasks.session.resume_training`)."""
    return resume_training(MT, workspace, ref, extra_minutes, listeners)
