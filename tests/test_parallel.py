"""Parallel corpora: TSV and aligned files, filters, seeded splits."""

from __future__ import annotations

import pytest

from nlp.data.corpus import TextOptions
from nlp.data.pairs import PairFilter, read_pairs, split_pairs
from nlp.errors import ConfigError, CorpusError

TATOEBA = (
    "Go.\tVa !\tCC-BY 2.0 (France) Attribution: tatoeba.org #2877272\n"
    "Hi.\tSalut !\tCC-BY 2.0 (France) Attribution: tatoeba.org #538123\n"
    "Run!\tCours !\tCC-BY 2.0 (France) Attribution: tatoeba.org #906328\n"
)


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_tatoeba_tsv_with_default_columns(tmp_path):
    result = read_pairs(_write(tmp_path, "fra.txt", TATOEBA))
    assert result.pairs == [("Go.", "Va !"), ("Hi.", "Salut !"), ("Run!", "Cours !")]
    assert result.read == result.kept == 3
    assert set(result.dropped.values()) == {0}


def test_tsv_columns_can_be_chosen(tmp_path):
    result = read_pairs(str(_write(tmp_path, "fra.txt", TATOEBA)), columns=(1, 0))
    assert result.pairs[0] == ("Va !", "Go.")


def test_tsv_row_with_too_few_columns_names_the_line(tmp_path):
    path = _write(tmp_path, "bad.tsv", "a\tb\nno tab here\n")
    with pytest.raises(CorpusError, match=r"bad.tsv, line 2: found 1 tab-separated column"):
        read_pairs(path)
    with pytest.raises(CorpusError, match="line 1: found 2 .* column 2 is needed"):
        read_pairs(path, columns=(0, 2))


def test_blank_tsv_lines_are_empty_pairs(tmp_path):
    result = read_pairs(_write(tmp_path, "p.tsv", "a\tb\n\n  \nc\td\n"))
    assert result.pairs == [("a", "b"), ("c", "d")]
    assert result.read == 4 and result.dropped["empty"] == 2


@pytest.mark.parametrize("columns", [(0, 0), (0,), (-1, 1), (0, 1, 2)])
def test_bad_columns(tmp_path, columns):
    with pytest.raises(ConfigError, match="two different column numbers"):
        read_pairs(_write(tmp_path, "p.tsv", "a\tb\n"), columns=columns)


def test_aligned_files(tmp_path):
    src = _write(tmp_path, "train.de", "Ein Hund.\r\nZwei  Katzen. \n")
    tgt = _write(tmp_path, "train.en", "A dog.\nTwo cats.")
    result = read_pairs((src, tgt), options=TextOptions(lowercase=True))
    assert result.pairs == [("ein hund.", "a dog."), ("zwei  katzen.", "two cats.")]
    assert result.sources == (str(src), str(tgt))


def test_unequal_line_counts_name_both_files_and_counts(tmp_path):
    src = _write(tmp_path, "train.de", "a\nb\nc\n")
    tgt = _write(tmp_path, "train.en", "x\ny\n")
    with pytest.raises(CorpusError, match=r"train.de has 3, .*train.en has 2"):
        read_pairs((src, tgt))


def test_a_folder_is_not_a_pair_file(tmp_path):
    with pytest.raises(CorpusError, match="is a folder"):
        read_pairs(tmp_path)


def test_filters_count_what_they_drop(tmp_path):
    rows = [
        ("hello", "bonjour"),          # kept
        ("", "vide"),                  # empty
        ("a" * 30, "b" * 30),          # too_long
        ("one two three four", "un"),  # too_many_words (4 > 3) before ratio
        ("ab", "abcdefghij"),          # ratio 5 > 3
        ("hello", "bonjour"),          # duplicate
    ]
    path = _write(tmp_path, "p.tsv", "".join(f"{a}\t{b}\n" for a, b in rows))
    pair_filter = PairFilter(max_len=20, max_words=3, max_ratio=3.0, dedupe=True)
    result = read_pairs(path, pair_filter=pair_filter)
    assert result.pairs == [("hello", "bonjour")]
    assert result.read == 6
    assert result.dropped == {"empty": 1, "too_long": 1, "too_many_words": 1, "ratio": 1,
                              "duplicate": 1}


def test_empty_sides_kept_when_asked(tmp_path):
    result = read_pairs(_write(tmp_path, "p.tsv", "\tx\na\tb\n"),
                        pair_filter=PairFilter(drop_empty=False))
    assert result.pairs == [("", "x"), ("a", "b")]


def test_all_pairs_dropped_is_an_error(tmp_path):
    with pytest.raises(CorpusError, match=r"no pairs left.*2 read, all dropped \(too_long: 2\)"):
        read_pairs(_write(tmp_path, "p.tsv", "abc\tdef\nghi\tjkl\n"),
                   pair_filter=PairFilter(max_len=2))


@pytest.mark.parametrize("kwargs", [{"max_len": 0}, {"max_words": -1}, {"max_ratio": 0.5}])
def test_filter_validation(kwargs):
    with pytest.raises(ConfigError):
        PairFilter(**kwargs)


def test_filter_from_dict():
    assert PairFilter.from_dict({"max_len": 5}).max_len == 5
    with pytest.raises(ConfigError, match="'maxlen'.*valid ones: max_len"):
        PairFilter.from_dict({"maxlen": 5})


def test_split_pairs_is_seeded_and_complete():
    pairs = [(str(i), str(i)) for i in range(100)]
    first = split_pairs(pairs, val_fraction=0.1, test_fraction=0.05, seed=3)
    assert (len(first.train), len(first.val), len(first.test)) == (85, 10, 5)
    assert sorted(first.train + first.val + first.test) == sorted(pairs)
    assert first == split_pairs(pairs, val_fraction=0.1, test_fraction=0.05, seed=3)
    assert first.val != split_pairs(pairs, val_fraction=0.1, test_fraction=0.05, seed=4).val
    assert first.train == sorted(first.train, key=lambda p: int(p[0]))  # original order


def test_split_pairs_small_and_invalid():
    pairs = [("a", "b"), ("c", "d")]
    assert len(split_pairs(pairs, val_fraction=0.1).val) == 1
    with pytest.raises(CorpusError, match="too few"):
        split_pairs(pairs[:1], val_fraction=0.1)
    with pytest.raises(ConfigError, match="add up to less than 1"):
        split_pairs(pairs, val_fraction=0.6, test_fraction=0.4)
