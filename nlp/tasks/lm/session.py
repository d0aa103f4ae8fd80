"""Starting and resuming language-model runs: shared by the CLI and the window.

A run's ``run.json`` records everything needed to rebuild its training: the
data (corpus paths, text options, tokenizer level), the model config and the
training config. Resuming reloads the tokenizer and weights from the last
checkpoint (the tokenizer is never retrained) and continues the same step
count, schedule, early-stopping state and data order.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from models.language_model import LanguageModel, LMConfig
from nlp.data.corpus import TextOptions
from nlp.data.tokenizers import tokenizer_from_bytes
from nlp.errors import StudioError
from nlp.runs.workspace import Run, Workspace
from nlp.tasks.lm.task import LMData, LMTask, prepare_lm_data
from nlp.training.config import TrainConfig, resume_budget
from nlp.training.trainer import Trainer, broadcast_object, init_distributed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LMDataSpec:
    """Where a language model's text comes from and how it is tokenized."""

    corpus: str
    valid: str | None = None
    level: str = "char"
    vocab_size: int = 8000
    subword_type: str = "bpe"
    val_fraction: float = 0.1
    batch_mode: str = "stream"
    options: dict = dataclasses.field(default_factory=dict)  # TextOptions fields

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def default_run_name(corpus: str, cell: str) -> str:
    stem = Path(corpus).stem or "corpus"
    stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in stem)[:40]
    return f"{stem}-{cell}-{time.strftime('%Y%m%d-%H%M%S')}"


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


def new_lm_training(workspace: Workspace, name: str, spec: LMDataSpec, model: dict,
                    train: TrainConfig, listeners=(), data: LMData | None = None,
                    recipe: dict | None = None) -> tuple[Trainer, Run]:
    """Prepare the data, build the model and create the run folder.

    ``recipe``: the :class:`~nlp.training.recipe.Recipe` (as a dict) the settings came from;
    the run keeps it, with its reason in words.

    ``model`` holds :class:`LMConfig` fields except ``vocab_size``, which
    comes from the tokenizer trained here. ``data``: ``lm_data(spec)`` prepared
    once for several runs (compare, search), so its tokenizer is not retrained.
    """
    rank, world = init_distributed()
    spec = dataclasses.replace(spec, corpus=str(Path(spec.corpus).resolve()),
                               valid=str(Path(spec.valid).resolve()) if spec.valid else None)
    if rank == 0:
        workspace.ensure_writable()
        data = data if data is not None else lm_data(spec)
        for note in data.notes:
            log.info("%s", note)
    # under torchrun, rank 0 trains the tokenizer and creates the run; the others follow
    tokenizer_bytes = broadcast_object(data.tokenizer.to_bytes() if rank == 0 else None,
                                       rank, world)
    if rank != 0:
        data = lm_data(spec, tokenizer=tokenizer_from_bytes(tokenizer_bytes))
    cfg = LMConfig.from_dict({**model, "vocab_size": data.tokenizer.vocab_size})
    torch.manual_seed(train.seed)  # the same initial weights on a rerun, and across a compare
    if rank != 0:
        run = Run(broadcast_object(None, rank, world))
        task = LMTask(LanguageModel(cfg), data, batch_mode=spec.batch_mode)
        return Trainer(task, train, run, listeners), run
    run = workspace.create_run(name, {"task": "lm", "model": cfg.to_dict(),
                                      "train": train.to_dict(), "data": spec.to_dict(),
                                      **({"recipe": recipe} if recipe else {}),
                                      "corpus_stats": {
                                          "train_tokens": data.train_info.n_tokens,
                                          "val_tokens": data.val_info.n_tokens,
                                          "val_chars": data.val_info.n_chars,
                                          "val_words": data.val_info.n_words}})
    broadcast_object(str(run.path), rank, world)
    task = LMTask(LanguageModel(cfg), data, batch_mode=spec.batch_mode)
    return Trainer(task, train, run, listeners), run


def resume_lm_training(workspace: Workspace, ref: str, extra_minutes: float | None = None,
                       listeners=()) -> tuple[Trainer, Run]:
    """Continue a run from its last checkpoint; ``extra_minutes`` trains that many
    more minutes (see ``resume_budget``)."""
    from nlp.tasks.lm.task import load_lm

    run = workspace.resolve(ref)
    config = run.read_config()
    if config.get("task") != "lm":
        raise StudioError(f"run {run.name!r} is not a language model (task "
                          f"{config.get('task')!r})")
    if os.environ.get("RANK", "0") == "0":  # before anything is changed; rank 0 holds it
        workspace.check_idle(run, "continuing")
    spec = LMDataSpec(**config["data"])
    for path in filter(None, (spec.corpus, spec.valid)):
        if not Path(path).exists():
            raise StudioError(f"the corpus of run {run.name!r} is no longer at {path}; "
                              "put it back there to continue training")
    if not run.checkpoint_names():
        return _start_over(run, config, spec, extra_minutes, listeners), run
    model, tokenizer, info = load_lm(run, "last")
    # the checkpoint actually loaded: an older one if 'last' was damaged
    checkpoint = run.checkpoints_dir / f"step-{int(info['step']):08d}"
    train = resume_budget(run, float(info.get("elapsed", 0.0)), extra_minutes)
    data = lm_data(spec, tokenizer=tokenizer)
    model.train()
    trainer = Trainer(LMTask(model, data, batch_mode=spec.batch_mode), train, run, listeners)
    trainer.resume_from(checkpoint)
    return trainer, run


def _start_over(run: Run, config: dict, spec: LMDataSpec, extra_minutes: float | None,
                listeners) -> Trainer:
    """A run stopped before its first checkpoint (the process killed while it
    prepared the data, say) has nothing to continue from: train it from the
    start with the settings it recorded, rather than leave a run that cannot go on."""
    log.info("run %s has no checkpoint yet: training it from the start", run.name)
    data = lm_data(spec)
    cfg = LMConfig.from_dict({**config["model"], "vocab_size": data.tokenizer.vocab_size})
    train = resume_budget(run, 0.0, extra_minutes)
    run.truncate_history(0)  # rows logged before the stop
    task = LMTask(LanguageModel(cfg), data, batch_mode=spec.batch_mode)
    return Trainer(task, train, run, listeners)
