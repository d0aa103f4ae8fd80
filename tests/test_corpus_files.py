"""Finding corpus files, raw bytes, encoding detection and decoding errors."""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path

import pytest

import nlp.data.files as cf
from nlp.data.files import detect_encoding, require_file, resolve_files, suggest_fallback
from nlp.errors import CorpusError, EncodingProblem


class _Tally:
    def __init__(self) -> None:
        self.replacements = 0
        self.encodings: dict[str, str] = {}


def _decode(path: Path, encoding: str | None = None, replace: bool = False,
            block: int = 1 << 16) -> tuple[str, _Tally]:
    tally = _Tally()
    return "".join(cf.decode_file(path, encoding, replace, block, tally)), tally


def test_folder_is_recursive_sorted_and_filtered(tmp_path):
    for name in ["b.txt", "a.md", "sub/c.text", "sub/d.txt.gz", "e.csv", "f", ".hidden/g.txt",
                 "sub/.h.txt", "A.TXT"]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x\n")
    names = [p.relative_to(tmp_path).as_posix() for p in resolve_files(tmp_path)]
    assert names == ["A.TXT", "a.md", "b.txt", "sub/c.text", "sub/d.txt.gz"]


def test_a_named_file_is_taken_whatever_its_extension(tmp_path):
    path = tmp_path / "train.de"
    path.write_text("Hallo\n")
    assert resolve_files(str(path)) == [path]


def test_folder_without_text_files_names_the_extensions(tmp_path):
    (tmp_path / "data.csv").write_text("a,b\n")
    with pytest.raises(CorpusError, match=r"no text files.*\.txt, \.text, \.md"):
        resolve_files(tmp_path)


def test_missing_path(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        resolve_files(tmp_path / "nope.txt")
    with pytest.raises(CorpusError, match="does not exist"):
        require_file(tmp_path / "nope.txt")


def test_folder_where_a_file_is_required(tmp_path):
    with pytest.raises(CorpusError, match="is a folder, but a file is needed"):
        require_file(tmp_path)


def test_permission_denied_is_a_corpus_error(tmp_path, monkeypatch):
    path = tmp_path / "secret.txt"
    path.write_text("hi\n")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cf, "open", denied, raising=False)
    with pytest.raises(CorpusError, match="permission denied"):
        _decode(path)


@pytest.mark.parametrize(("head", "chosen", "expected"), [
    (b"abc", None, ("utf-8", 0)),
    (codecs.BOM_UTF8 + b"abc", None, ("utf-8", 3)),
    (codecs.BOM_UTF16_LE + b"a\x00", None, ("utf-16-le", 2)),
    (codecs.BOM_UTF16_BE + b"\x00a", None, ("utf-16-be", 2)),
    (codecs.BOM_UTF8 + b"abc", "utf-8", ("utf-8", 3)),
    (codecs.BOM_UTF8 + b"abc", "utf-8-sig", ("utf-8", 3)),
    (b"abc", "cp1252", ("cp1252", 0)),
])
def test_detect_encoding(head, chosen, expected):
    assert detect_encoding(head, chosen) == expected


def test_gzip_is_decompressed(tmp_path):
    path = tmp_path / "c.txt.gz"
    path.write_bytes(gzip.compress("héllo\n".encode()))
    assert _decode(path)[0] == "héllo\n"


def test_truncated_gzip_is_a_damaged_gz(tmp_path):
    path = tmp_path / "c.txt.gz"
    path.write_bytes(gzip.compress(b"hello world\n" * 100)[:30])
    with pytest.raises(CorpusError, match="damaged .gz"):
        _decode(path)


def test_gz_name_without_gzip_data(tmp_path):
    path = tmp_path / "c.txt.gz"
    path.write_bytes(b"plain text\n")
    with pytest.raises(CorpusError, match="not gzip data"):
        _decode(path)


def test_nul_bytes_mean_binary(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(CorpusError, match="looks like a binary file, not text"):
        _decode(path)


def test_utf16_without_bom_is_named(tmp_path):
    path = tmp_path / "win.txt"
    path.write_bytes("hello world\n".encode("utf-16-le"))
    with pytest.raises(CorpusError, match="--encoding utf-16-le"):
        _decode(path)
    assert _decode(path, "utf-16-le")[0] == "hello world\n"


def test_encoding_problem_attributes(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes(b"ab\ncd\n\xe9t\xe9\n")
    with pytest.raises(EncodingProblem) as info:
        _decode(path)
    err = info.value
    assert (err.path, err.line, err.byte_offset, err.suggested_fallback) == (str(path), 3, 6, "cp1252")
    assert "byte 0xE9 at line 3, byte offset 6" in str(err)
    assert "--encoding cp1252" in str(err) and "--replace-errors" in str(err)


def test_encoding_problem_in_gz_says_uncompressed(tmp_path):
    path = tmp_path / "latin.txt.gz"
    path.write_bytes(gzip.compress(b"abc\n\xff\n"))
    with pytest.raises(EncodingProblem, match=r"line 2, byte offset \(uncompressed\) 4"):
        _decode(path)


def test_replacements_are_counted(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"a\xffb\xfe\n")
    text, tally = _decode(path, replace=True)
    assert text == "a\ufffdb\ufffd\n" and tally.replacements == 2


def test_suggest_fallback():
    assert suggest_fallback("café crème".encode("cp1252")) == "cp1252"
    assert suggest_fallback("我们今天去公园散步".encode("gb18030")) == "gb18030"


def test_chosen_encoding_that_fails_suggests_latin1(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_bytes(b"ok\n\x81\n")
    with pytest.raises(EncodingProblem) as info:
        _decode(path, "cp1252")
    assert info.value.suggested_fallback == "latin-1"
    assert "is not cp1252" in str(info.value)
