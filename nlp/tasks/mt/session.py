"""Starting and resuming translator runs: shared by the CLI and the window.

A run's ``run.json`` records the data (pair files, columns, filters, split,
tokenizer settings), the model config and the training config. Resuming
reloads the tokenizers and weights from the last checkpoint (the tokenizers
are never retrained) and continues the same step count, schedule,
early-stopping state and data order.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from models.seq2seq import Seq2Seq, Seq2SeqConfig
from nlp.data.corpus import TextOptions
from nlp.data.pairs import PairFilter
from nlp.errors import ConfigError, StudioError
from nlp.runs.workspace import Run, Workspace
from nlp.tasks.mt.task import MTData, MTTask, load_mt, prepare_mt_data, tokenizers_from_bytes
from nlp.training.config import TrainConfig, resume_budget
from nlp.training.trainer import Trainer, broadcast_object, init_distributed

__all__ = ["MTDataSpec", "default_mt_run_name", "new_mt_training", "resume_mt_training"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MTDataSpec:
    """Where a translator's pairs come from, how they are tokenized and scored.

    Give ``pairs`` (a TSV file, sides picked by ``columns``) or ``src`` +
    ``tgt`` (two aligned files); likewise ``valid_pairs`` or ``valid_src`` +
    ``valid_tgt``, else ``val_fraction`` of the pairs is split off (seeded by
    ``split_seed``). ``options``: :class:`TextOptions` fields; ``filter``:
    :class:`PairFilter` fields for the training pairs.
    """

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

    @classmethod
    def from_dict(cls, data: dict) -> MTDataSpec:
        valid = [f.name for f in dataclasses.fields(cls)]
        unknown = [k for k in data if k not in valid]
        if unknown:
            raise ConfigError(f"unknown data setting {unknown[0]!r}; valid ones: "
                              f"{', '.join(valid)}")
        return cls(**data)

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["columns"] = list(self.columns)
        return d

    def resolved(self) -> MTDataSpec:
        """The same spec with absolute paths (a run must not depend on the working folder)."""
        paths = {k: str(Path(v).resolve()) for k in ("pairs", "src", "tgt", "valid_pairs",
                                                     "valid_src", "valid_tgt")
                 if (v := getattr(self, k)) is not None}
        return dataclasses.replace(self, **paths)

    def paths(self) -> list[str]:
        return [v for k in ("pairs", "src", "tgt", "valid_pairs", "valid_src", "valid_tgt")
                if (v := getattr(self, k)) is not None]


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
    stem = Path(spec.pairs or spec.src or "pairs").stem or "pairs"
    stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in stem)[:40]
    return f"{stem}-mt-{cell}-{time.strftime('%Y%m%d-%H%M%S')}"


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


def _task(model: Seq2Seq, data: MTData, spec: MTDataSpec) -> MTTask:
    return MTTask(model, data, score=spec.score, eval_sentences=spec.eval_sentences,
                  eval_beam=spec.eval_beam, batch_tokens=spec.batch_tokens)


def _precision_for(train: TrainConfig) -> TrainConfig:
    """``auto`` means fp32 on a CPU for translators: the decoder's many small
    per-step products run slower under bf16 autocast (measured 0.159 vs
    0.115 s per 64-pair step, 256 wide, 2 threads, with AVX-512 BF16 and AMX)."""
    from nlp.training.devices import pick_device

    if train.precision == "auto" and pick_device(train.device).type == "cpu":
        return dataclasses.replace(train, precision="fp32")
    return train


def new_mt_training(workspace: Workspace, name: str, spec: MTDataSpec, model: dict,
                    train: TrainConfig, listeners=(), recipe: dict | None = None
                    ) -> tuple[Trainer, Run]:
    """Prepare the data, build the model and create the run folder.

    ``recipe``: the :class:`~nlp.training.recipe.Recipe` (as a dict) the settings came from;
    the run keeps it, with its reason in words.

    ``model`` holds :class:`Seq2SeqConfig` fields except the vocabulary sizes
    and ``joint_vocab``, which come from the tokenizers trained here.
    """
    rank, world = init_distributed()
    spec, train = spec.resolved(), _precision_for(train)
    if rank == 0:
        workspace.ensure_writable()
        data = _data(spec)
        for note in data.notes:
            log.info("%s", note)
    # under torchrun, rank 0 trains the tokenizers and creates the run; the others follow
    blobs = broadcast_object(data.tokenizer_bytes() if rank == 0 else None, rank, world)
    if rank != 0:
        src_tok, tgt_tok, _ = tokenizers_from_bytes(blobs)
        data = _data(spec, tokenizers=(src_tok, tgt_tok))
    cfg = Seq2SeqConfig.from_dict({**model, "src_vocab": data.src_tokenizer.vocab_size,
                                   "tgt_vocab": data.tgt_tokenizer.vocab_size,
                                   "joint_vocab": data.joint})
    torch.manual_seed(train.seed)  # the same initial weights on every rank, and on a rerun
    model_ = Seq2Seq(cfg)
    if rank != 0:
        run = Run(broadcast_object(None, rank, world))
        return Trainer(_task(model_, data, spec), train, run, listeners), run
    run = workspace.create_run(name, {
        "task": "mt", "model": cfg.to_dict(), "train": train.to_dict(), "data": spec.to_dict(),
        **({"recipe": recipe} if recipe else {}),
        "corpus_stats": {"train_pairs": data.train_info.n_pairs,
                         "val_pairs": data.val_info.n_pairs,
                         "train_src_tokens": data.train_info.src_tokens,
                         "train_tgt_tokens": data.train_info.tgt_tokens}})
    broadcast_object(str(run.path), rank, world)
    return Trainer(_task(model_, data, spec), train, run, listeners), run


def resume_mt_training(workspace: Workspace, ref: str, extra_minutes: float | None = None,
                       listeners=()) -> tuple[Trainer, Run]:
    """Continue a run from its last checkpoint; ``extra_minutes`` trains that many
    more minutes (see ``resume_budget``)."""
    run = workspace.resolve(ref)
    config = run.read_config()
    if config.get("task") != "mt":
        raise StudioError(f"run {run.name!r} is not a translator (task {config.get('task')!r})")
    if os.environ.get("RANK", "0") == "0":  # before anything is changed; rank 0 holds it
        workspace.check_idle(run, "continuing")
    model, src_tok, tgt_tok, info = load_mt(run, "last")
    checkpoint = run.checkpoints_dir / f"step-{int(info['step']):08d}"
    spec = MTDataSpec.from_dict(config["data"])
    for path in spec.paths():
        if not Path(path).exists():
            raise StudioError(f"the pairs of run {run.name!r} are no longer at {path}; "
                              "put them back there to continue training")
    train = resume_budget(run, float(info.get("elapsed", 0.0)), extra_minutes)
    data = _data(spec, tokenizers=(src_tok, tgt_tok))
    model.train()
    trainer = Trainer(_task(model, data, spec), train, run, listeners)
    trainer.resume_from(checkpoint)
    return trainer, run
