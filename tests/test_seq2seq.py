"""The seq2seq model: config checks, packing, label smoothing, tying, teacher forcing vs steps."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from models.seq2seq import Seq2Seq, Seq2SeqConfig, build_model
from nlp.data.batching import Seq2SeqBatches
from nlp.errors import ConfigError

TINY = dict(src_vocab=30, tgt_vocab=25, embed=8, hidden=12, dropout=0.0)


def batch(n=6, seed=0, src_vocab=30, tgt_vocab=25):
    rng = np.random.default_rng(seed)
    src = [rng.integers(4, src_vocab, size=rng.integers(1, 9)) for _ in range(n)]
    tgt = [rng.integers(4, tgt_vocab, size=rng.integers(1, 9)) for _ in range(n)]
    return next(iter(Seq2SeqBatches(src, tgt, batch_size=n, shuffle=False)))


def model(**overrides) -> Seq2Seq:
    torch.manual_seed(0)
    return build_model({**TINY, **overrides})


def test_config_round_trip_and_errors():
    cfg = Seq2SeqConfig(**TINY, cell="lstm", attention="luong")
    assert Seq2SeqConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ConfigError, match="Did you mean 'hidden'"):
        Seq2SeqConfig.from_dict({**TINY, "hiden": 3})
    with pytest.raises(ConfigError, match="'gru', 'lstm'"):
        Seq2SeqConfig(**{**TINY, "cell": "rnn"})
    with pytest.raises(ConfigError, match="vocabularies differ.*--joint-vocab"):
        Seq2SeqConfig(**TINY, joint_vocab=True)
    with pytest.raises(ConfigError, match="label_smoothing"):
        Seq2SeqConfig(**TINY, label_smoothing=1.0)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
@pytest.mark.parametrize("attention", ["bahdanau", "luong"])
def test_forward_shapes_and_gradients(cell, attention):
    m = model(cell=cell, attention=attention, enc_layers=2, dec_layers=2, dropout=0.1)
    b = batch()
    logits, loss = m(b)
    assert logits.shape == (*b.tgt_in.shape, 25)
    assert torch.isfinite(loss)
    loss.backward()
    assert all(p.grad is not None for n, p in m.named_parameters() if "embedding" not in n)


def test_packed_encoder_equals_unpacked_on_unpadded_rows():
    m = model(enc_layers=2).eval()
    b = batch()
    values, final = m.encoder(b.src, b.src_lengths)
    full = int(b.src_lengths.max())
    row = int((b.src_lengths == full).nonzero()[0])  # a row with no padding
    out, h_n = m.encoder.rnn(m.encoder.embedding(b.src[row:row + 1]))  # plain, unpacked
    assert torch.allclose(values[row], out[0], atol=1e-6)
    assert torch.allclose(final[row], torch.cat([h_n[-2, 0], h_n[-1, 0]]), atol=1e-6)
    # a padded row gives what it gives alone, and zeros on its padding
    short = int(b.src_lengths.argmin())
    n = int(b.src_lengths[short])
    alone, alone_final = m.encoder(b.src[short:short + 1, :n], b.src_lengths[short:short + 1])
    assert torch.allclose(values[short, :n], alone[0], atol=1e-6)
    assert torch.allclose(final[short], alone_final[0], atol=1e-6)
    assert torch.all(values[short, n:] == 0)


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_label_smoothed_loss_over_real_tokens_only(smoothing):
    m = model(label_smoothing=smoothing).eval()
    b = batch()
    logits, loss = m(b)
    logp = torch.log_softmax(logits, -1)
    nll = -logp.gather(-1, b.tgt_out[..., None]).squeeze(-1)  # (B, T)
    uniform = -logp.mean(-1)  # (B, T)
    per_token = (1 - smoothing) * nll + smoothing * uniform
    expected = per_token[b.tgt_mask].mean()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-5)
    if smoothing == 0.0:
        ce = F.cross_entropy(logits[b.tgt_mask], b.tgt_out[b.tgt_mask])
        assert loss.item() == pytest.approx(ce.item(), rel=1e-5)


def test_tied_and_joint_embeddings_share_one_tensor():
    m = model(tied=True)
    assert m.decoder.out.weight is m.decoder.embedding.weight
    assert m.decoder.proj is not None  # hidden 12 != embed 8: a projection first
    j = model(src_vocab=25, tied=True, joint_vocab=True, embed=12)
    assert j.encoder.embedding is j.decoder.embedding and j.decoder.proj is None
    j(batch(src_vocab=25))[1].backward()


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_teacher_forcing_matches_step_by_step_decoding(cell):
    m = model(cell=cell, dec_layers=2).eval()
    b = batch()
    with torch.no_grad():
        logits, _ = m(b)
        enc = m.encode(b.src, b.src_lengths)
        state = m.initial_state(enc)
        for t in range(b.tgt_in.shape[1]):
            log_probs, state, attn = m.decode_step(b.tgt_in[:, t], state, enc)
            assert torch.allclose(log_probs, torch.log_softmax(logits[:, t], -1), atol=1e-5)
            assert torch.all(attn[~b.src_mask] == 0)


def test_scheduled_sampling_changes_training_inputs_only():
    b = batch()
    plain, sampled = model(), model(scheduled_sampling=1.0)
    torch.manual_seed(1)
    assert not torch.allclose(plain(b)[0], sampled(b)[0])
    plain.eval(), sampled.eval()
    assert torch.allclose(plain(b)[0], sampled(b)[0])  # off in evaluation


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_split_first_cell_equals_the_torch_cell(cell):
    from models.seq2seq import DecoderState

    m = model(cell=cell)
    dec = m.decoder
    g = torch.Generator().manual_seed(0)
    emb, att, h = (torch.randn(4, n, generator=g) for n in (8, 12, 12))
    c = torch.randn(4, 12, generator=g) if cell == "lstm" else None
    state = DecoderState(h[None], None if c is None else c[None], att)
    mine_h, mine_c = dec._first_cell(dec.input_gates(emb), state)
    x = torch.cat([emb, att], dim=-1)
    if cell == "lstm":
        ref_h, ref_c = dec.cells[0](x, (h, c))
        assert torch.allclose(mine_c, ref_c, atol=1e-6)
    else:
        ref_h = dec.cells[0](x, h)
    assert torch.allclose(mine_h, ref_h, atol=1e-6)


def test_gate_table_follows_weight_updates():
    m = model().eval()
    tokens = torch.tensor([4, 5, 6])
    with torch.no_grad():
        before = m.decoder.token_gates(tokens).clone()
        m.decoder.embedding.weight.mul_(2.0)  # an in-place update, like an optimizer step
        after = m.decoder.token_gates(tokens)
        direct = m.decoder.input_gates(m.decoder.embedding(tokens))
    assert not torch.allclose(before, after)
    assert torch.allclose(after, direct, atol=1e-6)


def test_bf16_decoding_products_stay_close_and_follow_weight_updates():
    m = model().eval()
    b = batch()
    dec = m.decoder

    def first_step():
        enc = m.encode(b.src, b.src_lengths, b.src_mask)
        return m.decode_step_logits(b.tgt_in[:, 0], m.initial_state(enc), enc)[0].float()

    with torch.no_grad():
        exact = first_step()
        dec.matmul_dtype = torch.bfloat16
        try:
            low = first_step()
            dec.out.weight.mul_(2.0)  # an in-place update: the bf16 copy must follow
            low_after = first_step()
            dec.matmul_dtype = None
            exact_after = first_step()
        finally:
            dec.matmul_dtype = None
    assert not torch.equal(low, exact)  # it did run in bf16
    torch.testing.assert_close(low, exact, atol=0.05, rtol=0.02)
    torch.testing.assert_close(low_after, exact_after, atol=0.1, rtol=0.02)


def test_training_ignores_the_decoding_precision():
    m = model()
    b = batch()
    m.decoder.matmul_dtype = torch.bfloat16
    torch.manual_seed(1)
    _, loss_set = m(b)
    m.decoder.matmul_dtype = None
    torch.manual_seed(1)
    _, loss_plain = m(b)
    assert torch.equal(loss_set, loss_plain)
