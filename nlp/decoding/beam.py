"""Greedy and beam search for a :class:`~models.seq2seq.Seq2Seq`, many sentences at once.

Beam search keeps the ``K`` beams of every sentence as rows of one batch: with
``n`` sentences still being decoded, the decoder runs on ``n * K`` rows, row
``i * K + k`` holding beam ``k`` of sentence ``i`` (the beams share their
sentence's encoder output: attention takes K queries per source row)::

    log_probs (n*K, V) + beam scores -> (n, K*V) -> top 2K candidates per sentence
        candidate c = parent beam (c // V) and token (c % V)
        EOS candidates ranked in the top K    -> that sentence's finished list
        the best K others                     -> the new beams (state rows gathered
                                                 from their parents)

A sentence is done when it has ``n_best`` finished hypotheses and the
``n_best``-th best of them beats the best live beam (both scored with the GNMT
length penalty ``((5 + len) / 6) ** alpha``), or when it reaches its maximum
length (``max_len_ratio * source length + max_len_extra``), where EOS is
forced. Done sentences leave the batch, so long sentences do not slow down
short ones. With ``beam=1`` this is exactly greedy search.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from models.seq2seq import DecoderState, Encoded, Seq2Seq
from nlp.data.tokenizers import BOS, EOS, PAD
from nlp.errors import ConfigError

__all__ = ["Hypothesis", "SearchConfig", "beam_search", "greedy_search", "search"]


@dataclass(frozen=True)
class SearchConfig:
    """How to decode. ``beam=1`` with ``n_best=1`` is greedy search.

    alpha: GNMT length penalty exponent (0 = rank by total log-probability).
    max_len_ratio, max_len_extra: at most ``ratio * source tokens + extra``
        output tokens (EOS included).
    no_repeat_ngram: forbid repeating any n-gram of this many tokens (0 = off).
    attention: keep each output token's attention weights.
    """

    beam: int = 5
    n_best: int = 1
    alpha: float = 0.6
    max_len_ratio: float = 2.0
    max_len_extra: int = 10
    no_repeat_ngram: int = 0
    attention: bool = True

    def __post_init__(self) -> None:
        if self.beam < 1:
            raise ConfigError(f"beam size must be 1 or more, not {self.beam}")
        if not 1 <= self.n_best <= self.beam:
            raise ConfigError(f"n_best must be between 1 and the beam size ({self.beam}), "
                              f"not {self.n_best}; raise the beam size to get more")
        if self.alpha < 0 or self.max_len_ratio <= 0 or self.max_len_extra < 1:
            raise ConfigError("alpha must be >= 0, max_len_ratio > 0 and max_len_extra >= 1")
        if self.no_repeat_ngram < 0:
            raise ConfigError(f"no_repeat_ngram must be 0 (off) or more, not "
                              f"{self.no_repeat_ngram}")


@dataclass
class Hypothesis:
    """One output: ``tokens`` (ids, EOS last when it finished), ``score`` (the
    length-normalised log-probability used for ranking), ``log_prob`` (the
    total) and ``attention`` (len(tokens), S) over the source tokens (EOS
    included), or None."""

    tokens: list[int]
    score: float
    log_prob: float
    attention: np.ndarray | None


def length_penalty(length: int, alpha: float) -> float:
    """GNMT (Wu et al. 2016): ((5 + length) / 6) ** alpha."""
    return ((5.0 + length) / 6.0) ** alpha


def _constrain(log_probs: Tensor, history: Tensor, max_len: Tensor, ngram: int) -> Tensor:
    """Never PAD or BOS; EOS only, for rows at their last step; no repeated n-grams.

    log_probs (N, V) (or unnormalised scores: banned entries become -inf either
    way; PAD and BOS in place), history (N, t) generated ids, max_len (N,) per row.
    """
    t = history.shape[1]
    log_probs[:, PAD] = float("-inf")
    log_probs[:, BOS] = float("-inf")
    last = (t + 1 >= max_len).to(log_probs.device)  # (N,)
    if bool(last.any()):
        eos_col = torch.arange(log_probs.shape[1], device=log_probs.device) == EOS
        log_probs = log_probs.masked_fill(last[:, None] & ~eos_col[None, :], float("-inf"))
    if ngram and t >= ngram:
        grams = history.unfold(1, ngram, 1)  # (N, t - n + 1, n)
        if ngram > 1:
            prefix = history[:, t - ngram + 1:]  # (N, n - 1): what the next token would extend
            match = (grams[:, :, :-1] == prefix[:, None, :]).all(-1)  # (N, G)
        else:
            match = torch.ones(grams.shape[:2], dtype=torch.bool, device=grams.device)
        banned = torch.where(match, grams[:, :, -1], torch.full_like(grams[:, :, -1], PAD))
        log_probs = log_probs.scatter(1, banned, float("-inf"))
    return log_probs


def _row_topk(x: Tensor, w: int, block: int = 64) -> tuple[Tensor, Tensor]:
    """``x.topk(w, dim=1)`` for wide rows (the vocabulary), about 3x faster on CPU.

    A row's ``w`` largest entries lie in its ``w`` blocks of ``block`` columns with
    the largest maxima: a block holding one of them has a maximum at least the
    ``w``-th largest value, and at most ``w`` blocks can (each such maximum is one
    of the ``w`` largest). So one cheap pass takes the block maxima, and the exact
    top-``w`` is taken among the chosen blocks' entries (plus the columns after the
    last whole block). Ties may pick different, equal entries than ``topk``.
    """
    n, v = x.shape
    blocks = v // block
    if blocks <= 2 * w:
        return x.topk(w, dim=1)
    whole = blocks * block
    chosen = x[:, :whole].reshape(n, blocks, block).amax(dim=2).topk(w, dim=1).indices
    cols = (chosen[:, :, None] * block
            + torch.arange(block, device=x.device)).reshape(n, w * block)
    if whole < v:
        cols = torch.cat([cols, torch.arange(whole, v, device=x.device).expand(n, -1)], dim=1)
    top, pos = x.gather(1, cols).topk(w, dim=1)
    return top, cols.gather(1, pos)


def _max_lengths(lengths: Tensor, cfg: SearchConfig) -> Tensor:
    """(B,) most output tokens per sentence."""
    return (lengths.float() * cfg.max_len_ratio).long() + cfg.max_len_extra


def _hypothesis(tokens: Tensor, log_prob: float, attn: Tensor | None, src_len: int,
                alpha: float) -> Hypothesis:
    ids = tokens.tolist()
    weights = attn[:, :src_len].float().cpu().numpy() if attn is not None else None
    return Hypothesis(ids, log_prob / length_penalty(len(ids), alpha), log_prob, weights)


@dataclass
class _Live:
    """The rows still being decoded; ``k`` rows per sentence (1 for greedy; beam
    search starts from 1 and has ``K`` from its second step on).

    sent (n,) CPU: the original index of each live sentence. enc: the encoder
    output of the n sentences (shared by their beams); state: the decoder
    state of the n*k rows. prev (n*k,): each row's
    last token; history (n*k, t) its tokens; attn (n*k, t, S) their attention
    (t = 0 when not kept); scores (n, k): total log-probability of each row.
    """

    sent: Tensor
    enc: Encoded
    state: DecoderState
    prev: Tensor
    history: Tensor
    attn: Tensor
    scores: Tensor

    @classmethod
    def start(cls, model: Seq2Seq, src: Tensor, lengths: Tensor) -> _Live:
        B, device = src.shape[0], src.device
        enc = model.encode(src, lengths)  # one row per sentence, shared by its beams
        scores = torch.zeros(B, 1, device=device)  # one beam each; beam search widens to K
        return cls(torch.arange(B), enc, model.initial_state(enc),
                   torch.full((B,), BOS, dtype=torch.long, device=device),
                   torch.zeros(B, 0, dtype=torch.long, device=device),
                   torch.zeros(B, 0, src.shape[1], device=device), scores)

    def advance(self, rows: Tensor, tokens: Tensor, weights: Tensor | None) -> None:
        """Row i continues row ``rows[i]`` with ``tokens[i]``; weights (n*K, S) or None."""
        self.prev = tokens
        self.history = torch.cat([self.history[rows], tokens[:, None]], dim=1)
        if weights is not None:
            self.attn = torch.cat([self.attn, weights[:, None].float()], dim=1)[rows]
        self.state = self.state.select(rows)

    def drop(self, done: Tensor) -> None:
        """Remove the sentences flagged in ``done`` (n,) bool (CPU)."""
        keep = (~done).nonzero().flatten()
        k = self.scores.shape[1]
        rows = (keep[:, None] * k + torch.arange(k)[None, :]).reshape(-1).to(self.prev.device)
        self.sent, self.scores = self.sent[keep], self.scores[keep.to(self.prev.device)]
        self.prev, self.history, self.attn = self.prev[rows], self.history[rows], self.attn[rows]
        self.enc, self.state = self.enc.select(keep.to(self.prev.device)), self.state.select(rows)


@torch.no_grad()
def greedy_search(model: Seq2Seq, src: Tensor, lengths: Tensor,
                  cfg: SearchConfig = SearchConfig(beam=1)) -> list[list[Hypothesis]]:
    """The most likely token at every step. src (B, S), lengths (B,) -> one
    hypothesis per sentence (in a list, like :func:`beam_search`)."""
    lengths = lengths.cpu()
    max_len = _max_lengths(lengths, cfg)
    live = _Live.start(model, src, lengths)
    results: list[list[Hypothesis]] = [[] for _ in range(src.shape[0])]
    while len(live.sent):
        logits, live.state, weights = model.decode_step_logits(live.prev, live.state, live.enc)
        logits = logits.float()
        lse = torch.logsumexp(logits, dim=-1)  # the normaliser, over every token
        logits = _constrain(logits, live.history, max_len[live.sent], cfg.no_repeat_ngram)
        best, tokens = logits.max(-1)  # (N,)
        live.scores = live.scores + (best - lse)[:, None]
        live.advance(torch.arange(len(tokens), device=tokens.device), tokens,
                     weights if cfg.attention else None)
        done = (tokens == EOS).cpu()
        for i in done.nonzero().flatten().tolist():
            s = int(live.sent[i])
            results[s].append(_hypothesis(live.history[i], float(live.scores[i, 0]),
                                          live.attn[i] if cfg.attention else None,
                                          int(lengths[s]), cfg.alpha))
        if bool(done.any()):
            live.drop(done)
    return results


class _Finished:
    """The finished hypotheses of every sentence, best first, and for each the
    score a live beam must beat to matter (its ``n_best``-th best, or -inf)."""

    def __init__(self, sentences: int, n_best: int) -> None:
        self.hyps: list[list[Hypothesis]] = [[] for _ in range(sentences)]
        self.n_best = n_best
        self.bar = torch.full((sentences,), float("-inf"))

    def add(self, s: int, hyp: Hypothesis) -> None:
        hyps = self.hyps[s]
        hyps.append(hyp)
        hyps.sort(key=lambda h: h.score, reverse=True)
        if len(hyps) >= self.n_best:
            self.bar[s] = hyps[self.n_best - 1].score


@torch.no_grad()
def beam_search(model: Seq2Seq, src: Tensor, lengths: Tensor,
                cfg: SearchConfig = SearchConfig()) -> list[list[Hypothesis]]:
    """Batched beam search. src (B, S), lengths (B,) -> per sentence, its
    ``n_best`` hypotheses, best first (distinct token sequences)."""
    K, lengths = cfg.beam, lengths.cpu()
    max_len = _max_lengths(lengths, cfg)
    live = _Live.start(model, src, lengths)
    finished = _Finished(src.shape[0], cfg.n_best)
    t = 0
    while len(live.sent):
        logits, live.state, weights = model.decode_step_logits(live.prev, live.state, live.enc)
        n, k, V = len(live.sent), live.scores.shape[1], logits.shape[1]  # k: 1, then K
        # normalised over every token, then constrained; bf16 logits are converted
        # first (log_softmax's dtype= converts into a fresh buffer inside the call,
        # which page-faulted at every step on the CPU)
        log_probs = _constrain(torch.log_softmax(logits.float(), dim=-1),
                               live.history,
                               max_len[live.sent].repeat_interleave(k), cfg.no_repeat_ngram)
        # the best 2K of a sentence's k*V candidates are among its rows' best 2K each:
        # add the beam scores to those only, not to the whole vocabulary
        w = min(2 * K, V)
        row_top, row_token = _row_topk(log_probs, w)  # (n*k, w)
        cand = (live.scores.reshape(-1, 1) + row_top).reshape(n, k * w)
        top, ids = cand.topk(min(2 * K, k * w), dim=1)  # (n, 2K), best first
        rows = ids // w + (torch.arange(n, device=ids.device) * k)[:, None]  # parent rows
        token = row_token.reshape(n, k * w).gather(1, ids)
        is_eos = token == EOS
        ranks = torch.arange(top.shape[1], device=top.device)
        ended = (is_eos & (ranks < K)[None, :]) & torch.isfinite(top)  # EOS in the top K
        for i, j in ended.nonzero().tolist():
            row, s = int(rows[i, j]), int(live.sent[i])
            attn = torch.cat([live.attn[row], weights[row, None].float()]) if cfg.attention \
                else None
            tokens = torch.cat([live.history[row], token.new_tensor([EOS])])
            finished.add(s, _hypothesis(tokens, float(top[i, j]), attn, int(lengths[s]),
                                        cfg.alpha))
        # the best K candidates that are not EOS become the beams
        order = (is_eos.long() * top.shape[1] + ranks[None, :]).argsort(dim=1)[:, :K]
        live.scores = top.gather(1, order)  # (n, K), best first
        live.advance(rows.gather(1, order).reshape(-1), token.gather(1, order).reshape(-1),
                     weights if cfg.attention else None)
        t += 1
        # a sentence is done when its n_best-th finished hypothesis beats its best
        # live beam (scores only fall as beams grow), or at its length limit
        best_live = live.scores[:, 0].cpu() / length_penalty(t, cfg.alpha)
        done = (finished.bar[live.sent] >= best_live) | (t >= max_len[live.sent])
        if bool(done.any()):
            live.drop(done)
    return [hyps[:cfg.n_best] for hyps in finished.hyps]


def search(model: Seq2Seq, src: Tensor, lengths: Tensor,
           cfg: SearchConfig) -> list[list[Hypothesis]]:
    """Greedy search for ``beam=1`` (faster bookkeeping), else beam search."""
    if cfg.beam == 1:
        return greedy_search(model, src, lengths, cfg)
    return beam_search(model, src, lengths, cfg)
