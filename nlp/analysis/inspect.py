"""Looking inside a trained model: a language model's gates, a translator's attention and beam.

Language models (:func:`inspect_lm`): the text runs through the model's
reference cells (:meth:`~models.language_model.LanguageModel.trace`), which
compute what the fused ``nn.LSTM`` / ``nn.GRU`` computes but keep every gate at
every step. An :class:`LMInspection` holds, per layer, each gate as a (T, H)
array (T tokens, H units), and per token its piece of text, how surprised the
model was by it and what it expected next.

Which units mean something? :func:`text_features` describes every token by
simple facts about the text read so far (inside quotes, position in the line,
just after punctuation, ...) and :func:`rank_units` lists, for each fact, the
units whose value follows it most closely (Pearson r, with its sign), so a
person can go straight to "layer 2, unit 117 tracks 'inside quotes' (r = 0.83)".

Translators (:func:`inspect_translation`): each sentence is beam-searched as
the :class:`~nlp.decoding.translator.Translator` does, and every alternative of the
beam keeps its scores and its attention over the source.

Results are plain numpy/dataclasses with ``to_dict()`` for JSON. No Qt here.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import torch

from nlp.data.tokenizers import EOS, UNK, Tokenizer
from nlp.errors import CheckpointError, ConfigError
from nlp.runs.workspace import Run

__all__ = [
    "FEATURES", "MAX_SOURCE_TOKENS", "MAX_TOKENS", "Alternative", "LMInspection",
    "LoadedModel", "SentenceInspection", "TranslationInspection", "UnitScore",
    "bracket_spans", "correlations", "follows", "inspect_lm", "inspect_text",
    "inspect_translation", "load_for_inspection", "quote_spans", "rank_all", "rank_units",
    "strongest_units", "text_features", "value_range",
]

log = logging.getLogger(__name__)

MAX_TOKENS = 5000  # a language model is traced one step at a time: keep it to seconds
MAX_SOURCE_TOKENS = 1000  # source tokens beam-searched in one inspection
DECIMALS = 5  # values in to_dict() are rounded to this many decimals

# The facts about the text that rank_units correlates units with, in display order.
FEATURES = ("inside quotes", "inside brackets", "position in line", "after punctuation",
            "word start", "upper case", "whitespace", "digit")
# Facts that describe the state after a token is read: the value at its last character.
_STATE_FEATURES = ("inside quotes", "inside brackets", "position in line")

_OPENING_QUOTES = {"«": "»", "“": "”", "‘": "’", "‹": "›", "「": "」", "『": "』"}
_APOSTROPHES = "'’"
_BRACKETS = {"(": ")", "[": "]", "{": "}", "（": "）", "【": "】"}
_PUNCTUATION = frozenset(".,;:!?…。，、；：！？")
_CONSTANT = 1e-6  # a unit or feature whose range is below this counts as constant
# Where each traced value lives: sigmoid gates in 0..1, tanh outputs in -1..1.
# The LSTM cell and the surprisal are unbounded: see value_range.
GATE_RANGES = {"input": (0.0, 1.0), "forget": (0.0, 1.0), "output": (0.0, 1.0),
               "reset": (0.0, 1.0), "update": (0.0, 1.0), "candidate": (-1.0, 1.0),
               "hidden": (-1.0, 1.0)}


def value_range(name: str, values: np.ndarray) -> tuple[float, float]:
    """The range to colour ``values`` of ``name`` (a gate, or "surprisal") over:
    the gate's own range; for the LSTM cell, symmetric about 0 out to the
    largest |value|; for surprisal, 0 to the largest value (at least 1)."""
    if name in GATE_RANGES:
        return GATE_RANGES[name]
    finite = np.asarray(values, np.float64)
    finite = finite[np.isfinite(finite)]
    if name == "surprisal":
        return 0.0, max(float(finite.max()) if finite.size else 1.0, 1.0)
    largest = float(np.abs(finite).max()) if finite.size else 1.0
    return -max(largest, 1e-6), max(largest, 1e-6)


# ---------------------------------------------------------------- text features

def _is_apostrophe(text: str, i: int) -> bool:
    """A quote mark between two letters or digits is an apostrophe (don't, it’s)."""
    return 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()


def _may_open_single(text: str, i: int) -> bool:
    """A straight ' opens a quote after a non-letter and before a non-space."""
    before_ok = i == 0 or not text[i - 1].isalnum()
    return before_ok and i + 1 < len(text) and not text[i + 1].isspace()


def quote_spans(text: str) -> list[tuple[int, int]]:
    """``(opening, closing)`` indices of balanced quotes: ``"..."``, ``'...'``,
    ``« »``, ``“ ”``, ``‘ ’``, ``‹ ›``, ``「 」``, ``『 』``.

    A quote mark inside a word is an apostrophe, never a quote. An opening
    mark not closed by the end of its paragraph (a blank line) makes no span,
    so one stray mark does not turn the rest of a text inside out.

    >>> quote_spans('He said "don\\'t".')
    [(8, 14)]
    """
    spans: list[tuple[int, int]] = []
    pending: dict[str, int] = {}  # closing mark -> index of the open quote waiting for it
    for i, ch in enumerate(text):
        if ch == "\n" and i and text[i - 1] == "\n":
            pending.clear()
        elif ch in _APOSTROPHES and _is_apostrophe(text, i):
            continue
        elif ch in pending:
            spans.append((pending.pop(ch), i))
        elif ch in _OPENING_QUOTES:
            pending[_OPENING_QUOTES[ch]] = i
        elif ch == '"' or (ch == "'" and _may_open_single(text, i)):
            pending[ch] = i
    return sorted(spans)


def bracket_spans(text: str) -> list[tuple[int, int]]:
    """``(opening, closing)`` indices of matched ``() [] {}`` (and full-width) brackets;
    a closing bracket that matches nothing is ignored."""
    spans, stack = [], []
    for i, ch in enumerate(text):
        if ch in _BRACKETS:
            stack.append((_BRACKETS[ch], i))
        elif stack and ch == stack[-1][0]:
            spans.append((stack.pop()[1], i))
    return sorted(spans)


def _inside(spans: list[tuple[int, int]], n: int) -> np.ndarray:
    """1 from each opening mark up to (not including) its closing mark: after
    reading the opening mark one is inside, after the closing one outside."""
    mask = np.zeros(n, np.float32)
    for start, end in spans:
        mask[start:end] = 1.0
    return mask


def _line_position(text: str) -> np.ndarray:
    """Characters read since the last line break (a line break itself is 0)."""
    index = np.arange(len(text))
    is_break = np.fromiter((ch == "\n" for ch in text), bool, len(text))
    return (index - np.maximum.accumulate(np.where(is_break, index, -1))).astype(np.float32)


def char_features(text: str) -> dict[str, np.ndarray]:
    """Each of :data:`FEATURES` for every character of ``text``, as float32 arrays."""
    def flags(test) -> np.ndarray:
        return np.fromiter((test(i, ch) for i, ch in enumerate(text)), np.float32, len(text))

    return {
        "inside quotes": _inside(quote_spans(text), len(text)),
        "inside brackets": _inside(bracket_spans(text), len(text)),
        "position in line": _line_position(text),
        "after punctuation": flags(lambda i, ch: ch in _PUNCTUATION),
        "word start": flags(lambda i, ch: ch.isalnum() and (i == 0 or not text[i - 1].isalnum())),
        "upper case": flags(lambda i, ch: ch.isupper()),
        "whitespace": flags(lambda i, ch: ch.isspace()),
        "digit": flags(lambda i, ch: ch.isdigit()),
    }


def text_features(text: str, spans: list[tuple[int, int]]) -> dict[str, np.ndarray]:
    """Each of :data:`FEATURES` per token, the token at ``text[start:end]`` for each span.

    A state (inside quotes or brackets, position in the line) is read at the
    token's last character, since the model's state at a token is the state
    after reading it; a kind of character (upper case, digit, ...) is the
    share of the token's characters of that kind. For a character model both
    are simply the character's value.
    """
    per_char = char_features(text)
    starts = np.array([s for s, _ in spans], np.int64)
    ends = np.array([e for _, e in spans], np.int64)
    lengths = np.maximum(ends - starts, 1)
    out = {}
    for name, values in per_char.items():
        if name in _STATE_FEATURES:
            out[name] = values[np.maximum(ends - 1, 0)] if len(values) else values
        else:
            summed = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
            out[name] = ((summed[ends] - summed[starts]) / lengths).astype(np.float32)
    return out


# ---------------------------------------------------------------- ranking units

@dataclass(frozen=True)
class UnitScore:
    """Unit ``unit`` of layer ``layer`` (0 = bottom) follows ``feature`` with Pearson ``r``."""

    feature: str
    layer: int
    unit: int
    r: float


def correlations(features: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Pearson r of each feature with each unit: ``features`` (T,) or (T, F),
    ``values`` (T, H) -> (H,) or (F, H), in one matrix product.

    A constant feature or unit (range below 1e-6) has r = 0, not NaN.
    """
    x = np.asarray(features, np.float64)
    one = x.ndim == 1
    x = x[:, None] if one else x                                  # (T, F)
    y = np.asarray(values, np.float64)                            # (T, H)
    r = np.zeros((x.shape[1], y.shape[1]))
    if len(x) >= 2:
        x = x - x.mean(axis=0)
        y = y - y.mean(axis=0)
        norms = np.sqrt((x * x).sum(axis=0))[:, None] * np.sqrt((y * y).sum(axis=0))[None, :]
        varies = (np.ptp(x, axis=0) >= _CONSTANT)[:, None] & (np.ptp(y, axis=0) >= _CONSTANT)
        np.divide(x.T @ y, norms, out=r, where=varies & (norms > 0))
    r = np.clip(r, -1.0, 1.0)
    return r[0] if one else r


def rank_units(inspection: LMInspection, gate: str = "hidden", layer: int = -1,
               top: int = 5) -> dict[str, list[UnitScore]]:
    """For each of :data:`FEATURES`, the ``top`` units of ``gate`` in ``layer`` by |r|,
    strongest first. A feature that does not vary in the text (no quotes at
    all, say) gets an empty list, and so do units that never change."""
    values = inspection.values(gate, layer)
    layer = layer % inspection.num_layers
    names = list(inspection.features)
    r = correlations(np.column_stack([inspection.features[n] for n in names]), values)
    ranking = {}
    for name, row in zip(names, r, strict=True):
        order = np.argsort(-np.abs(row), kind="stable")[:top]
        ranking[name] = [UnitScore(name, layer, int(u), float(row[u]))
                         for u in order if row[u] != 0]
    return ranking


def rank_all(inspection: LMInspection, top: int = 5) -> list[dict]:
    """Every layer's and gate's ranking, as JSON-ready rows (layers counted from 1)."""
    rows = []
    for layer in range(inspection.num_layers):
        for gate in inspection.gate_names:
            for feature, units in rank_units(inspection, gate, layer, top).items():
                rows.append({"layer": layer + 1, "gate": gate, "feature": feature,
                             "units": [{"unit": u.unit, "r": round(u.r, 4)} for u in units]})
    return rows


def follows(ranking: dict[str, list[UnitScore]], unit: int) -> UnitScore | None:
    """The feature ``unit`` follows most closely in a ranking, or None when it is not
    ranked for any feature."""
    scores = [s for units in ranking.values() for s in units if s.unit == unit]
    return max(scores, key=lambda s: abs(s.r)) if scores else None


def strongest_units(ranking: dict[str, list[UnitScore]], count: int = 12) -> list[UnitScore]:
    """The units of a ranking by |r| over all features, each unit once (with the
    feature it follows best)."""
    scores = sorted((s for units in ranking.values() for s in units),
                    key=lambda s: -abs(s.r))
    seen, out = set(), []
    for s in scores:
        if s.unit not in seen:
            seen.add(s.unit)
            out.append(s)
    return out[:count]


# ---------------------------------------------------------------- language models

@dataclass
class LMInspection:
    """A text read by a language model, with every gate at every token.

    ``layers[l][gate]``: (T, H_l) float32, for the gates of ``gate_names``.
    ``spans[t]``: where token t's piece is in ``text``. ``surprisal[t]``: bits,
    ``-log2 p(token t | tokens before it)`` (NaN for the first token, which has
    nothing before it). ``expected[t]`` and ``expected_prob[t]``: the piece
    the model found most likely to come after token t, and its probability.
    """

    text: str
    cell: str
    level: str
    pieces: list[str]
    spans: list[tuple[int, int]]
    token_ids: list[int]
    layers: tuple[dict[str, np.ndarray], ...]
    surprisal: np.ndarray
    expected: list[str]
    expected_prob: np.ndarray
    unknown: int = 0  # tokens outside the vocabulary
    note: str = ""  # what a person should know (the text was cut)

    @property
    def num_layers(self) -> int:
        return len(self.layers)

    @property
    def gate_names(self) -> tuple[str, ...]:
        return tuple(self.layers[0])

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return tuple(layer["hidden"].shape[1] for layer in self.layers)

    def values(self, gate: str, layer: int = -1) -> np.ndarray:
        """(T, H) values of ``gate`` in ``layer`` (0 = bottom, -1 = top)."""
        n = self.num_layers
        if not -n <= layer < n:
            raise ConfigError(f"This model has {n} layer{'s' if n > 1 else ''} (1 to {n}); "
                              f"there is no layer {layer + 1}.")
        if gate not in self.layers[layer]:
            raise ConfigError(f"An {self.cell.upper()} has no gate {gate!r}; choose one of: "
                              f"{', '.join(self.gate_names)}.")
        return self.layers[layer][gate]

    @cached_property
    def features(self) -> dict[str, np.ndarray]:
        """:func:`text_features` of the text, one value per token."""
        return text_features(self.text, self.spans)

    def to_dict(self) -> dict:
        """Everything, JSON-ready (values rounded to 5 decimals; surprisal of the first
        token null)."""
        tokens = []
        for t, piece in enumerate(self.pieces):
            s = float(self.surprisal[t])
            tokens.append({"piece": piece, "start": self.spans[t][0], "end": self.spans[t][1],
                           "id": self.token_ids[t],
                           "surprisal_bits": None if math.isnan(s) else round(s, 4),
                           "expected": self.expected[t],
                           "expected_prob": round(float(self.expected_prob[t]), 4)})
        return {
            "kind": "lm", "cell": self.cell, "level": self.level, "text": self.text,
            "note": self.note, "unknown_tokens": self.unknown, "tokens": tokens,
            "features": {k: _rounded(v, 4) for k, v in self.features.items()},
            "layers": [{"layer": k + 1, "size": int(layer["hidden"].shape[1]),
                        "gates": {g: _rounded(v) for g, v in layer.items()}}
                       for k, layer in enumerate(self.layers)],
        }


def _rounded(values: np.ndarray, decimals: int = DECIMALS) -> list:
    """Nested lists of ``values`` rounded for JSON (in float64, so that 0.12346 is
    written as such and not as the float32 value's 17 digits)."""
    return np.round(np.asarray(values, np.float64), decimals).tolist()


def _is_byte_piece(piece: str) -> bool:
    return len(piece) == 6 and piece.startswith("<0x") and piece.endswith(">")


def piece_spans(tokenizer: Tokenizer, text: str, ids: np.ndarray
                ) -> tuple[str, list[tuple[int, int]]]:
    """The text the ids stand for and each token's ``(start, end)`` in it.

    A character model has one token per character of ``text`` (an unknown
    character keeps its place). A subword's text is its decoding; the byte
    pieces that together spell one character all get that character's span.
    """
    if tokenizer.kind == "char":
        return text[:len(ids)], [(i, i + 1) for i in range(len(ids))]
    spans: list[tuple[int, int]] = []
    pos, group = 0, 0
    for k, i in enumerate(ids.tolist()):
        chunk = tokenizer.decode(ids[group:k + 1])
        partial = chunk.endswith("\ufffd") and _is_byte_piece(tokenizer.id_to_piece(i))
        if partial and k + 1 < len(ids):
            continue  # the character's remaining bytes follow
        spans += [(pos, pos + len(chunk))] * (k + 1 - group)
        pos, group = pos + len(chunk), k + 1
    return tokenizer.decode(ids), spans


def inspect_lm(model, tokenizer: Tokenizer, text: str,
               max_tokens: int = MAX_TOKENS) -> LMInspection:
    """Run ``text`` through ``model`` (a :class:`~models.language_model.LanguageModel`)
    and keep every gate; texts longer than ``max_tokens`` tokens are cut (``note`` says so)."""
    if not text or not text.strip():
        raise ConfigError("There is no text to inspect: type or paste some text first.")
    ids = tokenizer.encode_array(text)
    note = ""
    if len(ids) > max_tokens:
        note = (f"Only the first {max_tokens:,} of {len(ids):,} tokens were inspected: "
                "tracing every gate of a longer text would take too long.")
        log.info(note)
        ids = ids[:max_tokens]
    shown, spans = piece_spans(tokenizer, text, ids)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        logits, trace = model.trace(torch.as_tensor(ids, dtype=torch.long, device=device)[None])
    finally:
        model.train(was_training)
    log_probs = torch.log_softmax(logits[0].float(), dim=-1).cpu()  # (T, V)
    target = torch.as_tensor(ids[1:], dtype=torch.long)
    surprisal = np.full(len(ids), np.nan, np.float32)
    surprisal[1:] = (-log_probs[:-1].gather(1, target[:, None])[:, 0] / math.log(2)).numpy()
    best_lp, best_id = log_probs.max(dim=-1)
    layers = tuple({name: v[:, 0].float().cpu().numpy() for name, v in layer.items()}
                   for layer in trace.layers)
    return LMInspection(
        text=shown, cell=trace.cell, level=tokenizer.kind,
        pieces=[shown[a:b] for a, b in spans], spans=spans, token_ids=ids.tolist(),
        layers=layers, surprisal=surprisal,
        expected=[tokenizer.decode([i]) for i in best_id.tolist()],
        expected_prob=best_lp.exp().numpy(), unknown=int(np.count_nonzero(ids == UNK)),
        note=note)


# ---------------------------------------------------------------- translators

@dataclass
class Alternative:
    """One hypothesis of the beam: its text, ``score`` (the length-normalised
    log-probability the beam ranks by), ``log_prob`` (the total), its target
    pieces (``</s>`` last) and ``attention`` (len(pieces), len(source pieces))."""

    text: str
    score: float
    log_prob: float
    pieces: list[str]
    attention: np.ndarray

    def to_dict(self) -> dict:
        return {"text": self.text, "score": round(self.score, 5),
                "log_prob": round(self.log_prob, 5), "pieces": self.pieces,
                "attention": _rounded(self.attention)}


@dataclass
class SentenceInspection:
    """One source sentence, its pieces (``</s>`` last when the model reads one)
    and the beam's alternatives, best first."""

    source: str
    source_pieces: list[str]
    alternatives: list[Alternative]


@dataclass
class TranslationInspection:
    """A text split into sentences as the translator splits it, each inspected."""

    text: str
    beam: int
    sentences: list[SentenceInspection]
    note: str = ""

    def to_dict(self) -> dict:
        return {"kind": "mt", "text": self.text, "beam": self.beam, "note": self.note,
                "sentences": [{"source": s.source, "source_pieces": s.source_pieces,
                               "alternatives": [a.to_dict() for a in s.alternatives]}
                              for s in self.sentences]}


def _one_line(text: str) -> str:
    """A translation on one line, as the Translator shows it: a run of line breaks
    becomes one space."""
    return " ".join(line for line in text.splitlines() if line).strip()


def _source_segments(translator, text: str, limit: int) -> tuple[list[tuple[str, np.ndarray]], str]:
    """``(sentence, ids)`` as the translator cuts the text (sentences, then pieces of
    ``max_src_tokens``), up to ``limit`` tokens in all; and a note if some were left out."""
    from nlp.decoding.translator import split_sentences

    sentences = [s for s, _ in split_sentences(text)]
    segments: list[tuple[str, np.ndarray]] = []
    total, size = 0, translator.max_src_tokens
    encoded = translator.src_tok.encode_batch(sentences) if sentences else []
    for sentence, ids in zip(sentences, encoded, strict=True):
        chunks = [ids[i:i + size] for i in range(0, max(len(ids), 1), size)]
        for chunk in chunks:
            if segments and total + len(chunk) > limit:
                return segments, (f"Only the first {len(segments)} sentences were inspected "
                                  f"({total:,} source tokens; at most {limit:,} are "
                                  "searched at once).")
            source = sentence if len(chunks) == 1 else translator.src_tok.decode(chunk)
            segments.append((source, chunk))
            total += len(chunk)
    return segments, ""


def inspect_translation(translator, text: str, beam: int = 5, n_best: int = 3,
                        max_source_tokens: int = MAX_SOURCE_TOKENS) -> TranslationInspection:
    """Beam-search each sentence of ``text`` with ``translator``
    (a :class:`~nlp.decoding.translator.Translator`), keeping the ``n_best`` alternatives
    of each with their scores and attention."""
    from nlp.data.batching import make_src_batch
    from nlp.decoding.beam import SearchConfig, search

    cfg = SearchConfig(beam=beam, n_best=n_best, attention=True)
    segments, note = _source_segments(translator, text or "", max_source_tokens)
    if not segments:
        raise ConfigError("There is no text to inspect: type or paste a sentence first.")
    src, lengths, _ = make_src_batch([ids for _, ids in segments], src_eos=translator.src_eos)
    with translator.decoding() as model:  # as translate() decodes, precision included
        hyps = search(model, src.to(translator.device), lengths, cfg)
    sentences = []
    for (source, ids), found in zip(segments, hyps, strict=True):
        src_ids = list(ids) + ([EOS] if translator.src_eos else [])
        alternatives = [Alternative(
            _one_line(translator.tgt_tok.decode([i for i in h.tokens if i != EOS])),
            float(h.score), float(h.log_prob), _pieces(translator.tgt_tok, h.tokens),
            np.asarray(h.attention, np.float32)) for h in found]
        sentences.append(SentenceInspection(source, _pieces(translator.src_tok, src_ids),
                                            alternatives))
    return TranslationInspection(text, beam, sentences, note)


def _pieces(tokenizer: Tokenizer, ids) -> list[str]:
    return ["</s>" if int(i) == EOS else tokenizer.id_to_piece(int(i)) for i in ids]


# ---------------------------------------------------------------- runs

@dataclass
class LoadedModel:
    """A run ready to inspect: ``kind`` "lm" (``model`` a LanguageModel, with
    ``tokenizer``) or "mt" (``model`` a Translator); ``info`` is the
    checkpoint's info.json."""

    kind: str
    model: object
    tokenizer: Tokenizer | None = None
    info: dict = field(default_factory=dict)


def load_for_inspection(run: Run, which: str = "best") -> LoadedModel:
    """A run's model on the CPU, whether a language model or a translator."""
    task = run.read_config().get("task")
    if task == "lm":
        from nlp.tasks.lm.task import load_lm

        model, tokenizer, info = load_lm(run, which)
        return LoadedModel("lm", model, tokenizer, info)
    if task == "mt":
        from nlp.decoding.translator import Translator
        from nlp.tasks.mt.task import load_mt

        model, src_tok, tgt_tok, info = load_mt(run, which)
        return LoadedModel("mt", Translator(model, src_tok, tgt_tok, "cpu"), None, info)
    raise CheckpointError(f"run {run.name!r} is a {task or 'unknown'} run; only language "
                          "models and translators can be inspected")


def inspect_text(loaded: LoadedModel, text: str, beam: int = 5, n_best: int = 3
                 ) -> LMInspection | TranslationInspection:
    """:func:`inspect_lm` or :func:`inspect_translation`, whichever the run is."""
    if loaded.kind == "lm":
        return inspect_lm(loaded.model, loaded.tokenizer, text)
    return inspect_translation(loaded.model, text, beam, n_best)
