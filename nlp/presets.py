"""Sensible starting sizes for a corpus, so that a first run needs no tuning.

The window fills its model and training fields from these; the person may
change any of them. The rules of thumb behind the tiers:

- a model with far more weights than the corpus has tokens memorises it
  (char-rnn's advice: keep the parameter count near the number of characters),
  so small corpora get narrow models and more dropout;
- one training step must fit in the text: ``batch_size * seq_len`` tokens, with
  enough steps per epoch (at least :data:`MIN_STEPS_PER_EPOCH`) for the
  schedule to mean something;
- a subword vocabulary must be much smaller than the corpus (sentencepiece
  refuses a vocabulary it cannot fill), and a translator's tier follows its
  number of sentence pairs (about 20,000 pairs train a 256-wide biGRU with
  attention to a useful model in minutes on a CPU; Multi30k-sized data wants
  a 512-wide decoder).

Measuring a corpus here is an *estimate* from file sizes and a sample of the
first bytes: it must be instant even for gigabytes, because the window asks
for it whenever a corpus is chosen.
"""

from __future__ import annotations

import codecs
import dataclasses
from dataclasses import dataclass
from pathlib import Path

from nlp.corpus_files import Source, open_bytes, require_file, resolve_files
from nlp.errors import ConfigError

MIN_STEPS_PER_EPOCH = 20
SAMPLE_BYTES = 1 << 20  # read this much of the first file to estimate characters or lines
EXACT_LINES_BYTES = 8 << 20  # count the lines of files up to this size exactly
SUBWORD_CHARS_PER_TOKEN = 4.0  # a rough mean for BPE on Latin-script text


@dataclass(frozen=True)
class CorpusSize:
    """How big a corpus is: characters of text, or sentence pairs."""

    amount: int
    unit: str  # "characters" | "pairs"
    exact: bool = False

    def describe(self) -> str:
        """'about 52,000 characters' (rounded when estimated)."""
        if self.exact:
            return f"{self.amount:,} {self.unit}"
        return f"about {_round_2(self.amount):,} {self.unit}"


@dataclass(frozen=True)
class Preset:
    """Suggested model and batch sizes; ``why`` is one sentence for the person."""

    hidden: int
    layers: int
    embed: int
    dropout: float
    batch_size: int
    seq_len: int  # language models only
    vocab_size: int  # subword language models and translators
    lr: float
    tied: bool = False
    why: str = ""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


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
    ratio = _chars_per_byte(_head(files[0]))
    return CorpusSize(int(total * ratio), "characters", exact=False)


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


# -- suggesting -------------------------------------------------------------------------

def _fit_batches(n_tokens: int, batch_size: int, seq_len: int) -> tuple[int, int]:
    """Shrink batch and sequence so that an epoch has enough steps."""
    def too_big() -> bool:
        return n_tokens < batch_size * seq_len * MIN_STEPS_PER_EPOCH

    while too_big() and seq_len > 32:  # short sequences first: rows keep the batch useful
        seq_len //= 2
    while too_big() and batch_size > 1:
        batch_size //= 2
    while too_big() and seq_len > 8:
        seq_len //= 2
    return batch_size, seq_len


# (up to this many tokens: hidden, layers, embed, dropout, batch, seq_len, why)
_CHAR_TIERS = (
    (20_000, 64, 1, 32, 0.1, 16, 64, "a tiny corpus: a tiny model, quick to train"),
    (100_000, 128, 2, 64, 0.2, 32, 64, "a small corpus: a small model with more dropout "
     "memorises it less"),
    (500_000, 256, 2, 96, 0.2, 64, 128, "a medium corpus: a mid-sized model"),
    (5_000_000, 512, 2, 128, 0.1, 64, 128, "about a book or more: the classic 2 x 512 "
     "char-rnn size"),
    (None, 1024, 2, 256, 0.1, 64, 128, "a large corpus: a wide model (slow on a CPU; "
     "use a GPU if you have one)"),
)
_SUBWORD_TIERS = (
    (50_000, 256, 1, 128, 0.3, 16, 32, "a small corpus: one narrow layer with strong "
     "dropout"),
    (500_000, 384, 2, 256, 0.3, 32, 64, "a medium corpus"),
    (5_000_000, 512, 2, 256, 0.2, 64, 64, "a large corpus, WikiText-2-sized"),
    (None, 1024, 2, 512, 0.1, 64, 64, "a very large corpus (slow on a CPU; use a GPU if "
     "you have one)"),
)
# (up to this many pairs: embed, hidden, layers, batch, vocab, why)
_MT_TIERS = (
    (5_000, 128, 128, 1, 32, 1000, "few pairs: a small translator"),
    (20_000, 256, 256, 1, 64, 4000, "a small parallel corpus"),
    (200_000, 256, 512, 1, 64, 8000, "a Multi30k-sized corpus"),
    (None, 512, 512, 2, 128, 16000, "a large parallel corpus (slow on a CPU; use a GPU if "
     "you have one)"),
)


def _tier(tiers, amount: int):
    for tier in tiers:
        if tier[0] is None or amount < tier[0]:
            return tier[1:]
    raise AssertionError("the last tier has no limit")  # pragma: no cover


def _subword_vocab(n_chars: int) -> int:
    """A vocabulary sentencepiece can fill: small corpora get small ones."""
    for limit, vocab in ((200_000, 1000), (2_000_000, 4000), (50_000_000, 8000)):
        if n_chars < limit:
            return vocab
    return 16000


def suggest_lm(n_chars: int, level: str = "char") -> Preset:
    """Sizes for a character or subword language model on ``n_chars`` characters."""
    n_chars = max(0, int(n_chars))
    if level == "subword":
        n_tokens = int(n_chars / SUBWORD_CHARS_PER_TOKEN)
        hidden, layers, embed, dropout, batch, seq, why = _tier(_SUBWORD_TIERS, n_tokens)
        vocab, tied = _subword_vocab(n_chars), True
    else:
        n_tokens = n_chars
        hidden, layers, embed, dropout, batch, seq, why = _tier(_CHAR_TIERS, n_tokens)
        vocab, tied = 0, False
    train_tokens = int(n_tokens * 0.9)  # the default validation split is 10%
    batch, seq = _fit_batches(train_tokens, batch, seq)
    return Preset(hidden=hidden, layers=layers, embed=embed, dropout=dropout,
                  batch_size=batch, seq_len=seq, vocab_size=vocab, lr=3e-3, tied=tied,
                  why=why)


def suggest_mt(n_pairs: int) -> Preset:
    """Sizes for a translator trained on ``n_pairs`` sentence pairs."""
    n_pairs = max(0, int(n_pairs))
    embed, hidden, layers, batch, vocab, why = _tier(_MT_TIERS, n_pairs)
    # keep at least MIN_STEPS_PER_EPOCH steps per epoch on tiny corpora
    while batch > 4 and n_pairs < batch * MIN_STEPS_PER_EPOCH:
        batch //= 2
    return Preset(hidden=hidden, layers=layers, embed=embed, dropout=0.1, batch_size=batch,
                  seq_len=0, vocab_size=vocab, lr=2e-3, why=why)


def suggest(task: str, size: CorpusSize) -> Preset:
    """By task: ``"char"``, ``"subword"`` (language models) or ``"mt"``."""
    if task == "mt":
        return suggest_mt(size.amount if size.unit == "pairs" else 0)
    return suggest_lm(size.amount if size.unit == "characters" else 0, level=task)


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
