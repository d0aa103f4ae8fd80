"""Text generation from a language model: settings, sampling, streaming, batches.

``generate_stream(model, tokenizer, prompt, cfg)`` yields the text of one
sample as it is made; ``generate(...)`` returns ``cfg.num_samples`` texts made
together as the rows of one batch. ``model`` is an
:class:`~nlp.decoding.fast_inference.InferenceModel` (the fast CPU path; build it once
with ``prepare_for_generation`` after loading) or a ``LanguageModel`` used as
it is, on its own device (put in eval mode for each token and restored).

How a run goes:

1. The prompt is encoded (characters outside the vocabulary become UNK) and
   fed through the model once, in chunks of :data:`PREFILL_CHUNK` tokens.
   Only the last :data:`MAX_PROMPT_TOKENS` tokens of a longer prompt are fed: a
   recurrent state keeps little from further back, and this bounds the wait
   for the first token (a 100,000-character prompt took 14 s, token by token,
   on the fast CPU path of a small model).
   An empty prompt starts from the "\\n" token when the vocabulary has one,
   else from BOS.
2. The last position's logits give the first token. Each sampled token is
   then fed once through ``step`` with the carried state; nothing is
   recomputed, and the last token is not fed (nothing needs its output).
3. Logits -> PAD, BOS and ids the tokenizer lacks are never sampled, nor EOS
   unless ``end_token`` (a language model only learns to end a text where its
   training text had ends; RNN Studio's training text is one stream, the files
   of a folder joined by line breaks, so an EOS drawn by chance from an
   undertrained model would end a sample after a few characters) ->
   repetition penalty (CTRL: a logit of a token among the last
   ``repetition_window`` ids of prompt + output is divided by the penalty when
   positive, multiplied when negative) -> temperature (0: argmax) -> top-k ->
   top-p -> a draw from a private ``torch.Generator`` seeded with ``seed``
   (None: a fresh seed); the global RNG is never touched.
4. Ids become text incrementally. A subword piece may hold part of a UTF-8
   character, so text that ends in U+FFFD is held back until it completes.
   EOS (when it may be drawn) ends a sample; so does a stop string, which is
   *not* part of the returned text (text that may be the start of a stop string
   is held back until it is known not to be one); the stream's ``ended`` says
   which. The returned text never includes the prompt. ``should_stop`` is polled
   before every token.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch import Tensor

from models.config import DictConfig, check_float, check_int
from nlp.decoding.fast_inference import InferenceModel
from nlp.decoding.text import SampleText
from nlp.decoding.threads import scoped_threads
from nlp.errors import CheckpointError, ConfigError, TokenizerError

__all__ = ["MAX_PROMPT_TOKENS", "PREFILL_CHUNK", "GenerationConfig", "Stream", "generate",
           "generate_stream"]

log = logging.getLogger(__name__)

PAD, BOS, EOS, UNK = 0, 1, 2, 3
PREFILL_CHUNK = 512  # prompt tokens per forward: bounds the (1, T, V) logits of a long prompt
MAX_PROMPT_TOKENS = 4096  # a longer prompt is cut to its last this many tokens
_CONTEXT_IDS = 4  # prompt ids that seed the incremental decoder (word-boundary spaces)

ShouldStop = Callable[[], bool] | None


@dataclass(frozen=True)
class GenerationConfig(DictConfig):
    """How to sample; see the module docstring for the order of the steps.

    max_tokens: tokens to make per sample, 1 .. 1,000,000.
    temperature: 0 picks the most likely token (greedy); else logits / T, in [0, 10].
    top_k: sample among the k most likely tokens; 0 or None = all (1 = greedy).
    top_p: sample among the most likely tokens that together hold this
        probability (nucleus), in (0, 1]; None or 1 = all.
    repetition_penalty: CTRL-style, in [1, 10]; 1 = off (1.1-1.3 is typical).
    repetition_window: how many recent ids (prompt and output) it applies to; 0 = all.
    stop: texts that end a sample; not included in the output.
    num_samples: texts to make (rows of one batch) in ``generate``, 1 .. 256;
        ``generate_stream`` always makes one.
    seed: makes output reproducible (same model, settings and prompt); None = random.
    end_token: the model may end a sample with its end-of-text token (EOS); only
        for a model whose training text had ends to learn (see step 3).
    """

    max_tokens: int = 500
    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    repetition_penalty: float = 1.0
    repetition_window: int = 64
    stop: tuple[str, ...] = ()
    num_samples: int = 1
    seed: int | None = None
    end_token: bool = False

    def __post_init__(self) -> None:
        w = "GenerationConfig"
        check_int(w, "max_tokens", self.max_tokens, 1)
        if self.max_tokens > 1_000_000:
            raise ConfigError(f"{w}.max_tokens must be at most 1000000, got {self.max_tokens}.")
        check_float(w, "temperature", self.temperature, 0.0, 10.0, high_inclusive=True)
        if self.top_k is not None:
            check_int(w, "top_k", self.top_k, 0)
        if self.top_p is not None:
            check_float(w, "top_p", self.top_p, 0.0, 1.0, high_inclusive=True)
            if self.top_p == 0:
                raise ConfigError(f"{w}.top_p must be in (0, 1] (1 = off), got 0; "
                                  "use temperature 0 for greedy output.")
        check_float(w, "repetition_penalty", self.repetition_penalty, 1.0, 10.0,
                    high_inclusive=True)
        check_int(w, "repetition_window", self.repetition_window, 0)
        if isinstance(self.stop, str) or not hasattr(self.stop, "__iter__"):
            raise ConfigError(f"{w}.stop must be a list of texts, got {self.stop!r}"
                              + (f"; write [{self.stop!r}]." if isinstance(self.stop, str)
                                 else "."))
        stop = tuple(self.stop)
        object.__setattr__(self, "stop", stop)  # lists -> tuple (hashable)
        for s in stop:
            if not isinstance(s, str) or not s:
                raise ConfigError(f"{w}.stop must hold non-empty texts, got {s!r}.")
        check_int(w, "num_samples", self.num_samples, 1)
        if self.num_samples > 256:
            raise ConfigError(f"{w}.num_samples must be at most 256, got {self.num_samples}.")
        if self.seed is not None:
            check_int(w, "seed", self.seed, 0)
            if self.seed >= 2**63:
                raise ConfigError(f"{w}.seed must be below 2**63, got {self.seed}.")


# ---------------------------------------------------------------- public API


def generate_stream(model, tokenizer, prompt: str, cfg: GenerationConfig | None = None,
                    should_stop: ShouldStop = None) -> Stream:
    """Yield the text of one sample piece by piece as it is made (never the prompt).

    The pieces joined equal ``generate(...)[0]`` with ``num_samples=1`` and the
    same seed. Settings are checked before the first ``next``. Once exhausted,
    the stream's ``ended`` and ``tokens`` say why and after how many tokens it ended.
    """
    cfg = cfg or GenerationConfig()
    runner, prompt_ids = _start(model, tokenizer, prompt, cfg)
    return Stream(runner, tokenizer, prompt_ids, cfg, should_stop)


def generate(model, tokenizer, prompt: str, cfg: GenerationConfig | None = None,
             should_stop: ShouldStop = None) -> list[str]:
    """``cfg.num_samples`` continuations of ``prompt``, made as the rows of one batch."""
    cfg = cfg or GenerationConfig()
    runner, prompt_ids = _start(model, tokenizer, prompt, cfg)
    context = prompt_ids[-_CONTEXT_IDS:]
    rows = [SampleText(tokenizer, context, cfg.stop) for _ in range(cfg.num_samples)]
    parts: list[list[str]] = [[] for _ in rows]
    tokens_of = _token_rows(runner, prompt_ids, cfg, cfg.num_samples, tokenizer.vocab_size,
                            should_stop)
    with contextlib.closing(tokens_of):
        for tokens in tokens_of:
            for row, out, token in zip(rows, parts, tokens, strict=True):
                if not row.done:
                    out.append(row.push(token))
            if all(row.done for row in rows):
                break
    for row, out in zip(rows, parts, strict=True):
        out.append(row.finish())
    return ["".join(out) for out in parts]


class Stream(Iterator[str]):
    """The pieces of one sample; after the last one, ``ended`` is why it ended early:
    ``"eos"``, ``"stop"`` (a stop string: ``stop_text``), ``"stopped"`` (should_stop)
    or None (it made ``max_tokens`` tokens); ``tokens``: how many it made."""

    def __init__(self, runner, tokenizer, prompt_ids: list[int], cfg: GenerationConfig,
                 should_stop: ShouldStop):
        self._row = SampleText(tokenizer, prompt_ids[-_CONTEXT_IDS:], cfg.stop)
        self._should_stop = should_stop
        self._max_tokens = cfg.max_tokens
        self._pieces = self._generate(runner, prompt_ids, cfg, tokenizer.vocab_size)
        self.ended: str | None = None

    @property
    def tokens(self) -> int:
        return self._row.tokens

    def __next__(self) -> str:
        return next(self._pieces)

    def _generate(self, runner, prompt_ids, cfg, vocab) -> Iterator[str]:
        row = self._row
        tokens_of = _token_rows(runner, prompt_ids, cfg, 1, vocab, self._should_stop)
        with contextlib.closing(tokens_of):
            for (token,) in tokens_of:
                piece = row.push(token)
                if piece:
                    yield piece
                if row.done:
                    self.ended = row.ended
                    return
        if row.tokens < self._max_tokens:
            self.ended = "stopped"
        piece = row.finish()
        if piece:
            yield piece


def _start(model, tokenizer, prompt: str, cfg: GenerationConfig):
    if not isinstance(cfg, GenerationConfig):
        raise TypeError(f"cfg must be a GenerationConfig, got {type(cfg).__name__}")
    if not isinstance(prompt, str):
        raise TypeError(f"prompt must be a str, got {type(prompt).__name__}")
    runner = model if isinstance(model, InferenceModel) else _ModuleRunner(model)
    if runner.vocab_size is not None and tokenizer.vocab_size > runner.vocab_size:
        raise TokenizerError(
            f"The tokenizer has {tokenizer.vocab_size} ids but the model knows only "
            f"{runner.vocab_size}: use the tokenizer saved with the model.")
    ids = list(tokenizer.encode(prompt)) if prompt else []
    if len(ids) > MAX_PROMPT_TOKENS:
        log.info("the prompt has %d tokens; the model is given its last %d", len(ids),
                 MAX_PROMPT_TOKENS)
        ids = ids[-MAX_PROMPT_TOKENS:]
    if not ids:
        newline = list(tokenizer.encode("\n"))
        ids = newline if len(newline) == 1 and newline[0] != UNK else [BOS]
    return runner, ids


# ---------------------------------------------------------------- tokens


class _ModuleRunner:
    """A LanguageModel-like module (``forward``, ``step``) used as is, on its own device
    (on a CPU with one thread: never slow on a busy machine, see nlp.decoding.threads)."""

    def __init__(self, model: torch.nn.Module):
        self.model = model
        param = next(model.parameters(), None)
        self.device = param.device if param is not None else torch.device("cpu")
        self.vocab_size = getattr(getattr(model, "cfg", None), "vocab_size", None)

    @contextlib.contextmanager
    def compute(self, tokens: int = 1) -> Iterator[None]:
        training = self.model.training
        if training:
            self.model.eval()  # no dropout while generating; restored below
        threads = 1 if self.device.type == "cpu" else torch.get_num_threads()
        try:
            with torch.inference_mode(), scoped_threads(threads):
                yield
        finally:
            if training:
                self.model.train()

    def prefill(self, ids: Tensor, state) -> tuple[Tensor, object]:
        logits, _, state = self.model(ids, state)                # (B, T, V)
        return logits[:, -1], state

    def step(self, tokens: Tensor, state) -> tuple[Tensor, object]:
        return self.model.step(tokens, state)

    @staticmethod
    def expand_state(state, n: int):
        """(L, 1, H) entries -> (L, n, H)."""
        return [tuple(t.repeat(1, n, 1) for t in s) if isinstance(s, tuple)
                else s.repeat(1, n, 1) for s in state]


def _token_rows(runner, prompt_ids: list[int], cfg: GenerationConfig, batch: int,
                tokenizer_vocab: int, should_stop: ShouldStop) -> Iterator[list[int]]:
    """Yield the sampled ids, one list of ``batch`` ids per step (see module doc 1-3)."""
    device = runner.device
    generator = torch.Generator(device=device)
    if cfg.seed is None:
        generator.seed()
    else:
        generator.manual_seed(cfg.seed)
    ids = torch.tensor(prompt_ids, dtype=torch.long, device=device)[None]  # (1, T)
    state = None
    for start in range(0, ids.shape[1], PREFILL_CHUNK):
        if should_stop is not None and should_stop():
            return
        with runner.compute(0):  # untimed: the thread tuner compares single tokens
            logits, state = runner.prefill(ids[:, start:start + PREFILL_CHUNK], state)
    if not torch.isfinite(logits).all():
        raise CheckpointError(
            "The model's outputs are not numbers (NaN or infinity): its weights are damaged "
            "or its training diverged. Use an earlier checkpoint.")
    with runner.compute(0):
        sampler = _Sampler(cfg, logits.shape[-1], tokenizer_vocab, device, generator,
                           prompt_ids, batch)
        if batch > 1:
            logits, state = logits.expand(batch, -1), runner.expand_state(state, batch)
    tokens = None
    for _ in range(cfg.max_tokens):
        if should_stop is not None and should_stop():
            return
        with runner.compute():
            if tokens is not None:
                logits, state = runner.step(tokens, state)       # (B, V)
            tokens = sampler(logits)                             # (B,)
        yield tokens.tolist()


class _Sampler:
    """Logits (B, V) -> token ids (B,), following step 3 of the module doc."""

    def __init__(self, cfg: GenerationConfig, vocab: int, tokenizer_vocab: int,
                 device: torch.device, generator: torch.Generator, history: list[int],
                 batch: int):
        self.bias = torch.zeros(vocab, device=device)           # -inf: never sampled
        never = (PAD, BOS) if cfg.end_token else (PAD, BOS, EOS)
        self.bias[[i for i in never if i < vocab]] = -math.inf
        self.bias[tokenizer_vocab:] = -math.inf
        self.greedy = cfg.temperature == 0 or cfg.top_k == 1
        self.temperature = cfg.temperature
        self.top_k = min(cfg.top_k or 0, vocab)
        self.top_p = cfg.top_p if cfg.top_p is not None and cfg.top_p < 1 else None
        self.generator = generator
        self._noise: dict[torch.Size, Tensor] = {}                # reused buffers for _draw
        self.penalty = cfg.repetition_penalty if cfg.repetition_penalty != 1 else None
        if self.penalty is not None:
            window = cfg.repetition_window
            tail = history[-window:] if window else history
            counts = torch.bincount(torch.tensor(tail, dtype=torch.long), minlength=vocab)
            self.counts = counts[:vocab].float().to(device).repeat(batch, 1)  # (B, V)
            self.window = window
            self.recent: deque[Tensor] = deque(
                torch.full((batch,), i, dtype=torch.long, device=device) for i in tail)
            self.ones = torch.ones(batch, 1, device=device)

    def __call__(self, logits: Tensor) -> Tensor:
        # the penalty scales by sign, so it commutes with the temperature: both in one op
        scale = 1.0 if self.greedy else 1.0 / self.temperature
        logits = torch.add(self.bias, logits, alpha=scale)       # a new (B, V) float tensor
        if self.penalty is not None:
            p = self.penalty
            penalized = torch.where(logits > 0, logits / p, logits * p)
            logits = torch.where(self.counts > 0, penalized, logits)
        tokens = logits.argmax(-1) if self.greedy else self._sample(logits)
        if self.penalty is not None:
            self._remember(tokens)
        return tokens

    def _sample(self, logits: Tensor) -> Tensor:
        if not self.top_k and self.top_p is None:
            return self._draw(torch.softmax(logits, -1))
        if self.top_k:
            vals, idx = logits.topk(self.top_k, -1)              # sorted, most likely first
        else:
            vals, idx = logits.sort(-1, descending=True)
        probs = torch.softmax(vals, -1)
        if self.top_p is not None:
            before = probs.cumsum(-1).sub_(probs)                # mass of the likelier tokens
            probs = torch.softmax(vals.masked_fill_(before >= self.top_p, -math.inf), -1)
        return idx.gather(1, self._draw(probs)[:, None])[:, 0]

    def _draw(self, probs: Tensor) -> Tensor:
        """One index per row of probs (B, N) with those probabilities.

        argmax(p / q) with q ~ Exp(1) drawn independently per entry is a draw
        from p (the exponential race, i.e. the Gumbel-max trick): half the time
        of ``torch.multinomial`` at batch 1. q is kept above 0 so that a
        zero-probability id can never win.
        """
        q = self._noise.get(probs.shape)
        if q is None:
            q = self._noise[probs.shape] = torch.empty_like(probs)
        q.exponential_(generator=self.generator).clamp_min_(1e-30)
        return probs.div_(q).argmax(-1)

    def _remember(self, tokens: Tensor) -> None:
        self.counts.scatter_add_(1, tokens[:, None], self.ones)
        self.recent.append(tokens)
        if self.window and len(self.recent) > self.window:
            self.counts.scatter_add_(1, self.recent.popleft()[:, None], -self.ones)
