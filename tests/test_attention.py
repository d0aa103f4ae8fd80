"""Attention: exact zeros on padding, scores as the formulas say, precomputed keys."""

from __future__ import annotations

import pytest
import torch

from models.attention import AdditiveAttention, MultiplicativeAttention, build_attention
from nlp.errors import ConfigError


def inputs(B=3, S=6, Dq=5, Dv=7):
    g = torch.Generator().manual_seed(0)
    query = torch.randn(B, Dq, generator=g)
    values = torch.randn(B, S, Dv, generator=g)
    lengths = torch.tensor([S, 3, 1])
    mask = torch.arange(S)[None, :] < lengths[:, None]
    return query, values, mask


@pytest.mark.parametrize("kind", ["bahdanau", "luong"])
def test_padding_gets_exactly_zero_attention(kind):
    torch.manual_seed(0)
    query, values, mask = inputs()
    att = build_attention(kind, 5, 7)
    values = values.masked_fill(~mask[..., None], 1e6)  # huge padding must not leak in
    context, weights = att(query, att.keys(values), values, mask)
    assert weights.shape == (3, 6) and context.shape == (3, 7)
    assert torch.all(weights[~mask] == 0.0)
    assert torch.allclose(weights.sum(-1), torch.ones(3))
    assert torch.all(weights[mask] > 0)
    assert weights[2, 0] == 1.0  # one real position takes all the weight
    assert context.abs().max() < 100  # no padding value in the context


def test_additive_scores_follow_the_formula():
    torch.manual_seed(0)
    query, values, mask = inputs()
    att = AdditiveAttention(5, 7, 4)
    expected = att.energy(torch.tanh(att.key_proj(values) + att.query_proj(query)[:, None]))
    scores = att.scores(query[:, None], att.keys(values))  # (B, 1, S)
    assert torch.allclose(scores[:, 0], expected.squeeze(-1), atol=1e-6)


def test_multiplicative_scores_follow_the_formula():
    torch.manual_seed(0)
    query, values, mask = inputs()
    att = MultiplicativeAttention(5, 7)
    expected = torch.einsum("bd,bsd->bs", query, values @ att.key_proj.weight.T)
    assert torch.allclose(att.scores(query[:, None], att.keys(values))[:, 0], expected, atol=1e-5)
    context, weights = att(query, att.keys(values), values, mask)
    manual = torch.softmax(expected.masked_fill(~mask, float("-inf")), -1)
    assert torch.allclose(weights, manual, atol=1e-6)
    assert torch.allclose(context, torch.einsum("bs,bsd->bd", manual, values), atol=1e-5)


def test_unknown_attention_names_the_choices():
    with pytest.raises(ConfigError, match="bahdanau, luong"):
        build_attention("dot", 4, 4)


@pytest.mark.parametrize("kind", ["bahdanau", "luong"])
def test_k_queries_per_source_equal_repeated_sources(kind):
    """Beam search: rows i*k .. i*k+k-1 share source i instead of copies of it."""
    torch.manual_seed(0)
    _, values, mask = inputs()
    att = build_attention(kind, 5, 7)
    queries = torch.randn(3 * 4, 5)  # k = 4 queries per source
    shared = att(queries, att.keys(values), values, mask)
    rows = torch.arange(3).repeat_interleave(4)
    copied = att(queries, att.keys(values)[rows], values[rows], mask[rows])
    for a, b in zip(shared, copied, strict=True):
        assert torch.allclose(a, b, atol=1e-6)
    assert torch.all(shared[1][~mask[rows]] == 0.0)


def test_additive_decoding_in_chunks_equals_one_piece_and_runs_under_autocast(monkeypatch):
    import models.attention as attention

    torch.manual_seed(0)
    att = AdditiveAttention(8, 6, 8)
    query, keys = torch.randn(7 * 3, 8), att.keys(torch.randn(7, 5, 6))
    q = query.view(7, 3, 8)
    with torch.no_grad():
        whole = att.scores(q, keys)
        monkeypatch.setattr(attention, "CACHE_ELEMENTS", 2 * 3 * 5 * 8)  # two sentences a chunk
        chunked = att.scores(q, keys)
        torch.testing.assert_close(chunked, whole)
        with torch.autocast("cpu", dtype=torch.bfloat16):  # as evaluation under bf16 runs it
            low = att.scores(q, keys.bfloat16())
        torch.testing.assert_close(low.float(), whole, atol=0.1, rtol=0.05)
