"""LanguageModel: shapes, loss at init, tying, layer sizes, state carry, step, config."""

from __future__ import annotations

import json
import math

import pytest
import torch
from torch import nn

from models.language_model import LanguageModel, LMConfig
from nlp.errors import ConfigError

V, B, T = 40, 3, 7


def _model(cell="lstm", **kw) -> LanguageModel:
    torch.manual_seed(0)
    args = dict(vocab_size=V, cell=cell, embed=8, hidden=12, layers=2, dropout=0.0)
    args.update(kw)
    return LanguageModel(LMConfig(**args))


def _idx(seed=1, b=B, t=T):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, V, (b, t), generator=g)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_shapes_and_state_format(cell):
    model = _model(cell, hidden_sizes=(12, 12, 6), layers=3)
    logits, loss, state = model(_idx(), targets=_idx(2))
    assert logits.shape == (B, T, V) and loss.shape == ()
    assert len(state) == 2  # groups: two layers of 12 (fused), one of 6
    shapes = [(2, B, 12), (1, B, 6)]
    for s, shape in zip(state, shapes, strict=True):
        parts = s if cell == "lstm" else (s,)
        assert all(p.shape == shape for p in parts)
    logits, loss, _ = model(_idx())
    assert loss is None


@pytest.mark.parametrize("tied", [False, True])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_loss_at_init_is_about_ln_vocab(cell, tied):
    model = _model(cell, tied=tied, embed=16, hidden=32)
    _, loss, _ = model(_idx(b=8, t=16), targets=_idx(2, b=8, t=16))
    assert abs(loss.item() - math.log(V)) < 0.02


def test_uniform_sizes_use_one_fused_module():
    model = _model(layers=3, hidden_sizes=(12, 12, 12), dropout=0.2)
    assert len(model.rnns) == 1
    rnn = model.rnns[0]
    assert type(rnn) is nn.LSTM and rnn.num_layers == 3 and rnn.batch_first
    assert rnn.dropout == 0.2


def test_per_layer_sizes():
    model = _model(embed=8, hidden_sizes=(12, 6))
    assert [(r.input_size, r.hidden_size, r.num_layers) for r in model.rnns] == [
        (8, 12, 1), (12, 6, 1)]
    assert model.decoder.in_features == 6
    logits, _, state = model(_idx())
    assert logits.shape == (B, T, V) and state[1][0].shape == (1, B, 6)


def test_tied_weights_share_storage_and_count_once():
    model = _model(tied=True, embed=8, hidden=8)
    assert model.proj is None
    assert model.decoder.weight is model.embedding.weight
    assert model.decoder.weight.data_ptr() == model.embedding.weight.data_ptr()
    untied = _model(tied=False, embed=8, hidden=8)
    assert untied.num_parameters() - model.num_parameters() == V * 8
    assert model.num_parameters() == sum(
        p.numel() for n, p in model.named_parameters() if n != "decoder.weight")


def test_tied_with_different_last_size_adds_projection():
    model = _model(tied=True, embed=8, hidden_sizes=(12, 6))
    assert (model.proj.in_features, model.proj.out_features) == (6, 8)
    assert model.decoder.weight is model.embedding.weight
    assert model(_idx())[0].shape == (B, T, V)


def test_init_forget_bias_and_orthogonal_recurrence():
    model = _model(hidden=12)
    rnn = model.rnns[0]
    b = rnn.bias_ih_l0 + rnn.bias_hh_l0
    assert torch.all(b[12:24] == 1.0) and torch.all(b[:12] == 0) and torch.all(b[24:] == 0)
    for block in rnn.weight_hh_l1.detach().split(12):
        torch.testing.assert_close(block @ block.T, torch.eye(12), atol=1e-5, rtol=0)


@pytest.mark.parametrize("sizes", [None, (12, 6)])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_state_carry_two_halves_equal_whole(cell, sizes):
    model = _model(cell, hidden_sizes=sizes, dropout=0.3).eval()
    idx = _idx(t=8)
    with torch.no_grad():
        whole, _, s_whole = model(idx)
        first, _, s = model(idx[:, :5])
        second, _, s_two = model(idx[:, 5:], s)
    torch.testing.assert_close(torch.cat([first, second], 1), whole)
    for a, b in zip(model.layer_states(s_two), model.layer_states(s_whole), strict=True):
        torch.testing.assert_close(a, b)
    zeros = model.init_state(B)
    torch.testing.assert_close(model(idx, zeros)[0], whole)


@pytest.mark.parametrize("sizes", [None, (12, 12, 6)])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_step_equals_forward(cell, sizes):
    layers = 2 if sizes is None else len(sizes)
    model = _model(cell, hidden_sizes=sizes, layers=layers, dropout=0.3).eval()
    idx = _idx(t=4)
    with torch.no_grad():
        full, _, full_state = model(idx)
        state = None
        for t in range(idx.shape[1]):
            logits, state = model.step(idx[:, t], state)
            torch.testing.assert_close(logits, full[:, t], rtol=1e-5, atol=1e-6)
    for a, b in zip(model.layer_states(state), model.layer_states(full_state), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gradient_reaches_every_parameter(cell):
    model = _model(cell, tied=True, hidden_sizes=(12, 6), dropout=0.1).train()
    _, loss, _ = model(_idx(), targets=_idx(2))
    loss.backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, name


def test_detach_state_for_truncated_bptt():
    model = _model()
    _, loss, state = model(_idx(), targets=_idx(2))
    loss.backward()
    state = model.detach_state(state)
    assert all(t.grad_fn is None for s in state for t in s)
    _, loss2, _ = model(_idx(3), state, targets=_idx(4))
    loss2.backward()  # would raise if the graph of the first batch were still attached
    assert model.detach_state(None) is None


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_trace_matches_forward(cell):
    model = _model(cell, tied=True, hidden_sizes=(12, 6), dropout=0.3).eval()
    idx = _idx(t=5)
    with torch.no_grad():
        expected, _, state = model(idx)
        logits, trace = model.trace(idx)
        torch.testing.assert_close(logits, expected, rtol=1e-5, atol=1e-6)
        assert trace.num_layers == 2 and trace.gate("hidden", 1).shape == (5, B, 6)
        more, _, _ = model(idx, state)
        torch.testing.assert_close(model.trace(idx, state)[0], more, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------- config


def test_config_round_trip_through_json():
    cfg = LMConfig(vocab_size=100, cell="gru", embed=8, layers=2, hidden_sizes=[12, 6],
                   tied=True, dropout=0.25)
    assert cfg.hidden_sizes == (12, 6) and hash(cfg)
    d = cfg.to_dict()
    assert d["hidden_sizes"] == [12, 6]
    assert LMConfig.from_dict(d) == cfg
    assert LMConfig.from_dict(json.loads(json.dumps(d))) == cfg
    plain = LMConfig(vocab_size=5)
    assert LMConfig.from_dict(plain.to_dict()) == plain


def test_unknown_key_names_it_and_the_valid_ones():
    with pytest.raises(ConfigError) as err:
        LMConfig.from_dict({"vocab_size": 10, "hiden": 64})
    msg = str(err.value)
    assert "'hiden'" in msg and "Did you mean 'hidden'" in msg
    assert "vocab_size, cell, embed, hidden, layers, dropout, tied, hidden_sizes" in msg


def test_missing_key():
    with pytest.raises(ConfigError, match="vocab_size"):
        LMConfig.from_dict({"cell": "lstm"})


@pytest.mark.parametrize("bad, pattern", [
    (dict(layers=0), "layers must be at least 1"),
    (dict(dropout=1.0), r"dropout must be in \[0.0, 1.0\)"),
    (dict(dropout=-0.1), "dropout"),
    (dict(cell="rnn"), "one of 'lstm', 'gru'"),
    (dict(vocab_size=0), "vocab_size"),
    (dict(embed=True), "embed must be a whole number"),
    (dict(hidden=12.5), "hidden must be a whole number"),
    (dict(tied="yes"), "tied must be true or false"),
    (dict(hidden_sizes=(12, 6), layers=3), "set layers=2 or give 3 sizes"),
    (dict(hidden_sizes=(12, 0)), r"hidden_sizes\[1\]"),
    (dict(hidden_sizes=12), "list of layer sizes"),
])
def test_invalid_values(bad, pattern):
    args = dict(vocab_size=10, layers=2)
    args.update(bad)
    with pytest.raises(ConfigError, match=pattern):
        LMConfig(**args)
    with pytest.raises(ConfigError, match=pattern):
        LMConfig.from_dict(args)
