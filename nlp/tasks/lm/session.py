"""Language-model runs: the data spec, the recipe, new and resumed runs (CLI and window).

A run's ``run.json`` records everything needed to rebuild its training: the
data (corpus paths, text options, tokenizer level), the model config and the
training config. Resuming reloads the tokenizer and weights from the last
checkpoint (the tokenizer is never retrained) and continues the same step
count, schedule, early-stopping state and data order.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from models.language_model import LanguageModel, LMConfig
from nlp.data.corpus import TextOptions
from nlp.data.tokenizers import tokenizer_from_bytes
from nlp.runs.workspace import Run, Workspace
from nlp.tasks.lm.task import LMData, LMTask, load_lm, prepare_lm_data
from nlp.tasks.session import DataSpec, TaskKind, new_training, resume_training, run_name
from nlp.training.config import TrainConfig
from nlp.training.trainer import Trainer


@dataclass(frozen=True)
class LMDataSpec(DataSpec):
    """Where a language model's text comes from and how it is tokenized."""

    PATH_FIELDS: ClassVar[tuple[str, ...]] = ("corpus", "valid")

    corpus: str
    valid: str | None = None
    level: str = "char"
    vocab_size: int = 8000
    subword_type: str = "bpe"
    val_fraction: float = 0.1
    batch_mode: str = "stream"
    options: dict = dataclasses.field(default_factory=dict)  # TextOptions fields


def default_run_name(corpus: str, cell: str) -> str:
    return run_name(corpus, cell)


def planned_lm(corpus: str, level: str, budget, device: str = "auto",
               fixed: dict | None = None, valid: str | None = None,
               options: dict | None = None, subword_type: str = "bpe",
               batch_mode: str = "stream"):
    """``(spec, model, train, recipe)`` for a new language model: the recipe
    (``nlp.training.recipe.plan_lm``) for the corpus, ``budget`` (a ``Budget``) and device, with
    ``fixed`` (fields a person chose: model, training and ``vocab_size`` ones) kept as given.
    The CLI and the window both start runs from this."""
    from nlp.training.recipe import plan_lm
    from nlp.training.sizing import measure_text

    recipe = plan_lm(measure_text(corpus), level, budget, device, fixed,
                     valid_given=valid is not None)
    spec = LMDataSpec(corpus=corpus, valid=valid, level=level,
                      vocab_size=recipe.data.get("vocab_size", 8000), subword_type=subword_type,
                      val_fraction=recipe.data.get("val_fraction", 0.1), batch_mode=batch_mode,
                      options=dict(options or {}))
    return spec, dict(recipe.model), recipe.train_config(), recipe


def lm_data(spec: LMDataSpec, tokenizer=None) -> LMData:
    """The tokenizer and token arrays of ``spec`` (token arrays cached on disk).
    Prepared once, they can be shared by several runs (compare, search)."""
    return prepare_lm_data(Path(spec.corpus), valid=Path(spec.valid) if spec.valid else None,
                           options=TextOptions.from_dict(spec.options), level=spec.level,
                           vocab_size=spec.vocab_size, subword_type=spec.subword_type,
                           val_fraction=spec.val_fraction, tokenizer=tokenizer)


class LanguageModelKind(TaskKind):
    """How a language model's runs differ (:mod:`nlp.tasks.session` does the rest)."""

    name, what, spec_type = "lm", "a language model", LMDataSpec
    missing = ("the corpus of run {run!r} is no longer at {path}; put it back there to "
               "continue training")

    def prepare(self, spec: LMDataSpec, tokenizers=None) -> LMData:
        return lm_data(spec, tokenizer=tokenizers)

    def tokenizer_blob(self, data: LMData) -> bytes:
        return data.tokenizer.to_bytes()

    def tokenizers_from_blob(self, blob: bytes):
        return tokenizer_from_bytes(blob)

    def build(self, model: dict, data: LMData) -> LanguageModel:
        return LanguageModel(LMConfig.from_dict({**model,
                                                 "vocab_size": data.tokenizer.vocab_size}))

    def task(self, model: LanguageModel, data: LMData, spec: LMDataSpec) -> LMTask:
        return LMTask(model, data, batch_mode=spec.batch_mode)

    def load_last(self, run: Run):
        return load_lm(run, "last")

    def record(self, data: LMData) -> dict:
        return {"corpus_stats": {"train_tokens": data.train_info.n_tokens,
                                 "val_tokens": data.val_info.n_tokens,
                                 "val_chars": data.val_info.n_chars,
                                 "val_words": data.val_info.n_words}}


LM = LanguageModelKind()


def new_lm_training(workspace: Workspace, name: str, spec: LMDataSpec, model: dict,
                    train: TrainConfig, listeners=(), data: LMData | None = None,
                    recipe: dict | None = None) -> tuple[Trainer, Run]:
    """Prepare the data, build the model and create the run folder
    (:func:`~nlp.tasks.session.new_training`).

    ``model`` holds :class:`LMConfig` fields except ``vocab_size``, which
    comes from the tokenizer trained here. ``data``: ``lm_data(spec)`` prepared
    once for several runs (compare, search), so its tokenizer is not retrained.
    """
    return new_training(LM, workspace, name, spec, model, train, listeners, data, recipe)


def resume_lm_training(workspace: Workspace, ref: str, extra_minutes: float | None = None,
                       listeners=()) -> tuple[Trainer, Run]:
    """Continue a run from its last checkpoint (:func:`~nlp.tasks.session.resume_training`)."""
    return resume_training(LM, workspace, ref, extra_minutes, listeners)
