"""Batching: BPTT contiguity, sharding, resumable order, padding, masks, bucketing."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from nlp.data.batching import LMBatches, Seq2SeqBatches, make_src_batch
from nlp.data.token_store import RaggedIds
from nlp.data.tokenizers import BOS, EOS, PAD
from nlp.errors import ConfigError


def ids(n: int = 1000) -> np.ndarray:
    return np.arange(n, dtype=np.uint16)  # token value == position: easy to check


# --- language model ---------------------------------------------------------------

def test_stream_rows_continue_across_batches():
    b = LMBatches(ids(1003), batch_size=4, seq_len=7)
    batches = list(b)
    assert len(batches) == b.steps_per_epoch == -(-(250 - 1) // 7) and b.carries_state
    for (x0, y0), (x1, _) in zip(batches, batches[1:], strict=False):
        assert torch.equal(x1[:, 0], x0[:, -1] + 1)  # row i of k+1 continues row i of k
        assert torch.equal(y0, x0 + 1)
    rows = torch.cat([x for x, _ in batches], dim=1)
    assert torch.equal(rows, torch.arange(1000).view(4, 250)[:, :-1])
    assert batches[0][0].dtype == torch.int64 and batches[-1][0].shape == (4, 249 % 7 or 7)


def test_stream_sharding_partitions_streams():
    data = ids(1200)
    seen = []
    for rank in range(3):
        b = LMBatches(data, batch_size=2, seq_len=10, rank=rank, world_size=3)
        assert b.steps_per_epoch == LMBatches(data, 2, 10, rank=0, world_size=3).steps_per_epoch
        batches = list(b)
        xs = torch.cat([x for x, _ in batches] + [batches[-1][1][:, -1:]], dim=1)
        seen.append(xs.flatten())
    allx = torch.cat(seen)
    assert len(set(allx.tolist())) == len(allx) == 1200  # disjoint, and cover everything


def test_random_mode_covers_windows_once_per_epoch_and_shards():
    data = ids(1001)
    per_rank = [LMBatches(data, batch_size=3, seq_len=10, mode="random", seed=5, rank=r,
                          world_size=2) for r in range(2)]
    starts = []
    for b in per_rank:
        assert not b.carries_state and b.steps_per_epoch == 99 // 6
        for x, y in b:
            assert x.shape == (3, 10) and torch.equal(y, x + 1)
            starts += x[:, 0].tolist()
    assert len(set(starts)) == len(starts)  # no window twice across ranks
    assert len({s % 10 for s in starts}) == 1  # one random offset per epoch
    first_epoch = per_rank[0].batch(0, 0)[0]
    assert not torch.equal(first_epoch, per_rank[0].batch(1, 0)[0])  # reshuffled next epoch


@pytest.mark.parametrize("mode", ["stream", "random"])
def test_state_round_trip_gives_same_batches(mode):
    data = ids(2000)
    a = LMBatches(data, 4, 8, mode=mode, seed=3)
    it = iter(a)
    for _ in range(5):
        next(it)
    state = a.state_dict()
    rest_a = [x for x, _ in it] + [x for x, _ in a]  # the rest of this epoch and the next
    b = LMBatches(data, 4, 8, mode=mode, seed=3)
    b.load_state_dict(state)
    rest_b = [x for x, _ in b] + [x for x, _ in b]
    assert len(rest_a) == len(rest_b) == 2 * a.steps_per_epoch - 5
    assert all(torch.equal(p, q) for p, q in zip(rest_a, rest_b, strict=True))


def test_state_at_epoch_end_resumes_next_epoch():
    a = LMBatches(ids(200), 2, 10, mode="random")
    batches = iter(a)
    for _ in range(a.steps_per_epoch):
        next(batches)
    b = LMBatches(ids(200), 2, 10, mode="random")
    b.load_state_dict(a.state_dict())
    assert torch.equal(next(iter(b))[0], a.batch(1, 0)[0]) and b.epoch == 1


def test_state_mismatch_is_a_config_error():
    b = LMBatches(ids(), 4, 8)
    with pytest.raises(ConfigError, match="seq_len"):
        b.load_state_dict({**b.state_dict(), "seq_len": 16})
    with pytest.raises(ConfigError, match="keys"):
        b.load_state_dict({"epoch": 0})


def test_works_on_read_only_memmap(tmp_path):
    np.save(tmp_path / "ids.npy", ids(500))
    mm = np.load(tmp_path / "ids.npy", mmap_mode="r")
    x, y = next(iter(LMBatches(mm, 2, 5)))
    assert x.tolist() == [[0, 1, 2, 3, 4], [250, 251, 252, 253, 254]]


def test_lm_bad_settings():
    with pytest.raises(ConfigError, match="Lower the batch size"):
        LMBatches(ids(10), batch_size=8, seq_len=4)
    with pytest.raises(ConfigError, match="stream, random"):
        LMBatches(ids(), 2, 4, mode="shuffle")
    with pytest.raises(ConfigError, match="rank"):
        LMBatches(ids(), 2, 4, rank=2, world_size=2)
    with pytest.raises(ConfigError, match="batch_size"):
        LMBatches(ids(), 0, 4)


# --- sequence to sequence --------------------------------------------------------------

def pairs(n: int = 300, seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    src = [rng.integers(4, 50, rng.integers(1, 30)) for _ in range(n)]
    tgt = [rng.integers(4, 50, rng.integers(1, 30)) for _ in range(n)]
    return src, tgt


def test_batch_padding_masks_bos_eos():
    src = [np.array([7, 8, 9]), np.array([5])]
    tgt = [np.array([10]), np.array([11, 12])]
    batch = Seq2SeqBatches(src, tgt, batch_size=2, shuffle=False).make_batch(np.array([1, 0]))
    assert batch.indices.tolist() == [0, 1]  # longest source first
    assert batch.src.tolist() == [[7, 8, 9, EOS], [5, EOS, PAD, PAD]]
    assert batch.src_lengths.tolist() == [4, 2]
    assert batch.src_mask.tolist() == [[True] * 4, [True, True, False, False]]
    assert batch.tgt_in.tolist() == [[BOS, 10, PAD], [BOS, 11, 12]]
    assert batch.tgt_out.tolist() == [[10, EOS, PAD], [11, 12, EOS]]
    assert batch.tgt_mask.tolist() == [[True, True, False], [True, True, True]]
    assert batch.n_tgt_tokens == 5 and batch.src.dtype == torch.int64
    moved = batch.to("cpu")
    assert torch.equal(moved.src, batch.src) and moved.src_lengths.device.type == "cpu"


def test_make_src_batch():
    src, lengths, mask = make_src_batch([[5, 6], [7]], src_eos=False)
    assert src.tolist() == [[5, 6], [7, PAD]] and lengths.tolist() == [2, 1]
    assert mask.tolist() == [[True, True], [True, False]]
    src, lengths, _ = make_src_batch([[5, 6], []])
    assert src.tolist() == [[5, 6, EOS], [EOS, PAD, PAD]] and lengths.tolist() == [3, 1]


def test_max_tokens_bound_and_every_pair_once():
    src, tgt = pairs()
    b = Seq2SeqBatches(src, tgt, max_tokens=200, seed=1)
    seen = []
    for batch in b:
        assert batch.src.numel() <= 200 and batch.tgt_in.numel() <= 200
        seen += batch.indices.tolist()
    assert sorted(seen) == list(range(300))


def test_bucketing_reduces_padding():
    src, tgt = pairs(2000)

    def padding(batches: Seq2SeqBatches) -> float:
        real = pad = 0
        for batch in batches:
            real += int(batch.src_mask.sum())
            pad += int((~batch.src_mask).sum())
        return pad / real

    bucketed = Seq2SeqBatches(src, tgt, batch_size=32, seed=0)
    random_order = Seq2SeqBatches(src, tgt, batch_size=32, seed=0, pool_batches=1)
    assert padding(bucketed) < 0.5 * padding(random_order)


def test_seq2seq_sharding_disjoint_equal_counts():
    src, tgt = pairs(301)
    shards = [Seq2SeqBatches(RaggedIds.from_sequences(src), RaggedIds.from_sequences(tgt),
                             batch_size=16, seed=2, rank=r, world_size=2) for r in range(2)]
    assert shards[0].steps_per_epoch == shards[1].steps_per_epoch
    seen = [set(i for batch in s for i in batch.indices.tolist()) for s in shards]
    assert not seen[0] & seen[1]


def test_seq2seq_state_round_trip():
    src, tgt = pairs()
    a = Seq2SeqBatches(src, tgt, max_tokens=256, seed=4)
    it = iter(a)
    next(it), next(it)
    state = a.state_dict()
    rest_a = [b.indices for b in it] + [b.indices for b in a]
    b = Seq2SeqBatches(src, tgt, max_tokens=256, seed=4)
    b.load_state_dict(state)
    rest_b = [x.indices for x in b] + [x.indices for x in b]
    assert len(rest_a) == len(rest_b) and all(
        torch.equal(p, q) for p, q in zip(rest_a, rest_b, strict=True))


def test_unshuffled_keeps_order():
    src, tgt = pairs(50)
    order = [i for b in Seq2SeqBatches(src, tgt, batch_size=8, shuffle=False)
             for i in sorted(b.indices.tolist())]
    assert order == list(range(50))


def test_seq2seq_bad_input():
    src, tgt = pairs(10)
    with pytest.raises(ConfigError, match="exactly one target"):
        Seq2SeqBatches(src, tgt[:-1])
    with pytest.raises(ConfigError, match="max_tokens or batch_size"):
        Seq2SeqBatches(src, tgt, max_tokens=None)
    with pytest.raises(ConfigError, match="fewer processes"):
        Seq2SeqBatches(src, tgt, batch_size=8, world_size=4, rank=0)
