"""The fast generation copy: fp32 equals the model, int8 stays close, fallbacks, threads."""

from __future__ import annotations

import pytest
import torch

import nlp.decoding.fast_inference as fi
from models.language_model import LanguageModel, LMConfig
from nlp.decoding.fast_inference import InferenceModel, prepare_for_generation
from nlp.decoding.generation import GenerationConfig, generate
from nlp.decoding.threads import scoped_threads
from nlp.errors import ConfigError

V = 30


def _model(cell="lstm", seed=0, **kw) -> LanguageModel:
    torch.manual_seed(seed)
    cfg = dict(vocab_size=V, cell=cell, embed=8, hidden=16, layers=2, dropout=0.0)
    cfg.update(kw)
    return LanguageModel(LMConfig(**cfg)).eval()


def _ids(t=12, b=1, seed=1):
    return torch.randint(0, V, (b, t), generator=torch.Generator().manual_seed(seed))


def _stepped(fast: InferenceModel, ids: torch.Tensor) -> torch.Tensor:
    """Logits (B, T, V) of feeding ids (B, T) one token at a time."""
    with fast.compute():
        state, rows = None, []
        for t in range(ids.shape[1]):
            logits, state = fast.step(ids[:, t], state)
            rows.append(logits)
    return torch.stack(rows, 1)


SHAPES = [
    {},
    {"layers": 3, "hidden_sizes": (16, 16, 8)},      # two fused groups
    {"tied": True, "embed": 8, "hidden": 16},         # projection before the tied decoder
    {"tied": True, "embed": 16, "hidden": 16},
    {"layers": 1},
]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_fp32_copy_equals_the_model(cell, shape):
    model = _model(cell, **shape)
    ids = _ids(b=2)
    expected, _, _ = model(ids)
    fast = prepare_for_generation(model, mode="fp32")
    assert fast.mode == "fp32" and fast.threads == 1 and fast.tuner is not None
    torch.testing.assert_close(_stepped(fast, ids), expected, atol=1e-5, rtol=1e-4)
    with fast.compute():
        last, state = fast.prefill(ids)
    torch.testing.assert_close(last, expected[:, -1], atol=1e-5, rtol=1e-4)
    assert len(state) == model.cfg.layers


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_without_the_input_table(cell, monkeypatch):
    monkeypatch.setattr(fi, "_TABLE_LIMIT_BYTES", 0)  # as for a large subword vocabulary
    model = _model(cell)
    fast = prepare_for_generation(model, mode="fp32")
    assert fast._layers[0].table is None
    expected, _, _ = model(_ids())
    torch.testing.assert_close(_stepped(fast, _ids()), expected, atol=1e-5, rtol=1e-4)
    quantized = prepare_for_generation(model, mode="quantized")
    assert (_stepped(quantized, _ids()) - expected).abs().max() < 1e-2


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_int8_logits_stay_close_to_fp32(cell):
    # measured on random 2x64 models: max |diff| 1.4e-3 (LSTM), 3e-4 (GRU)
    model = _model(cell, embed=32, hidden=64)
    ids = _ids(t=100)
    expected, _, _ = model(ids)
    fast = prepare_for_generation(model, mode="auto")
    assert fast.mode == "quantized" and fast.fallback_reason is None
    assert (_stepped(fast, ids) - expected).abs().max() < 1e-2


@pytest.fixture(scope="module")
def trained_lstm():
    """A 2x64 LSTM that has learnt a short repeating text (loss ~0.1; ~1 s on one thread)."""
    from test_generation import CharTok

    tok = CharTok()
    data = torch.tensor(tok.encode("the cat sat on the mat. a dog ran to the log. " * 20))
    with scoped_threads(1):
        torch.manual_seed(0)
        model = LanguageModel(LMConfig(vocab_size=tok.vocab_size, embed=16, hidden=64,
                                       layers=2, dropout=0.0))
        opt = torch.optim.Adam(model.parameters(), 2e-2)
        for _ in range(250):
            starts = torch.randint(0, len(data) - 33, (8,)).tolist()
            x = torch.stack([data[s:s + 32] for s in starts])
            y = torch.stack([data[s + 1:s + 33] for s in starts])
            _, loss, _ = model(x, targets=y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    assert loss.item() < 0.5
    return model.eval(), tok


def test_int8_greedy_equals_fp32_greedy_on_a_trained_model(trained_lstm):
    model, tok = trained_lstm
    cfg = GenerationConfig(max_tokens=200, temperature=0)
    expected = generate(model, tok, "the ", cfg)
    assert generate(prepare_for_generation(model, mode="quantized"), tok, "the ", cfg) == expected
    ids = torch.tensor([tok.encode("a dog ran to the log. the cat")])
    logits, _, _ = model(ids)
    got = _stepped(prepare_for_generation(model, mode="quantized"), ids)
    # measured: ~1 % of the logit range for trained 2x64 models
    assert (got - logits).abs().max() < 0.03 * logits.abs().max()


def test_copy_is_independent_of_later_training():
    model = _model()
    fast = prepare_for_generation(model, mode="fp32")
    before = _stepped(fast, _ids())
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    torch.testing.assert_close(_stepped(fast, _ids()), before)


def test_auto_falls_back_to_fp32_when_int8_fails(monkeypatch, caplog):
    def broken(w, b):
        raise RuntimeError("no quantized engine")

    monkeypatch.setattr(fi, "_int8_linear", broken)
    with caplog.at_level("INFO", logger="nlp.decoding.fast_inference"):
        fast = prepare_for_generation(_model(), mode="auto")
    assert fast.mode == "fp32" and "no quantized engine" in fast.fallback_reason
    assert "fp32" in caplog.text
    with pytest.raises(ConfigError, match="fp32 or auto"):
        prepare_for_generation(_model(), mode="quantized")


def test_auto_falls_back_when_int8_is_wrong(monkeypatch):
    monkeypatch.setattr(fi, "_raw_op", lambda op: lambda x, packed, r: op(x, packed, r) * 1.5)
    fast = prepare_for_generation(_model(), mode="auto")
    assert fast.mode == "fp32" and "off by" in fast.fallback_reason


def test_bad_mode_or_threads():
    with pytest.raises(ConfigError, match="auto, fp32, quantized"):
        prepare_for_generation(_model(), mode="int4")
    with pytest.raises(ConfigError, match="at least 1"):
        prepare_for_generation(_model(), threads=0)


def test_automatic_threads_go_up_to_what_the_caller_has(monkeypatch):
    monkeypatch.setattr(torch, "get_num_threads", lambda: 8)
    assert prepare_for_generation(_model(), mode="fp32").tuner.most == fi.AUTO_MAX_THREADS
    monkeypatch.setattr(torch, "get_num_threads", lambda: 1)
    assert prepare_for_generation(_model(), mode="fp32").tuner.most == 1


def test_threads_are_scoped_to_each_call():
    before = torch.get_num_threads()
    fast = prepare_for_generation(_model(), mode="fp32", threads=before + 1)
    with fast.compute():
        assert torch.get_num_threads() == before + 1
        assert torch.is_inference_mode_enabled()
    assert torch.get_num_threads() == before
    assert not torch.is_inference_mode_enabled()
    assert fast.describe() == f"fp32, {before + 1} threads" and fast.tuner is None
