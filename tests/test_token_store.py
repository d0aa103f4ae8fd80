"""Token storage: streamed .npy files, counts, caching, damage detection, ragged pairs."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp import paths
from nlp.data.token_store import (
    RaggedIds,
    StoreInfo,
    _count_words,
    cached_pairs,
    cached_store,
    encode_pairs_to_store,
    encode_to_store,
    open_pairs,
    open_store,
    store_dtype,
    store_path,
)
from nlp.data.tokenizers import UNK, CharTokenizer
from nlp.errors import CorpusError

CHUNKS = ["the cat sat\n", "on the mat\n\n", "  über  naïve\tcafé\n", "中文 😀\n"]


@pytest.fixture
def tok() -> CharTokenizer:
    return CharTokenizer.train(["".join(CHUNKS).replace("é", "")])


def test_encode_to_store_counts_and_ids(tok, tmp_path):
    info = encode_to_store(CHUNKS, tok, tmp_path / "ids.npy", source_key="k")
    text = "".join(CHUNKS)
    ids = np.load(tmp_path / "ids.npy")
    assert ids.dtype == np.uint16 and ids.tolist() == tok.encode(text)
    assert (info.n_tokens, info.n_chars, info.n_words) == (len(text), len(text), len(text.split()))
    assert info.n_unknown == 1 == int(np.count_nonzero(ids == UNK))  # the "é"
    assert info.tokenizer_fingerprint == tok.fingerprint and info.source_key == "k"
    sidecar = json.loads((tmp_path / "ids.json").read_text())
    assert StoreInfo.from_dict(sidecar) == info


def test_words_counted_across_chunk_boundaries(tok, tmp_path):
    pieces = ["the ca", "t sat", " on", " ", "the", "\nmat", ""]
    info = encode_to_store(pieces, tok, tmp_path / "ids.npy")
    assert info.n_words == len("".join(pieces).split()) == 6


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(st.text(alphabet=st.sampled_from(list("ab \n\t\u3000\xa0\u2028😀")))))
def test_word_count_matches_split(pieces):
    total, in_word = 0, False
    for piece in pieces:
        words, in_word = _count_words(piece, in_word)
        total += words
    assert total == len("".join(pieces).split())


def test_dtype_choice():
    assert store_dtype(65536) == np.uint16 and store_dtype(65537) == np.uint32


def test_cached_store_reuses_and_memory_maps(tok):
    calls = []

    def make():
        calls.append(1)
        return iter(CHUNKS)

    ids, info = cached_store("corpus-a", tok, make)
    again, info2 = cached_store("corpus-a", tok, make)
    assert calls == [1] and info2 == info
    assert isinstance(again, np.memmap) and not again.flags.writeable
    assert again.tolist() == ids.tolist()
    assert store_path("corpus-a", tok).parent == paths.cache_dir() / "tokens"
    other, _ = cached_store("corpus-b", tok, lambda: ["xyz"])
    assert len(other) == 3


@pytest.mark.parametrize("damage", ["truncate", "extend", "sidecar", "no-sidecar", "counts"])
def test_damaged_cache_is_rebuilt(tok, damage):
    ids, info = cached_store("c", tok, lambda: CHUNKS)
    expected = ids.tolist()
    del ids
    path = store_path("c", tok)
    sidecar = path.with_suffix(".json")
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[:-7])
    elif damage == "extend":
        path.write_bytes(path.read_bytes() + b"\0\0")
    elif damage == "sidecar":
        sidecar.write_text("{not json")
    elif damage == "no-sidecar":
        sidecar.unlink()
    else:
        sidecar.write_text(json.dumps({**info.to_dict(), "n_tokens": info.n_tokens + 1}))
    with pytest.raises(CorpusError, match="encode the corpus again"):
        open_store(path)
    rebuilt, info2 = cached_store("c", tok, lambda: CHUNKS)
    assert rebuilt.tolist() == expected and info2 == info


def test_open_store_checks_key_and_tokenizer(tok, tmp_path):
    encode_to_store(CHUNKS, tok, tmp_path / "ids.npy", source_key="k")
    with pytest.raises(CorpusError, match="other text"):
        open_store(tmp_path / "ids.npy", key="other")
    with pytest.raises(CorpusError, match="another tokenizer"):
        open_store(tmp_path / "ids.npy", fingerprint="0" * 64)


def test_failed_encoding_leaves_nothing(tok, tmp_path):
    def chunks():
        yield "the cat"
        raise KeyboardInterrupt  # e.g. cancelled from the progress callback

    with pytest.raises(KeyboardInterrupt):
        encode_to_store(chunks(), tok, tmp_path / "ids.npy")
    assert list(tmp_path.iterdir()) == []


def test_progress_reports_characters(tok, tmp_path):
    seen: list[int] = []
    encode_to_store(CHUNKS, tok, tmp_path / "ids.npy", progress=seen.append)
    assert seen == list(np.cumsum([len(c) for c in CHUNKS]))


def test_empty_corpus_gives_empty_store(tok):
    ids, info = cached_store("empty", tok, lambda: [])
    assert len(ids) == 0 and info.n_tokens == info.n_words == 0


# --- ragged pairs -------------------------------------------------------------------

def test_ragged_ids():
    r = RaggedIds.from_sequences([[5, 6], [], [7]])
    assert len(r) == 3 and r.lengths.tolist() == [2, 0, 1]
    assert [x.tolist() for x in r] == [[5, 6], [], [7]]
    with pytest.raises(ValueError):
        RaggedIds(np.zeros(3, np.uint16), np.array([0, 2], np.int64))


def test_pairs_store_and_cache(tok, tmp_path):
    pairs = [("the cat", "über"), ("", "mat"), ("中文", "é")]
    info = encode_pairs_to_store(pairs, tok, tok, tmp_path / "pairs", source_key="p")
    src, tgt, info2 = open_pairs(tmp_path / "pairs")
    assert info2 == info and info.n_pairs == 3 and info.tgt_unknown == 1
    assert [tok.decode(s) for s in src] == [p[0] for p in pairs]
    assert [tok.decode(t) for t in tgt] == ["über", "mat", "\ufffd"]
    assert info.src_tokens == len(src.ids) == 9

    calls = []

    def make():
        calls.append(1)
        return iter(pairs)

    a = cached_pairs("key", tok, tok, make)
    b = cached_pairs("key", tok, tok, make)
    assert calls == [1] and a[2] == b[2] and a[0].ids.tolist() == b[0].ids.tolist()
    assert isinstance(b[0].ids, np.memmap)


def test_damaged_pairs_cache_is_rebuilt(tok):
    pairs = [("the cat", "mat")] * 3
    src, _, _ = cached_pairs("key", tok, tok, lambda: pairs)
    del src
    folder = next((paths.cache_dir() / "tokens").iterdir())
    (folder / "tgt_offsets.npy").write_bytes(b"garbage")
    with pytest.raises(CorpusError, match="encode the corpus again"):
        open_pairs(folder)
    src, tgt, info = cached_pairs("key", tok, tok, lambda: pairs)
    assert info.n_pairs == 3 and tok.decode(tgt[2]) == "mat"
