"""The built-in sample corpora in ``corpora/``: present, clean, and regenerable."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT / "corpora"
NUMBERS = CORPORA / "numbers-en-fr"
SPLIT_SIZES = {"train": 19_000, "valid": 1_000, "test": 1_000}


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_parallel", CORPORA / "make_parallel.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


# --- number words -----------------------------------------------------------------

FRENCH = {
    0: "zéro", 1: "un", 10: "dix", 11: "onze", 16: "seize", 17: "dix-sept", 20: "vingt",
    21: "vingt et un", 22: "vingt-deux", 30: "trente", 31: "trente et un", 41: "quarante et un",
    51: "cinquante et un", 61: "soixante et un", 69: "soixante-neuf", 70: "soixante-dix",
    71: "soixante et onze", 72: "soixante-douze", 77: "soixante-dix-sept", 79: "soixante-dix-neuf",
    80: "quatre-vingts", 81: "quatre-vingt-un", 88: "quatre-vingt-huit", 90: "quatre-vingt-dix",
    91: "quatre-vingt-onze", 99: "quatre-vingt-dix-neuf", 100: "cent", 101: "cent un",
    111: "cent onze", 180: "cent quatre-vingts", 200: "deux cents", 201: "deux cent un",
    280: "deux cent quatre-vingts", 342: "trois cent quarante-deux",
    999: "neuf cent quatre-vingt-dix-neuf",
    1000: "mille", 1001: "mille un", 1080: "mille quatre-vingts", 1100: "mille cent",
    1200: "mille deux cents", 2000: "deux mille", 21000: "vingt et un mille",
    71000: "soixante et onze mille", 80000: "quatre-vingt mille",
    80080: "quatre-vingt mille quatre-vingts",
    81000: "quatre-vingt-un mille", 100000: "cent mille", 101000: "cent un mille",
    200000: "deux cent mille", 200200: "deux cent mille deux cents", 300001: "trois cent mille un",
    999999: "neuf cent quatre-vingt-dix-neuf mille neuf cent quatre-vingt-dix-neuf",
}

ENGLISH = {
    0: "zero", 7: "seven", 13: "thirteen", 20: "twenty", 42: "forty-two", 100: "one hundred",
    105: "one hundred and five", 342: "three hundred and forty-two", 1000: "one thousand",
    1005: "one thousand and five", 1099: "one thousand and ninety-nine",
    1100: "one thousand one hundred", 1234: "one thousand two hundred and thirty-four",
    20000: "twenty thousand", 342005: "three hundred and forty-two thousand and five",
    999999: "nine hundred and ninety-nine thousand nine hundred and ninety-nine",
}

FEMININE = {
    1: "une", 2: "deux", 21: "vingt et une", 61: "soixante et une", 71: "soixante et onze",
    81: "quatre-vingt-une", 101: "cent une", 1001: "mille une", 1081: "mille quatre-vingt-une",
    21000: "vingt et un mille",
}


@pytest.mark.parametrize(("n", "words"), sorted(FRENCH.items()))
def test_french_number_table(n, words):
    assert gen.french_number(n) == words


@pytest.mark.parametrize(("n", "words"), sorted(ENGLISH.items()))
def test_english_number_table(n, words):
    assert gen.english_number(n) == words


@pytest.mark.parametrize(("n", "words"), sorted(FEMININE.items()))
def test_french_feminine_forms(n, words):
    assert gen.french_number(n, feminine=True) == words


@pytest.mark.parametrize("n", [-1, 1_000_000])
def test_number_words_reject_out_of_range(n):
    with pytest.raises(ValueError, match="999999"):
        gen.english_number(n)
    with pytest.raises(ValueError, match="999999"):
        gen.french_number(n)


_EN_VALUES = {w: i for i, w in enumerate(gen._EN_UNITS)} | {
    w: 10 * i for i, w in enumerate(gen._EN_TENS) if i >= 2
}
_FR_VALUES = {w: i for i, w in enumerate(gen._FR_UNITS) if "-" not in w} | {
    "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
}
EN_NUMBER_WORDS = set(_EN_VALUES) | {"hundred", "thousand", "and"}


def parse_english(text: str) -> int:
    """An independent reader of the generator's English number words."""
    total = group = 0
    for word in re.split(r"[ -]", text):
        if word == "and":
            continue
        if word == "hundred":
            group *= 100
        elif word == "thousand":
            total, group = total + group * 1000, 0
        else:
            group += _EN_VALUES[word]
    return total + group


def parse_french(text: str) -> int:
    """An independent reader of French number words (``quatre-vingt`` = 4 x 20)."""
    total = group = 0
    previous = None
    for word in re.split(r"[ -]", text):
        if word == "et":
            continue
        if word in ("cent", "cents"):
            group = max(group, 1) * 100
        elif word == "mille":
            total, group = total + max(group, 1) * 1000, 0
        elif word in ("vingt", "vingts") and previous == "quatre":
            group += 80 - 4
        else:
            group += _FR_VALUES[word]
        previous = word
    return total + group


def test_number_words_round_trip_and_spelling_rules():
    numbers = list(range(2000)) + list(range(2000, 1_000_000, 331)) + [999_999]
    for n in numbers:
        en, fr = gen.english_number(n), gen.french_number(n)
        assert parse_english(en) == n, en
        assert parse_french(fr) == n, fr
        words = fr.split(" ")
        assert "" not in words and "  " not in en, (n, fr, en)
        # Plural "s" on cents / quatre-vingts only as the last word; "mille" never has one.
        assert all(w not in ("cents", "quatre-vingts") for w in words[:-1]), fr
        assert "milles" not in words and not fr.startswith("un mille"), fr
        # Traditional spelling: a hyphenated word is a number under 100.
        assert all(parse_french(w) < 100 for w in words if "-" in w), fr
        assert "quatre-vingt et" not in fr, fr


# --- the generated parallel corpus ------------------------------------------------


def _read_split(path: Path) -> list[tuple[str, str]]:
    data = path.read_bytes()
    assert b"\r" not in data and data.endswith(b"\n")
    rows = []
    for line in data.decode("utf-8").split("\n")[:-1]:
        fields = line.split("\t")
        assert len(fields) == 2, line
        assert all(f and f == f.strip() for f in fields), line
        rows.append((fields[0], fields[1]))
    return rows


@pytest.fixture(scope="module")
def splits() -> dict[str, list[tuple[str, str]]]:
    return {name: _read_split(NUMBERS / f"{name}.tsv") for name in SPLIT_SIZES}


def test_parallel_files_are_well_formed(splits):
    total = sum((NUMBERS / f"{name}.tsv").stat().st_size for name in SPLIT_SIZES)
    assert total < 2_100_000
    for name, rows in splits.items():
        assert len(rows) == SPLIT_SIZES[name]
        sources = [en for en, _ in rows]
        assert len(set(sources)) == len(sources), f"duplicate sources in {name}"
        for en, fr in rows:
            assert unicodedata.is_normalized("NFC", fr)
            assert en.isascii()
            assert len(en.split()) <= 15 and len(fr.split()) <= 15, en


def test_splits_share_no_source(splits):
    train, valid, test = (set(en for en, _ in splits[n]) for n in ("train", "valid", "test"))
    assert not train & valid and not train & test and not valid & test


def _number_in(sentence: str) -> int:
    """The count in a sentence pair's English side (or the whole bare number)."""
    words = sentence.rstrip(".").split(" ")
    start = next(i for i, w in enumerate(words) if all(p in EN_NUMBER_WORDS for p in w.split("-")))
    end = start
    while end < len(words) and all(p in EN_NUMBER_WORDS for p in words[end].split("-")):
        end += 1
    return parse_english(" ".join(words[start:end]))


def test_held_out_numbers_are_not_in_train(splits):
    numbers = {name: {_number_in(en) for en, _ in rows} for name, rows in splits.items()}
    assert set(range(100)) <= numbers["train"]
    assert not numbers["train"] & numbers["valid"]
    assert not numbers["train"] & numbers["test"]
    assert not numbers["valid"] & numbers["test"]


def test_bare_numbers_translate_exactly(splits):
    for rows in splits.values():
        for en, fr in rows:
            if en[0].islower():  # a bare number; sentences start with a capital
                assert fr == gen.french_number(parse_english(en)), en


def test_sentences_keep_the_count(splits):
    for en, fr in splits["valid"] + splits["train"][:2000]:
        if en[0].isupper():
            assert en.endswith(".") and fr.endswith(".") and fr[0].isupper(), en
            n = _number_in(en)
            assert gen.french_number(n, feminine=True) in fr or gen.french_number(n) in fr, en


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("numbers-en-fr")
    subprocess.run([sys.executable, str(CORPORA / "make_parallel.py"), "--out", str(out)],
                   check=True, capture_output=True, cwd=ROOT)
    return out


@pytest.mark.parametrize("name", sorted(SPLIT_SIZES))
def test_generator_reproduces_committed_files(regenerated, name):
    assert (regenerated / f"{name}.tsv").read_bytes() == (NUMBERS / f"{name}.tsv").read_bytes()


def test_check_mode_reports_differences(regenerated, capsys):
    assert gen.main(["--out", str(regenerated), "--check"]) == 0
    (regenerated / "valid.tsv").write_bytes(b"one\tun\n")
    assert gen.main(["--out", str(regenerated), "--check"]) == 1
    assert "valid.tsv" in capsys.readouterr().out


# --- monolingual samples ----------------------------------------------------------


def _text_files(folder: Path) -> list[Path]:
    files = sorted(folder.glob("*.txt"))
    assert files, f"no .txt files in {folder}"
    return files


@pytest.mark.parametrize(
    ("folder", "low", "high"), [("english", 40_000, 80_000), ("chinese", 2_000, 20_000)]
)
def test_monolingual_samples_are_clean_utf8(folder, low, high):
    files = _text_files(CORPORA / folder)
    assert low <= sum(f.stat().st_size for f in files) <= high
    for path in files:
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data and b"\t" not in data
        text = data.decode("utf-8")
        assert text.endswith("\n") and not text.endswith("\n\n"), path
        assert unicodedata.is_normalized("NFC", text), path
        assert all(line == line.rstrip() for line in text.split("\n")), path


def test_english_sample_does_not_repeat_itself():
    seen: dict[str, Path] = {}
    for path in _text_files(CORPORA / "english"):
        for line in path.read_text(encoding="utf-8").split("\n"):
            if len(line) >= 60:
                where = seen.get(line)
                assert where is None, f"{path.name} repeats a line of {where}: {line!r}"
                seen[line] = path


def test_chinese_sample_is_chinese():
    text = "".join(p.read_text(encoding="utf-8") for p in _text_files(CORPORA / "chinese"))
    han = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    assert han > 0.6 * len(text.replace("\n", ""))


def test_readme_describes_every_sample():
    readme = (CORPORA / "README.md").read_text(encoding="utf-8")
    for name in ("english/", "chinese/", "numbers-en-fr/", "make_parallel.py", "MIT"):
        assert name in readme
