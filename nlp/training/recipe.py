"""Recipes: the settings an expert would pick for a corpus, a budget and a machine.

A desktop user gives a corpus and a budget (minutes, epochs or steps) and
nothing else. :func:`plan_lm` and :func:`plan_mt` turn those into a full
set of settings - model width and depth, batch, sequence length, peak
learning rate, warm-up, dropout, evaluation cadence, early-stopping patience,
precision - with the reason in words. Every field the user sets explicitly
replaces the recipe's (``fixed``); the rest still follows the budget.

How a recipe is made (the rules come from the grid in ``docs/recipes.md``,
rerun with ``bench/recipe_grid.py``):

1. **Precision**: the one that trains faster *here*, measured (``nlp.training.speed``)
   on a reference model: bf16 autocast is ~1.3x fp32 for an LSTM on a CPU with
   AVX-512 BF16 and slower than fp32 under cuDNN on an H200. Translators train
   in fp32 on a CPU (their many small decoder steps gain nothing from bf16).
2. **Model**: a ladder of shapes, smallest first. The recipe measures how many
   tokens per second each trains here and takes the largest that still makes
   at least ``MIN_UPDATES`` optimizer steps within the budget (with fewer,
   a bigger model is still learning when time runs out: a 2 x 512 LSTM given 1
   minute on a 2-core CPU ends as a unigram model) and whose recurrent weights
   are at most ``PARAMS_PER_TOKEN`` times the training tokens (more memorises a
   small corpus).
3. **Batch**: 32 x 64 tokens. At these budgets a model is short of updates, not
   of data: halving the tokens per update from 64 x 128 was worth 0.05
   nats/char on tinyshakespeare and 45 perplexity points on WikiText-2.
4. **Learning rate**: AdamW's peak falls with the width (``LR_RULE``: 1e-2 for a
   256-wide character model, 4e-3 at 1024; 8e-3 for a 512-wide subword model),
   warm-up is 2% of the expected steps (10 to 200), then a cosine decay to the
   end of the budget.
5. **Dropout**: from how often the model will see each token and how big it is
   against the corpus (``epochs x recurrent weights / training tokens``): none
   for a large corpus seen a few times, up to 0.5 for a small one seen hundreds
   of times. A small corpus is also seen at most ``MAX_EPOCHS`` times: the run
   ends there rather than spend minutes getting worse.
6. **Evaluation**: about ``EVALUATIONS`` times a run, in float32 on the whole
   validation split; an automatic split is capped at ``MAX_VAL_CHARS``
   characters so that evaluating a big corpus stays cheap; training stops
   early after ``PATIENCE`` evaluations without improvement.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch

from nlp.errors import ConfigError
from nlp.runs.workspace import SCORE_NAMES
from nlp.training.config import TrainConfig
from nlp.training.sizing import BUDGET_UNITS, SUBWORD_CHARS_PER_TOKEN, CorpusSize
from nlp.training.speed import Speed, lm_speed, mt_speed

__all__ = ["Budget", "Recipe", "plan_lm", "plan_mt"]

MIN_UPDATES = {"char": 2000, "subword": 7000, "mt": 800}
PARAMS_PER_TOKEN = 8.0  # recurrent weights per training token, at most
BATCH, SEQ_LEN = 32, 64
MT_BATCH = 64
MIN_STEPS_PER_EPOCH = 20  # a tiny corpus gets smaller batches, so that a pass has this many
# peak lr = min(MAX_LR, lr_at * (width_at / hidden) ** power): rule 4
LR_RULE = {"char": (1e-2, 256, 2 / 3), "subword": (8e-3, 512, 1 / 2)}
MAX_LR = 1e-2
MT_LR = 3e-3
WARMUP_SHARE, MIN_WARMUP, MAX_WARMUP = 0.02, 10, 200
MT_WARMUP_SHARE = 0.03
EVALUATIONS = 8  # per run
PATIENCE = 3  # evaluations without improvement before stopping early
EVAL_SHARE = 0.05  # of a time budget that evaluation is expected to take
MAX_VAL_CHARS = 500_000  # an automatic validation split holds at most this much text
VAL_FRACTION = 0.1
MAX_EPOCHS = 30  # passes over a small corpus before the run ends on its own
MT_EVAL_SENTENCES = 500
REFERENCE_MINUTES = 30  # a budget of epochs or steps sizes the model as for this much time
BF16_MARGIN = 1.1  # bf16 is chosen when it trains at least this much faster than fp32

# (layers, hidden, embed), smallest first
LADDERS = {
    "char": ((1, 128, 64), (1, 256, 64), (1, 384, 96), (1, 512, 128), (1, 768, 128),
             (1, 1024, 128), (2, 1024, 192), (2, 1536, 256)),
    "subword": ((1, 256, 128), (1, 384, 192), (1, 512, 256), (1, 768, 256), (1, 1024, 384),
                (2, 1024, 512), (2, 1536, 512)),
    "mt": ((1, 128, 128), (1, 256, 256), (1, 384, 256), (1, 512, 256), (1, 768, 384)),
}
# (memorisation pressure below which, dropout): see rule 5
DROPOUT = ((8, 0.0), (16, 0.1), (32, 0.2), (256, 0.3), (1024, 0.4), (math.inf, 0.5))
# a translator's width follows its number of pairs: (up to this many pairs, widest hidden)
MT_WIDEST = ((5_000, 128), (20_000, 256), (200_000, 512), (math.inf, 768))
LM_VOCAB = ((200_000, 1000), (2_000_000, 4000), (50_000_000, 8000), (math.inf, 16000))
MT_VOCAB = ((5_000, 1000), (20_000, 4000), (200_000, 8000), (math.inf, 16000))


@dataclass(frozen=True)
class Budget:
    """How much training: ``amount`` minutes, epochs or steps."""

    unit: str
    amount: float

    def __post_init__(self) -> None:
        if self.unit not in BUDGET_UNITS:
            raise ConfigError(f"unknown budget unit {self.unit!r}; choose one of "
                              f"{', '.join(BUDGET_UNITS)}")
        if not (self.amount > 0 and math.isfinite(self.amount)):
            raise ConfigError(f"the budget must be a positive number of {self.unit}, "
                              f"not {self.amount}")

    def train_fields(self) -> dict:
        key = {"minutes": "max_minutes", "epochs": "max_epochs", "steps": "max_steps"}[self.unit]
        value = int(self.amount) if self.unit == "steps" else float(self.amount)
        return {key: max(1, value) if self.unit == "steps" else value}

    def describe(self) -> str:
        amount = f"{self.amount:g}"
        unit = self.unit[:-1] if amount == "1" else self.unit
        return f"{amount} {unit}"


@dataclass(frozen=True)
class Recipe:
    """Settings for one run and why. ``model``: model config fields (vocabulary sizes
    come from the tokenizer); ``data``: data-spec fields (vocabulary, validation split,
    translator scoring); ``train``: :class:`TrainConfig` fields; ``facts``: what was
    measured and expected (tokens/s, steps, epochs)."""

    task: str
    model: dict
    data: dict
    train: dict
    why: str
    facts: dict = field(default_factory=dict)

    def train_config(self, **changes) -> TrainConfig:
        return TrainConfig.from_dict({**self.train, **changes})

    def to_dict(self) -> dict:
        return asdict(self)


# -- measuring ----------------------------------------------------------------------------

def _device(name: str | torch.device) -> torch.device:
    from nlp.training.devices import pick_device

    return name if isinstance(name, torch.device) else pick_device(name)


def _bf16_possible(device: torch.device) -> bool:
    """Whether ``auto`` precision would pick bf16 here (``nlp.training.devices.pick_precision``)."""
    from nlp.training.devices import pick_precision

    return pick_precision("auto", device).dtype is torch.bfloat16


def _pick_precision(fixed: str | None, measure) -> tuple[str, str]:
    """(precision, why) for ``fixed`` (a user's choice, or None/auto): the faster of
    bf16 and fp32 by ``measure(precision) -> tokens/s`` where bf16 is possible."""
    if fixed and fixed != "auto":
        return fixed, f"{fixed} as asked"
    fp32 = measure("fp32")
    bf16 = measure("bf16")
    if bf16 is None:
        return "fp32", "fp32 (no fast bf16 here)"
    ratio = bf16 / fp32
    if ratio >= BF16_MARGIN:
        return "bf16", f"bf16 ({ratio:.1f}x fp32 here)"
    return "fp32", f"fp32 (bf16 only {ratio:.2f}x as fast here)"


def _budget_tokens(budget: Budget, tokens_per_s: float, train_tokens: int,
                   tokens_per_step: int) -> float:
    if budget.unit == "minutes":
        return tokens_per_s * budget.amount * 60 * (1 - EVAL_SHARE)
    if budget.unit == "epochs":
        return budget.amount * train_tokens
    return budget.amount * tokens_per_step


def _dropout(epochs: float, weights: int, train_tokens: int) -> float:
    pressure = epochs * weights / max(train_tokens, 1)
    for below, dropout in DROPOUT:
        if pressure < below:
            return dropout
    return DROPOUT[-1][1]  # pragma: no cover - the last limit is infinite


def _lr(level: str, hidden: int) -> float:
    at, width, power = LR_RULE[level]
    return float(f"{min(MAX_LR, at * (width / hidden) ** power):.2g}")


def _warmup(updates: float, share: float) -> int:
    return int(min(MAX_WARMUP, max(MIN_WARMUP, round(share * updates))))


def _rnn_weights(layers: int, hidden: int, embed: int, gates: int = 4) -> int:
    """Recurrent weights of a stack (input and hidden products of every gate)."""
    total, width = 0, embed
    for _ in range(layers):
        total += gates * hidden * (width + hidden + 2)
        width = hidden
    return total


def _fit(n_tokens: int, batch: int, seq: int) -> tuple[int, int]:
    """Shrink batch and sequence for a tiny corpus, so that an epoch holds at least
    MIN_STEPS_PER_EPOCH steps (short sequences first: rows keep the batch useful)."""
    def too_big() -> bool:
        return n_tokens < batch * seq * MIN_STEPS_PER_EPOCH

    while too_big() and seq > 32:
        seq //= 2
    while too_big() and batch > 1:
        batch //= 2
    while too_big() and seq > 8:
        seq //= 2
    return batch, seq


def _subword_vocab(n_chars: int) -> int:
    """A vocabulary sentencepiece can fill: small corpora get small ones."""
    return next(vocab for limit, vocab in LM_VOCAB if n_chars < limit)


# training fields a person may set over the recipe's schedule
SCHEDULE_FIELDS = ("warmup_steps", "patience", "eval_every", "eval_minutes", "schedule", "seed",
                   "clip", "threads")


def _schedule(updates: float, minutes: float | None, warmup_share: float,
              fixed: dict) -> dict:
    """Warm-up, evaluation cadence and patience for a run of about ``updates`` steps
    (evaluations by time when ``minutes`` is given), with the fields in ``fixed`` kept."""
    train = {"warmup_steps": _warmup(updates, warmup_share), "patience": PATIENCE,
             "schedule": "cosine"}
    if minutes is not None:
        train["eval_minutes"] = round(max(minutes / EVALUATIONS, 0.05), 3)
        train["eval_every"] = 10**6  # by time only
    else:
        train["eval_every"] = max(1, int(updates // EVALUATIONS))
    return {**train, **{k: fixed[k] for k in SCHEDULE_FIELDS if k in fixed}}


# -- language models ------------------------------------------------------------------------

def _lm_data(size: CorpusSize, level: str, fixed: dict, valid_given: bool
             ) -> tuple[int, dict, int]:
    """(vocabulary size, data-spec fields, training tokens) of a language model's corpus:
    an automatic validation split is the last 10%, at most MAX_VAL_CHARS characters."""
    n_chars = max(1, size.amount if size.unit == "characters" else 0)
    data: dict = {}
    val_fraction = 0.0
    if not valid_given:
        val_fraction = fixed.get("val_fraction") or round(
            min(VAL_FRACTION, MAX_VAL_CHARS / n_chars), 4)
        data["val_fraction"] = val_fraction
    if level == "char":
        vocab, tokens = max(size.symbols or 0, 60) + 4, n_chars
    else:
        vocab = fixed.get("vocab_size") or _subword_vocab(n_chars)
        data["vocab_size"], tokens = vocab, int(n_chars / SUBWORD_CHARS_PER_TOKEN)
    return vocab, data, max(1, int(tokens * (1 - val_fraction)))


def plan_lm(size: CorpusSize, level: str, budget: Budget, device: str | torch.device = "auto",
            fixed: dict | None = None, valid_given: bool = False) -> Recipe:
    """A recipe for a ``level`` ("char" or "subword") language model.

    ``size``: the corpus in characters (``CorpusSize.symbols``: distinct characters
    seen, for a character vocabulary). ``fixed``: fields the user chose (model fields
    such as ``hidden``, train fields such as ``lr``, ``batch_size``, ``precision``,
    data fields ``vocab_size``, ``val_fraction``); they are kept as given.
    ``valid_given``: a validation file was given, so nothing is split off.
    """
    if level not in ("char", "subword"):
        raise ConfigError(f"unknown level {level!r}; choose char or subword")
    fixed = {k: v for k, v in (fixed or {}).items() if v is not None}
    dev = _device(device)
    vocab, data, train_tokens = _lm_data(size, level, fixed, valid_given)
    batch, seq = _fit(train_tokens, fixed.get("batch_size", BATCH), fixed.get("seq_len", SEQ_LEN))

    def model_of(layers, hidden, embed):
        m = {"cell": fixed.get("cell", "lstm"), "layers": fixed.get("layers", layers),
             "hidden": fixed.get("hidden", hidden), "embed": fixed.get("embed", embed),
             "tied": fixed.get("tied", level == "subword")}
        if fixed.get("hidden_sizes"):
            m["hidden_sizes"] = tuple(fixed["hidden_sizes"])
            m["layers"] = len(m["hidden_sizes"])
        return m

    def speed(model: dict, precision: str) -> Speed:
        return lm_speed({**model, "vocab_size": vocab, "dropout": 0.0}, batch, seq, dev,
                        precision)

    reference = model_of(1, 512, 128 if level == "char" else 256)
    precision, precision_why = _pick_precision(
        fixed.get("precision"),
        lambda p: speed(reference, p).tokens_per_s if p == "fp32" or _bf16_possible(dev)
        else None)

    shapes = LADDERS[level]
    fixed_shape = any(k in fixed for k in ("layers", "hidden", "embed", "hidden_sizes"))
    chosen, chosen_speed, note = _choose_shape(
        shapes, model_of, lambda m: speed(m, precision).tokens_per_s, budget, train_tokens,
        batch * seq, MIN_UPDATES[level], fixed_shape)
    model = model_of(*chosen)
    weights = _rnn_weights(model["layers"], model["hidden"], model["embed"],
                           4 if model["cell"] == "lstm" else 3)
    budget_tokens = _budget_tokens(budget, chosen_speed, train_tokens, batch * seq)
    epochs = budget_tokens / train_tokens
    train = {"batch_size": batch, "seq_len": seq, "precision": precision,
             "device": str(dev), **budget.train_fields()}
    capped = ""
    if epochs > MAX_EPOCHS and budget.unit == "minutes":  # epochs or steps: as asked
        train["max_epochs"] = float(MAX_EPOCHS)
        budget_tokens, capped = MAX_EPOCHS * train_tokens, (
            f"; a small corpus: the run ends after {MAX_EPOCHS} passes over it")
        epochs = MAX_EPOCHS
    updates = budget_tokens / (batch * seq)
    model["dropout"] = fixed.get("dropout", _dropout(epochs, weights, train_tokens))
    train["lr"] = fixed.get("lr", _lr(level, model["hidden"]))
    timed = budget.unit == "minutes" and not capped  # else by steps: the run ends sooner
    train.update(_schedule(updates, budget.amount if timed else None, WARMUP_SHARE, fixed))
    facts = {"tokens_per_s": round(chosen_speed), "expected_steps": int(updates),
             "epochs": round(epochs, 2), "train_tokens": train_tokens,
             "precision_why": precision_why, "device": str(dev)}
    shape = (" ".join(f"{h}" for h in model["hidden_sizes"]) + " "
             if model.get("hidden_sizes") else f"{model['layers']}x{model['hidden']} ")
    why = (f"{budget.describe()}, {size.describe()} ({train_tokens:,} training "
           f"{'characters' if level == 'char' else 'tokens'}), "
           f"~{chosen_speed:,.0f} tokens/s here ({_device_words(dev)}): "
           f"{shape}{model['cell'].upper()}, batch {batch}x{seq}, lr {train['lr']:g}, "
           f"warm-up {train['warmup_steps']} steps, dropout {model['dropout']:g}, "
           f"{precision_why}; about {int(updates):,} steps, {epochs:.1f} passes over the text"
           f"{capped}{note}")
    return Recipe(level, model, data, train, why, facts)


def _device_words(dev: torch.device) -> str:
    if dev.type == "cuda":
        return torch.cuda.get_device_name(dev)
    if dev.type == "cpu":
        return f"CPU, {torch.get_num_threads()} threads"
    return dev.type.upper()


def _choose_shape(shapes, model_of, tokens_per_s, budget: Budget, train_tokens: int,
                  tokens_per_step: int, min_updates: int, fixed_shape: bool
                  ) -> tuple[tuple, float, str]:
    """(shape, its tokens/s, a note): the largest shape that fits rule 2."""
    if fixed_shape:
        shape = shapes[0]
        return shape, tokens_per_s(model_of(*shape)), ""
    # a budget of epochs or steps says nothing of time: size the model as for
    # REFERENCE_MINUTES here, so that "10 epochs" of a big corpus does not pick a model
    # that would take a day on this machine
    timed = budget if budget.unit == "minutes" else Budget("minutes", REFERENCE_MINUTES)
    chosen = shapes[0]
    chosen_tps = tokens_per_s(model_of(*chosen))
    note = ""
    for shape in shapes[1:]:
        model = model_of(*shape)
        layers = model.get("layers", model.get("enc_layers", 1))
        weights = _rnn_weights(layers, model["hidden"], model["embed"])
        if weights > PARAMS_PER_TOKEN * train_tokens:
            note = "; a larger model would memorise so small a corpus"
            break
        tps = tokens_per_s(model)
        updates = _budget_tokens(timed, tps, train_tokens, tokens_per_step) / tokens_per_step
        if updates < min_updates:
            break
        chosen, chosen_tps = shape, tps
    if budget.unit != "minutes":
        note += f"; sized as for {REFERENCE_MINUTES} minutes of training here"
    return chosen, chosen_tps, note


# -- translators --------------------------------------------------------------------------

def plan_mt(size: CorpusSize, budget: Budget, device: str | torch.device = "auto",
            fixed: dict | None = None, lengths: tuple[int, int] = (15, 15)) -> Recipe:
    """A recipe for a translator on ``size`` sentence pairs; ``lengths``: typical source
    and target lengths in tokens (for the speed probe)."""
    fixed = {k: v for k, v in (fixed or {}).items() if v is not None}
    dev = _device(device)
    n_pairs = max(1, size.amount if size.unit == "pairs" else 0)
    vocab = fixed.get("vocab_size") or next(v for limit, v in MT_VOCAB if n_pairs < limit)
    widest = next(h for limit, h in MT_WIDEST if n_pairs < limit)
    batch = fixed.get("batch_size", MT_BATCH)
    while batch > 4 and n_pairs < batch * 20:  # at least 20 steps per pass
        batch //= 2
    train_tokens = int(n_pairs * 0.95 * lengths[1])

    def model_of(layers, hidden, embed):
        return {"cell": fixed.get("cell", "gru"), "enc_layers": fixed.get("layers", layers),
                "dec_layers": fixed.get("layers", layers), "hidden": fixed.get("hidden", hidden),
                "embed": fixed.get("embed", embed), "tied": fixed.get("tied", True),
                "attention": fixed.get("attention", "bahdanau")}

    def speed(model: dict, precision: str) -> float:
        return mt_speed({**model, "src_vocab": vocab, "tgt_vocab": vocab}, batch, *lengths,
                        dev, precision).tokens_per_s

    if dev.type == "cpu" and fixed.get("precision", "auto") == "auto":
        precision, precision_why = "fp32", "fp32 (a translator's small decoder steps gain " \
                                           "nothing from bf16 on a CPU)"
    else:
        reference = model_of(1, 256, 256)
        precision, precision_why = _pick_precision(
            fixed.get("precision"),
            lambda p: speed(reference, p) if p == "fp32" or _bf16_possible(dev) else None)
    shapes = tuple(s for s in LADDERS["mt"] if s[1] <= widest)
    fixed_shape = any(k in fixed for k in ("layers", "hidden", "embed"))
    chosen, chosen_speed, note = _choose_shape(
        shapes, model_of, lambda m: speed(m, precision), budget, train_tokens,
        batch * lengths[1], MIN_UPDATES["mt"], fixed_shape)
    model = model_of(*chosen)
    budget_tokens = _budget_tokens(budget, chosen_speed, train_tokens, batch * lengths[1])
    updates = budget_tokens / (batch * lengths[1])
    epochs = budget_tokens / max(train_tokens, 1)
    model["dropout"] = fixed.get("dropout", 0.1 if model["hidden"] <= 128 else
                                 0.2 if model["hidden"] <= 256 else 0.3)
    train = {"batch_size": batch, "precision": precision, "device": str(dev),
             "lr": fixed.get("lr", MT_LR), **budget.train_fields()}
    train.update(_schedule(updates, budget.amount if budget.unit == "minutes" else None,
                           MT_WARMUP_SHARE, fixed))
    data = {"vocab_size": vocab, "score": fixed.get("score", "chrf"),
            "eval_sentences": fixed.get("eval_sentences", MT_EVAL_SENTENCES)}
    facts = {"tokens_per_s": round(chosen_speed), "expected_steps": int(updates),
             "epochs": round(epochs, 2), "precision_why": precision_why, "device": str(dev)}
    why = (f"{budget.describe()}, {size.describe()}, ~{chosen_speed:,.0f} target tokens/s "
           f"here ({_device_words(dev)}): {model['cell'].upper()} {model['hidden']} wide with "
           f"{model['attention'].capitalize()} attention, tied output, vocabulary {vocab:,} "
           f"per language, batch {batch}, lr {train['lr']:g}, warm-up "
           f"{train['warmup_steps']} steps, dropout {model['dropout']:g}, {precision_why}; "
           f"about {int(updates):,} steps, {epochs:.1f} passes{note}; the kept checkpoint is "
           f"the one with the best {SCORE_NAMES.get(data['score'], data['score'])}")
    return Recipe("mt", model, data, train, why, facts)
