"""Parallel corpora for translation: reading, filtering and splitting pairs.

A parallel corpus is a TSV file with one pair per line (Tatoeba's
``eng<TAB>fra<TAB>attribution`` works as is with the default columns 0 and 1)
or two line-aligned files (``train.de`` + ``train.en``). Pair corpora are small
(a few hundred thousand lines), so pairs are held as a list. Each side is
stripped of leading and trailing whitespace.

Filters (:class:`PairFilter`) measure lengths in characters, which works for
scripts written without spaces (Chinese, Japanese); ``max_words`` counts
whitespace-separated words for the usual "fewer than 10 words" recipes.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from itertools import zip_longest

from nlp.data.corpus import Source, TextOptions, TextReader, require_file, split_lines
from nlp.errors import ConfigError, CorpusError

Pair = tuple[str, str]

DROP_REASONS = ("empty", "too_long", "too_many_words", "ratio", "duplicate")
"""Why a pair can be dropped, in the order the checks run."""


@dataclass(frozen=True)
class PairFilter:
    """Which pairs to keep; ``None`` switches a check off.

    ``max_len``: most characters on either side. ``max_words``: most
    whitespace-separated words on either side. ``max_ratio``: most
    (longer side / shorter side), in characters. ``drop_empty``: drop pairs with
    an empty side. ``dedupe``: keep only the first of identical pairs.
    """

    max_len: int | None = None
    max_words: int | None = None
    max_ratio: float | None = None
    drop_empty: bool = True
    dedupe: bool = False

    def __post_init__(self) -> None:
        for name in ("max_len", "max_words"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError(f"{name} must be at least 1 (or None for no limit), not {value}")
        if self.max_ratio is not None and self.max_ratio < 1.0:
            raise ConfigError(f"max_ratio must be at least 1.0 (or None), not {self.max_ratio}")

    @classmethod
    def from_dict(cls, data: dict) -> PairFilter:
        valid = [f.name for f in fields(cls)]
        for key in data:
            if key not in valid:
                raise ConfigError(f"unknown pair filter {key!r}; valid ones: {', '.join(valid)}")
        return cls(**data)

    def to_dict(self) -> dict:
        return asdict(self)

    def reason_to_drop(self, src: str, tgt: str) -> str | None:
        """The first reason in :data:`DROP_REASONS` that applies (``duplicate`` aside)."""
        if not src or not tgt:
            return "empty" if self.drop_empty else None
        if self.max_len is not None and max(len(src), len(tgt)) > self.max_len:
            return "too_long"
        if self.max_words is not None and max(len(src.split()), len(tgt.split())) > self.max_words:
            return "too_many_words"
        if self.max_ratio is not None and max(len(src), len(tgt)) > self.max_ratio * min(len(src), len(tgt)):
            return "ratio"
        return None


@dataclass(frozen=True)
class PairsResult:
    """Pairs kept, how many were read, and how many were dropped for each reason."""

    pairs: list[Pair]
    read: int
    dropped: dict[str, int]
    sources: tuple[str, ...]
    replacements: int = 0
    encodings: dict[str, str] = field(default_factory=dict)

    @property
    def kept(self) -> int:
        return len(self.pairs)


@dataclass(frozen=True)
class PairSplits:
    train: list[Pair]
    val: list[Pair]
    test: list[Pair]


def read_pairs(source: Source | tuple[Source, Source], columns: Sequence[int] = (0, 1),
               options: TextOptions | None = None,
               pair_filter: PairFilter | None = None) -> PairsResult:
    """Pairs from a TSV file (``columns`` pick the sides) or two aligned files."""
    options, pair_filter = options or TextOptions(), pair_filter or PairFilter()
    if isinstance(source, tuple | list):
        if len(source) != 2:
            raise ConfigError(f"give two aligned files (source, target), not {len(source)}")
        readers = [TextReader(require_file(path), options) for path in source]
        raw = _aligned(*readers)
    else:
        readers = [TextReader(require_file(source), options)]
        raw = _tsv(readers[0], _check_columns(columns))
    dropped = dict.fromkeys(DROP_REASONS, 0)
    counter = [0]
    pairs = list(_filtered(_counted(raw, counter), pair_filter, dropped))
    if not pairs:
        reasons = ", ".join(f"{k}: {v:,}" for k, v in dropped.items() if v) or "none"
        raise CorpusError(
            f"no pairs left in {' + '.join(str(r.source) for r in readers)}: {counter[0]:,} "
            f"read, all dropped ({reasons}). Loosen the filters or check the columns."
        )
    return PairsResult(
        pairs=pairs, read=counter[0], dropped=dropped,
        sources=tuple(str(reader.source) for reader in readers),
        replacements=sum(reader.replacements for reader in readers),
        encodings={k: v for reader in readers for k, v in reader.encodings.items()},
    )


def _check_columns(columns: Sequence[int]) -> tuple[int, int]:
    cols = tuple(columns)
    if len(cols) != 2 or any(not isinstance(c, int) or c < 0 for c in cols) or cols[0] == cols[1]:
        raise ConfigError(
            f"columns must be two different column numbers counted from 0 "
            f"(for example 0 1), not {' '.join(map(str, cols))}"
        )
    return cols  # type: ignore[return-value]


def _tsv(reader: TextReader, columns: tuple[int, int]) -> Iterator[Pair]:
    need = max(columns) + 1
    for number, line in enumerate(split_lines(reader), start=1):
        cells = line.split("\t")
        if len(cells) < need:
            if not line.strip():
                yield "", ""
                continue
            raise CorpusError(
                f"{reader.source}, line {number}: found {len(cells)} tab-separated column(s), "
                f"but column {max(columns)} is needed (columns count from 0). Check the "
                "chosen columns, or fix that line."
            )
        yield cells[columns[0]].strip(), cells[columns[1]].strip()


def _aligned(src: TextReader, tgt: TextReader) -> Iterator[Pair]:
    n_src = n_tgt = 0
    for a, b in zip_longest(split_lines(src), split_lines(tgt)):
        n_src += a is not None
        n_tgt += b is not None
        if a is not None and b is not None:
            yield a.strip(), b.strip()
    if n_src != n_tgt:
        raise CorpusError(
            f"the parallel files have different numbers of lines: {src.source} has {n_src:,}, "
            f"{tgt.source} has {n_tgt:,}. Line i of one must translate line i of the other."
        )


def _counted(pairs: Iterable[Pair], counter: list[int]) -> Iterator[Pair]:
    for pair in pairs:
        counter[0] += 1
        yield pair


def _filtered(pairs: Iterable[Pair], pair_filter: PairFilter,
              dropped: dict[str, int]) -> Iterator[Pair]:
    seen: set[Pair] = set()
    for pair in pairs:
        reason = pair_filter.reason_to_drop(*pair)
        if reason is None and pair_filter.dedupe:
            reason = "duplicate" if pair in seen else None
            seen.add(pair)
        if reason is None:
            yield pair
        else:
            dropped[reason] += 1


def split_pairs(pairs: Sequence[Pair], val_fraction: float = 0.1, test_fraction: float = 0.0,
                seed: int = 0) -> PairSplits:
    """A seeded random split; each part keeps the pairs' original order."""
    if val_fraction < 0 or test_fraction < 0 or val_fraction + test_fraction >= 1:
        raise ConfigError(
            f"val_fraction ({val_fraction}) and test_fraction ({test_fraction}) must be at "
            "least 0 and add up to less than 1"
        )
    n = len(pairs)
    n_val, n_test = _part_size(n, val_fraction), _part_size(n, test_fraction)
    if n - n_val - n_test < 1:
        raise CorpusError(f"{n} pair(s) are too few to split off validation/test pairs: add pairs.")
    order = list(range(n))
    random.Random(seed).shuffle(order)
    val, test = set(order[:n_val]), set(order[n_val:n_val + n_test])
    return PairSplits(
        train=[p for i, p in enumerate(pairs) if i not in val and i not in test],
        val=[p for i, p in enumerate(pairs) if i in val],
        test=[p for i, p in enumerate(pairs) if i in test],
    )


def _part_size(n: int, fraction: float) -> int:
    """``round(n * fraction)``, but at least one pair when the fraction is above 0."""
    return max(round(n * fraction), 1) if fraction > 0 else 0
