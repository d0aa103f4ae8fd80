"""Corpus statistics on small known texts."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np

from nlp.data.corpus import TextOptions
from nlp.data.pairs import PairFilter, read_pairs
from nlp.data.stats import _SPACE, _Tally, compute_stats, length_histogram, pair_stats

TEXT = "ab c\nde\n\nfgh i j\n"


def test_stats_of_a_known_text(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text(TEXT)
    stats = compute_stats(path, top_k=3)
    t = stats.text
    assert (t.lines, t.characters, t.words) == (4, 17, 6)
    assert t.distinct_characters == len(set(TEXT))
    assert t.top_characters == (("\n", 4), (" ", 3), ("a", 1))
    assert (t.max_line_length, t.mean_line_length) == (7, 13 / 4)
    assert sum(c for _, _, c in t.line_lengths.bins) == 4
    assert stats.files == (str(path),) and stats.bytes == 17 and stats.encodings == ("utf-8",)
    assert stats.replacements == 0


def test_stats_follow_the_options(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"AB\xff\n")
    stats = compute_stats(path, TextOptions(encoding="utf-8", lowercase=True, replace_errors=True))
    assert stats.replacements == 1
    assert dict(stats.text.top_characters) == {"a": 1, "b": 1, "\ufffd": 1, "\n": 1}


def test_chunked_counts_equal_whole_counts():
    text = "one two\nthree\n\nfour five six\nlast"
    whole = _Tally()
    whole.add_chunk(text)
    expected = whole.result(5, 5)
    for cut in range(1, len(text)):
        parts = _Tally()
        parts.add_chunk(text[:cut])
        parts.add_chunk(text[cut:])
        assert parts.result(5, 5) == expected


def test_a_line_split_across_chunks_is_one_line():
    tally = _Tally()
    for piece in ("abc", "def\ngh", "i"):
        tally.add_chunk(piece)
    stats = tally.result(3, 5)
    assert stats.lines == 2 and stats.max_line_length == 6


def test_histogram_bins():
    assert length_histogram(Counter()).bins == ()
    assert length_histogram(Counter({12: 5})).bins == ((12, 12, 5),)
    lengths = Counter({i: 10 for i in range(100)}) + Counter({10_000: 1})
    bins = length_histogram(lengths, bins=10).bins
    assert len(bins) <= 10 and bins[0][0] == 0
    widths = {high - low + 1 for low, high, _ in bins[:-1]}
    assert widths == {10}
    assert bins[-1][1] == 10_000  # the outlier lands in the last bin
    assert sum(c for _, _, c in bins) == 1001


def test_pair_stats_and_json(tmp_path):
    path = tmp_path / "p.tsv"
    path.write_text("Hi.\t你好。\nGo away.\t走开。\nGo away.\t走开。\n", encoding="utf-8")
    result = read_pairs(path, pair_filter=PairFilter(dedupe=True))
    stats = pair_stats(result)
    assert (stats.pairs, stats.read, stats.dropped["duplicate"]) == (2, 3, 1)
    assert (stats.source_side.characters, stats.source_side.words) == (11, 3)
    assert (stats.target_side.characters, stats.target_side.words) == (6, 2)
    assert stats.target_side.top_characters[0] == ("。", 2)
    data = json.loads(json.dumps(stats.to_dict(), ensure_ascii=False))
    assert data["target_side"]["line_lengths"]["bins"] == [[3, 3, 2]]


def test_space_table_matches_str_isspace():
    expected = np.array([chr(i).isspace() for i in range(0x110000)])
    assert np.array_equal(_SPACE, expected)


def test_words_split_on_unicode_spaces_and_pair_lines():
    tally = _Tally()
    tally.add_chunk("a\u3000b\u00a0c d\n")
    assert tally.result(1, 1).words == len("a\u3000b\u00a0c d".split()) == 4
    sides = _Tally()
    sides.add_lines(["", "ab", "c d"])
    stats = sides.result(10, 5)
    assert (stats.lines, stats.characters, stats.words) == (3, 5, 3)
    assert "\n" not in dict(stats.top_characters)
