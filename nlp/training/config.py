"""The training settings shared by every task (language model, translator)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import ClassVar

from models.config import DictConfig
from nlp.errors import ConfigError

SCHEDULES = ("cosine", "plateau", "constant")


@dataclass(frozen=True)
class TrainConfig(DictConfig):
    LABEL: ClassVar[str] = "training"
    # settings that runs saved by earlier versions may hold and that never had an effect:
    # dropped on reading (eval_batches: validation always covers the whole split)
    RETIRED: ClassVar[frozenset] = frozenset({"eval_batches"})

    lr: float = 3e-3
    weight_decay: float = 0.01
    betas: tuple[float, float] = (0.9, 0.99)
    schedule: str = "cosine"  # warm-up then cosine, "plateau", or "constant"
    warmup_steps: int = 100
    min_lr_ratio: float = 0.02  # cosine ends at lr * min_lr_ratio
    plateau_factor: float = 0.5
    plateau_patience: int = 2  # evaluations without improvement before lowering
    clip: float = 1.0
    batch_size: int = 64
    seq_len: int = 128  # language models: truncated-BPTT length
    max_steps: int | None = None
    max_epochs: float | None = None
    max_minutes: float | None = None
    eval_every: int = 500  # steps
    eval_minutes: float | None = None  # also evaluate at least this often
    patience: int | None = None  # early stopping after this many evaluations without improvement
    checkpoint_minutes: float = 5.0  # a 'last' checkpoint at least this often
    keep_checkpoints: int = 2  # besides 'last' and 'best'
    log_every: int = 10  # steps per row in metrics.jsonl
    device: str = "auto"
    threads: int | None = None
    precision: str = "auto"  # fp32, bf16, fp16 (CUDA), auto
    seed: int = 1234
    samples: int = 2  # sample texts per evaluation

    def __post_init__(self) -> None:
        if self.lr <= 0 or not math.isfinite(self.lr):
            raise ConfigError(f"learning rate must be a positive number, not {self.lr}")
        if self.schedule not in SCHEDULES:
            raise ConfigError(f"unknown schedule {self.schedule!r}; choose one of "
                              f"{', '.join(SCHEDULES)}")
        for name in ("batch_size", "seq_len", "eval_every", "log_every"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be 1 or more, not {getattr(self, name)}")
        for name in ("max_steps", "max_epochs", "max_minutes"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ConfigError(f"{name} must be positive, not {value}")
        if self.max_steps is None and self.max_epochs is None and self.max_minutes is None:
            raise ConfigError("give a budget: a number of minutes, epochs or steps")
        if self.clip < 0:
            raise ConfigError(f"clip must be 0 (off) or positive, not {self.clip}")


def resume_budget(run, elapsed_s: float, extra_minutes: float | None) -> TrainConfig:
    """The training settings of ``run`` (a ``nlp.runs.workspace.Run``) for a resume.

    With ``extra_minutes`` the run trains that many more minutes from where it
    stands: the budget becomes minutes only (a run that ended on its steps or
    epochs would otherwise stop at once), the schedule follows the new total,
    and the run's config records it."""
    config = run.read_config()
    train = TrainConfig.from_dict(config["train"])
    if extra_minutes is None:
        return train
    if not (extra_minutes > 0 and math.isfinite(extra_minutes)):
        raise ConfigError(f"minutes to add must be a positive number, not {extra_minutes}")
    train = replace(train, max_minutes=max(elapsed_s, 0.0) / 60 + extra_minutes,
                    max_steps=None, max_epochs=None)
    run.write_config({**config, "train": train.to_dict()})
    return train
