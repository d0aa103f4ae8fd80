"""Finding corpus files (by content), raw bytes, encoding detection and decoding errors."""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path

import pytest

import nlp.data.files as cf
from nlp.data.corpus import TextOptions, iter_text
from nlp.data.files import (
    detect_encoding,
    detect_head,
    require_file,
    resolve_files,
    select_files,
    working_encodings,
)
from nlp.errors import CorpusError, EncodingProblem


class _Tally:
    def __init__(self) -> None:
        self.replacements = 0
        self.encodings: dict[str, str] = {}
        self.detections: dict[str, cf.Detection] = {}


def _decode(path: Path, encoding: str | None = None, replace: bool = False,
            block: int = 1 << 16) -> tuple[str, _Tally]:
    tally = _Tally()
    return "".join(cf.decode_file(path, encoding, replace, block, tally)), tally


def _tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def _names(root: Path, paths) -> list[str]:
    return [Path(p).relative_to(root).as_posix() for p in paths]


def test_folder_is_recursive_sorted_and_skips_hidden(tmp_path):
    _tree(tmp_path, dict.fromkeys(["b.txt", "a.md", "sub/c.text", "e.csv", "f", ".hidden/g.txt",
                                   "sub/.h.txt", "A.TXT"], b"x\n"))
    (tmp_path / "sub/d.txt.gz").write_bytes(gzip.compress(b"x\n"))
    names = _names(tmp_path, resolve_files(tmp_path))
    assert names == ["A.TXT", "a.md", "b.txt", "e.csv", "f", "sub/c.text", "sub/d.txt.gz"]


LATIN1 = "Le café était fermé, alors nous sommes allés à la crêperie. Très bien!\n" * 3


def _code_folder(root: Path) -> Path:
    return _tree(root, {
        "main.py": "import os\nprint('héllo')\n".encode(),
        "web/app.js": b"const x = 1;\n",
        "Makefile": b"all:\n\techo hi\n",
        "web/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        "notes/old.txt": LATIN1.encode("latin-1"),
        "empty.md": b"",
        ".git/config": b"[core]\n",
    })


def test_a_folder_of_code_is_read_by_content(tmp_path):
    root = _code_folder(tmp_path)
    selection = select_files(root)
    assert _names(root, selection.files) == ["Makefile", "main.py", "notes/old.txt", "web/app.js"]
    assert [(_names(root, [s.path])[0], s.reason) for s in selection.skipped] == [
        ("empty.md", "is empty (no text, or only whitespace)"),
        ("web/logo.png", "is binary (it contains NUL bytes)"),
    ]
    assert selection.skipped[1].bytes == len(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    reader = iter_text(root)
    text = "".join(reader)
    assert "print('héllo')" in text and "crêperie" in text and "const x" in text
    assert reader.detections[str(root / "notes/old.txt")].encoding == "cp1252"
    assert reader.detections[str(root / "main.py")].how == "utf-8"


def test_strict_stops_at_the_first_bad_file(tmp_path):
    root = _code_folder(tmp_path)
    with pytest.raises(CorpusError, match=r"empty\.md is empty.*--strict"):
        iter_text(root, TextOptions(strict=True))
    with pytest.raises(CorpusError, match=r"logo\.png is binary"):
        iter_text(root, TextOptions(strict=True, exclude=("*.md",)))


def test_include_and_exclude_globs(tmp_path):
    root = _code_folder(tmp_path)
    assert _names(root, resolve_files(root, include=("*.py", "*.js"))) == ["main.py", "web/app.js"]
    assert _names(root, resolve_files(root, exclude=("web/*", "notes/*"))) == ["Makefile", "main.py"]
    with pytest.raises(CorpusError, match=r"no text files.*included only \*\.png.*is binary"):
        select_files(root, include=("*.png",))


def test_a_named_file_is_taken_whatever_its_extension(tmp_path):
    path = tmp_path / "train.de"
    path.write_text("Hallo\n")
    assert resolve_files(str(path)) == [path]


def test_folder_without_text_files_says_what_was_skipped(tmp_path):
    (tmp_path / "data.bin").write_bytes(b"\x00\x01\x02" * 10)
    (tmp_path / ".hidden.txt").write_text("hidden\n")
    with pytest.raises(CorpusError, match=r"no text files.*hidden ones left out.*skipped 1 "
                       r"file\(s\).*data\.bin: is binary"):
        resolve_files(tmp_path)


def test_control_bytes_mean_binary_and_replace_errors_keeps_undecodable_files(tmp_path):
    _tree(tmp_path, {"a.txt": b"text\n", "b.dat": bytes(range(1, 32)) * 20,
                     "c.txt": b"\x81\x8d\x8f\x90\x9d" * 40})
    selection = select_files(tmp_path, encoding="cp1252")
    assert [(Path(s.path).name, s.reason.split(" (")[0]) for s in selection.skipped] == [
        ("b.dat", "is binary"), ("c.txt", "cannot be decoded as cp1252")]
    kept = select_files(tmp_path, encoding="cp1252", replace_errors=True)
    assert [p.name for p in kept.files] == ["a.txt", "c.txt"]


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


def test_a_named_binary_file_is_still_an_error(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(CorpusError, match="looks like a binary file, not text"):
        _decode(path)


def test_utf16_without_bom_is_detected_or_named(tmp_path):
    path = tmp_path / "win.txt"
    path.write_bytes("hello world\n".encode("utf-16-le"))
    assert _decode(path)[0] == "hello world\n"
    with pytest.raises(CorpusError, match="--encoding utf-16-le"):
        _decode(path, "cp1252")
    assert _decode(path, "utf-16-le")[0] == "hello world\n"


def test_encoding_problem_names_an_encoding_that_decodes(tmp_path):
    # The first 64 KB are ASCII (so UTF-8 is taken); a cp1252 line comes after them.
    path = tmp_path / "latin.txt"
    ascii_part = b"plain ascii line\n" * 4000
    path.write_bytes(ascii_part + "le café crème\n".encode("cp1252"))
    with pytest.raises(EncodingProblem) as info:
        _decode(path)
    err = info.value
    assert (err.path, err.line, err.byte_offset) == (str(path), 4001, len(ascii_part) + 6)
    assert f"byte 0xE9 at line 4001, byte offset {len(ascii_part) + 6}" in str(err)
    assert f"--encoding {err.suggested_fallback}" in str(err) and "--replace-errors" in str(err)
    assert path.read_bytes().decode(err.suggested_fallback).endswith("le café crème\n")


def test_encoding_problem_in_gz_says_uncompressed(tmp_path):
    path = tmp_path / "latin.txt.gz"
    path.write_bytes(gzip.compress(b"abc\n\xff\n"))
    with pytest.raises(EncodingProblem, match=r"line 2, byte offset \(uncompressed\) 4"):
        _decode(path, "utf-8")


def test_replacements_are_counted(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"a\xffb\xfe\n")
    text, tally = _decode(path, "utf-8", replace=True)
    assert text == "a\ufffdb\ufffd\n" and tally.replacements == 2


def test_mostly_utf8_with_a_bad_byte_stays_utf8(tmp_path):
    path = tmp_path / "damaged.txt"
    path.write_bytes("héllo wörld ça va où\n".encode() + b"\xff\n")
    with pytest.raises(EncodingProblem, match="is not UTF-8: byte 0xFF at line 2"):
        _decode(path)
    assert _decode(path, replace=True)[1].replacements == 1


def test_chosen_encoding_that_fails_names_one_that_works(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_bytes(b"ok\n\x81\n")
    with pytest.raises(EncodingProblem) as info:
        _decode(path, "cp1252")
    assert "is not cp1252" in str(info.value)
    assert path.read_bytes().decode(info.value.suggested_fallback) is not None


# --- detection (small samples written here: real text in each script) -------------

BIG5 = ("我們今天早上去公園散步，天氣很好，風也很舒服。這個城市的圖書館藏書豐富，"
        "學生們常常在這裡讀書。\n他說明天會下雨，所以我們應該帶雨傘出門。\n")
GB = ("我们今天早上去公园散步，天气很好，风也很舒服。这个城市的图书馆藏书丰富，"
      "学生们常常在这里读书。\n他说明天会下雨，所以我们应该带雨伞出门。\n")
JAPANESE = ("吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。"
            "何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。\n")
KOREAN = ("오늘은 날씨가 정말 좋아서 친구들과 함께 공원에 산책을 갔습니다. "
          "우리는 점심으로 김밥과 떡볶이를 먹었습니다.\n")
FRENCH = "Le café était fermé, alors nous sommes allés à la crêperie près de l’église.\n"


@pytest.mark.parametrize(("text", "encoding", "expected"), [
    (BIG5, "big5", "cp950"),          # Big5 is read as cp950, its superset
    (GB, "gb18030", "gb18030"),
    (GB, "gbk", "gb18030"),
    (JAPANESE, "shift_jis", "cp932"),
    (KOREAN, "euc-kr", "cp949"),
])
def test_legacy_cjk_encodings_are_detected(tmp_path, text, encoding, expected):
    path = tmp_path / "t.txt"
    path.write_bytes((text * 2).encode(encoding))
    decoded, tally = _decode(path)
    assert decoded == text * 2
    found = tally.detections[str(path)]
    assert (found.encoding, found.how) == (expected, "detected") and found.confidence > 0.5


def test_big5_with_eten_extensions_decodes(tmp_path):
    # byte 0xF9: the box drawing cp950 adds to Big5, where the big5 codec stops
    path = tmp_path / "t.txt"
    data = (BIG5 + "╔═══╗\n").encode("cp950")
    path.write_bytes(data)
    assert _decode(path)[0] == BIG5 + "╔═══╗\n"
    with pytest.raises(EncodingProblem) as info:
        _decode(path, "big5")
    assert data.decode(info.value.suggested_fallback) == BIG5 + "╔═══╗\n"


def test_a_short_cp1252_text_is_decoded_with_a_warning(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(FRENCH.encode("cp1252"))
    decoded, tally = _decode(path)
    found = tally.detections[str(path)]
    assert decoded == FRENCH and found.encoding == "cp1252"
    assert "is a guess" in found.warning and "--encoding" in found.warning
    assert len(found.candidates) >= 2 and found.candidates[0] == "cp1252"


def test_private_use_characters_make_a_guess_doubtful():
    assert cf.odd_share("\ue000\ue001ab") == 0.5 and cf.odd_share("普通的字\n") == 0.0


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_and_without_bom(tmp_path, encoding):
    path = tmp_path / "t.txt"
    path.write_bytes((FRENCH + GB).encode(encoding))
    found = detect_head(path.read_bytes())
    assert found.encoding.startswith("utf-16")
    assert select_files(tmp_path).files == [path]


def test_chosen_encoding_wins(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes((GB * 2).encode("gb18030"))
    text, tally = _decode(path, "latin-1")
    assert tally.detections[str(path)].how == "chosen" and text == (GB * 2).encode("gb18030").decode("latin-1")


def test_working_encodings_tries_candidates(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes((JAPANESE * 2).encode("shift_jis"))
    works = working_encodings(path, "utf-8")
    assert works and (JAPANESE * 2).encode("shift_jis").decode(works[0]) == JAPANESE * 2


def test_a_weak_guess_on_a_line_of_latin1_offers_cp1252(tmp_path):
    """One line of Latin-1 French is guessed as a Cyrillic code page at low confidence;
    the warning then names cp1252 as the choice to try."""
    from nlp.data.files import detect_head

    line = "Notes du café: déjà vu, naïve, à bientôt.\n".encode("latin-1")
    found = detect_head(line)
    assert found.encoding == "cp1252" or "--encoding cp1252" in found.warning, found
