"""Corpus statistics as plain data a window or the CLI can show.

Monolingual statistics are computed while streaming (one pass, memory bounded
by the number of distinct characters and distinct line lengths). Lengths are
in characters; words are whitespace-separated; a line's length excludes its
``\\n``, while ``characters`` counts every character of the text, newlines
included (so it matches ``len(text)``).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import asdict, dataclass

import numpy as np

from nlp.data.corpus import Source, TextOptions, TextReader
from nlp.data.pairs import PairsResult


@dataclass(frozen=True)
class LengthHistogram:
    """Equal-width bins ``(low, high, count)`` of lengths, ``high`` included.

    The last bin also holds the rare long outliers (it ends at the maximum),
    so a few huge lines do not squash the others into one bar.
    """

    bins: tuple[tuple[int, int, int], ...]

    def to_dict(self) -> dict:
        return {"bins": [list(b) for b in self.bins]}


@dataclass(frozen=True)
class TextStats:
    """Counts over one text: a monolingual corpus, or one side of pairs."""

    lines: int
    characters: int
    words: int
    distinct_characters: int
    top_characters: tuple[tuple[str, int], ...]
    max_line_length: int
    mean_line_length: float
    line_lengths: LengthHistogram

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class FileEncoding:
    """How one file was decoded: its encoding, how it was chosen ("chosen", "bom",
    "utf-8", "detected"), the detector's confidence, and a warning to check it."""

    file: str
    encoding: str
    how: str
    confidence: float
    candidates: tuple[str, ...] = ()
    warning: str = ""


@dataclass(frozen=True)
class SkippedFile:
    """A file of a folder that was not read (binary, empty, undecodable), and why."""

    file: str
    reason: str
    bytes: int


@dataclass(frozen=True)
class CorpusStats:
    """A monolingual corpus: its files (read and skipped), how they were read, and
    :class:`TextStats`. ``bytes`` counts the files read, ``skipped_bytes`` the others."""

    source: str
    files: tuple[str, ...]
    bytes: int
    encodings: tuple[str, ...]
    replacements: int
    text: TextStats
    skipped: tuple[SkippedFile, ...] = ()
    skipped_bytes: int = 0
    detections: tuple[FileEncoding, ...] = ()

    @property
    def warnings(self) -> tuple[str, ...]:
        """Each file whose encoding is a doubtful guess, with what to choose instead."""
        return tuple(f"{d.file}: {d.warning}" for d in self.detections if d.warning)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["warnings"] = list(self.warnings)
        return data


@dataclass(frozen=True)
class PairStats:
    """A parallel corpus: pairs kept, dropped counts, and each side's :class:`TextStats`."""

    sources: tuple[str, ...]
    pairs: int
    read: int
    dropped: dict[str, int]
    encodings: tuple[str, ...]
    replacements: int
    source_side: TextStats
    target_side: TextStats

    def to_dict(self) -> dict:
        return asdict(self)


# Code points ``str.split()`` splits on (``str.isspace``), as a lookup table.
_SPACE = np.zeros(0x110000, dtype=bool)
_SPACE[[*range(0x09, 0x0E), *range(0x1C, 0x21), 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
        0x2028, 0x2029, 0x202F, 0x205F, 0x3000]] = True


def _add(total: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``total + counts`` for count arrays of different lengths."""
    if counts.size > total.size:
        total, counts = counts, total
    total[:counts.size] += counts
    return total


class _Tally:
    """Accumulates :class:`TextStats` over text chunks (numpy, about 10x a Counter).

    Code points are counted with ``bincount`` over the UTF-32 form of a chunk;
    words are runs of non-space characters; a line may continue into the next
    chunk (``_open`` holds its length so far).
    """

    def __init__(self) -> None:
        self.codes = np.zeros(0, dtype=np.int64)    # count per code point
        self.lengths: Counter[int] = Counter()      # count per line length
        self.characters = self.words = self._open = 0
        self._in_word = False

    def add_chunk(self, chunk: str) -> None:
        if not chunk:
            return
        codes = np.frombuffer(chunk.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        self.characters += codes.size
        self.codes = _add(self.codes, np.bincount(codes))
        space = _SPACE[codes]
        starts = np.count_nonzero(space[:-1] & ~space[1:])
        self.words += int(starts) + int(not space[0] and not self._in_word)
        self._in_word = not space[-1]
        ends = np.flatnonzero(codes == 10)
        if ends.size == 0:
            self._open += codes.size
            return
        lengths = np.diff(ends, prepend=-1) - 1
        lengths[0] += self._open
        values, counts = np.unique(lengths, return_counts=True)
        self.lengths.update(dict(zip(values.tolist(), counts.tolist(), strict=True)))
        self._open = int(codes.size - ends[-1] - 1)

    def add_lines(self, lines: list[str]) -> None:
        """Whole lines (no ``\\n`` in them); their separators are not counted."""
        if lines:
            self.add_chunk("\n".join(lines) + "\n")
            self.characters -= len(lines)
            self.codes[10] -= len(lines)

    def result(self, top_k: int, bins: int) -> TextStats:
        if self._open:
            self.lengths[self._open] += 1
            self._open = 0
        present = np.flatnonzero(self.codes)
        order = present[np.lexsort((present, -self.codes[present]))][:top_k]
        lengths = self.lengths
        lines = sum(lengths.values())
        total = sum(length * count for length, count in lengths.items())
        return TextStats(
            lines=lines, characters=self.characters, words=self.words,
            distinct_characters=int(present.size),
            top_characters=tuple((chr(c), int(self.codes[c])) for c in order),
            max_line_length=max(lengths, default=0),
            mean_line_length=total / lines if lines else 0.0,
            line_lengths=length_histogram(lengths, bins),
        )


def length_histogram(lengths: Counter[int], bins: int = 20) -> LengthHistogram:
    """At most ``bins`` bins of a "nice" width, from the shortest to the 99th percentile."""
    if not lengths:
        return LengthHistogram(())
    low, top, highest = min(lengths), _percentile(lengths, 0.99), max(lengths)
    width = _nice_width(math.ceil((top - low + 1) / max(bins, 1)))
    while (top - low // width * width) // width + 1 > max(bins, 1):
        width = _nice_width(width + 1)
    start = low // width * width
    counts = [0] * ((top - start) // width + 1)
    for length, count in lengths.items():
        counts[min((length - start) // width, len(counts) - 1)] += count
    return LengthHistogram(tuple(
        (start + i * width, highest if i == len(counts) - 1 else start + (i + 1) * width - 1, c)
        for i, c in enumerate(counts)
    ))


def _percentile(lengths: Counter[int], q: float) -> int:
    target, seen = q * sum(lengths.values()), 0
    for length in sorted(lengths):
        seen += lengths[length]
        if seen >= target:
            return length
    return max(lengths)


def _nice_width(width: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... that is at least ``width``."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale >= width:
                return step * scale
        scale *= 10


def compute_stats(source: Source, options: TextOptions | None = None, top_k: int = 20,
                  bins: int = 20) -> CorpusStats:
    """Statistics of a monolingual corpus, in one streamed pass."""
    reader = TextReader(source, options)
    tally = _Tally()
    for chunk in reader:
        tally.add_chunk(chunk)
    return CorpusStats(
        source=str(reader.source), files=tuple(str(p) for p in reader.files),
        bytes=sum(os.path.getsize(p) for p in reader.files),
        encodings=tuple(sorted(set(reader.encodings.values()))),
        replacements=reader.replacements, text=tally.result(top_k, bins),
        skipped=tuple(SkippedFile(s.path, s.reason, s.bytes) for s in reader.skipped),
        skipped_bytes=sum(s.bytes for s in reader.skipped),
        detections=tuple(FileEncoding(path, d.encoding, d.how, d.confidence, d.candidates,
                                      d.warning)
                         for path, d in reader.detections.items()),
    )


def pair_stats(result: PairsResult, top_k: int = 20, bins: int = 20) -> PairStats:
    """Statistics of pairs read by :func:`nlp.data.pairs.read_pairs`."""
    src, tgt = _Tally(), _Tally()
    src.add_lines([a for a, _ in result.pairs])
    tgt.add_lines([b for _, b in result.pairs])
    return PairStats(
        sources=result.sources, pairs=result.kept, read=result.read, dropped=dict(result.dropped),
        encodings=tuple(sorted(set(result.encodings.values()))),
        replacements=result.replacements,
        source_side=src.result(top_k, bins), target_side=tgt.result(top_k, bins),
    )
