"""The Corpora page's list: which corpora the user has, how each is read, and
what the page shows of one (first lines, statistics).

Plain Python, no widgets (only Qt's translation of the texts shown): an entry
is a small frozen record, the list is stored in the settings as JSON, and the
reading functions are what the page runs on a pool thread. The built-in samples are stored by their place in ``corpora/``,
not by an absolute path, so that moving the project does not lose them.
"""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from gui.style import error_color
from nlp.data.corpus import TextOptions, iter_lines
from nlp.data.pairs import PairFilter, read_pairs
from nlp.data.stats import CorpusStats, PairStats, TextStats, compute_stats, pair_stats
from nlp.errors import StudioError
from nlp.paths import sample_corpora_dir

log = logging.getLogger(__name__)

LIST_KEY = "corpora/list"
SELECTED_KEY = "corpora/selected"
PREVIEW_LINES = 40
PREVIEW_CHARS = 400  # prose paragraphs are one line each; a preview needs only their start
DEFAULT_COLUMNS = (0, 1)

# (name, path inside corpora/, kind): what a first start offers (corpora/README.md)
# (the names are stored in English and shown translated: see CorpusEntry.display_name)
SAMPLES = (
    (QT_TRANSLATE_NOOP("CorpusList", "English stories"), "english", "text"),
    (QT_TRANSLATE_NOOP("CorpusList", "Chinese stories"), "chinese/wrenfield.txt", "text"),
    (QT_TRANSLATE_NOOP("CorpusList", "Numbers, English to French"), "numbers-en-fr/train.tsv",
     "pairs"),
)
# why a pair was dropped (nlp.data.pairs.DROP_REASONS), as the statistics name it
DROP_REASON_LABELS = {
    "empty": QT_TRANSLATE_NOOP("CorpusList", "empty"),
    "too_long": QT_TRANSLATE_NOOP("CorpusList", "too long"),
    "too_many_words": QT_TRANSLATE_NOOP("CorpusList", "too many words"),
    "ratio": QT_TRANSLATE_NOOP("CorpusList", "ratio"),
    "duplicate": QT_TRANSLATE_NOOP("CorpusList", "duplicate"),
}


def _tr(text: str) -> str:
    """``text`` (a literal marked with QT_TRANSLATE_NOOP) in the interface language."""
    return QCoreApplication.translate("CorpusList", text)


@dataclass(frozen=True)
class CorpusEntry:
    """One corpus in the list. ``kind`` is "text" or "pairs"; pairs come from
    one TSV file (``columns``) or from two line-aligned files (``tgt_path``)."""

    kind: str
    path: str
    name: str
    columns: tuple[int, int] | None = None
    tgt_path: str | None = None
    options: TextOptions = field(default_factory=TextOptions)
    sample: bool = False

    @property
    def key(self) -> str:
        """Identity in the list: the files, not how they are read (which can change)."""
        return self.path if self.tgt_path is None else f"{self.path}\n{self.tgt_path}"

    @property
    def is_tsv(self) -> bool:
        return self.kind == "pairs" and self.tgt_path is None

    @property
    def is_single_file(self) -> bool:
        """A file that can be read as text or as TSV pairs, or paired with another."""
        return self.tgt_path is None and not Path(self.path).is_dir()

    def kind_label(self) -> str:
        translate = QCoreApplication.translate
        if self.kind == "text":
            return (translate("CorpusList", "text folder") if Path(self.path).is_dir()
                    else translate("CorpusList", "text"))
        return (translate("CorpusList", "pairs, two files") if self.tgt_path
                else translate("CorpusList", "pairs, TSV"))

    def display_name(self) -> str:
        """The name shown: a built-in sample's in the interface language."""
        return _tr(self.name) if self.sample else self.name

    def train_request(self) -> dict:
        """What ``AppContext.use_corpus`` carries to the Train page."""
        request = {"kind": self.kind, "path": self.path, "options": self.options.to_dict()}
        if self.tgt_path is not None:
            request["tgt_path"] = self.tgt_path
        elif self.kind == "pairs":
            request["columns"] = list(self.columns or DEFAULT_COLUMNS)
        return request

    def to_dict(self) -> dict:
        path = self.path
        if self.sample:  # relative, so that a moved project keeps its samples
            path = Path(self.path).relative_to(sample_corpora_dir()).as_posix()
        data = {"kind": self.kind, "path": path, "name": self.name,
                "options": self.options.to_dict(), "sample": self.sample}
        if self.columns is not None:
            data["columns"] = list(self.columns)
        if self.tgt_path is not None:
            data["tgt_path"] = self.tgt_path
        return data

    @classmethod
    def from_dict(cls, data: dict) -> CorpusEntry:
        """An entry from the settings; raises ``ValueError``/``KeyError``/``TypeError``
        or :class:`StudioError` on a hand-edited, damaged one."""
        kind = data["kind"]
        if kind not in ("text", "pairs"):
            raise ValueError(f"unknown corpus kind {kind!r}")
        sample = bool(data.get("sample", False))
        path = str(sample_corpora_dir() / data["path"]) if sample else str(data["path"])
        columns = data.get("columns")
        if columns is not None:
            columns = (int(columns[0]), int(columns[1]))
        if kind == "pairs" and columns is None and data.get("tgt_path") is None:
            columns = DEFAULT_COLUMNS
        return cls(kind=kind, path=path, name=str(data.get("name") or Path(path).name),
                   columns=columns, tgt_path=data.get("tgt_path"),
                   options=TextOptions.from_dict(dict(data.get("options") or {})), sample=sample)


def sample_entries() -> list[CorpusEntry]:
    root = sample_corpora_dir()
    return [CorpusEntry(kind=kind, path=str(root / rel), name=name, sample=True,
                        columns=DEFAULT_COLUMNS if kind == "pairs" else None)
            for name, rel, kind in SAMPLES]


def is_tsv_name(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith((".tsv", ".tsv.gz"))


def entry_for_path(path: str | Path, as_pairs: bool | None = None) -> CorpusEntry:
    """A new entry for a dropped or chosen file or folder. A ``.tsv`` file is
    read as pairs (columns 0 and 1) unless ``as_pairs`` says otherwise."""
    path = Path(path).expanduser().absolute()
    pairs = is_tsv_name(path) if as_pairs is None else as_pairs
    if path.is_dir():
        pairs = False
    return CorpusEntry(kind="pairs" if pairs else "text", path=str(path), name=path.name,
                       columns=DEFAULT_COLUMNS if pairs else None)


def aligned_entry(first: CorpusEntry | str | Path, other: str | Path) -> CorpusEntry:
    """Two line-aligned files as pairs; keeps the first entry's reading options."""
    base = first if isinstance(first, CorpusEntry) else entry_for_path(first, as_pairs=False)
    other = Path(other).expanduser().absolute()
    return replace(base, kind="pairs", columns=None, tgt_path=str(other),
                   name=f"{Path(base.path).name} + {other.name}", sample=False)


def as_kind(entry: CorpusEntry, pairs: bool) -> CorpusEntry:
    """A single file read as text, or as TSV pairs."""
    if pairs:
        return replace(entry, kind="pairs", columns=entry.columns or DEFAULT_COLUMNS)
    return replace(entry, kind="text", columns=None)


# -- remembered list ---------------------------------------------------------------

def load_entries(settings) -> list[CorpusEntry]:
    """The remembered list (``settings`` has ``recall``); the samples on a first start.
    Damaged entries are skipped (and logged) rather than losing the whole list."""
    raw = settings.recall(LIST_KEY, None)
    if raw is None or raw == "":
        return sample_entries()
    try:
        items = json.loads(raw)
        if not isinstance(items, list):
            raise ValueError("not a list")
    except (TypeError, ValueError) as exc:
        log.warning("the remembered list of corpora is damaged (%s); showing the samples", exc)
        return sample_entries()
    entries = []
    for item in items:
        try:
            entries.append(CorpusEntry.from_dict(item))
        except (KeyError, ValueError, TypeError, IndexError, StudioError) as exc:
            log.warning("skipping a damaged remembered corpus %r: %s", item, exc)
    return entries


def save_entries(settings, entries: list[CorpusEntry]) -> None:
    settings.remember(LIST_KEY, json.dumps([e.to_dict() for e in entries], ensure_ascii=False))


# -- reading (runs on a pool thread) --------------------------------------------------

def _clip(line: str) -> str:
    return line if len(line) <= PREVIEW_CHARS else line[:PREVIEW_CHARS] + "…"


def read_preview(entry: CorpusEntry, limit: int = PREVIEW_LINES) -> list:
    """The first lines as they will be read (options applied): strings for text,
    ``(source, target)`` tuples for pairs. Cheap: stops after ``limit`` lines."""
    options = entry.options
    if entry.kind == "text":
        return [_clip(line) for line in iter_lines(entry.path, options, limit)]
    if entry.tgt_path is not None:
        pairs = zip(iter_lines(entry.path, options, limit),
                    iter_lines(entry.tgt_path, options, limit), strict=False)
        return [(_clip(a.strip()), _clip(b.strip())) for a, b in pairs]
    src, tgt = entry.columns or DEFAULT_COLUMNS
    rows = []
    for line in iter_lines(entry.path, options, limit):
        cells = line.split("\t")
        if len(cells) > max(src, tgt):
            rows.append((_clip(cells[src].strip()), _clip(cells[tgt].strip())))
        else:  # the statistics pass names the line and the problem
            rows.append((_clip(line.strip()), ""))
    return rows


def read_stats(entry: CorpusEntry, top_k: int = 12, bins: int = 20) -> CorpusStats | PairStats:
    """A full pass over the corpus, as training would read it (default pair filter)."""
    if entry.kind == "text":
        return compute_stats(entry.path, entry.options, top_k, bins)
    source = (entry.path, entry.tgt_path) if entry.tgt_path is not None else entry.path
    result = read_pairs(source, entry.columns or DEFAULT_COLUMNS, entry.options, PairFilter())
    return pair_stats(result, top_k, bins)


def show_char(ch: str) -> str:
    """A character as a reader can see it in a list of frequent characters."""
    visible = {" ": "␣", "\n": "↵", "\t": "⇥", "\r": "␍"}
    if ch in visible:
        return visible[ch]
    return f"U+{ord(ch):04X}" if not ch.isprintable() else ch


# -- statistics as the page shows them --------------------------------------------------

_ROWS = ((QT_TRANSLATE_NOOP("CorpusList", "Lines"), lambda t: f"{t.lines:,}"),
         (QT_TRANSLATE_NOOP("CorpusList", "Characters"), lambda t: f"{t.characters:,}"),
         (QT_TRANSLATE_NOOP("CorpusList", "Words"), lambda t: f"{t.words:,}"),
         (QT_TRANSLATE_NOOP("CorpusList", "Distinct characters"),
          lambda t: f"{t.distinct_characters:,}"),
         (QT_TRANSLATE_NOOP("CorpusList", "Mean line length"),
          lambda t: f"{t.mean_line_length:,.1f}"),
         (QT_TRANSLATE_NOOP("CorpusList", "Longest line"), lambda t: f"{t.max_line_length:,}"))


def _top(stats: TextStats) -> str:
    return "  ".join(f"<b>{html.escape(show_char(ch))}</b>&nbsp;{n:,}"
                     for ch, n in stats.top_characters)


def _table(headers: list[str], sides: list[TextStats]) -> str:
    cells = "".join(f"<th align='right'>{h}</th>" for h in headers)
    rows = [f"<tr><th></th>{cells}</tr>"] if headers else []
    for label, value in _ROWS:
        figures = "".join(f"<td align='right'>{value(side)}</td>" for side in sides)
        rows.append(f"<tr><td>{_tr(label)}</td>{figures}</tr>")
    return f"<table cellspacing='0' cellpadding='2'>{''.join(rows)}</table>"


def _replaced(count: int) -> str:
    if not count:
        return ""
    text = QCoreApplication.translate(
        "CorpusList", "{count} undecodable byte sequence(s) were replaced with U+FFFD.")
    return f"<p style='color:{error_color()}'>{text.format(count=f'{count:,}')}</p>"


def encodings_html(stats: CorpusStats) -> str:
    """Each encoding read: how many files, how it was found, the detector's confidence;
    then the warnings about doubtful guesses."""
    translate = QCoreApplication.translate
    groups: dict[tuple[str, str], list[float]] = {}
    for d in stats.detections:
        groups.setdefault((d.encoding, d.how), []).append(d.confidence)
    parts = []
    for (encoding, how), confidences in sorted(groups.items()):
        if how == "detected":
            text = translate("CorpusList", "{encoding} (detected, {confidence}% sure)").format(
                encoding=encoding, confidence=round(100 * min(confidences)))
        else:
            text = encoding
        if len(stats.detections) > 1:
            text = translate("CorpusList", "{count} file(s): {encoding}").format(
                count=f"{len(confidences):,}", encoding=text)
        parts.append(html.escape(text))
    line = translate("CorpusList", "Encoding: {encodings}").format(
        encodings="; ".join(parts) or html.escape(", ".join(stats.encodings)))
    warnings = "".join(f"<p style='color:#a60'>{html.escape(w)}</p>" for w in stats.warnings)
    return f"<p>{line}</p>{warnings}"


def stats_html(stats: CorpusStats | PairStats) -> str:
    """The statistics as rich text for a label: counts, then the frequent characters."""
    translate = QCoreApplication.translate
    encodings = html.escape(", ".join(stats.encodings))
    if isinstance(stats, CorpusStats):
        head = translate("CorpusList", "{files} file(s) read, {bytes} bytes").format(
            files=f"{len(stats.files):,}", bytes=f"{stats.bytes:,}")
        if stats.skipped:
            head += translate("CorpusList", "; {skipped} skipped ({skipped_bytes} bytes): "
                              "binary, empty or undecodable").format(
                skipped=f"{len(stats.skipped):,}", skipped_bytes=f"{stats.skipped_bytes:,}")
        frequent = translate("CorpusList", "Most frequent characters:")
        return (f"<p>{head}</p>" + encodings_html(stats) + _replaced(stats.replacements)
                + _table([], [stats.text]) + f"<p>{frequent}<br>{_top(stats.text)}</p>")
    dropped = ", ".join(
        f"{html.escape(_tr(DROP_REASON_LABELS.get(reason, reason.replace('_', ' '))))} {n:,}"
        for reason, n in stats.dropped.items() if n or reason == "empty")
    pairs = translate("CorpusList", "{pairs} pairs").format(pairs=f"{stats.pairs:,}")
    head = translate("CorpusList", "<b>{pairs}</b> (read {read}; dropped by filter: "
                     "{dropped}), {encodings}").format(pairs=pairs, read=f"{stats.read:,}",
                                                       dropped=dropped, encodings=encodings)
    source = translate("CorpusList", "Most frequent, source:")
    target = translate("CorpusList", "Most frequent, target:")
    return (f"<p>{head}</p>" + _replaced(stats.replacements)
            + _table([translate("CorpusList", "source"), translate("CorpusList", "target")],
                     [stats.source_side, stats.target_side])
            + f"<p>{source}<br>{_top(stats.source_side)}</p>"
            + f"<p>{target}<br>{_top(stats.target_side)}</p>")
