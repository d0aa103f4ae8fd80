"""A recurrent (LSTM or GRU) language model: embedding -> RNN layers -> decoder.

::

    idx (B, T) -> Embedding -> dropout -> RNN group 0 -> dropout -> ... -> RNN group k
        -> dropout -> [Linear(H_last -> embed) when tied and H_last != embed]
        -> decoder Linear(-> V) -> logits (B, T, V)

Layers of equal size that follow each other form one *group*, run by one fused
multi-layer ``nn.LSTM`` / ``nn.GRU`` (``batch_first=True``) so that training
uses the cuDNN / oneDNN kernels. Uniform sizes (the usual case) make a single
group; ``hidden_sizes=(50, 50)`` too, while ``(512, 256)`` makes two groups of
one layer each, like a Keras stack ``LSTM(512, return_sequences=True)`` then
``LSTM(256)``.

State format: a list with one entry per group. For an LSTM group the entry is
``(h, c)``, each (L_g, B, H_g) with L_g the group's layer count and H_g its size;
for a GRU group it is ``h`` (L_g, B, H_g). This is exactly what each
``nn.LSTM`` / ``nn.GRU`` takes and returns. ``None`` means zeros.

Truncated BPTT carries the state from one batch to the next but must not
backpropagate into the previous batch: call :meth:`LanguageModel.detach_state`
on it between batches (pytorch/examples calls this ``repackage_hidden``).
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from models.cells import GateTrace, ReferenceGRU, ReferenceLSTM
from models.config import DictConfig, check_bool, check_choice, check_float, check_int
from models.errors import ConfigError

__all__ = ["CELLS", "LMConfig", "LanguageModel", "State"]

log = logging.getLogger(__name__)

CELLS = ("lstm", "gru")

# One entry per group: (h, c) for an LSTM group or h for a GRU group, each (L_g, B, H_g).
State = list[Tensor | tuple[Tensor, Tensor]]


@dataclass(frozen=True)
class LMConfig(DictConfig):
    """Everything needed to rebuild a :class:`LanguageModel`.

    vocab_size: number of token ids (V).
    cell: ``"lstm"`` or ``"gru"``.
    embed: embedding size (E).
    hidden: size of every RNN layer, used when ``hidden_sizes`` is None.
    layers: number of RNN layers.
    dropout: drop probability on the embeddings, between layers and on the
        last layer's outputs; in [0, 1).
    tied: share the embedding matrix with the decoder (Press & Wolf 2017).
        When the last layer's size differs from ``embed`` a
        ``Linear(H_last -> embed)`` projection goes before the decoder.
    hidden_sizes: one size per layer (``len == layers``), overriding ``hidden``.
    """

    vocab_size: int
    cell: str = "lstm"
    embed: int = 128
    hidden: int = 512
    layers: int = 2
    dropout: float = 0.1
    tied: bool = False
    hidden_sizes: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        w = "LMConfig"
        check_int(w, "vocab_size", self.vocab_size, 1)
        check_choice(w, "cell", self.cell, CELLS)
        check_int(w, "embed", self.embed, 1)
        check_int(w, "hidden", self.hidden, 1)
        check_int(w, "layers", self.layers, 1)
        check_float(w, "dropout", self.dropout, 0.0, 1.0)
        object.__setattr__(self, "dropout", float(self.dropout))  # 0 from JSON -> 0.0
        check_bool(w, "tied", self.tied)
        if self.hidden_sizes is not None:
            if isinstance(self.hidden_sizes, (str, bytes)) or not hasattr(
                    self.hidden_sizes, "__iter__"):
                raise ConfigError(
                    f"LMConfig.hidden_sizes must be a list of layer sizes or null, "
                    f"got {self.hidden_sizes!r}."
                )
            sizes = tuple(self.hidden_sizes)
            object.__setattr__(self, "hidden_sizes", sizes)  # lists -> tuple (hashable)
            for k, size in enumerate(sizes):
                check_int(w, f"hidden_sizes[{k}]", size, 1)
            if len(sizes) != self.layers:
                raise ConfigError(
                    f"LMConfig.hidden_sizes gives {len(sizes)} layer sizes but layers is "
                    f"{self.layers}; set layers={len(sizes)} or give {self.layers} sizes."
                )

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """The hidden size of each layer, bottom first."""
        return self.hidden_sizes if self.hidden_sizes is not None else (self.hidden,) * self.layers

    @property
    def groups(self) -> tuple[tuple[int, int], ...]:
        """Runs of equal consecutive layer sizes as ``(size, count)``; one fused RNN each."""
        return tuple((size, len(list(run))) for size, run in itertools.groupby(self.layer_sizes))


class LanguageModel(nn.Module):
    """An LSTM/GRU language model; see the module docstring for the layout and state."""

    def __init__(self, cfg: LMConfig):
        super().__init__()
        if not isinstance(cfg, LMConfig):
            raise TypeError(f"LanguageModel expects an LMConfig, got {type(cfg).__name__}")
        self.cfg = cfg
        rnn_type = nn.LSTM if cfg.cell == "lstm" else nn.GRU
        self.embedding = nn.Embedding(cfg.vocab_size, cfg.embed)
        self.drop = nn.Dropout(cfg.dropout)
        rnns, in_size = [], cfg.embed
        for size, count in cfg.groups:
            rnns.append(rnn_type(in_size, size, num_layers=count, batch_first=True,
                                 dropout=cfg.dropout if count > 1 else 0.0))
            in_size = size
        self.rnns = nn.ModuleList(rnns)
        last = cfg.layer_sizes[-1]
        self.proj: nn.Linear | None = (
            nn.Linear(last, cfg.embed) if cfg.tied and last != cfg.embed else None
        )
        self.decoder = nn.Linear(cfg.embed if cfg.tied else last, cfg.vocab_size)
        if cfg.tied:
            self.decoder.weight = self.embedding.weight  # (V, E), one tensor
        self._init_weights()
        log.debug("LanguageModel %s: %d parameters", cfg, self.num_parameters())

    @torch.no_grad()
    def _init_weights(self) -> None:
        """Small embeddings, orthogonal recurrent blocks, LSTM forget bias 1 (as Keras)."""
        nn.init.uniform_(self.embedding.weight, -0.1, 0.1)
        if not self.cfg.tied:
            nn.init.uniform_(self.decoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        gates = 4 if self.cfg.cell == "lstm" else 3
        for rnn in self.rnns:
            H = rnn.hidden_size
            for k in range(rnn.num_layers):
                for block in getattr(rnn, f"weight_hh_l{k}").split(H, 0):  # (H, H) per gate
                    nn.init.orthogonal_(block)
                b_ih, b_hh = getattr(rnn, f"bias_ih_l{k}"), getattr(rnn, f"bias_hh_l{k}")
                nn.init.zeros_(b_ih)
                nn.init.zeros_(b_hh)
                if gates == 4:
                    b_ih[H:2 * H] = 1.0  # forget gate: remember by default
        # in-place init keeps the parameters nn.RNNBase already tracks (fused path intact)

    # ------------------------------------------------------------------ running

    def forward(self, idx: Tensor, state: State | None = None, targets: Tensor | None = None
                ) -> tuple[Tensor, Tensor | None, State]:
        """Run a batch of token sequences.

        idx: (B, T) token ids. state: see the module doc, or None for zeros.
        targets: (B, T) next-token ids, or None.
        Returns ``(logits (B, T, V), loss, new_state)``; ``loss`` is the mean
        cross-entropy in nats per token (None without targets). Every target
        counts (only PyTorch's ``ignore_index=-100`` would be skipped).
        """
        x = self.drop(self.embedding(idx))                  # (B, T, E)
        new_state: State = []
        for k, rnn in enumerate(self.rnns):
            if k > 0:
                x = self.drop(x)                            # between groups
            x, s = rnn(x, None if state is None else state[k])  # (B, T, H_g)
            new_state.append(s)
        logits = self._decode(self.drop(x))                 # (B, T, V)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
        return logits, loss, new_state

    def _decode(self, x: Tensor) -> Tensor:
        """(..., H_last) -> (..., V)."""
        if self.proj is not None:
            x = self.proj(x)                                # (..., E)
        return self.decoder(x)

    def step(self, token_ids: Tensor, state: State | None = None) -> tuple[Tensor, State]:
        """Advance one token, for generation: ``(token_ids (B,), state) -> (logits (B, V), state)``.

        Equal to ``forward(token_ids[:, None], state)`` but runs each layer with
        ``torch.lstm_cell`` / ``torch.gru_cell`` on the fused module's weights,
        which at batch 1 is several times faster than the fused sequence kernel.
        Modules that are not plain ``nn.LSTM`` / ``nn.GRU`` (e.g. dynamically
        quantized ones) are called as modules instead.
        """
        if state is None:
            state = self.init_state(token_ids.shape[0], token_ids.device)
        x = self.drop(self.embedding(token_ids))            # (B, E)
        new_state: State = []
        for k, (rnn, s) in enumerate(zip(self.rnns, state, strict=True)):
            if k > 0:
                x = self.drop(x)
            if type(rnn) in (nn.LSTM, nn.GRU):
                x, s = self._cell_step(rnn, x, s)           # (B, H_g)
            else:
                out, s = rnn(x.unsqueeze(1), s)             # (B, 1, H_g)
                x = out[:, 0]
            new_state.append(s)
        return self._decode(self.drop(x)), new_state        # (B, V)

    def _cell_step(self, rnn: nn.RNNBase, x: Tensor, s):
        """One step through a fused group, layer by layer: x (B, I) -> (B, H)."""
        lstm = isinstance(rnn, nn.LSTM)
        hs, cs = [], []
        for k in range(rnn.num_layers):
            if k > 0:
                x = F.dropout(x, rnn.dropout, self.training)  # as nn.LSTM between layers
            weights = (getattr(rnn, f"weight_ih_l{k}"), getattr(rnn, f"weight_hh_l{k}"),
                       getattr(rnn, f"bias_ih_l{k}", None), getattr(rnn, f"bias_hh_l{k}", None))
            if lstm:
                h, c = torch.lstm_cell(x, (s[0][k], s[1][k]), *weights)
                cs.append(c)
            else:
                h = torch.gru_cell(x, s[k], *weights)
            hs.append(h)
            x = h
        h = torch.stack(hs)                                 # (L_g, B, H)
        return x, ((h, torch.stack(cs)) if lstm else h)

    # ------------------------------------------------------------------ state

    def init_state(self, batch_size: int, device: torch.device | str | None = None) -> State:
        """Zeros in the state format (module doc), on ``device`` (default: the model's)."""
        w = self.embedding.weight
        device = w.device if device is None else device
        state: State = []
        for rnn in self.rnns:
            shape = (rnn.num_layers, batch_size, rnn.hidden_size)
            h = torch.zeros(shape, device=device, dtype=w.dtype)
            state.append((h, torch.zeros_like(h)) if isinstance(rnn, nn.LSTM) else h)
        return state

    @staticmethod
    def detach_state(state: State | None) -> State | None:
        """The same values cut from the graph, so the next TBPTT batch stops backprop here."""
        if state is None:
            return None
        return [tuple(t.detach() for t in s) if isinstance(s, tuple) else s.detach()
                for s in state]

    def layer_states(self, state: State) -> list:
        """Split a state into one entry per layer: ``(h, c)`` or ``h``, each (B, H_l).

        This is the format of the reference cells (:mod:`models.cells`).
        """
        out = []
        for s in state:
            if isinstance(s, tuple):
                out.extend(zip(s[0].unbind(0), s[1].unbind(0), strict=True))
            else:
                out.extend(s.unbind(0))
        return out

    # ------------------------------------------------------------------ inspection

    def to_reference(self, variant: str = "pytorch") -> ReferenceLSTM | ReferenceGRU:
        """A reference-cell copy of the RNN layers (batch_first) that exposes every gate."""
        if self.cfg.cell == "lstm":
            return ReferenceLSTM.from_torch(self.rnns)
        return ReferenceGRU.from_torch(self.rnns, variant=variant)

    @torch.no_grad()
    def trace(self, idx: Tensor, state: State | None = None) -> tuple[Tensor, GateTrace]:
        """Run ``idx`` (B, T) through the reference cells without dropout.

        Returns ``(logits (B, T, V), trace)`` with each gate as (T, B, H_l);
        the logits equal ``forward`` in eval mode. Slow: for short inspections.
        """
        ref = self.to_reference()
        x = self.embedding(idx)                             # (B, T, E)
        layer_state = None if state is None else self.layer_states(state)
        out, _, trace = ref(x, layer_state)                 # (B, T, H_last)
        return self._decode(out), trace

    def num_parameters(self) -> int:
        """Number of trainable values; a tied matrix counts once."""
        return sum(p.numel() for p in self.parameters())

    def extra_repr(self) -> str:
        return f"cell={self.cfg.cell}, groups={self.cfg.groups}, tied={self.cfg.tied}"

