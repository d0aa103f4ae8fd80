"""The reference cells equal nn.LSTM / nn.GRU (values and gradients) and the textbook GRU."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from models.cells import GRUCell, LSTMCell, ReferenceGRU, ReferenceLSTM
from nlp.errors import ConfigError

IN, H, L, T, B = 4, 6, 2, 5, 3
TOL = {torch.float64: dict(rtol=1e-10, atol=1e-12), torch.float32: dict(rtol=1e-4, atol=1e-5)}


def _torch_and_reference(cell: str, dtype, batch_first: bool, bias: bool = True):
    torch.manual_seed(0)
    cls = nn.LSTM if cell == "lstm" else nn.GRU
    fused = cls(IN, H, num_layers=L, batch_first=batch_first, bias=bias).to(dtype)
    ref_cls = ReferenceLSTM if cell == "lstm" else ReferenceGRU
    return fused, ref_cls.from_torch(fused)


def _random_state(cell: str, dtype):
    h0 = torch.randn(L, B, H, dtype=dtype, requires_grad=True)
    c0 = torch.randn(L, B, H, dtype=dtype, requires_grad=True)
    if cell == "lstm":
        return (h0, c0), [(h0[k], c0[k]) for k in range(L)], [h0, c0]
    return h0, [h0[k] for k in range(L)], [h0]


def _final_as_torch(cell: str, finals):
    if cell == "lstm":
        return torch.stack([h for h, _ in finals]), torch.stack([c for _, c in finals])
    return torch.stack(finals)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_reference_equals_torch_values_and_gradients(cell, batch_first, dtype):
    fused, ref = _torch_and_reference(cell, dtype, batch_first)
    torch.manual_seed(1)
    shape = (B, T, IN) if batch_first else (T, B, IN)
    x = torch.randn(shape, dtype=dtype, requires_grad=True)
    torch_state, ref_state, state_leaves = _random_state(cell, dtype)

    out_t, fin_t = fused(x, torch_state)
    out_r, fin_r, trace = ref(x, ref_state)
    fin_r = _final_as_torch(cell, fin_r)
    tol = TOL[dtype]
    torch.testing.assert_close(out_r, out_t, **tol)
    if cell == "lstm":
        torch.testing.assert_close(fin_r[0], fin_t[0], **tol)
        torch.testing.assert_close(fin_r[1], fin_t[1], **tol)
    else:
        torch.testing.assert_close(fin_r, fin_t, **tol)

    # a loss that touches every output and the final state, with random weights
    torch.manual_seed(2)
    w_out = torch.randn_like(out_t)
    w_fin = [torch.randn_like(t) for t in (fin_t if cell == "lstm" else (fin_t,))]

    def loss_of(out, fin):
        fins = fin if cell == "lstm" else (fin,)
        return (out * w_out).sum() + sum((f * w).sum() for f, w in zip(fins, w_fin, strict=True))

    wrt_t = [x, *state_leaves, *fused.parameters()]
    wrt_r = [x, *state_leaves, *ref.parameters()]
    grads_t = torch.autograd.grad(loss_of(out_t, fin_t), wrt_t)
    grads_r = torch.autograd.grad(loss_of(out_r, fin_r), wrt_r)
    # reference parameters are per layer: weight_ih, weight_hh, bias_ih, bias_hh, in
    # nn.LSTM's order weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, weight_ih_l1, ...
    names_t = ["x"] + [f"state{k}" for k in range(len(state_leaves))] + [
        n for n, _ in fused.named_parameters()]
    assert len(grads_t) == len(grads_r)
    for name, g_t, g_r in zip(names_t, grads_t, grads_r, strict=True):
        torch.testing.assert_close(g_r, g_t, **tol, msg=lambda m, n=name: f"{n}: {m}")

    # the trace: last layer's hidden equals the output, gates in range, (T, B, H)
    out_tb = out_r.transpose(0, 1) if batch_first else out_r
    assert trace.num_layers == L
    torch.testing.assert_close(trace.gate("hidden"), out_tb)
    for name in trace.names:
        assert trace.gate(name, 0).shape == (T, B, H)
    sigm = ("input", "forget", "output") if cell == "lstm" else ("reset", "update")
    for name in sigm:
        g = trace.gate(name)
        assert bool(((g > 0) & (g < 1)).all())
    if cell == "lstm":
        torch.testing.assert_close(trace.gate("cell", 1)[-1], fin_r[1][1])


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_without_bias(cell):
    fused, ref = _torch_and_reference(cell, torch.float64, False, bias=False)
    x = torch.randn(T, B, IN, dtype=torch.float64)
    torch.testing.assert_close(ref(x)[0], fused(x)[0], **TOL[torch.float64])


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_stack_with_different_layer_sizes(cell):
    """A stack like Keras LSTM(6, return_sequences=True) -> LSTM(3) x2 copies as one reference."""
    torch.manual_seed(0)
    cls = nn.LSTM if cell == "lstm" else nn.GRU
    stack = nn.ModuleList([cls(IN, 6, 1), cls(6, 3, 2)]).double()
    ref = (ReferenceLSTM if cell == "lstm" else ReferenceGRU).from_torch(stack)
    assert ref.hidden_sizes == (6, 3, 3)
    x = torch.randn(T, B, IN, dtype=torch.float64)
    y = stack[1](stack[0](x)[0])[0]
    out, finals, trace = ref(x)
    torch.testing.assert_close(out, y, **TOL[torch.float64])
    assert len(finals) == 3 and trace.gate("hidden", 0).shape == (T, B, 6)


def test_init_state_is_zeros_per_layer():
    ref = ReferenceLSTM(3, [4, 2])
    state = ref.init_state(5)
    assert [tuple(h.shape) for h, _ in state] == [(5, 4), (5, 2)]
    x = torch.randn(2, 5, 3)
    torch.testing.assert_close(ref(x, state)[0], ref(x)[0])


def _gru_cell_by_hand(variant: str) -> GRUCell:
    """I=1, H=2; weights picked so each gate is easy to compute by hand.

    reset:  all weights 0, b_ir = [ln 3, -ln 3]  -> r = [3/4, 1/4]
    update: all weights 0, b_iz = [ln 3, 0]      -> z = [3/4, 1/2]
    candidate: W_in = [[0.5], [0]], b_in = 0, W_hn = [[0, 1], [1, 0]] (swap), b_hn = 0
    """
    cell = GRUCell(1, 2, variant=variant).double()
    with torch.no_grad():
        for p in cell.parameters():
            p.zero_()
        ln3 = math.log(3.0)
        cell.bias_ih[0:2] = torch.tensor([ln3, -ln3], dtype=torch.float64)   # b_ir
        cell.bias_ih[2:4] = torch.tensor([ln3, 0.0], dtype=torch.float64)    # b_iz
        cell.weight_ih[4:6, 0] = torch.tensor([0.5, 0.0])  # W_in
        cell.weight_hh[4:6] = torch.tensor([[0.0, 1.0], [1.0, 0.0]])  # W_hn
    return cell


def test_textbook_gru_by_hand():
    # x = [1], h = [1, 2]; r = [0.75, 0.25], z = [0.75, 0.5]
    # reset BEFORE the product: r * h = [0.75, 0.5]; W_hn (r * h) = [0.5, 0.75]
    # pre-activation = W_in x + that = [0.5 + 0.5, 0 + 0.75] = [1.0, 0.75]
    # h~ = [tanh 1, tanh 0.75] = [0.7615941559557649, 0.6351489523872873]
    # h' = (1 - z) * h + z * h~
    #    = [0.25 * 1 + 0.75 * 0.7615941559557649, 0.5 * 2 + 0.5 * 0.6351489523872873]
    #    = [0.8211956169668236, 1.3175744761936437]
    cell = _gru_cell_by_hand("textbook")
    h_new, v = cell(torch.tensor([[1.0]], dtype=torch.float64),
                    torch.tensor([[1.0, 2.0]], dtype=torch.float64))
    exp = dict(rtol=0, atol=1e-12)
    torch.testing.assert_close(v["reset"][0], torch.tensor([0.75, 0.25], dtype=torch.float64), **exp)
    torch.testing.assert_close(v["update"][0], torch.tensor([0.75, 0.5], dtype=torch.float64), **exp)
    torch.testing.assert_close(
        v["candidate"][0], torch.tensor([0.7615941559557649, 0.6351489523872873],
                                        dtype=torch.float64), **exp)
    torch.testing.assert_close(
        h_new[0], torch.tensor([0.8211956169668236, 1.3175744761936437], dtype=torch.float64),
        **exp)


def test_pytorch_gru_by_hand_same_weights():
    # same x, h, r, z as above
    # reset AFTER the product: W_hn h = [2, 1]; r * (W_hn h) = [1.5, 0.25]
    # pre-activation = [0.5 + 1.5, 0 + 0.25] = [2.0, 0.25]
    # n = [tanh 2, tanh 0.25] = [0.9640275800758169, 0.24491866240370913]
    # h' = (1 - z) * n + z * h
    #    = [0.25 * 0.9640275800758169 + 0.75 * 1, 0.5 * 0.24491866240370913 + 0.5 * 2]
    #    = [0.9910068950189542, 1.1224593312018545]
    cell = _gru_cell_by_hand("pytorch")
    x = torch.tensor([[1.0]], dtype=torch.float64)
    h = torch.tensor([[1.0, 2.0]], dtype=torch.float64)
    h_new, _ = cell(x, h)
    expected = torch.tensor([[0.9910068950189542, 1.1224593312018545]], dtype=torch.float64)
    torch.testing.assert_close(h_new, expected, rtol=0, atol=1e-12)
    # and nn.GRU with the same weights agrees
    gru = nn.GRU(1, 2).double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(gru, f"{name}_l0").copy_(getattr(cell, name))
    torch.testing.assert_close(gru(x[None], h[None])[0][0], expected, rtol=0, atol=1e-12)


def test_z_swap_is_a_sign_flip_and_reset_placement_is_not():
    """textbook(z weights negated) == pytorch exactly when W_hn is diagonal and b_hn = 0.

    1 - sigmoid(a) = sigmoid(-a), so negating the update gate's weights and biases
    turns one z convention into the other. r * (W h) = W (r * h) only for diagonal W.
    """
    torch.manual_seed(0)
    py = GRUCell(3, 4, variant="pytorch").double()
    tb = GRUCell(3, 4, variant="textbook").double()
    with torch.no_grad():
        py.weight_hh[8:12] = torch.diag(torch.randn(4, dtype=torch.float64))
        py.bias_hh[8:12] = 0.0
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(tb, name).copy_(getattr(py, name))
            getattr(tb, name)[4:8] *= -1  # W_z, U_z, b_z
    x, h = torch.randn(5, 3, dtype=torch.float64), torch.randn(5, 4, dtype=torch.float64)
    torch.testing.assert_close(tb(x, h)[0], py(x, h)[0], rtol=1e-12, atol=1e-12)
    with torch.no_grad():
        tb.weight_hh[8:12] = torch.randn(4, 4, dtype=torch.float64)  # full W_hn
        py.weight_hh[8:12] = tb.weight_hh[8:12]
    assert not torch.allclose(tb(x, h)[0], py(x, h)[0])


def test_lstm_cell_by_hand():
    # I = H = 1, x = 1, h = 0, c = 2; every weight 0 except the biases:
    # b_i = 0 -> i = 0.5; b_f = ln 3 -> f = 0.75; b_g = 0 -> g = 0; b_o = -ln 3 -> o = 0.25
    # c' = f * c + i * g = 1.5; h' = o * tanh(1.5) = 0.25 * 0.9051482536448664
    cell = LSTMCell(1, 1).double()
    with torch.no_grad():
        for p in cell.parameters():
            p.zero_()
        cell.bias_ih.copy_(torch.tensor([0.0, math.log(3.0), 0.0, -math.log(3.0)], dtype=torch.float64))
    one = torch.ones(1, 1, dtype=torch.float64)
    (h, c), v = cell(one, (0 * one, 2 * one))
    assert c.item() == pytest.approx(1.5, abs=1e-12)
    assert h.item() == pytest.approx(0.25 * 0.9051482536448664, abs=1e-12)
    assert v["forget"].item() == pytest.approx(0.75, abs=1e-12)


def test_errors():
    with pytest.raises(ConfigError, match="'pytorch', 'textbook'"):
        GRUCell(2, 2, variant="cho")
    with pytest.raises(ConfigError, match="bidirectional"):
        ReferenceGRU.from_torch(nn.GRU(2, 2, bidirectional=True))
    with pytest.raises(ConfigError, match="proj_size"):
        ReferenceLSTM.from_torch(nn.LSTM(2, 4, proj_size=2))
    with pytest.raises(TypeError, match="nn.LSTM"):
        ReferenceLSTM.from_torch(nn.GRU(2, 2))
    with pytest.raises(ValueError, match="chain"):
        ReferenceLSTM.from_torch([nn.LSTM(2, 3), nn.LSTM(4, 3)])
    with pytest.raises(ConfigError, match="at least one"):
        ReferenceLSTM(2, [])
