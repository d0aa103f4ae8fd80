"""``corpus inspect`` on the command line, plus the acceptance checks on real corpora."""

from __future__ import annotations

import json

import pytest

from nlp.cli.common import EXIT_ERROR
from nlp.cli.main import main


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_inspect_a_text_file(tmp_path, capsys):
    path = tmp_path / "c.txt"
    path.write_text("Hello world\nBye\n")
    code, out, _ = _run(capsys, "corpus", "inspect", str(path))
    assert code == 0
    assert "characters                       16" in out
    assert "lines                             2" in out
    assert "'l' 3" in out and "'\\n' 2" in out
    assert "|" in out  # the histogram


def test_inspect_json(tmp_path, capsys):
    path = tmp_path / "c.txt"
    path.write_text("Hello World\n")
    code, out, _ = _run(capsys, "corpus", "inspect", str(path), "--json", "--lowercase")
    data = json.loads(out)
    assert code == 0 and data["text"]["characters"] == 12
    assert data["text"]["top_characters"][0] == ["l", 3]


def test_inspect_pairs_with(tmp_path, capsys):
    (tmp_path / "a.de").write_text("Hallo\nTschüss\n")
    (tmp_path / "a.en").write_text("Hello\nBye\n")
    code, out, _ = _run(capsys, "corpus", "inspect", str(tmp_path / "a.de"),
                        "--pairs-with", str(tmp_path / "a.en"))
    assert code == 0
    assert "pairs       2 (read 2; dropped: none)" in out
    assert "== target: " in out


def test_inspect_tsv_with_columns_and_filters(tmp_path, capsys):
    path = tmp_path / "p.tsv"
    path.write_text("x\tHi.\tSalut.\nx\tA long sentence here.\tUne phrase.\n")
    code, out, _ = _run(capsys, "corpus", "inspect", str(path), "--tsv", "--columns", "1", "2",
                        "--max-words", "2", "--json")
    data = json.loads(out)
    assert code == 0 and data["pairs"] == 1 and data["dropped"]["too_many_words"] == 1


@pytest.mark.parametrize("argv", [
    ["corpus", "inspect", "{tmp}/missing.txt"],
    ["corpus", "inspect", "{tmp}/c.txt", "--columns", "0", "1"],
    ["corpus", "inspect", "{tmp}/c.txt", "--encoding", "nope"],
])
def test_errors_are_messages_not_tracebacks(tmp_path, capsys, argv):
    (tmp_path / "c.txt").write_text("x\n")
    code, out, err = _run(capsys, *[a.format(tmp=tmp_path) for a in argv])
    assert code == EXIT_ERROR and err.startswith("error: ") and "Traceback" not in err


def test_encoding_problem_message(tmp_path, capsys):
    path = tmp_path / "latin.txt"
    path.write_bytes(b"ok\ncaf\xe9\n")
    code, _, err = _run(capsys, "corpus", "inspect", str(path), "--encoding", "utf-8")
    assert code == EXIT_ERROR
    assert "byte 0xE9 at line 2, byte offset 6" in err
    named = err.split("These encodings decode it: ")[1].split(";")[0].split(", ")
    assert "cp1252" in named and f"(--encoding {named[0]})" in err
    assert all(path.read_bytes().decode(name) == "ok\ncafé\n" for name in named)
    code, out, _ = _run(capsys, "corpus", "inspect", str(path), "--encoding", "cp1252")
    assert code == 0 and "'é' 1" in out and "encoding    cp1252 (chosen)" in out


def test_detected_encoding_and_its_confidence_are_shown(tmp_path, capsys):
    path = tmp_path / "big5.txt"
    text = "我們今天早上去公園散步，天氣很好，風也很舒服。這個城市的圖書館藏書豐富。\n" * 3
    path.write_bytes(text.encode("cp950"))
    code, out, _ = _run(capsys, "corpus", "inspect", str(path))
    assert code == 0 and "encoding    cp950 (detected, confidence " in out
    path.write_bytes("Le café était fermé près de l’église.\n".encode("cp1252"))
    code, out, _ = _run(capsys, "corpus", "inspect", str(path), "--json")
    data = json.loads(out)
    assert data["detections"][0]["encoding"] == "cp1252"
    assert "--encoding" in data["warnings"][0]


def test_replacements_are_reported(tmp_path, capsys):
    path = tmp_path / "bad.txt"
    path.write_bytes("héllo wörld où ça\n".encode() + b"a\xffb\n")
    code, out, _ = _run(capsys, "corpus", "inspect", str(path), "--replace-errors")
    assert code == 0 and "replaced    1 undecodable" in out


def _code_folder(root):
    for name, data in {"main.py": b"print('hi')\n", "lib/util.js": b"let a = 2;\n",
                       "README": b"read me\n", "lib/blob.bin": b"\x00\x01\x02\x03" * 8,
                       ".git/HEAD": b"ref: main\n"}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def test_a_folder_of_code_lists_skipped_files(tmp_path, capsys):
    root = _code_folder(tmp_path)
    code, out, _ = _run(capsys, "corpus", "inspect", str(root))
    assert code == 0
    assert "files       3 read (31 bytes on disk), 1 skipped (32 bytes)" in out
    assert f"  {root / 'lib/blob.bin'}: is binary (it contains NUL bytes)" in out
    code, out, _ = _run(capsys, "corpus", "inspect", str(root), "--json")
    data = json.loads(out)
    assert len(data["files"]) == 3 and data["skipped"][0]["reason"].startswith("is binary")
    assert data["skipped_bytes"] == 32


def test_strict_and_globs(tmp_path, capsys):
    root = _code_folder(tmp_path)
    code, _, err = _run(capsys, "corpus", "inspect", str(root), "--strict")
    assert code == EXIT_ERROR and "blob.bin is binary" in err
    code, out, _ = _run(capsys, "corpus", "inspect", str(root), "--strict", "--exclude", "*.bin")
    assert code == 0 and "files       3 read" in out
    code, out, _ = _run(capsys, "corpus", "inspect", str(root), "--json",
                        "--include", "*.py,*.js", "--exclude", "lib/*")
    assert json.loads(out)["files"] == [str(root / "main.py")]


@pytest.mark.parametrize("argv", [["corpus", "--help"], ["corpus", "inspect", "--help"]])
def test_help(capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0 and "usage:" in capsys.readouterr().out


def test_corpus_alone_prints_help(capsys):
    code, out, _ = _run(capsys, "corpus")
    assert code == 0 and "inspect" in out


# --- acceptance checks on the shared corpora (pytest -m slow) ---------------------

@pytest.mark.slow
def test_tinyshakespeare(shared_corpora, capsys):
    code, out, _ = _run(capsys, "corpus", "inspect", str(shared_corpora / "tinyshakespeare/input.txt"))
    assert code == 0 and "1,115,394" in out


@pytest.mark.slow
def test_multi30k_pairs(shared_corpora, capsys):
    base = shared_corpora / "multi30k"
    code, out, _ = _run(capsys, "corpus", "inspect", str(base / "train.de"),
                        "--pairs-with", str(base / "train.en"))
    assert code == 0 and "pairs       29,000" in out


@pytest.mark.slow
def test_cmn_eng_tsv(shared_corpora, capsys):
    code, out, _ = _run(capsys, "corpus", "inspect", str(shared_corpora / "cmn-eng/cmn.txt"), "--tsv")
    assert code == 0 and "pairs       26,388" in out


@pytest.mark.slow
def test_zh_poetry(shared_corpora, capsys):
    code, out, _ = _run(capsys, "corpus", "inspect", str(shared_corpora / "zh-poetry/poetry.txt"),
                        "--json")
    data = json.loads(out)
    assert code == 0 and data["text"]["distinct_characters"] == 5387


@pytest.mark.slow
def test_tinyshakespeare_split(shared_corpora):
    from nlp.data.corpus import LMSplit

    split = LMSplit(shared_corpora / "tinyshakespeare/input.txt")
    assert (split.train_chars, split.val_chars) == (1_003_854, 111_540)
