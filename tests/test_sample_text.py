"""Ids to text piece by piece: partial UTF-8, stop strings, EOS."""

from __future__ import annotations

from test_generation import ByteTok, CharTok

from nlp.decoding.text import IncrementalDecoder, SampleText, StopFilter


def test_detokenizer_flushes_an_incomplete_character_at_the_end():
    tok = ByteTok()
    detok = IncrementalDecoder(tok, tok.encode("a"))
    assert detok.push(4 + 0xC3) == ""  # first byte of "é"
    assert detok.flush() == "\ufffd"


def test_stop_filter_finds_the_earliest_stop():
    f = StopFilter(("cd", "b"))
    assert f.push("a") == "a"
    assert f.push("bcd") == "" and f.hit


def test_subword_pieces_join_to_the_decoded_text():
    tok = ByteTok()
    text = "né 😀 ok 東京"
    decoder = IncrementalDecoder(tok, tok.encode("x"))
    pieces = [decoder.push(i) for i in tok.encode(text)] + [decoder.flush()]
    assert "".join(pieces) == text and not any("\ufffd" in p for p in pieces)


def test_stop_filter_holds_back_only_a_possible_start():
    f = StopFilter(("\n\n",))
    assert f.push("a\n") == "a"
    assert f.push("b") == "\nb"
    assert f.push("\n") == "" and f.flush() == "\n"


def test_sample_text_ends_at_eos_and_flushes():
    tok = ByteTok()
    sample = SampleText(tok, [], ("zz",))
    assert sample.push(4 + ord("a")) == "a"
    assert sample.push(4 + 0xC3) == ""      # half of "é"
    assert sample.push(tok.eos_id) == "\ufffd"  # EOS: what was held back comes out
    assert sample.done and sample.push(4 + ord("b")) == ""


def test_char_tokens_are_decoded_once_each():
    calls = []

    class Counting(CharTok):
        def decode(self, ids):
            calls.append(list(ids))
            return super().decode(ids)

    tok = Counting()
    decoder = IncrementalDecoder(tok, [])
    a = tok.encode("a")[0]
    assert [decoder.push(a) for _ in range(3)] == ["a"] * 3 and calls == [[a]]
