"""Translating text with a trained :class:`~models.seq2seq.Seq2Seq`: the ``Translator`` facade.

``Translator.translate(texts)`` gives one :class:`TranslationResult` per input
text, whatever the text holds:

- an empty (or blank) text gives an empty translation;
- a text of several sentences is split after ``.!?`` followed by a space or
  its end, after ``。！？``, and at line breaks; the sentences are translated
  separately and joined back (with a space, nothing after CJK punctuation, or
  the line break that separated them);
- a sentence longer than ``max_src_tokens`` is cut into pieces of that many
  tokens, so very long input never fails;
- characters never seen in training go through the tokenizer's byte fallback.

All sentences of a call are sorted by length and decoded in batches (beam
search keeps every sentence's beams as rows of one batch, see ``nlp.decoding.beam``).
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import torch

from models.seq2seq import Seq2Seq
from nlp.data.batching import make_src_batch
from nlp.data.tokenizers import EOS, Tokenizer
from nlp.decoding.beam import Hypothesis, SearchConfig, search
from nlp.errors import Cancelled
from nlp.training.devices import pick_precision

__all__ = ["TranslationResult", "Translator", "split_sentences"]

log = logging.getLogger(__name__)

_BOUNDARY = re.compile(r"(?<=[.!?])[ \t]+|(?<=[.!?])$|(?<=[。！？])[ \t]*|[ \t]*\n\s*")
_LINE_BREAKS = re.compile(r"[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
_CJK_END = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]$")
MAX_ATTENTION_CELLS = 16_000_000  # 64 MB of weights (2,000 characters fit): longer, none


def split_sentences(text: str) -> list[tuple[str, str]]:
    """``(sentence, separator after it)`` pairs; blank sentences are dropped.

    >>> split_sentences("Hi there. How are you?")
    [('Hi there.', ' '), ('How are you?', '')]
    """
    parts, start = [], 0
    for m in _BOUNDARY.finditer(text):
        sentence = text[start:m.start()].strip()
        if sentence:
            parts.append((sentence, m.group()))
        elif parts and "\n" in m.group():
            parts[-1] = (parts[-1][0], parts[-1][1] + m.group())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        parts.append((tail, ""))
    return parts


@dataclass
class TranslationResult:
    """The translation of one input text.

    ``n_best``: ``(text, score)`` best first, distinct texts; ``score`` is the
    length-normalised log-probability. ``attention`` (len(tgt_tokens),
    len(src_tokens)): for each output token, its weights over the source
    tokens (a block per sentence when the text was split), or empty (0, 0) when
    attention was not asked for or would hold more than :data:`MAX_ATTENTION_CELLS`
    weights (a long text); ``src_tokens`` and ``tgt_tokens`` are the
    tokenizers' pieces, each sentence ending in ``</s>``.
    """

    text: str
    n_best: list[tuple[str, float]] = field(default_factory=list)
    attention: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    src_tokens: list[str] = field(default_factory=list)
    tgt_tokens: list[str] = field(default_factory=list)


@dataclass
class _Segment:
    line: int  # which input text
    ids: np.ndarray  # source ids, no EOS
    sep: str  # what separated it from the next segment in the source
    hyps: list[Hypothesis] = field(default_factory=list)


class Translator:
    """Source text in, target text out, with a model and its two tokenizers.

    ``max_src_tokens``: longer sentences are cut into pieces of this many
    tokens. ``max_batch_tokens``: source tokens per decoding batch (times the
    beam size in rows); by default 2,000 on a CPU, where a step's (rows x
    vocabulary) arrays stay smaller (1.2x the sentences/s of 6,000 on Multi30k,
    alternating in one process), and 6,000 on a GPU, which wants wide batches.
    ``src_eos``: as in training (``Seq2SeqBatches``).
    ``precision``: the decoder's matrix products in ``fp32``, or ``bf16`` (``fp16``
    on a GPU without bf16); ``auto`` picks bf16 where the hardware has fast bf16
    kernels (see ``nlp.training.devices.pick_precision``). Everything else (the encoder,
    gates, softmax, scores) stays in float32.
    """

    def __init__(self, model: Seq2Seq, src_tokenizer: Tokenizer, tgt_tokenizer: Tokenizer,
                 device: torch.device | str | None = None, max_src_tokens: int = 150,
                 max_batch_tokens: int | None = None, max_batch_sentences: int = 256,
                 src_eos: bool = True, precision: str = "auto"):
        self.model = model
        self.src_tok, self.tgt_tok = src_tokenizer, tgt_tokenizer
        self.device = torch.device(device) if device else next(model.parameters()).device
        self.precision = pick_precision(precision, self.device)
        self.max_src_tokens = max(1, max_src_tokens)
        if max_batch_tokens is None:
            max_batch_tokens = 2000 if self.device.type == "cpu" else 6000
        self.max_batch_tokens, self.max_batch_sentences = max_batch_tokens, max_batch_sentences
        self.src_eos = src_eos
        self.checkpoint = ""  # which checkpoint, in words (set by nlp.tasks.mt.task.load_translator)

    # -- the public call -------------------------------------------------------
    def translate(self, texts: list[str] | tuple[str, ...], beam: int = 5, n_best: int = 1,
                  alpha: float = 0.6, max_len_ratio: float = 2.0, max_len_extra: int = 10,
                  no_repeat_ngram: int = 0, attention: bool = True,
                  should_stop: Callable[[], bool] | None = None) -> list[TranslationResult]:
        """One result per text, in order (see the module docstring).

        ``should_stop`` is asked between decoding batches; when it answers True
        the call raises ``Cancelled`` (a long input stops within one batch)."""
        if isinstance(texts, str):
            texts = [texts]
        cfg = SearchConfig(beam=beam, n_best=n_best, alpha=alpha, max_len_ratio=max_len_ratio,
                           max_len_extra=max_len_extra, no_repeat_ngram=no_repeat_ngram,
                           attention=attention)
        segments = self._segments(texts)
        with self.decoding():
            self._decode(segments, cfg, should_stop)
        by_line: list[list[_Segment]] = [[] for _ in texts]
        for seg in segments:
            by_line[seg.line].append(seg)
        return [self._result(segs, cfg) for segs in by_line]

    @contextlib.contextmanager
    def decoding(self) -> Iterator[Seq2Seq]:
        """The model in evaluation mode, decoding at this translator's precision;
        both are put back afterwards. Anything that searches with the model
        directly (``nlp.analysis.inspect``) goes through this, to find what ``translate`` finds."""
        model = self.model
        was_training, was_dtype = model.training, model.decoder.matmul_dtype
        model.eval()
        model.decoder.matmul_dtype = self.precision.dtype
        try:
            yield model
        finally:
            model.decoder.matmul_dtype = was_dtype
            model.train(was_training)

    def translate_text(self, text: str, beam: int = 5) -> str:
        """Just the best translation of one text."""
        return self.translate([text], beam=beam, attention=False)[0].text

    # -- steps -----------------------------------------------------------------
    def _segments(self, texts) -> list[_Segment]:
        segments: list[_Segment] = []
        for line, text in enumerate(texts):
            pieces = split_sentences(text or "")
            if not pieces:
                continue
            encoded = self.src_tok.encode_batch([p for p, _ in pieces])
            for ids, (_, sep) in zip(encoded, pieces, strict=True):
                chunks = [ids[i:i + self.max_src_tokens]
                          for i in range(0, max(len(ids), 1), self.max_src_tokens)]
                for k, chunk in enumerate(chunks):
                    segments.append(_Segment(line, chunk, sep if k == len(chunks) - 1 else " "))
        return segments

    def _batches(self, segments: list[_Segment]) -> list[list[_Segment]]:
        """Segments sorted by length (longest first), cut into batches by a token budget."""
        order = sorted(segments, key=lambda s: len(s.ids), reverse=True)
        batches, current = [], []
        for seg in order:
            width = len(current[0].ids) if current else len(seg.ids)  # the longest
            if current and ((len(current) + 1) * (width + 1) > self.max_batch_tokens
                            or len(current) >= self.max_batch_sentences):
                batches.append(current)
                current = []
            current.append(seg)
        if current:
            batches.append(current)
        return batches

    @torch.no_grad()
    def _decode(self, segments: list[_Segment], cfg: SearchConfig,
                should_stop: Callable[[], bool] | None = None) -> None:
        for batch in self._batches(segments):
            if should_stop is not None and should_stop():
                raise Cancelled("translation stopped")
            src, lengths, _ = make_src_batch([s.ids for s in batch], src_eos=self.src_eos)
            hyps = search(self.model, src.to(self.device), lengths, cfg)
            for seg, h in zip(batch, hyps, strict=True):
                seg.hyps = h

    def _text(self, hyp: Hypothesis) -> str:
        """A hypothesis as text on one line: a generated line break becomes a space."""
        text = self.tgt_tok.decode([i for i in hyp.tokens if i != EOS])
        return _LINE_BREAKS.sub(" ", text).strip()

    def _pieces(self, tok: Tokenizer, ids) -> list[str]:
        return ["</s>" if int(i) == EOS else tok.id_to_piece(int(i)) for i in ids]

    def _result(self, segs: list[_Segment], cfg: SearchConfig) -> TranslationResult:
        if not segs:
            return TranslationResult("", [("", 0.0)])
        texts, src_tokens, tgt_tokens, blocks = [], [], [], []
        for seg in segs:
            best = seg.hyps[0]
            texts.append(self._text(best))
            src_ids = list(seg.ids) + ([EOS] if self.src_eos else [])
            src_tokens += self._pieces(self.src_tok, src_ids)
            tgt_tokens += self._pieces(self.tgt_tok, best.tokens)
            if best.attention is not None:
                blocks.append(best.attention)
        text = self._join(texts, [s.sep for s in segs])
        return TranslationResult(text, self._n_best(segs, cfg.n_best), _attention(blocks),
                                 src_tokens, tgt_tokens)

    def _join(self, texts: list[str], seps: list[str]) -> str:
        out = ""
        for k, text in enumerate(texts):
            out += text
            if k + 1 < len(texts):
                sep = seps[k]
                out += "\n" * sep.count("\n") if "\n" in sep else (
                    "" if _CJK_END.search(text) or not text else " ")
        return out

    def _n_best(self, segs: list[_Segment], n: int) -> list[tuple[str, float]]:
        """The k-th entry joins each sentence's k-th hypothesis (or its last one);
        the score is the mean over sentences. Texts that decode alike are merged."""
        seen: dict[str, float] = {}
        for k in range(max(len(s.hyps) for s in segs)):
            picks = [s.hyps[min(k, len(s.hyps) - 1)] for s in segs]
            texts = [self._text(h) for h in picks]
            text = self._join(texts, [s.sep for s in segs])
            score = float(np.mean([h.score for h in picks]))
            if text not in seen or score > seen[text]:
                seen[text] = score
        ranked = sorted(seen.items(), key=lambda kv: kv[1], reverse=True)
        return ranked[:n]


def _attention(blocks: list[np.ndarray]) -> np.ndarray:
    """The blocks on a diagonal, or (0, 0) when there are none or they would make a
    matrix too big to keep (the weights of 30,000 tokens by 20,000 take 2.4 GB)."""
    rows, cols = sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)
    if rows * cols > MAX_ATTENTION_CELLS:
        log.warning("attention of %d output by %d source tokens left out: too big to keep",
                    rows, cols)
        return np.zeros((0, 0), dtype=np.float32)
    return _block_diag(blocks)


def _block_diag(blocks: list[np.ndarray]) -> np.ndarray:
    """Place (t_i, s_i) matrices along the diagonal of one (sum t, sum s) matrix."""
    rows = sum(b.shape[0] for b in blocks)
    cols = sum(b.shape[1] for b in blocks)
    out = np.zeros((rows, cols), dtype=np.float32)
    r = c = 0
    for b in blocks:
        out[r:r + b.shape[0], c:c + b.shape[1]] = b
        r, c = r + b.shape[0], c + b.shape[1]
    return out
