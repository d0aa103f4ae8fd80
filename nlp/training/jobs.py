"""A training job: one run to create or continue, described without training it.

A job's ``prepare(listeners)`` reads the data and builds the run (this can take
minutes on a big corpus, so it runs on the worker thread that then trains) and
returns the back end's ``(Trainer, Run)``. The window's training queue
(``gui.training_queue``) runs jobs one at a time.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from nlp.runs.workspace import Run
from nlp.training.trainer import Trainer

_ids = itertools.count(1)

Prepare = Callable[[tuple], tuple[Trainer, Run]]  # (listeners) -> (trainer, run)


@dataclass
class TrainingJob:
    """One queued training: ``prepare(listeners)`` runs on the worker thread.

    ``run_name`` is the run it creates or continues; ``task`` is ``"lm"``,
    ``"mt"`` or ``"series"`` (how to continue it later); ``resumes`` is True when
    it continues an existing run (so a stop before the first step must not
    delete that run's folder).
    """

    title: str
    run_name: str
    prepare: Prepare
    task: str = "lm"
    resumes: bool = False
    id: int = field(default_factory=lambda: next(_ids))
