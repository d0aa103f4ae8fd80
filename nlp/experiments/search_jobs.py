"""A hyperparameter search as a job: what a request asks for, the search as a
plain function for a worker thread, and the full training of its best config.

The window's Search tab builds a :class:`SearchRequest` from its form and runs
:func:`search_work` on a worker; ``main.py search`` runs the same search in the
foreground (``nlp.experiments.search.run_search``).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

from nlp.runs.workspace import Workspace
from nlp.training.jobs import Prepare


@dataclass(frozen=True)
class SearchRequest:
    """What a new search asks for."""

    name: str
    corpus: str
    options: dict
    level: str
    space: str
    method: str
    minutes: float
    trials: int


def default_search_name(corpus: str) -> str:
    """``CORPUS-search-YYYYmmdd-HHMMSS``: a search named after its corpus and start."""
    stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in Path(corpus).stem)
    return f"{stem[:40] or 'corpus'}-search-{time.strftime('%Y%m%d-%H%M%S')}"


def base_config(corpus: str, level: str, options: dict, trial_minutes: float):
    """The baseline (trial 0) of a new search: the recipe the Train page and the CLI
    use for this corpus and a trial's minutes. Returns ``(LMDataSpec, model dict,
    TrainConfig)``."""
    from nlp.tasks.lm.session import planned_lm
    from nlp.training.recipe import Budget

    spec, model, train, _ = planned_lm(corpus, level, Budget("minutes", trial_minutes),
                                       options=options)
    return spec, model, train


def search_work(workspace: Workspace, request: SearchRequest):
    """The search as a plain function for a worker thread:
    ``work(on_trial, should_stop) -> SearchResult``."""

    def work(on_trial, should_stop):
        from nlp.experiments.search import SearchSpace, run_search

        space = SearchSpace.parse(request.space)
        spec, model, train = base_config(request.corpus, request.level, request.options,
                                         request.minutes / request.trials)
        return run_search(workspace, request.name, spec, model, train, space, request.method,
                          request.minutes, on_trial=on_trial, should_stop=should_stop,
                          trials=request.trials)

    return work


def best_training(workspace: Workspace, result, minutes: float, name: str) -> Prepare:
    """A job's ``prepare`` for a full training of ``result``'s best config for
    ``minutes`` as run ``name`` (raises StudioError when the search has no best
    trial)."""
    from nlp.experiments.search import best_settings
    from nlp.tasks.lm.session import new_lm_training
    from nlp.training.sizing import budget_settings

    spec, model, train = best_settings(result)
    train = dataclasses.replace(train, max_steps=None, max_epochs=None,
                                **budget_settings("minutes", minutes))
    return lambda listeners: new_lm_training(workspace, name, spec, model, train, listeners)
