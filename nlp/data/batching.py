"""Batches for training: language-model windows and padded sentence pairs.

Both batchers are deterministic functions of ``(seed, epoch, position)``, so
``state_dict()`` / ``load_state_dict()`` let a resumed run see exactly the same
data order, and both shard by ``rank`` / ``world_size`` for data parallelism
(every rank gets the same number of batches per epoch).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import torch

from nlp.data.token_store import RaggedIds
from nlp.data.tokenizers import BOS, EOS, PAD
from nlp.errors import ConfigError

log = logging.getLogger(__name__)

LM_MODES = ("stream", "random")


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ConfigError(f"{name} must be a positive whole number (got {value!r}).")


def _check_rank(rank: int, world_size: int) -> None:
    _check_positive(world_size=world_size)
    if not 0 <= rank < world_size:
        raise ConfigError(f"rank must be in 0..{world_size - 1} (got {rank}).")


def _load_state(owner: Any, state: dict[str, Any], fixed: Sequence[str]) -> None:
    """Restore ``epoch`` and ``position``; the ``fixed`` settings must match this batcher's."""
    expected = owner.state_dict()
    if set(state) != set(expected):
        raise ConfigError(f"Batcher state has keys {sorted(state)}; expected {sorted(expected)}.")
    for key in fixed:
        if state[key] != expected[key]:
            raise ConfigError(
                f"Cannot resume: the saved data order used {key}={state[key]!r}, this run uses "
                f"{expected[key]!r}. Resume with the same settings and data.")
    owner.epoch, owner.position = int(state["epoch"]), int(state["position"])


class LMBatches:
    """Windows of a token array for language modelling: ``(x, y)`` int64 tensors ``(B, T)``.

    ``y`` is ``x`` shifted by one token. ``ids`` may be a read-only memmap;
    only the rows of each batch are read and converted to int64.

    **stream** mode (truncated BPTT, as pytorch/examples ``batchify``): the
    array is cut into ``S = batch_size * world_size`` equal streams, laid
    side by side; rank ``r`` owns streams ``r*B .. (r+1)*B - 1``::

        ids:  a b c d e f g h i j k l m n o p q r      (S = 3, L = 6)
        stream 0: a b c d e f    batch k = columns t..t+T of every stream
        stream 1: g h i j k l    x = stream[:, t:t+T], y = stream[:, t+1:t+T+1]
        stream 2: m n o p q r

    Row ``i`` of batch ``k + 1`` continues row ``i`` of batch ``k`` exactly, so
    the trainer carries the hidden state across batches (detached). The last
    window of an epoch may be shorter than ``seq_len``. ``carries_state`` is
    True.

    **random** mode: each epoch, windows of ``seq_len + 1`` tokens at
    ``offset + j * seq_len`` (random offset, ``j`` shuffled) are dealt out,
    ``batch_size`` per rank per step, so an epoch sees every window once.
    Rows are unrelated: reset the hidden state every batch
    (``carries_state`` is False).

    ``__iter__`` yields the rest of the current epoch, then moves to the next.
    """

    def __init__(self, ids: np.ndarray, batch_size: int, seq_len: int, mode: str = "stream",
                 seed: int = 0, rank: int = 0, world_size: int = 1):
        _check_positive(batch_size=batch_size, seq_len=seq_len)
        _check_rank(rank, world_size)
        if mode not in LM_MODES:
            raise ConfigError(f"Unknown batch mode {mode!r}; choose one of {', '.join(LM_MODES)}.")
        if ids.ndim != 1:
            raise ConfigError(f"Token ids must be a 1-D array (got shape {ids.shape}).")
        self.ids, self.batch_size, self.seq_len, self.mode = ids, batch_size, seq_len, mode
        self.seed, self.rank, self.world_size = seed, rank, world_size
        self.epoch = self.position = 0
        n, rows = len(ids), batch_size * world_size
        if mode == "stream":
            self.stream_len = n // rows
            if self.stream_len < 2:
                raise ConfigError(self._too_short(n, 2 * rows))
            self._starts = (np.arange(batch_size, dtype=np.int64) + rank * batch_size) \
                * self.stream_len
            self._steps = -(-(self.stream_len - 1) // seq_len)
        else:
            self._windows = (n - seq_len) // seq_len  # window j starts at offset + j*T, offset < T
            self._steps = max(self._windows, 0) // rows
            if self._steps < 1:
                raise ConfigError(self._too_short(n, rows * seq_len + seq_len))
            self._order: tuple[int, int, np.ndarray] | None = None

    def _too_short(self, n: int, needed: int) -> str:
        return (f"The training text has {n:,} tokens; batch size {self.batch_size} x sequence "
                f"length {self.seq_len} x {self.world_size} process(es) needs at least "
                f"{needed:,}. Lower the batch size or the sequence length, or add text.")

    @property
    def carries_state(self) -> bool:
        """Whether row ``i`` of a batch continues row ``i`` of the one before it."""
        return self.mode == "stream"

    @property
    def steps_per_epoch(self) -> int:
        return self._steps

    def __len__(self) -> int:
        return self._steps

    def batch(self, epoch: int, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Batch ``step`` of ``epoch`` for this rank: ``x, y`` int64 ``(B, T)``."""
        if self.mode == "stream":
            t = step * self.seq_len
            width = min(self.seq_len, self.stream_len - 1 - t) + 1
            rows = self._starts + t
        else:
            offset, order = self._epoch_order(epoch)
            first = (step * self.world_size + self.rank) * self.batch_size
            rows = offset + order[first:first + self.batch_size] * self.seq_len
            width = self.seq_len + 1
        window = self.ids[rows[:, None] + np.arange(width)]  # (B, T+1): reads only these rows
        window = torch.from_numpy(window.astype(np.int64))
        return window[:, :-1], window[:, 1:]

    def _epoch_order(self, epoch: int) -> tuple[int, np.ndarray]:
        if self._order is None or self._order[0] != epoch:
            rng = np.random.default_rng([self.seed, epoch])
            offset = int(rng.integers(self.seq_len))
            self._order = (epoch, offset, rng.permutation(self._windows))
        return self._order[1], self._order[2]

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        if self.position >= self._steps:
            self.epoch, self.position = self.epoch + 1, 0
        while self.position < self._steps:
            step = self.position
            self.position += 1  # a checkpoint taken while this batch trains resumes after it
            yield self.batch(self.epoch, step)
        self.epoch, self.position = self.epoch + 1, 0

    def state_dict(self) -> dict[str, Any]:
        """Where this batcher is, plus the settings a resume must share."""
        return {"epoch": self.epoch, "position": self.position, "seed": self.seed,
                "mode": self.mode, "batch_size": self.batch_size, "seq_len": self.seq_len,
                "world_size": self.world_size, "n_tokens": len(self.ids)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        _load_state(self, state, ("seed", "mode", "batch_size", "seq_len", "world_size",
                                  "n_tokens"))


# --- sequence to sequence -------------------------------------------------------

@dataclass(frozen=True)
class Seq2SeqBatch:
    """A padded batch of sentence pairs, rows sorted by source length (longest first).

    - ``src`` (B, S) int64, PAD after each sentence (EOS at its end when the
      batcher adds one); ``src_lengths`` (B,) int64; ``src_mask`` (B, S) bool,
      True on real tokens.
    - ``tgt_in`` (B, T) = BOS + target, ``tgt_out`` (B, T) = target + EOS,
      ``tgt_mask`` (B, T) bool, True where ``tgt_out`` is a real token.
    - ``indices`` (B,) int64: each row's pair index in the corpus.

    :meth:`to` moves everything but ``src_lengths``, which stays on the CPU as
    ``pack_padded_sequence`` wants.
    """

    src: torch.Tensor
    src_lengths: torch.Tensor
    src_mask: torch.Tensor
    tgt_in: torch.Tensor
    tgt_out: torch.Tensor
    tgt_mask: torch.Tensor
    indices: torch.Tensor

    def to(self, device: torch.device | str) -> Seq2SeqBatch:
        moved = {f.name: getattr(self, f.name) for f in fields(self)}
        for name, value in moved.items():
            if name != "src_lengths":
                moved[name] = value.to(device, non_blocking=True)
        return Seq2SeqBatch(**moved)

    @property
    def n_tgt_tokens(self) -> int:
        """Number of predicted target tokens (EOS included): the loss denominator."""
        return int(self.tgt_mask.sum())


def _pad(seqs: Sequence[np.ndarray], prefix: int | None = None,
         suffix: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad id arrays into ``(B, L)`` int64 with optional BOS/EOS; return ``(ids, lengths)``."""
    extra = (prefix is not None) + (suffix is not None)
    lengths = np.fromiter((len(s) + extra for s in seqs), dtype=np.int64, count=len(seqs))
    out = np.full((len(seqs), int(lengths.max(initial=0))), PAD, dtype=np.int64)
    start = int(prefix is not None)
    for row, seq in enumerate(seqs):
        if prefix is not None:
            out[row, 0] = prefix
        out[row, start:start + len(seq)] = seq
        if suffix is not None:
            out[row, start + len(seq)] = suffix
    return torch.from_numpy(out), torch.from_numpy(lengths)


def make_src_batch(seqs: Sequence[Sequence[int] | np.ndarray], src_eos: bool = True
                   ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Source side for inference, in the given order: ``src (B, S), lengths (B,), mask (B, S)``.

    Use the same ``src_eos`` as the :class:`Seq2SeqBatches` used in training.
    """
    arrays = [np.asarray(s, dtype=np.int64) for s in seqs]
    if not arrays:
        raise ConfigError("There are no sentences to translate.")
    src, lengths = _pad(arrays, suffix=EOS if src_eos else None)
    return src, lengths, torch.arange(src.shape[1])[None, :] < lengths[:, None]


class Seq2SeqBatches:
    """Bucketed, padded batches of sentence pairs (:class:`Seq2SeqBatch`).

    Each epoch: the pairs are shuffled (seeded by ``(seed, epoch)``), cut into
    pools of about ``pool_batches`` batches, sorted by length within each pool
    and cut into batches of similar lengths - at most ``max_tokens`` padded
    tokens (rows x longest side), or exactly ``batch_size`` rows when given -
    and the batch order is shuffled. Rank ``r`` takes every ``world_size``-th
    batch (the last few are dropped so ranks stay equal). With
    ``shuffle=False`` the pairs keep their order (for evaluation).
    ``src_eos`` appends EOS to every source sentence.
    """

    def __init__(self, src: RaggedIds | Sequence[np.ndarray], tgt: RaggedIds | Sequence[np.ndarray],
                 max_tokens: int | None = 4096, batch_size: int | None = None,
                 shuffle: bool = True, seed: int = 0, rank: int = 0, world_size: int = 1,
                 src_eos: bool = True, pool_batches: int = 100):
        self.src = src if isinstance(src, RaggedIds) else RaggedIds.from_sequences(src)
        self.tgt = tgt if isinstance(tgt, RaggedIds) else RaggedIds.from_sequences(tgt)
        if len(self.src) != len(self.tgt):
            raise ConfigError(f"There are {len(self.src)} source sentences but {len(self.tgt)} "
                              "target sentences; each source needs exactly one target.")
        if len(self.src) == 0:
            raise ConfigError("There are no sentence pairs to train on.")
        if batch_size is not None:
            _check_positive(batch_size=batch_size)
        elif max_tokens is not None:
            _check_positive(max_tokens=max_tokens)
        else:
            raise ConfigError("Set either max_tokens or batch_size for translation batches.")
        _check_positive(pool_batches=pool_batches)
        _check_rank(rank, world_size)
        self.max_tokens, self.batch_size, self.shuffle = max_tokens, batch_size, shuffle
        self.seed, self.rank, self.world_size = seed, rank, world_size
        self.src_eos, self.pool_batches = src_eos, pool_batches
        self.epoch = self.position = 0
        # Padded width of each pair: longest of source (+EOS) and target (+BOS or EOS).
        self._cost = np.maximum(self.src.lengths + int(src_eos), self.tgt.lengths + 1)
        self._plan: tuple[int, list[np.ndarray]] | None = None
        if self.steps_per_epoch < 1:
            raise ConfigError(f"The {len(self.src)} sentence pairs make fewer batches than the "
                              f"{world_size} processes; use fewer processes or smaller batches.")

    # planning ---------------------------------------------------------------
    def _cut(self, order: np.ndarray) -> list[np.ndarray]:
        """Cut pair indices (already in length order) into batches."""
        if self.batch_size is not None:
            return [order[i:i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        batches, start, longest = [], 0, 0
        for i, cost in enumerate(self._cost[order].tolist()):
            longest = max(longest, cost)
            if i > start and (i + 1 - start) * longest > self.max_tokens:
                batches.append(order[start:i])
                start, longest = i, cost
        batches.append(order[start:])
        return batches

    def _plan_epoch(self, epoch: int) -> list[np.ndarray]:
        """This rank's batches (arrays of pair indices) for ``epoch``; cached."""
        if self._plan is not None and self._plan[0] == epoch:
            return self._plan[1]
        n = len(self.src)
        if not self.shuffle:
            batches = self._cut(np.arange(n))
        else:
            rng = np.random.default_rng([self.seed, epoch])
            order = rng.permutation(n)
            rows = self.batch_size or max(1, self.max_tokens // max(int(self._cost.mean()), 1))
            pool = rows * self.pool_batches
            batches = []
            for start in range(0, n, pool):
                chunk = order[start:start + pool]
                chunk = chunk[np.argsort(self._cost[chunk], kind="stable")]
                batches.extend(self._cut(chunk))
            batches = [batches[i] for i in rng.permutation(len(batches))]
        usable = len(batches) - len(batches) % self.world_size
        mine = batches[self.rank:usable:self.world_size]
        self._plan = (epoch, mine)
        return mine

    @property
    def steps_per_epoch(self) -> int:
        """Batches this rank gets in the current epoch (may vary a little between epochs)."""
        return len(self._plan_epoch(self.epoch))

    def __len__(self) -> int:
        return self.steps_per_epoch

    # batches ----------------------------------------------------------------
    def make_batch(self, indices: np.ndarray) -> Seq2SeqBatch:
        """The padded batch of the given pair indices (rows sorted by source length, longest first)."""
        indices = np.asarray(indices, dtype=np.int64)
        indices = indices[np.argsort(-self.src.lengths[indices], kind="stable")]
        src, src_lengths = _pad([self.src[i] for i in indices],
                                suffix=EOS if self.src_eos else None)
        tgt_seqs = [self.tgt[i] for i in indices]
        tgt_in, tgt_lengths = _pad(tgt_seqs, prefix=BOS)
        tgt_out, _ = _pad(tgt_seqs, suffix=EOS)
        return Seq2SeqBatch(
            src=src, src_lengths=src_lengths,
            src_mask=torch.arange(src.shape[1])[None, :] < src_lengths[:, None],
            tgt_in=tgt_in, tgt_out=tgt_out,
            tgt_mask=torch.arange(tgt_out.shape[1])[None, :] < tgt_lengths[:, None],
            indices=torch.from_numpy(indices))

    def __iter__(self) -> Iterator[Seq2SeqBatch]:
        if self.position >= len(self._plan_epoch(self.epoch)):
            self.epoch, self.position = self.epoch + 1, 0
        plan = self._plan_epoch(self.epoch)
        while self.position < len(plan):
            step = self.position
            self.position += 1  # a checkpoint taken while this batch trains resumes after it
            yield self.make_batch(plan[step])
        self.epoch, self.position = self.epoch + 1, 0

    def state_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "position": self.position, "seed": self.seed,
                "shuffle": self.shuffle, "max_tokens": self.max_tokens,
                "batch_size": self.batch_size, "world_size": self.world_size,
                "pool_batches": self.pool_batches, "src_eos": self.src_eos,
                "n_pairs": len(self.src)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        _load_state(self, state, ("seed", "shuffle", "max_tokens", "batch_size", "world_size",
                                  "pool_batches", "src_eos", "n_pairs"))
