"""Streaming normalized text, lines, fingerprints and the language-model split."""

from __future__ import annotations

import codecs
import gzip
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.data.corpus import (
    LMSplit,
    TextOptions,
    corpus_fingerprint,
    iter_lines,
    iter_lm_split,
    iter_text,
    split_lines,
)
from nlp.errors import ConfigError, CorpusError, EncodingProblem


def _write(tmp_path, data: bytes | str, name: str = "c.txt"):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _read(path, chunk_chars: int = 1 << 20, **options) -> str:
    return "".join(iter_text(path, TextOptions(**options), chunk_chars))


@pytest.mark.parametrize("data", [
    "héllo\nwörld\n".encode(),
    codecs.BOM_UTF8 + "héllo\nwörld\n".encode(),
    codecs.BOM_UTF16_LE + "héllo\nwörld\n".encode("utf-16-le"),
    codecs.BOM_UTF16_BE + "héllo\nwörld\n".encode("utf-16-be"),
], ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom"])
@pytest.mark.parametrize("chunk", [1, 3, 1 << 20])
def test_encodings_are_detected_and_bom_stripped(tmp_path, data, chunk):
    assert _read(_write(tmp_path, data), chunk) == "héllo\nwörld\n"


@pytest.mark.parametrize("chunk", [1, 2, 5, 7, 64])
def test_bad_byte_deep_in_file_has_exact_line_and_offset(tmp_path, chunk):
    good = "ünïcode line\n" * 9  # multibyte characters straddle the block borders
    data = good.encode() + b"ok \xe9t\xe9\n"
    with pytest.raises(EncodingProblem) as info:
        _read(_write(tmp_path, data), chunk)
    assert info.value.line == 10
    assert info.value.byte_offset == len(good.encode()) + 3
    assert f"line 10, byte offset {len(good.encode()) + 3}" in str(info.value)


def test_error_after_bom_counts_the_bom(tmp_path):
    path = _write(tmp_path, codecs.BOM_UTF8 + b"a\n\xff")
    with pytest.raises(EncodingProblem) as info:
        _read(path)
    assert (info.value.line, info.value.byte_offset) == (2, 5)


def test_truncated_utf8_at_end(tmp_path):
    path = _write(tmp_path, b"ab\n" + "é".encode()[:1])
    with pytest.raises(EncodingProblem) as info:
        _read(path, 2)
    assert (info.value.line, info.value.byte_offset) == (2, 3)


def test_crlf_line_count_in_error(tmp_path):
    path = _write(tmp_path, "éééé\r\nb\rc\n".encode() + b"\xff")  # mostly UTF-8: read as UTF-8
    with pytest.raises(EncodingProblem) as info:
        _read(path)
    assert info.value.line == 4


def test_lone_surrogate_in_utf16(tmp_path):
    path = _write(tmp_path, codecs.BOM_UTF16_LE + "ab".encode("utf-16-le") + b"\x00\xdc")
    with pytest.raises(EncodingProblem) as info:
        _read(path)
    assert info.value.byte_offset == 6


def test_fallback_encoding_decodes(tmp_path):
    path = _write(tmp_path, "café\n".encode("cp1252"))
    assert _read(path, encoding="cp1252") == "café\n"


def test_replacement_is_counted_not_silent(tmp_path):
    path = _write(tmp_path, b"a\xffb\n\xfe\n" + "\ufffd\n".encode())
    reader = iter_text(path, TextOptions(encoding="utf-8", replace_errors=True), 2)
    assert "".join(reader) == "a\ufffdb\n\ufffd\n\ufffd\n"
    assert reader.replacements == 2  # the real U+FFFD in the file is not counted


def test_unknown_encoding_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown encoding 'klingon'"):
        TextOptions(encoding="klingon")


def test_options_from_dict_rejects_unknown_keys():
    assert TextOptions.from_dict({"lowercase": True}).lowercase
    with pytest.raises(ConfigError, match="'lower'.*valid ones: encoding"):
        TextOptions.from_dict({"lower": True})


def test_nfc_by_default_and_optional(tmp_path):
    path = _write(tmp_path, "e\u0301te\u0301\n")
    assert _read(path) == "été\n"
    assert _read(path, nfc=False) == "e\u0301te\u0301\n"


def test_newlines_are_normalized_even_across_chunks(tmp_path):
    path = _write(tmp_path, b"a\r\nb\rc\r\n\r\nd")
    for chunk in (1, 2, 3, 100):
        assert _read(path, chunk) == "a\nb\nc\n\nd"
    assert _read(path, normalize_newlines=False) == "a\r\nb\rc\r\n\r\nd"


def test_lowercase(tmp_path):
    assert _read(_write(tmp_path, "ÉCOLE Straße\n"), lowercase=True) == "école straße\n"


def test_gzip_corpus(tmp_path):
    path = _write(tmp_path, gzip.compress(b"one\ntwo\n"), "c.txt.gz")
    assert _read(path) == "one\ntwo\n"


def test_folder_joins_files_in_order_with_newlines(tmp_path):
    _write(tmp_path, "b\n", "dir/b.txt")
    _write(tmp_path, "a", "dir/a.txt")
    _write(tmp_path, "", "dir/c/empty.txt")
    _write(tmp_path, gzip.compress(b"d"), "dir/c/d.txt.gz")
    reader = iter_text(tmp_path / "dir")
    assert "".join(reader) == "a\nb\nd"
    assert len(reader.encodings) == 3
    assert [(Path(s.path).name, s.reason) for s in reader.skipped] == [
        ("empty.txt", "is empty (no text, or only whitespace)")]


@pytest.mark.parametrize("data", [b"", b"  \n\t\r\n", codecs.BOM_UTF8])
def test_empty_corpus(tmp_path, data):
    with pytest.raises(CorpusError, match="is empty"):
        _read(_write(tmp_path, data))


def test_folder_of_empty_files(tmp_path):
    _write(tmp_path, "\n", "d/a.txt")
    _write(tmp_path, "", "d/b.txt")
    with pytest.raises(CorpusError, match=r"holds no text files.*skipped 2 file\(s\).*is empty"):
        _read(tmp_path / "d")


def test_leading_whitespace_is_kept(tmp_path):
    assert _read(_write(tmp_path, "\n\n  x\n"), 1) == "\n\n  x\n"


def test_chunks_end_at_line_boundaries(tmp_path):
    text = "".join(f"line {i}\n" for i in range(200)) + "tail"
    chunks = list(iter_text(_write(tmp_path, text), chunk_chars=16))
    assert "".join(chunks) == text
    assert all(c.endswith("\n") for c in chunks[:-1])
    assert max(map(len, chunks)) < 40


def test_a_huge_line_is_still_cut(tmp_path):
    text = "e\u0301" * 50 + " word" * 20
    chunks = list(iter_text(_write(tmp_path, text), chunk_chars=4))
    assert len(chunks) > 1
    assert "".join(chunks) == unicodedata.normalize("NFC", text)


@settings(max_examples=40, deadline=None)
@given(text=st.text(alphabet="ab \n\r\u0301\u0323e\u00e9Å\u212b", max_size=60),
       chunk=st.integers(1, 9))
def test_streamed_equals_whole(tmp_path_factory, text, chunk):
    path = tmp_path_factory.mktemp("h") / "c.txt"
    path.write_bytes(("x" + text).encode())
    whole = unicodedata.normalize("NFC", ("x" + text).replace("\r\n", "\n").replace("\r", "\n"))
    assert "".join(iter_text(path, chunk_chars=chunk)) == whole


def test_iter_lines_and_limit(tmp_path):
    path = _write(tmp_path, "a\r\nb\n\nc")
    assert list(iter_lines(path)) == ["a", "b", "", "c"]
    assert list(iter_lines(str(path), limit=2)) == ["a", "b"]
    assert list(iter_lines(path, limit=0)) == []


def test_split_lines():
    assert list(split_lines(["ab\nc", "d\n", "e\n"])) == ["ab", "cd", "e"]


def test_fingerprint(tmp_path):
    path = _write(tmp_path, "hello\n")
    fp = corpus_fingerprint(path)
    assert len(fp) == 64 and fp == corpus_fingerprint(str(path))
    assert fp != corpus_fingerprint(path, TextOptions(lowercase=True))
    assert corpus_fingerprint(path, TextOptions(encoding="UTF8")) == corpus_fingerprint(
        path, TextOptions(encoding="utf-8"))
    path.write_text("hello!\n")
    assert corpus_fingerprint(path) != fp


def test_fingerprint_separates_files(tmp_path):
    _write(tmp_path, "ab", "one/a.txt")
    _write(tmp_path, "c", "one/b.txt")
    _write(tmp_path, "a", "two/a.txt")
    _write(tmp_path, "bc", "two/b.txt")
    assert corpus_fingerprint(tmp_path / "one") != corpus_fingerprint(tmp_path / "two")


def test_lm_split_is_nanogpt_exact(tmp_path):
    n = 1_115_394  # tinyshakespeare's length
    text = ("abcdefghi\n" * (n // 10 + 1))[:n]
    split = LMSplit(_write(tmp_path, text), chunk_chars=1 << 16)
    assert (split.train_chars, split.val_chars) == (1_003_854, 111_540)
    assert "".join(split.iter_train()) == text[:int(n * 0.9)]
    assert "".join(split.iter_val()) == text[int(n * 0.9):]


@pytest.mark.parametrize("chunk", [1, 3, 10, 1000])
def test_lm_split_streams_at_any_chunk_size(tmp_path, chunk):
    text = "".join(f"{i} é\n" for i in range(50))
    split = LMSplit(_write(tmp_path, text), val_fraction=0.25, chunk_chars=chunk)
    cut = int(len(text) * 0.75)
    assert "".join(split.iter_train()) == text[:cut]
    assert "".join(split.iter_val()) == text[cut:]


def test_validation_file_overrides_fraction(tmp_path):
    train, val = _write(tmp_path, "train text\n", "t.txt"), _write(tmp_path, "val\n", "v.txt")
    train_fn, val_fn = iter_lm_split(train, valid_source=val)
    assert "".join(train_fn()) == "train text\n" and "".join(val_fn()) == "val\n"
    split = LMSplit(train, valid_source=val)
    assert (split.train_chars, split.val_chars) == (11, 4)


def test_lm_split_errors(tmp_path):
    path = _write(tmp_path, "a")
    with pytest.raises(ConfigError, match="val_fraction"):
        LMSplit(path, val_fraction=1.0)
    with pytest.raises(CorpusError, match="too small to split"):
        _ = LMSplit(path).train_chars
    with pytest.raises(CorpusError, match="does not exist"):
        LMSplit(path, valid_source=tmp_path / "missing.txt")


def test_fingerprint_and_reading_use_the_same_files(tmp_path):
    folder = tmp_path / "code"
    _write(tmp_path, "print('a')\n", "code/a.py")
    _write(tmp_path, "let b = 1;\n", "code/lib/b.js")
    _write(tmp_path, b"\x00\x01\x02" * 10, "code/blob.bin")
    options = TextOptions(exclude=("lib/*",))
    reader = iter_text(folder, options)
    assert "".join(reader) == "print('a')\n" and [p.name for p in reader.files] == ["a.py"]
    before = corpus_fingerprint(folder, options)
    _write(tmp_path, "let b = 2;\n", "code/lib/b.js")        # excluded: not read, not hashed
    _write(tmp_path, b"\x00\x09\x02" * 10, "code/blob.bin")  # binary: skipped, not hashed
    assert corpus_fingerprint(folder, options) == before
    assert corpus_fingerprint(folder) != before              # the file list is part of the key
    _write(tmp_path, "print('A')\n", "code/a.py")
    assert corpus_fingerprint(folder, options) != before


def test_file_options_round_trip_and_leave_old_cache_keys_alone():
    options = TextOptions.from_dict({"include": ["*.py", " "], "exclude": "tests/*", "strict": True})
    assert (options.include, options.exclude, options.strict) == (("*.py",), ("tests/*",), True)
    assert TextOptions.from_dict(options.to_dict()) == options
    assert set(TextOptions().canonical()) == {"encoding", "replace_errors", "nfc",
                                              "normalize_newlines", "lowercase"}
