"""Attention over encoder states: additive (Bahdanau) and multiplicative (Luong).

Both split the work in two so that a decoder step stays small:

- :meth:`keys` runs once per source batch: it projects the encoder outputs
  ``values (B, S, Dv)`` into keys ``(B, S, Dk)``;
- :meth:`forward` runs once per target step: it scores decoder queries
  ``(B*k, Dq)`` (``k`` beams per source, 1 in training) against those keys, and returns the context ``(B, Dv)`` (the
  attention-weighted sum of the values) and the weights ``(B, S)``.

Padding never receives attention: scores at masked positions are set to
``-inf`` before the softmax, so their weights are exactly zero. Every row must
have at least one real position (a source always ends with EOS).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from models.errors import ConfigError

__all__ = ["ATTENTIONS", "AdditiveAttention", "Attention", "MultiplicativeAttention",
           "build_attention"]

ATTENTIONS = ("bahdanau", "luong")
Linear = Callable[..., Tensor]  # F.linear's signature: (x, weight, bias=None)
CACHE_ELEMENTS = 1 << 18  # floats (1 MiB) of additive-attention work per chunk when decoding


class Attention(nn.Module):
    """The interface: ``keys(values)`` once, then ``forward(query, keys, values, mask)``."""

    def keys(self, values: Tensor) -> Tensor:
        """values (B, S, Dv) -> keys (B, S, Dk)."""
        raise NotImplementedError

    def scores(self, query: Tensor, keys: Tensor, linear: Linear = F.linear) -> Tensor:
        """query (B, k, Dq), keys (B, S, Dk) -> unnormalised scores (B, k, S).
        ``linear`` computes any projection of the query (the decoder passes its own,
        which may run in bf16 when decoding)."""
        raise NotImplementedError

    def forward(self, query: Tensor, keys: Tensor, values: Tensor, mask: Tensor,
                linear: Linear = F.linear) -> tuple[Tensor, Tensor]:
        """query (B*k, Dq), keys (B, S, Dk), values (B, S, Dv), mask (B, S) bool (True = real).

        Rows ``i*k .. i*k+k-1`` of the query all attend over source ``i``: in
        beam search the ``k`` beams of a sentence share its encoder output, which
        is then neither copied per beam nor gathered when beams are reordered
        (``k = 1`` otherwise). Returns ``(context (B*k, Dv), weights (B*k, S))``;
        weights sum to 1 over the real positions and are exactly 0 on padding.
        """
        B = keys.shape[0]
        q = query.view(B, query.shape[0] // B, query.shape[-1])  # (B, k, Dq)
        scores = self.scores(q, keys, linear).masked_fill(~mask[:, None, :],
                                                          float("-inf"))  # (B, k, S)
        weights = torch.softmax(scores.float(), dim=-1).to(values.dtype)  # (B, k, S)
        context = torch.bmm(weights, values)  # (B, k, Dv)
        return context.reshape(query.shape[0], -1), weights.reshape(query.shape[0], -1)


class AdditiveAttention(Attention):
    """Bahdanau et al. (2015): ``score = v . tanh(W_k value + W_q query)``.

    The key projection ``W_k value`` (with the bias) is the part done once per
    source batch; a step costs one ``(B*k, Dq) x (Dq, A)`` product and a tanh
    over ``(B, k, S, A)``.
    """

    def __init__(self, query_size: int, value_size: int, attn_size: int):
        super().__init__()
        self.key_proj = nn.Linear(value_size, attn_size, bias=True)
        self.query_proj = nn.Linear(query_size, attn_size, bias=False)
        self.energy = nn.Linear(attn_size, 1, bias=False)

    def keys(self, values: Tensor) -> Tensor:
        return self.key_proj(values)  # (B, S, A)

    def scores(self, query: Tensor, keys: Tensor, linear: Linear = F.linear) -> Tensor:
        q = linear(query, self.query_proj.weight).unsqueeze(2)  # (B, k, 1, A)
        B, k, S, A = keys.shape[0], q.shape[1], keys.shape[1], keys.shape[2]
        # decoding a large batch goes a few sentences at a time, so that the
        # (b, k, S, A) buffer stays in the CPU's cache instead of making three trips
        # to memory; training keeps one piece (one graph)
        if torch.is_grad_enabled() or B * k * S * A <= CACHE_ELEMENTS:
            return self.energy(torch.tanh_(keys.unsqueeze(1) + q)).squeeze(-1)  # one buffer
        step = max(1, CACHE_ELEMENTS // (k * S * A))
        buffer = keys.new_empty((min(step, B), k, S, A), dtype=torch.result_type(keys, q))
        parts = []  # one buffer, reused for each piece
        for i in range(0, B, step):
            part = torch.add(keys[i:i + step].unsqueeze(1), q[i:i + step],
                             out=buffer[:min(step, B - i)]).tanh_()
            parts.append(self.energy(part).squeeze(-1))
        return torch.cat(parts)  # (B, k, S)


class MultiplicativeAttention(Attention):
    """Luong et al. (2015), "general": ``score = query . (W value)``.

    ``W value`` is precomputed as the keys, so a step is one batched dot product.
    """

    def __init__(self, query_size: int, value_size: int):
        super().__init__()
        self.key_proj = nn.Linear(value_size, query_size, bias=False)

    def keys(self, values: Tensor) -> Tensor:
        return self.key_proj(values)  # (B, S, Dq)

    def scores(self, query: Tensor, keys: Tensor, linear: Linear = F.linear) -> Tensor:
        return torch.bmm(query, keys.transpose(1, 2))  # (B, k, S)


def build_attention(kind: str, query_size: int, value_size: int) -> Attention:
    """``"bahdanau"`` (additive, attention size = query size) or ``"luong"`` (general)."""
    if kind == "bahdanau":
        return AdditiveAttention(query_size, value_size, query_size)
    if kind == "luong":
        return MultiplicativeAttention(query_size, value_size)
    raise ConfigError(f"unknown attention {kind!r}; choose one of {', '.join(ATTENTIONS)}")
