"""A GRU/LSTM encoder-decoder translator with attention and input feeding.

::

    src (B, S) -> Embedding -> dropout -> bidirectional RNN (packed by length)
        -> values (B, S, 2H); keys = attention.keys(values), computed once
        -> bridge: tanh(Linear(last fwd ++ last bwd state)) -> decoder start state
    step t:  [emb(y_{t-1}) ; a_{t-1}] -> RNN cells -> h_t (top layer)
             context_t, weights_t = attention(h_t, keys, values, src_mask)
             a_t = tanh(Linear([h_t ; context_t]))      (the attentional vector)
             logits_t = Linear(dropout(a_t))            (through a projection to E when tied)

``a_t`` is fed back into the next step's input ("input feeding", Luong et
al. 2015), so the decoder knows what it attended to before. Training runs the
steps in a Python loop but keeps each step small: the attention keys are
computed once, and the output projection over the vocabulary runs once over
all steps (unless scheduled sampling needs each step's prediction).

Search (greedy, beam) lives in ``nlp.decoding.beam``; it uses :meth:`Seq2Seq.encode`,
:meth:`Seq2Seq.initial_state` and :meth:`Seq2Seq.decode_step`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from models.attention import ATTENTIONS, build_attention
from models.config import DictConfig, check_bool, check_choice, check_float, check_int
from models.errors import ConfigError

__all__ = ["CELLS", "DecoderState", "Encoded", "Seq2Seq", "Seq2SeqConfig", "build_model"]

log = logging.getLogger(__name__)

CELLS = ("gru", "lstm")


@dataclass(frozen=True)
class Seq2SeqConfig(DictConfig):
    """Everything needed to rebuild a :class:`Seq2Seq`.

    src_vocab, tgt_vocab: token ids on each side (V_s, V_t).
    embed: embedding size (E); hidden: RNN size (H) of the decoder and of each
        encoder direction (the encoder outputs 2H).
    enc_layers, dec_layers: stacked RNN layers.
    dropout: on embeddings, between layers and before the output; in [0, 1).
    cell: ``"gru"`` or ``"lstm"``. attention: ``"bahdanau"`` (additive) or
        ``"luong"`` (multiplicative, "general").
    tied: the output layer shares the target embedding matrix (a
        ``Linear(H -> E)`` projection goes first when H != E).
    joint_vocab: one vocabulary for both sides; source and target share one
        embedding matrix (needs ``src_vocab == tgt_vocab``).
    label_smoothing: for the training loss, in [0, 1).
    scheduled_sampling: probability of feeding the model's own previous
        prediction instead of the reference token while training, in [0, 1].
    """

    src_vocab: int
    tgt_vocab: int
    embed: int = 256
    hidden: int = 256
    enc_layers: int = 1
    dec_layers: int = 1
    dropout: float = 0.1
    cell: str = "gru"
    attention: str = "bahdanau"
    tied: bool = False
    joint_vocab: bool = False
    label_smoothing: float = 0.1
    scheduled_sampling: float = 0.0

    def __post_init__(self) -> None:
        w = "Seq2SeqConfig"
        for name in ("src_vocab", "tgt_vocab", "embed", "hidden", "enc_layers", "dec_layers"):
            check_int(w, name, getattr(self, name), 1)
        check_float(w, "dropout", self.dropout, 0.0, 1.0)
        check_choice(w, "cell", self.cell, CELLS)
        check_choice(w, "attention", self.attention, ATTENTIONS)
        check_bool(w, "tied", self.tied)
        check_bool(w, "joint_vocab", self.joint_vocab)
        check_float(w, "label_smoothing", self.label_smoothing, 0.0, 1.0)
        check_float(w, "scheduled_sampling", self.scheduled_sampling, 0.0, 1.0,
                    high_inclusive=True)
        for name in ("dropout", "label_smoothing", "scheduled_sampling"):
            object.__setattr__(self, name, float(getattr(self, name)))
        if self.joint_vocab and self.src_vocab != self.tgt_vocab:
            raise ConfigError(
                f"Embeddings cannot be shared (joint_vocab) since the vocabularies differ "
                f"({self.src_vocab} source ids, {self.tgt_vocab} target ids): train one joint "
                "tokenizer for both sides (--joint-vocab), or set joint_vocab false.")


@dataclass
class Encoded:
    """The encoder's output for a batch, reused by every decoder step.

    values (B, S, 2H), keys (B, S, Dk) (the attention's projection of the
    values), mask (B, S) bool (True on real tokens), final (B, 2H) (last
    forward state ++ first backward state of the top layer).
    """

    values: Tensor
    keys: Tensor
    mask: Tensor
    final: Tensor

    def select(self, index: Tensor) -> Encoded:
        """Rows ``index`` (N,) of every field, e.g. to drop finished sentences. Beams
        need no copies: the decoder's rows ``i*k .. i*k+k-1`` share source row ``i``."""
        return Encoded(self.values.index_select(0, index), self.keys.index_select(0, index),
                       self.mask.index_select(0, index), self.final.index_select(0, index))


@dataclass
class DecoderState:
    """The decoder's recurrent state: h (L, N, H), c (L, N, H) for an LSTM (else
    None), and the previous attentional vector att (N, H) for input feeding."""

    h: Tensor
    c: Tensor | None
    att: Tensor

    def select(self, index: Tensor) -> DecoderState:
        """Rows ``index`` (N',) of the state, e.g. the parents of the surviving beams."""
        return DecoderState(self.h.index_select(1, index),
                            None if self.c is None else self.c.index_select(1, index),
                            self.att.index_select(0, index))


class Encoder(nn.Module):
    """Embedding + bidirectional GRU/LSTM over packed sequences."""

    def __init__(self, cfg: Seq2SeqConfig, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding
        self.drop = nn.Dropout(cfg.dropout)
        rnn = nn.LSTM if cfg.cell == "lstm" else nn.GRU
        self.rnn = rnn(cfg.embed, cfg.hidden, num_layers=cfg.enc_layers, batch_first=True,
                       bidirectional=True, dropout=cfg.dropout if cfg.enc_layers > 1 else 0.0)

    def forward(self, src: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        """src (B, S), lengths (B,) (CPU or not) -> (values (B, S, 2H), final (B, 2H)).

        Packing skips the padding, so a row's outputs do not depend on how
        much padding the batch gives it; positions past its length are zero.
        """
        emb = self.drop(self.embedding(src))  # (B, S, E)
        packed = pack_padded_sequence(emb, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, hidden = self.rnn(packed)
        values, _ = pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
        h_n = hidden[0] if isinstance(hidden, tuple) else hidden  # (2L, B, H)
        final = torch.cat([h_n[-2], h_n[-1]], dim=-1)  # (B, 2H): top layer, both directions
        return values, final


class Decoder(nn.Module):
    """RNN cells with input feeding, attention, and the output layer."""

    def __init__(self, cfg: Seq2SeqConfig, embedding: nn.Embedding):
        super().__init__()
        E, H = cfg.embed, cfg.hidden
        self.cfg = cfg
        self.embedding = embedding
        self.drop = nn.Dropout(cfg.dropout)
        cell = nn.LSTMCell if cfg.cell == "lstm" else nn.GRUCell
        self.cells = nn.ModuleList(cell(E + H if i == 0 else H, H) for i in range(cfg.dec_layers))
        self.attention = build_attention(cfg.attention, H, 2 * H)
        self.bridge = nn.Linear(2 * H, H)
        self.combine = nn.Linear(H + 2 * H, H, bias=False)
        self.proj = nn.Linear(H, E, bias=False) if cfg.tied and H != E else None
        self.out = nn.Linear(E if cfg.tied else H, cfg.tgt_vocab)
        if cfg.tied:
            self.out.weight = embedding.weight  # (V_t, E), one tensor
        # decoding (no gradient) may run its matrix products in bf16: see linear()
        self.matmul_dtype: torch.dtype | None = None
        self._low: dict[tuple, tuple[int, Tensor]] = {}

    def linear(self, x: Tensor, weight: Tensor, bias: Tensor | None = None,
               low_out: bool = False) -> Tensor:
        """``F.linear``; when decoding with ``matmul_dtype`` set (bf16), the product
        runs in that type from cached copies of the weights and comes back as
        float32 (or, with ``low_out``, as it is). Training and anything with a
        gradient stay in full precision."""
        dtype = self.matmul_dtype
        if dtype is None or torch.is_grad_enabled() or self.training:
            return F.linear(x, weight, bias)
        y = F.linear(x.to(dtype), self._lowered(weight, dtype),
                     None if bias is None else self._lowered(bias, dtype))
        return y if low_out else y.float()

    def weights_changed(self) -> None:
        """Drop the derived copies (low-precision weights, the token-gate table): the
        trainer calls this after every optimizer step, since a fused step changes
        weights in place without moving their version counters."""
        self._low.clear()
        self._gate_key = None

    def _lowered(self, t: Tensor, dtype: torch.dtype) -> Tensor:
        """``t`` in ``dtype``, converted once and again only after ``t`` changes."""
        where = (t.data_ptr(), tuple(t.shape), t.stride(), t.device, dtype)
        cached = self._low.get(where)  # views of one weight (cell slices) are told apart
        if cached is None or cached[0] != t._version:  # changed in place since (training)
            cached = (t._version, t.detach().to(dtype))
            self._low[where] = cached
        return cached[1]

    def initial_state(self, enc: Encoded) -> DecoderState:
        """Every layer starts from tanh(bridge(final)); the attentional vector from zeros."""
        h0 = torch.tanh(self.bridge(enc.final))  # (N, H)
        h = h0.unsqueeze(0).expand(self.cfg.dec_layers, -1, -1).contiguous()  # (L, N, H)
        c = torch.zeros_like(h) if self.cfg.cell == "lstm" else None
        return DecoderState(h, c, torch.zeros_like(h0))

    def input_gates(self, emb: Tensor) -> Tensor:
        """emb (..., E) -> its part of the first cell's input gates (..., G), G = 3H or 4H.

        The first cell's input is ``[emb ; att]``, so its input product splits
        in two; the embedding part of every teacher-forced step is one matrix
        product, and in search it is a row lookup (see :meth:`token_gates`).
        """
        return F.linear(emb, self.cells[0].weight_ih[:, :self.cfg.embed])

    def token_gates(self, tokens: Tensor) -> Tensor:
        """tokens (N,) -> input_gates(embedding(tokens)) (N, G), by a lookup in a
        table of every token's gates when no gradient is needed. The table is
        rebuilt when the weights change (their version counters move)."""
        emb, w = self.embedding.weight, self.cells[0].weight_ih
        if torch.is_grad_enabled() or self.training:
            return self.input_gates(self.drop(self.embedding(tokens)))
        key = (emb._version, w._version, emb.data_ptr(), w.data_ptr(), emb.dtype, emb.device)
        if getattr(self, "_gate_key", None) != key:
            with torch.autocast(emb.device.type, enabled=False):  # in the weights' own dtype
                self._gate_table = self.input_gates(emb)  # (V_t, G)
            self._gate_key = key
        return self._gate_table.index_select(0, tokens)

    def _first_cell(self, gates_emb: Tensor, state: DecoderState) -> tuple[Tensor, Tensor | None]:
        """The first GRU/LSTM cell (PyTorch's equations) given its embedding gates (N, G)."""
        cell = self.cells[0]
        gi = gates_emb + self.linear(state.att, cell.weight_ih[:, self.cfg.embed:], cell.bias_ih)
        gh = self.linear(state.h[0], cell.weight_hh, cell.bias_hh)
        if state.c is None:  # GRU
            i_r, i_z, i_n = gi.chunk(3, dim=-1)
            h_r, h_z, h_n = gh.chunk(3, dim=-1)
            r, z = torch.sigmoid(i_r + h_r), torch.sigmoid(i_z + h_z)
            n = torch.tanh(i_n + r * h_n)
            return n + z * (state.h[0] - n), None
        i, f, g, o = (gi + gh).chunk(4, dim=-1)
        c = torch.sigmoid(f) * state.c[0] + torch.sigmoid(i) * torch.tanh(g)
        return torch.sigmoid(o) * torch.tanh(c), c

    def step(self, gates_emb: Tensor, state: DecoderState, enc: Encoded
             ) -> tuple[Tensor, DecoderState, Tensor]:
        """gates_emb (N, G): :meth:`input_gates` of the previous tokens' embeddings
        -> (att (N, H), new state, attention weights (N, S))."""
        h, c = self._first_cell(gates_emb, state)
        hs, cs = [h], [c]
        for i, cell in enumerate(self.cells[1:], start=1):
            x = self.drop(hs[-1])
            if state.c is not None:
                h, c = cell(x, (state.h[i], state.c[i]))
            else:
                h = cell(x, state.h[i])
            hs.append(h)
            cs.append(c)
        x = hs[-1]
        context, weights = self.attention(x, enc.keys, enc.values, enc.mask,
                                          linear=self.linear)  # (N, 2H), (N, S)
        att = torch.tanh(self.linear(torch.cat([x, context], dim=-1), self.combine.weight))
        new = DecoderState(torch.stack(hs), torch.stack(cs) if state.c is not None else None, att)
        return att, new, weights

    def logits(self, att: Tensor) -> Tensor:
        """att (..., H) -> logits (..., V_t): float32, or ``matmul_dtype`` when decoding
        with one (see :meth:`linear`); bf16 logits are half the memory to write."""
        x = self.drop(att)
        if self.proj is not None:
            x = self.linear(x, self.proj.weight)
        return self.linear(x, self.out.weight, self.out.bias, low_out=True)

    def teacher_forced(self, tgt_in: Tensor, enc: Encoded) -> Tensor:
        """tgt_in (B, T) -> logits (B, T, V_t), feeding the reference tokens (and,
        with scheduled sampling while training, sometimes the model's own)."""
        state = self.initial_state(enc)
        gates = self.input_gates(self.drop(self.embedding(tgt_in)))  # (B, T, G), all steps at once
        sampling = self.cfg.scheduled_sampling if self.training else 0.0
        atts, step_logits = [], []
        for t in range(tgt_in.shape[1]):
            step_gates = gates[:, t]
            if sampling > 0 and t > 0:
                own = step_logits[-1].argmax(-1)  # (B,) the previous prediction
                use_own = torch.rand(own.shape, device=own.device) < sampling
                step_gates = torch.where(use_own[:, None], self.token_gates(own), step_gates)
            att, state, _ = self.step(step_gates, state, enc)
            atts.append(att)
            if sampling > 0:
                step_logits.append(self.logits(att).detach())
        return self.logits(torch.stack(atts, dim=1))  # (B, T, V_t)


class Seq2Seq(nn.Module):
    """Encoder-decoder translator; see the module docstring for the layout."""

    def __init__(self, cfg: Seq2SeqConfig):
        super().__init__()
        if not isinstance(cfg, Seq2SeqConfig):
            raise TypeError(f"Seq2Seq expects a Seq2SeqConfig, got {type(cfg).__name__}")
        self.cfg = cfg
        src_emb = nn.Embedding(cfg.src_vocab, cfg.embed, padding_idx=0)
        tgt_emb = src_emb if cfg.joint_vocab else nn.Embedding(cfg.tgt_vocab, cfg.embed,
                                                               padding_idx=0)
        for emb in {id(src_emb): src_emb, id(tgt_emb): tgt_emb}.values():
            nn.init.normal_(emb.weight, std=cfg.embed ** -0.5)
            with torch.no_grad():
                emb.weight[0].zero_()
        self.encoder = Encoder(cfg, src_emb)
        self.decoder = Decoder(cfg, tgt_emb)
        log.debug("Seq2Seq %s: %d parameters", cfg, self.num_parameters())

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def encode(self, src: Tensor, lengths: Tensor, mask: Tensor | None = None) -> Encoded:
        """src (B, S), lengths (B,), mask (B, S) (derived from lengths when None)."""
        if mask is None:
            mask = torch.arange(src.shape[1], device=src.device)[None, :] < \
                lengths.to(src.device)[:, None]
        values, final = self.encoder(src, lengths)
        return Encoded(values, self.decoder.attention.keys(values), mask, final)

    def initial_state(self, enc: Encoded) -> DecoderState:
        return self.decoder.initial_state(enc)

    def decode_step(self, prev_tokens: Tensor, state: DecoderState, enc: Encoded
                    ) -> tuple[Tensor, DecoderState, Tensor]:
        """prev_tokens (N,) -> (log_probs (N, V_t) float32, new state, attention (N, S)).

        N may be a multiple k of the rows of ``enc``: rows ``i*k .. i*k+k-1``
        (the beams of sentence ``i``) then share its encoder output.
        """
        logits, state, weights = self.decode_step_logits(prev_tokens, state, enc)
        return torch.log_softmax(logits.float(), dim=-1), state, weights

    def decode_step_logits(self, prev_tokens: Tensor, state: DecoderState, enc: Encoded
                           ) -> tuple[Tensor, DecoderState, Tensor]:
        """As :meth:`decode_step`, with unnormalised scores (search normalises
        them the cheapest way for its own use), as the output layer made them:
        float32, or lower (the decoder's ``matmul_dtype``, or autocast): convert
        them with ``.float()`` before normalising."""
        gates = self.decoder.token_gates(prev_tokens)  # (N, G)
        att, state, weights = self.decoder.step(gates, state, enc)
        return self.decoder.logits(att), state, weights

    def forward(self, batch: Any) -> tuple[Tensor, Tensor]:
        """Teacher-forced pass over a :class:`~nlp.data.batching.Seq2SeqBatch` (or any
        object with src, src_lengths, src_mask, tgt_in, tgt_out, tgt_mask).

        Returns ``(logits (B, T, V_t), loss)``: the label-smoothed cross-entropy,
        mean over the real target tokens (``tgt_mask``).
        """
        enc = self.encode(batch.src, batch.src_lengths, batch.src_mask)
        logits = self.decoder.teacher_forced(batch.tgt_in, enc)  # (B, T, V_t)
        per_token = F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(),
                                    batch.tgt_out.reshape(-1), reduction="none",
                                    label_smoothing=self.cfg.label_smoothing)  # (B*T,)
        mask = batch.tgt_mask.reshape(-1).to(per_token.dtype)
        loss = (per_token * mask).sum() / mask.sum().clamp(min=1.0)
        return logits, loss


def build_model(cfg: Seq2SeqConfig | dict) -> Seq2Seq:
    """A :class:`Seq2Seq` from its config or the config's dict (as in a checkpoint)."""
    if isinstance(cfg, dict):
        cfg = Seq2SeqConfig.from_dict(cfg)
    return Seq2Seq(cfg)
