"""Tokenizers: exact round trips, unknown counting, special ids, the byte format."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.data.tokenizers import (
    BOS,
    EOS,
    PAD,
    UNK,
    CharTokenizer,
    SubwordTokenizer,
    Tokenizer,
    tokenizer_from_bytes,
)
from nlp.errors import TokenizerError

WORDS = ["the", "cat", "sat", "on", "a", "mat", "über", "naïve", "日本語", "中文", "😀", "42"]
HYP = settings(max_examples=200, deadline=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture])


def corpus_lines(n: int = 600, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 10))) for _ in range(n)]


@pytest.fixture(scope="module")
def subword() -> SubwordTokenizer:
    return SubwordTokenizer.train(["\n".join(corpus_lines()) + "\n"], vocab_size=320,
                                  model_type="unigram")


@pytest.fixture(scope="module")
def bpe() -> SubwordTokenizer:
    return SubwordTokenizer.train(corpus_lines(), vocab_size=320, model_type="bpe")


@pytest.fixture(scope="module")
def char() -> CharTokenizer:
    return CharTokenizer.train(["\n".join(corpus_lines())])


TRICKY = ["", " ", "   leading and trailing   ", "a\tb\n\nc\r\n", "\n", "\u2581", "a\u2581\u2581 b",
          "<0x41> <s> </s> <unk> <pad>", "中文字符 😀🎉 e\u0301", "\x00\x7f\u3000\xa0\u2028",
          "▁the cat", "unseen: QXZ ЖЖ 한국어"]


# --- subword ------------------------------------------------------------------

@pytest.mark.parametrize("text", TRICKY)
def test_subword_round_trip_tricky(subword, bpe, text):
    for tok in (subword, bpe):
        assert tok.decode(tok.encode(text)) == text


@HYP
@given(text=st.text())
def test_subword_round_trip_any_unicode(subword, text):
    assert subword.decode(subword.encode(text)) == text


@HYP
@given(text=st.text(alphabet=st.sampled_from(list(" \t\n\u2581中文日本語😀🎉ab")), max_size=40))
def test_bpe_round_trip_whitespace_cjk_emoji(bpe, text):
    assert bpe.decode(bpe.encode(text)) == text


def test_subword_specials_and_unknown(subword):
    assert (subword.pad_id, subword.bos_id, subword.eos_id, subword.unk_id) == (0, 1, 2, 3)
    assert [subword.id_to_piece(i) for i in range(4)] == ["<pad>", "<s>", "</s>", "<unk>"]
    assert subword.decode([PAD, BOS, EOS]) == ""
    assert subword.decode([UNK]) == "\ufffd"
    assert subword.count_unknown("QXZ 한국어") == 0  # byte fallback: nothing is unknown


def test_subword_encode_forms_agree(subword):
    text = "the cat\nsat on\n\na mat ▁ 中文"
    ids = subword.encode_array(text)
    assert ids.dtype == np.int32 and ids.tolist() == subword.encode(text)
    batch = subword.encode_batch(["the cat", "a\nmat", "x\u2581"])
    assert [b.tolist() for b in batch] == [subword.encode(t) for t in ["the cat", "a\nmat", "x\u2581"]]


def test_subword_vocab_clamped_with_notes():
    small = SubwordTokenizer.train(corpus_lines(50), vocab_size=8000)
    assert small.vocab_size < 8000 and any("lowered" in n for n in small.notes)
    tiny = SubwordTokenizer.train(corpus_lines(50), vocab_size=10, model_type="bpe")
    assert tiny.vocab_size > 10 and any("raised" in n for n in tiny.notes)


def test_subword_samples_big_corpus():
    tok = SubwordTokenizer.train(corpus_lines(400), vocab_size=300, max_training_chars=2000)
    assert tok.model_type == "bpe"
    assert any("sample" in n for n in tok.notes)
    assert tok.decode(tok.encode("the cat")) == "the cat"


def test_subword_bad_settings():
    with pytest.raises(TokenizerError, match="unigram, bpe"):
        SubwordTokenizer.train(corpus_lines(5), model_type="wordpiece")
    with pytest.raises(TokenizerError, match="empty"):
        SubwordTokenizer.train(["", "\n\n"])


def test_subword_lone_surrogate_is_a_clear_error(subword):
    with pytest.raises(TokenizerError, match="surrogate"):
        subword.encode("a\ud800b")


def test_subword_trains_from_path(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(corpus_lines(100)), encoding="utf-8")
    tok = SubwordTokenizer.train(path, vocab_size=300, model_type="bpe")
    assert tok.decode(tok.encode("über cat")) == "über cat"
    path.write_bytes(b"caf\xe9\n")
    with pytest.raises(TokenizerError, match="not UTF-8"):
        SubwordTokenizer.train(path)


# --- characters -----------------------------------------------------------------

def test_char_vocab_sorted_by_codepoint(char):
    assert list(char.chars) == sorted(set("".join(corpus_lines()) + "\n"))
    assert char.vocab_size == 4 + len(char.chars)
    assert char.kind == "char" and char.id_to_piece(4) == char.chars[0]


@HYP
@given(text=st.text(alphabet=st.sampled_from(sorted(set("".join(corpus_lines()) + "\n")))))
def test_char_round_trip_in_vocab(char, text):
    ids, unknown = char.encode_with_stats(text)
    assert unknown == 0 and len(ids) == len(text)
    assert char.decode(ids) == text


@HYP
@given(text=st.text())
def test_char_unknown_counting(char, text):
    ids, unknown = char.encode_with_stats(text)
    vocab = set(char.chars)
    assert unknown == sum(c not in vocab for c in text) == char.count_unknown(text)
    assert char.decode(ids) == "".join(c if c in vocab else "\ufffd" for c in text)


def test_char_unknown_characters_and_specials(char):
    assert char.unknown_characters("QQ the Ж") == {"Q": 2, "Ж": 1}
    assert char.decode([PAD, BOS, EOS, UNK]) == "\ufffd"
    assert char.encode("😀") != [UNK]  # astral characters in the vocabulary are found


def test_char_min_count():
    tok = CharTokenizer.train(["aaab"], min_count=2)
    assert tok.chars == ("a",) and tok.encode("ab") == [4, UNK]
    with pytest.raises(TokenizerError, match="empty"):
        CharTokenizer.train([""])


def test_decode_rejects_out_of_range(char):
    with pytest.raises(TokenizerError, match="outside"):
        char.decode([char.vocab_size])
    with pytest.raises(TokenizerError, match="outside"):
        char.id_to_piece(-1)


# --- bytes, files, fingerprints ---------------------------------------------------

@pytest.mark.parametrize("name", ["char", "subword", "bpe"])
def test_bytes_round_trip(request, name, tmp_path):
    tok: Tokenizer = request.getfixturevalue(name)
    again = tokenizer_from_bytes(tok.to_bytes())
    assert type(again) is type(tok) and again.fingerprint == tok.fingerprint == again.fingerprint
    text = "the cat ▁ 中文 QXZ\n"
    assert again.encode(text) == tok.encode(text)
    tok.save(tmp_path / "tok.bin")
    assert type(tok).load(tmp_path / "tok.bin") == tok
    assert Tokenizer.load(tmp_path / "tok.bin") == tok
    assert len(tok.fingerprint) == 64 and tok.to_bytes() == tok.to_bytes()


def test_bpe_keeps_model_type(bpe, subword):
    assert tokenizer_from_bytes(bpe.to_bytes()).model_type == "bpe"
    assert tokenizer_from_bytes(subword.to_bytes()).model_type == "unigram"
    assert bpe.fingerprint != subword.fingerprint


def test_from_bytes_errors(char, subword):
    with pytest.raises(TokenizerError, match="not an RNN Studio tokenizer"):
        tokenizer_from_bytes(b"\x80\x04\x95 pickle, not a tokenizer")
    data = subword.to_bytes()
    with pytest.raises(TokenizerError, match="damaged"):
        tokenizer_from_bytes(data[:-10])
    with pytest.raises(TokenizerError, match="damaged"):
        tokenizer_from_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(TokenizerError, match="Expected a char tokenizer"):
        CharTokenizer.from_bytes(data)
    with pytest.raises(TokenizerError, match="Cannot read"):
        Tokenizer.load("/nonexistent/tokenizer.bin")
