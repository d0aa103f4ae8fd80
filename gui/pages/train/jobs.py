"""The Train page's training jobs, built from the set-up form's values: a new
language model or translator (the recipe with the fields the person set), a
run continued, and an LSTM-vs-GRU comparison. Each is a
:class:`~nlp.training.jobs.TrainingJob` for the window's training queue."""

from __future__ import annotations

import functools
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from nlp.runs.workspace import Workspace, check_run_name
from nlp.training.jobs import TrainingJob
from nlp.training.recipe import Budget

# form value -> (recipe part, field): what a person may set over the recipe's choice
FORM_FIELDS = {"layers": ("model", "layers"), "hidden": ("model", "hidden"),
               "embed": ("model", "embed"), "dropout": ("model", "dropout"),
               "tied": ("model", "tied"), "vocab": ("data", "vocab_size"),
               "batch": ("train", "batch_size"), "seq_len": ("train", "seq_len"),
               "lr": ("train", "lr")}


def planned_job(v: dict) -> tuple:
    """``(spec, model, train, recipe)`` of a run from the form's values ``v``: the recipe
    for its corpus, budget and device with the fields the person set (off the GUI
    thread: the first time on a machine it times a few training steps)."""
    budget, fixed = _budget(v), fixed_fields(v)
    if v["task"] == "mt":
        from nlp.tasks.mt.session import planned_mt

        return planned_mt(mt_spec(v), budget, v["device"], fixed)
    from nlp.tasks.lm.session import planned_lm

    return planned_lm(v["corpus"], v["task"], budget, v["device"], fixed)


def fixed_fields(v: dict) -> dict:
    """The settings the person chose on the form (``v["edited"]``: the fields they
    changed, and the cell), as recipe fields; the recipe chooses the rest."""
    fixed = {"cell": v["cell"]}
    for key in v.get("edited", ()):
        if key not in FORM_FIELDS or (key in ("seq_len", "tied") and v["task"] == "mt") \
                or (key == "vocab" and v["task"] == "char"):
            continue
        fixed[FORM_FIELDS[key][1]] = v[key]
    return fixed


def _budget(v: dict) -> Budget:
    return Budget(v["unit"], v["budget"])


def lm_job(workspace: Workspace, name: str, v: dict, plan=None) -> TrainingJob:
    """A new language model from the form's values: the recipe for its corpus and
    budget, with the fields the person changed (raises StudioError on bad ones).
    ``plan``: makes ``planned_job``'s tuple instead (a comparison shares one)."""
    from nlp.tasks.lm.session import new_lm_training

    _budget(v)  # a bad budget is refused now, not on the worker thread
    plan = plan or (lambda: planned_job(v))

    def prepare(listeners):  # on the worker thread: planning may time a few steps
        spec, model, train, recipe = plan()
        return new_lm_training(workspace, name, spec, model, train, listeners,
                               recipe=recipe.to_dict())

    title = (QCoreApplication.translate("TrainPage", "{name}: char LM, {cell}")
             if v["task"] == "char" else
             QCoreApplication.translate("TrainPage", "{name}: subword LM, {cell}"))
    return TrainingJob(title=title.format(name=name, cell=v["cell"].upper()), run_name=name,
                       prepare=prepare)


def mt_spec(v: dict):
    from nlp.tasks.mt.session import MTDataSpec

    if v["tgt"]:
        return MTDataSpec(src=v["corpus"], tgt=v["tgt"], vocab_size=v["vocab"])
    return MTDataSpec(pairs=v["corpus"], columns=tuple(v["columns"]), vocab_size=v["vocab"])


def mt_job(workspace: Workspace, name: str, v: dict, plan=None) -> TrainingJob:
    """A new translator from the form's values: the recipe for its pairs and budget,
    with the fields the person changed (raises StudioError on bad ones).
    ``plan``: makes ``planned_job``'s tuple instead (a comparison shares one)."""
    from nlp.tasks.mt.session import new_mt_training

    mt_spec(v), _budget(v)  # bad pairs or budget are refused now, not on the worker thread
    plan = plan or (lambda: planned_job(v))

    def prepare(listeners):  # on the worker thread: planning may time a few steps
        spec, model, train, recipe = plan()
        return new_mt_training(workspace, name, spec, model, train, listeners,
                               recipe=recipe.to_dict())

    title = QCoreApplication.translate("TrainPage", "{name}: translator, {cell}")
    return TrainingJob(title=title.format(name=name, cell=v["cell"].upper()), run_name=name,
                       task="mt", prepare=prepare)


def resume_job(workspace: Workspace, name: str, task: str, minutes: float) -> TrainingJob:
    """Continue ``name`` from its last checkpoint for ``minutes`` more."""
    if task == "mt":
        from nlp.tasks.mt.session import resume_mt_training as resume
    else:
        from nlp.tasks.lm.session import resume_lm_training as resume

    def prepare(listeners):  # on the worker thread; the back end makes it minutes only
        return resume(workspace, name, minutes, listeners)

    title = QCoreApplication.translate("TrainPage", "{name}: {minutes} more minutes")
    return TrainingJob(title=title.format(name=name, minutes=f"{minutes:g}"), run_name=name,
                       task=task, resumes=True, prepare=prepare)


COMPARED_CELLS = ("lstm", "gru")


def compare_jobs(workspace: Workspace, v: dict, queued: set[str]) -> list[TrainingJob]:
    """The form's run once per cell, all else alike: TrainConfig's seed gives both
    the same batches in the same order. Named and marked in run.json as
    ``main.py compare`` does: ``PREFIX-lstm``, ``PREFIX-gru`` (``PREFIX-2-...``
    when taken, by a run or by a queued job)."""
    from nlp.experiments.compare import compare_names

    base = check_run_name(v["name"]) if v["name"] else compare_prefix(v)
    labels = list(COMPARED_CELLS)
    names, number = compare_names(base, labels, workspace), 2
    while queued & set(names):
        names, number = compare_names(f"{base}-{number}", labels, workspace), number + 1
    group = names[0].removesuffix(f"-{labels[0]}")
    build = mt_job if v["task"] == "mt" else lm_job
    shared = functools.cache(lambda: planned_job(v))  # one recipe: only the cell differs

    def plan_with(cell: str):
        def plan():
            spec, model, train, recipe = shared()
            return spec, {**model, "cell": cell}, train, recipe
        return plan

    return [_in_compare_group(build(workspace, name, {**v, "cell": cell}, plan_with(cell)),
                              group, {"cell": cell})
            for name, cell in zip(names, COMPARED_CELLS, strict=True)]


def compare_prefix(v: dict) -> str:
    """``CORPUS-compare``, the CLI's default prefix of a comparison's runs."""
    stem = "".join(c if c.isalnum() or c in "-_." else "-" for c in Path(v["corpus"]).stem)
    return f"{stem[:40] or 'corpus'}-compare"


def _in_compare_group(job: TrainingJob, group: str, variant: dict) -> TrainingJob:
    """``job``, recording its group in run.json once the run exists (the Runs page
    and ``compare --runs`` can then tell the runs of one comparison)."""
    from nlp.experiments.compare import annotate

    prepare = job.prepare

    def prepare_and_mark(listeners):
        trainer, run = prepare(listeners)
        annotate(run, "compare", {"group": group, "variant": variant})
        return trainer, run

    job.prepare = prepare_and_mark
    return job


def default_name(v: dict) -> str:
    if v["task"] == "mt":
        from nlp.tasks.mt.session import default_mt_run_name

        return default_mt_run_name(mt_spec(v), v["cell"])
    from nlp.tasks.lm.session import default_run_name

    return default_run_name(v["corpus"], v["cell"])
