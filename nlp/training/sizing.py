"""Measuring a corpus and its budget, instantly: what a recipe (``nlp.training.recipe``) starts from.

Measuring a corpus here is an *estimate* from file sizes and a sample of the
first bytes: it must be instant even for gigabytes, because the window asks
for it whenever a corpus is chosen. The settings themselves come from
``nlp.training.recipe``.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from nlp.data.files import Source, open_bytes, require_file, resolve_files
from nlp.errors import ConfigError

SAMPLE_BYTES = 1 << 20  # read this much of the first file to estimate characters or lines
EXACT_LINES_BYTES = 8 << 20  # count the lines of files up to this size exactly
SUBWORD_CHARS_PER_TOKEN = 4.0  # a rough mean for BPE on Latin-script text


@dataclass(frozen=True)
class CorpusSize:
    """How big a corpus is: characters of text, or sentence pairs."""

    amount: int
    unit: str  # "characters" | "pairs"
    exact: bool = False
    symbols: int = 0  # distinct characters in the sample read (0: not counted)

    def describe(self) -> str:
        """'about 52,000 characters' (rounded when estimated)."""
        if self.exact:
            return f"{self.amount:,} {self.unit}"
        return f"about {_round_2(self.amount):,} {self.unit}"


def _round_2(n: int) -> int:
    """Round to two significant digits: an estimate should not look exact."""
    if n < 100:
        return n
    digits = len(str(n)) - 2
    return round(n, -digits)


# -- measuring -------------------------------------------------------------------------

def _uncompressed_size(path: Path) -> int:
    """A file's size; for gzip, the size its trailer records (modulo 4 GiB)."""
    size = path.stat().st_size
    if not path.name.lower().endswith(".gz") or size < 18:
        return size
    with open(path, "rb") as fh:
        fh.seek(-4, 2)
        return max(size, int.from_bytes(fh.read(4), "little"))


def _head(path: Path, n: int = SAMPLE_BYTES) -> bytes:
    with open_bytes(path) as fh:
        return fh.read(n)


def _chars_per_byte(head: bytes) -> float:
    """UTF-16 text has two bytes per character; UTF-8 varies by script
    (1 for English, about 1/3 for Chinese), so measure it on the sample."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return 0.5
    if not head:
        return 1.0
    return len(head.decode("utf-8", errors="replace")) / len(head)


def measure_text(source: Source) -> CorpusSize:
    """Estimated characters of a text corpus (a file or a folder of files)."""
    files = resolve_files(source)
    total = sum(_uncompressed_size(p) for p in files)
    head = _head(files[0])
    ratio = _chars_per_byte(head)
    symbols = len(set(head.decode("utf-8", errors="replace"))) if head else 0
    return CorpusSize(int(total * ratio), "characters", exact=False, symbols=symbols)


def measure_pairs(source: Source) -> CorpusSize:
    """Sentence pairs in a TSV file (or the source side of two aligned files):
    its lines, counted exactly for files up to :data:`EXACT_LINES_BYTES`."""
    path = require_file(source)
    size = _uncompressed_size(path)
    if size <= EXACT_LINES_BYTES:
        data = _head(path, EXACT_LINES_BYTES + 1)
        lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
        return CorpusSize(lines, "pairs", exact=True)
    head = _head(path)
    per_line = len(head) / max(1, head.count(b"\n"))
    return CorpusSize(int(size / per_line), "pairs", exact=False)


def pair_lengths(source: Source, columns: tuple[int, int] = (0, 1),
                 target: Source | None = None, lines: int = 2000) -> tuple[int, int]:
    """Typical (source, target) sentence lengths in subword tokens, from the first
    ``lines`` pairs: about 1.3 tokens a word, or 0.7 a character for text written
    without spaces. A TSV file, or ``source`` and ``target`` as two aligned files."""
    def sides(path: Source) -> list[list[str]]:
        text = _head(require_file(path), SAMPLE_BYTES).decode("utf-8", errors="replace")
        return [line.split("\t") for line in text.splitlines()[:lines] if line.strip()]

    if target is None:
        rows = sides(source)
        src = [r[columns[0]] for r in rows if len(r) > max(columns)]
        tgt = [r[columns[1]] for r in rows if len(r) > max(columns)]
    else:
        src = [r[0] for r in sides(source)]
        tgt = [r[0] for r in sides(target)]
    return _tokens(src), _tokens(tgt)


def _tokens(texts: list[str]) -> int:
    if not texts:
        return 15
    words = sum(len(t.split()) for t in texts)
    chars = sum(len(t) for t in texts)
    cjk = sum(1 for t in texts for c in t if "\u2e80" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af")
    per_line = 0.7 * chars if cjk > 0.3 * chars else 1.3 * words  # written without spaces?
    return max(2, round(per_line / len(texts)) + 1)


# -- budget and evaluation ----------------------------------------------------------------

BUDGET_UNITS = ("minutes", "epochs", "steps")


def budget_settings(unit: str, amount: float) -> dict:
    """TrainConfig fields for a budget: the limit itself, and evaluations (with
    their sample texts) often enough that the window has something to show
    about ten times a run, but not so often that evaluating crowds out training."""
    if unit == "minutes":
        return {"max_minutes": float(amount), "eval_every": 1000,
                "eval_minutes": min(5.0, max(0.25, amount / 10))}
    if unit == "epochs":
        return {"max_epochs": float(amount), "eval_every": 1000, "eval_minutes": 1.0}
    if unit == "steps":
        steps = max(1, int(amount))
        return {"max_steps": steps, "eval_every": max(1, steps // 10),
                "warmup_steps": min(100, max(1, steps // 10))}
    raise ConfigError(f"unknown budget unit {unit!r}; choose one of {', '.join(BUDGET_UNITS)}")


def available_devices() -> list[str]:
    """What the device menu offers: auto and cpu always, GPUs where present."""
    import torch

    devices = ["auto", "cpu"]
    if torch.cuda.is_available():
        devices.append("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        devices.append("mps")
    return devices
