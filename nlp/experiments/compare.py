"""Compare: several configurations trained alike, side by side.

``compare_lm`` trains one language-model run per *variant* (a few settings that
differ from a shared base, e.g. ``{"cell": "gru"}``) one after another, on the
same data prepared once, with the same seed (so the same initial weights where
the shapes agree, and the same batches in the same order) and the same budget.
Each is an ordinary run in the workspace; its ``run.json`` records
``{"compare": {"group": PREFIX, "variant": {...}}}``.

``compare_table`` reads any runs (language models or translators, compared or
not) back as :class:`CompareRow` s: best validation loss, the score people
judge the task by at that point, speed, size and the settings that differ.
It reads only ``run.json`` and ``metrics.jsonl``, so it also works while a run
trains.

The settings a variant (or a search, ``nlp.experiments.search``) may change are the
model and training settings that ``train lm`` has a flag for (:data:`SETTINGS`),
so whatever wins is one command away from a full run.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import torch

from nlp.errors import ConfigError
from nlp.runs.workspace import Run, Workspace, check_run_name
from nlp.tasks.lm.session import LMDataSpec, lm_data, new_lm_training
from nlp.training.config import TrainConfig
from nlp.training.events import Event

log = logging.getLogger(__name__)

# name -> (where it lives: "model" or "train", its type, the `train lm` flag)
SETTINGS: dict[str, tuple[str, type, str]] = {
    "cell": ("model", str, "--cell"),
    "layers": ("model", int, "--layers"),
    "hidden": ("model", int, "--hidden"),
    "embed": ("model", int, "--embed"),
    "dropout": ("model", float, "--dropout"),
    "tied": ("model", bool, "--tied"),
    "lr": ("train", float, "--lr"),
    "batch_size": ("train", int, "--batch-size"),
    "seq_len": ("train", int, "--seq-len"),
    "warmup_steps": ("train", int, "--warmup"),
    "clip": ("train", float, "--clip"),
    "schedule": ("train", str, "--schedule"),
}
ALIASES = {"warmup": "warmup_steps", "batch": "batch_size"}
_TRUE, _FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off")


@dataclass(frozen=True)
class CompareRow:
    """One run of a comparison, as the table shows it."""

    run: str
    task: str  # "lm" | "mt"
    cell: str
    params: int
    best_val_loss: float | None
    score_name: str  # "bits/char" (char LM) | "word ppl" (subword LM) | "BLEU"/"chrF" (mt)
    score: float | None  # at the best validation point
    tokens_per_s: float | None  # mean of the logged training rates
    wall_s: float  # training time (evaluations included)
    steps: int
    differs: dict  # settings where this run differs from the others compared


# -- settings -----------------------------------------------------------------
def setting_name(key: str) -> str:
    """The canonical name of a setting (``batch-size`` -> ``batch_size``)."""
    name = key.strip().replace("-", "_")
    name = ALIASES.get(name, name)
    if name not in SETTINGS:
        raise ConfigError(f"{key!r} is not a setting that can be varied; choose from "
                          f"{', '.join(SETTINGS)}")
    return name


def parse_value(name: str, text: str):
    """``text`` as a value of setting ``name`` (its type from :data:`SETTINGS`)."""
    kind = SETTINGS[name][1]
    text = text.strip()
    try:
        if kind is bool:
            if text.lower() in _TRUE + _FALSE:
                return text.lower() in _TRUE
            raise ValueError(text)
        if kind is int:
            return int(text)
        if kind is float:
            value = float(text)
            if not math.isfinite(value):
                raise ValueError(text)
            return value
    except ValueError:
        what = {bool: "true or false", int: "a whole number", float: "a number"}[kind]
        raise ConfigError(f"{name} must be {what}, not {text!r}") from None
    if not text:
        raise ConfigError(f"{name} needs a value")
    return text


def parse_settings(text: str) -> dict:
    """``"cell=gru hidden=256"`` -> ``{"cell": "gru", "hidden": 256}``."""
    values: dict = {}
    for token in text.split():
        key, sep, value = token.partition("=")
        if not sep:
            raise ConfigError(f"{token!r} is not a setting: write name=value, "
                              "for example cell=gru")
        name = setting_name(key)
        if name in values:
            raise ConfigError(f"{name} is given twice")
        values[name] = parse_value(name, value)
    return values


def apply_settings(model: dict, train: TrainConfig, values: dict) -> tuple[dict, TrainConfig]:
    """The model dict and training config with ``values`` (settings) applied."""
    values = {setting_name(k): v for k, v in values.items()}
    model = {**model, **{k: v for k, v in values.items() if SETTINGS[k][0] == "model"}}
    if "hidden" in values and model.get("hidden_sizes"):
        model["hidden_sizes"] = None  # one size for every layer, as `--hidden` means
    train_part = {k: v for k, v in values.items() if SETTINGS[k][0] == "train"}
    return model, replace(train, **train_part)


def check_settings(values: dict) -> None:
    """Raise ``ConfigError`` (with the config's own message) for a value that no
    run would accept, before anything trains."""
    from models.language_model import LMConfig

    model, _ = apply_settings({}, TrainConfig(max_steps=1), values)  # checks training values
    LMConfig.from_dict({**model, "vocab_size": 2})


# -- names ----------------------------------------------------------------------
def variant_label(variant: dict) -> str:
    """A short label: a text value as it is (``gru``), others with the name (``hidden256``)."""
    parts = [str(v) if isinstance(v, str) else f"{k}{v}" for k, v in variant.items()]
    label = "-".join(parts) or "base"
    return re.sub(r"[^A-Za-z0-9._-]", "-", label)


def compare_names(prefix: str, labels: list[str],
                  workspace: Workspace | None = None) -> list[str]:
    """``PREFIX-LABEL`` for each label, none of them a run yet in ``workspace``
    (default: the default workspace). The same label twice gets ``-2``; if any
    name is taken, the whole group moves to ``PREFIX-2-...`` (then ``-3``...)
    so that the runs of one comparison share one prefix."""
    if workspace is None:
        from nlp.paths import default_workspace

        workspace = Workspace(default_workspace())
    seen: dict[str, int] = {}
    suffixed = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        suffixed.append(label if seen[label] == 1 else f"{label}-{seen[label]}")
    for attempt in range(1, 1000):
        group = prefix if attempt == 1 else f"{prefix}-{attempt}"
        names = [f"{group}-{label}" for label in suffixed]
        if not any((workspace.runs_dir / n).exists() for n in names):
            return [check_run_name(n) for n in names]
    raise ConfigError(f"too many runs named {prefix!r}-...; choose another name")


# -- the table ------------------------------------------------------------------
def _finite(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def score_of(config: dict) -> tuple[str, str]:
    """(score name, metrics key) that judges a run: BLEU (or chrF) for a translator,
    word perplexity for a subword model, bits per character for a character model."""
    data = config.get("data") if isinstance(config.get("data"), dict) else {}
    if config.get("task") == "mt":
        return ("chrF", "chrf") if data.get("score") == "chrf" else ("BLEU", "bleu")
    if data.get("level") == "subword":
        return "word ppl", "val_word_ppl"
    return "bits/char", "val_bpc"


def _best_eval(config: dict, evals: list[dict]) -> dict | None:
    """The evaluation row the run counts as its best: the lowest validation loss,
    or for a translator judged by BLEU/chrF the highest of those."""
    data = config.get("data") if isinstance(config.get("data"), dict) else {}
    key = data.get("score", "bleu") if config.get("task") == "mt" else "val_loss"
    rows = [r for r in evals if _finite(r.get(key))]
    if not rows:
        return None
    pick = min if key == "val_loss" else max
    return pick(rows, key=lambda r: r[key])


def param_count(task: str, model: dict) -> int:
    """Trainable values of a run's model, from its config (built on the meta
    device: no memory, no weights read); 0 when the config cannot build one."""
    from models.language_model import LanguageModel, LMConfig
    from models.seq2seq import Seq2Seq, Seq2SeqConfig

    build = (lambda: Seq2Seq(Seq2SeqConfig.from_dict(model))) if task == "mt" else (
        lambda: LanguageModel(LMConfig.from_dict(model)))
    try:
        with torch.device("meta"):
            return build().num_parameters()
    except (ConfigError, TypeError, ValueError) as exc:
        log.debug("no parameter count for a %s model %s: %s", task, model, exc)
        return 0


def _flat_settings(config: dict) -> dict:
    """Model and training settings by name, data settings as ``data.NAME``."""
    flat = {}
    for part in ("model", "train"):
        if isinstance(config.get(part), dict):
            flat.update(config[part])
    if isinstance(config.get("data"), dict):
        flat.update({f"data.{k}": v for k, v in config["data"].items()})
    return flat


def _row(run: Run, config: dict, differs: dict) -> CompareRow:
    history = run.metrics()
    evals = [r for r in history if _finite(r.get("val_loss"))]
    best = _best_eval(config, evals)
    score_name, score_key = score_of(config)
    rates = [r["tokens_per_s"] for r in history if _finite(r.get("tokens_per_s"))]
    model = config.get("model") if isinstance(config.get("model"), dict) else {}
    task = str(config.get("task", ""))
    return CompareRow(
        run=run.name, task=task, cell=str(model.get("cell", "")),
        params=param_count(task, model),
        best_val_loss=min((r["val_loss"] for r in evals), default=None),
        score_name=score_name,
        score=best.get(score_key) if best and _finite(best.get(score_key)) else None,
        tokens_per_s=sum(rates) / len(rates) if rates else None,
        wall_s=max((float(r["time"]) for r in history if _finite(r.get("time"))), default=0.0),
        steps=max((int(r["step"]) for r in history if _finite(r.get("step"))), default=0),
        differs=differs)


def compare_table(workspace: Workspace, names: list[str]) -> list[CompareRow]:
    """One row per run (by name or folder), in the order given."""
    runs = [workspace.resolve(name) for name in names]
    configs = [run.read_config() for run in runs]
    flats = [_flat_settings(c) for c in configs]
    keys = sorted({k for flat in flats for k in flat})
    varying = [k for k in keys if len({repr(flat.get(k)) for flat in flats}) > 1]
    return [_row(run, config, {k: flat.get(k) for k in varying})
            for run, config, flat in zip(runs, configs, flats, strict=True)]


def histories(workspace: Workspace, names: list[str]) -> dict[str, list[dict]]:
    """Each run's metrics history (for overlaid curves), by run name."""
    return {run.name: run.metrics() for run in map(workspace.resolve, names)}


# -- training a comparison --------------------------------------------------------
def stop_when(trainer, should_stop: Callable[[], bool] | None):
    """A training listener that asks ``trainer`` to stop once ``should_stop()``
    says so (checked at every event, i.e. every step)."""
    def listener(event: Event) -> None:
        if should_stop is not None and should_stop():
            trainer.request_stop()
    return listener


def annotate(run: Run, key: str, value: dict) -> None:
    """Record ``value`` under ``key`` in the run's ``run.json``."""
    run.write_config({**run.read_config(), key: value})


def compare_lm(workspace: Workspace, prefix: str, spec: LMDataSpec, model: dict,
               train: TrainConfig, variants: list[dict], listeners=(),
               should_stop: Callable[[], bool] | None = None,
               on_run: Callable[[Run], None] | None = None) -> list[CompareRow]:
    """Train one run per variant (settings over ``model``/``train``), one after
    another, alike in everything else; returns the table of those trained.

    The data is prepared once. ``new_lm_training`` seeds torch with
    ``train.seed`` before it builds each model, so equal shapes start from
    equal weights; the
    batches follow the same seed, so every run reads the same data in the same
    order; each gets ``train``'s budget. ``should_stop()`` true ends the
    current run with a checkpoint and skips the rest. ``on_run(run)`` is called
    as each run starts.
    """
    if not variants:
        raise ConfigError("give at least one variant to compare, e.g. cell=lstm and cell=gru")
    variants = [{setting_name(k): v for k, v in variant.items()} for variant in variants]
    for variant in variants:
        check_settings(variant)
    names = compare_names(prefix, [variant_label(v) for v in variants], workspace)
    data = lm_data(spec)
    trained: list[str] = []
    for name, variant in zip(names, variants, strict=True):
        if should_stop is not None and should_stop():
            break
        run_model, run_train = apply_settings(model, train, variant)
        trainer, run = new_lm_training(workspace, name, spec, run_model, run_train,
                                       listeners, data=data)
        trainer.listeners.append(stop_when(trainer, should_stop))
        annotate(run, "compare", {"group": prefix, "variant": variant})
        if on_run is not None:
            on_run(run)
        with run.lock():
            trainer.run()
        trained.append(name)
    return compare_table(workspace, trained)
