"""Reading a user's monolingual corpus: files, encodings, normalized text.

A corpus is a text file, a ``.gz`` of one, or a folder of them (searched
recursively, in sorted order, taking files by their content whatever their
names; binary, empty or undecodable ones are skipped and listed, see
:mod:`nlp.data.files`). Encodings come from the user's choice, the byte-order
mark, UTF-8, else detection per file (chardet); a byte that does not decode is
an :class:`~nlp.errors.EncodingProblem` naming the file, line and byte offset
and encodings that work, unless the user allows replacement (which is
counted, never silent).

Finding files, gzip and decoding live in :mod:`nlp.data.files`; this module
turns decoded text into normalized chunks. Text is streamed in chunks that end at line boundaries, so NFC normalization
never splits a combining sequence and a 200 MB corpus is never held whole::

    raw bytes -> incremental decoder -> newlines -> lowercase -> NFC -> chunks

:class:`LMSplit` splits the stream by characters the way nanoGPT does (train =
the first 90%, validation = the rest), in two passes with no copy held.
"""

from __future__ import annotations

import codecs
import hashlib
import itertools
import json
import logging
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from nlp import cancel
from nlp.data.files import (
    Detection,
    FileSelection,
    Skipped,
    Source,
    decode_file,
    open_binary,
    require_file,
    resolve_files,
    select_files,
)
from nlp.errors import ConfigError, CorpusError

__all__ = [
    "Detection", "LMSplit", "Skipped", "Source", "TextOptions", "TextReader",
    "corpus_fingerprint", "corpus_files", "iter_lines", "iter_lm_split", "iter_text",
    "require_file", "resolve_files", "split_lines",
]

log = logging.getLogger(__name__)

_FINGERPRINT_VERSION = b"rnn-studio-corpus-v1"


@dataclass(frozen=True)
class TextOptions:
    """How raw bytes become text, and which files of a folder are read.

    ``encoding=None`` means detect per file. ``include``/``exclude`` are glob
    patterns on a folder's files (relative path or name); ``strict`` stops at
    the first binary, empty or undecodable file of a folder instead of
    skipping it.
    """

    encoding: str | None = None
    replace_errors: bool = False
    nfc: bool = True
    normalize_newlines: bool = True
    lowercase: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    strict: bool = False

    def __post_init__(self) -> None:
        for name in ("include", "exclude"):
            value = getattr(self, name)
            patterns = (value,) if isinstance(value, str) else tuple(value or ())
            object.__setattr__(self, name, tuple(p.strip() for p in patterns if p.strip()))
        if self.encoding is not None:
            try:
                codecs.lookup(self.encoding)
            except LookupError:
                raise ConfigError(
                    f"unknown encoding {self.encoding!r}: use a name Python knows, "
                    "for example utf-8, utf-16, cp1252, latin-1, gb18030 or shift_jis"
                ) from None

    @classmethod
    def from_dict(cls, data: dict) -> TextOptions:
        valid = [f.name for f in fields(cls)]
        for key in data:
            if key not in valid:
                raise ConfigError(f"unknown text option {key!r}; valid ones: {', '.join(valid)}")
        return cls(**data)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["include"], data["exclude"] = list(self.include), list(self.exclude)
        return data

    def canonical(self) -> dict:
        """The options with the encoding's canonical name, for hashing.

        The file options are left out while they have their defaults, so
        caches made before they existed keep their keys.
        """
        data = self.to_dict()
        if self.encoding is not None:
            data["encoding"] = codecs.lookup(self.encoding).name
        for name, default in (("include", []), ("exclude", []), ("strict", False)):
            if data[name] == default:
                del data[name]
        return data


def corpus_files(source: Source, options: TextOptions | None = None) -> FileSelection:
    """The files a corpus reads with these options, and those skipped (with reasons)."""
    options = options or TextOptions()
    return select_files(source, options.include, options.exclude, options.strict,
                        options.encoding, options.replace_errors)


# --- streaming text -------------------------------------------------------------

def _safe_break(ch: str) -> bool:
    """Characters NFC never merges with what comes before them."""
    code = ord(ch)
    return (code < 0x300 or 0x3041 <= code <= 0x3096 or 0x30A1 <= code <= 0x30FA
            or 0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7A3)


class TextReader(Iterator[str]):
    """Normalized text chunks of a corpus, ending at line boundaries.

    Also records what reading found: ``replacements`` (characters replaced
    because ``replace_errors`` allowed it), ``encodings`` and ``detections``
    per file, ``skipped`` files of a folder (with reasons) and ``characters``
    yielded so far. Files in a folder are joined with a newline
    when one does not end with one. An empty corpus raises :class:`CorpusError`
    before any chunk is yielded.
    """

    def __init__(self, source: Source, options: TextOptions | None = None,
                 chunk_chars: int = 1 << 20):
        if chunk_chars < 1:
            raise ConfigError(f"chunk_chars must be at least 1, not {chunk_chars}")
        self.source = Path(source).expanduser()
        self.options = options or TextOptions()
        selection = corpus_files(source, self.options)
        self.files = selection.files
        self.skipped: list[Skipped] = selection.skipped
        self.chunk_chars = chunk_chars
        self.replacements = 0
        self.characters = 0
        self.encodings: dict[str, str] = {}
        self.detections: dict[str, Detection] = {}
        self._chunks = self._generate()

    def __iter__(self) -> TextReader:
        return self

    def __next__(self) -> str:
        return next(self._chunks)

    def _generate(self) -> Iterator[str]:
        pending, seen = "", False
        for chunk in self._joined():
            cancel.check()  # a stop asked from another thread (nlp.cancel)
            if not seen:
                if chunk.isspace():
                    pending += chunk
                    continue
                seen, chunk, pending = True, pending + chunk, ""
            self.characters += len(chunk)
            yield chunk
        if not seen:
            raise CorpusError(self._empty_message())
        if self.replacements:
            log.warning("%s: %d undecodable byte sequences were replaced with U+FFFD",
                        self.source, self.replacements)

    def _empty_message(self) -> str:
        if len(self.files) == 1 and self.files[0] == self.source:
            return f"{self.source} is empty: it holds no text (nothing, or only whitespace)."
        return (f"the corpus {self.source} is empty: its {len(self.files)} text file(s) "
                "hold no text (nothing, or only whitespace).")

    def _joined(self) -> Iterator[str]:
        ends_with_newline = True
        for path in self.files:
            first = True
            for chunk in self._normalized(path):
                if first and not ends_with_newline:
                    yield "\n"
                first = False
                yield chunk
                ends_with_newline = chunk.endswith("\n")

    def _normalized(self, path: Path) -> Iterator[str]:
        carry = ""
        for piece in self._decoded(path):
            carry += piece
            if self.options.normalize_newlines:
                keep_cr = carry.endswith("\r")  # a "\n" may follow in the next piece
                carry = _newlines(carry[:-1] if keep_cr else carry) + ("\r" if keep_cr else "")
            while len(carry) >= self.chunk_chars:
                out, carry = _cut(carry, self.chunk_chars)
                if not out:
                    break
                yield self._finish(out, path)
        if self.options.normalize_newlines:
            carry = _newlines(carry)
        if carry:
            yield self._finish(carry, path)

    def _finish(self, text: str, path: Path) -> str:
        if "\x00" in text:
            raise CorpusError(f"{path} looks like a binary file, not text (it contains NUL "
                              "characters). Choose a plain text file.")
        if self.options.lowercase:
            text = text.lower()
        if self.options.nfc:
            text = unicodedata.normalize("NFC", text)
        return text

    def _decoded(self, path: Path) -> Iterator[str]:
        return decode_file(path, self.options.encoding, self.options.replace_errors,
                           self.chunk_chars, self)


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _cut(text: str, size: int) -> tuple[str, str]:
    """Split after a newline near ``size``; a huge line before a safe character."""
    end = text.rfind("\n", 0, size)
    if end < 0:
        end = text.find("\n", size, 4 * size)
    if end >= 0:
        return text[:end + 1], text[end + 1:]
    if len(text) < 4 * size:
        return "", text
    for i in range(4 * size - 1, 0, -1):
        if _safe_break(text[i]):
            return text[:i], text[i:]
    return "", text


def iter_text(source: Source, options: TextOptions | None = None,
              chunk_chars: int = 1 << 20) -> TextReader:
    """Normalized text chunks of ``source`` (a file, a .gz or a folder)."""
    return TextReader(source, options, chunk_chars)


def split_lines(chunks: Iterable[str]) -> Iterator[str]:
    """Lines (without ``\\n``) of a stream of text chunks; no empty line after a final ``\\n``."""
    carry = ""
    for chunk in chunks:
        lines = (carry + chunk).split("\n")
        carry = lines.pop()
        yield from lines
    if carry:
        yield carry


def iter_lines(source: Source, options: TextOptions | None = None,
               limit: int | None = None) -> Iterator[str]:
    """Normalized lines (without ``\\n``), the first ``limit`` of them if given."""
    lines = split_lines(iter_text(source, options, chunk_chars=1 << 16))
    return lines if limit is None else itertools.islice(lines, max(limit, 0))


def corpus_fingerprint(source: Source, options: TextOptions | None = None) -> str:
    """Hex sha256 of the files' raw bytes, in order, and the options (a cache key)."""
    options = options or TextOptions()
    digest = hashlib.sha256(_FINGERPRINT_VERSION)
    digest.update(json.dumps(options.canonical(), sort_keys=True).encode())
    for path in corpus_files(source, options).files:
        size = 0
        with open_binary(path) as fh:
            for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                cancel.check()
                digest.update(block)
                size += len(block)
        digest.update(b"\x00" + size.to_bytes(8, "little"))
    return digest.hexdigest()


# --- language-model split ----------------------------------------------------------

class LMSplit:
    """A deterministic, streamed train/validation split for language models.

    Without ``valid_source``: train is the first ``int(n * (1 - val_fraction))``
    characters, validation the rest (nanoGPT's split; 1,115,394 characters give
    1,003,854 / 111,540). With it: all of ``source`` is train. Counting takes one
    pass over the text, done on first use of ``train_chars`` or ``val_chars``.
    """

    def __init__(self, source: Source, options: TextOptions | None = None,
                 val_fraction: float = 0.1, valid_source: Source | None = None,
                 chunk_chars: int = 1 << 20):
        if valid_source is None and not 0.0 < val_fraction < 1.0:
            raise ConfigError(f"val_fraction must be between 0 and 1 (exclusive), not {val_fraction}")
        self.source, self.valid_source = source, valid_source
        self.options = options or TextOptions()
        self.val_fraction = val_fraction
        self.chunk_chars = chunk_chars
        corpus_files(source, self.options)
        if valid_source is not None:
            corpus_files(valid_source, self.options)
        self._counts: tuple[int, int] | None = None

    def _read(self, source: Source) -> TextReader:
        return TextReader(source, self.options, self.chunk_chars)

    def _count(self) -> tuple[int, int]:
        if self._counts is None:
            total = sum(len(chunk) for chunk in self._read(self.source))
            if self.valid_source is not None:
                self._counts = total, sum(len(chunk) for chunk in self._read(self.valid_source))
            else:
                train = int(total * (1.0 - self.val_fraction))
                if train == 0 or train == total:
                    raise CorpusError(
                        f"{self.source} is too small to split ({total} characters with "
                        f"val_fraction {self.val_fraction}): add text or give a validation file."
                    )
                self._counts = train, total - train
        return self._counts

    @property
    def train_chars(self) -> int:
        return self._count()[0]

    @property
    def val_chars(self) -> int:
        return self._count()[1]

    def iter_train(self) -> Iterator[str]:
        if self.valid_source is not None:
            return self._read(self.source)
        return _take(self._read(self.source), self.train_chars)

    def iter_val(self) -> Iterator[str]:
        if self.valid_source is not None:
            return self._read(self.valid_source)
        return _skip(self._read(self.source), self.train_chars)


def _take(chunks: Iterator[str], n: int) -> Iterator[str]:
    for chunk in chunks:
        if n <= 0:
            return
        yield chunk[:n]
        n -= len(chunk)


def _skip(chunks: Iterator[str], n: int) -> Iterator[str]:
    for chunk in chunks:
        if n >= len(chunk):
            n -= len(chunk)
            continue
        yield chunk[n:]
        n = 0


def iter_lm_split(source: Source, options: TextOptions | None = None, val_fraction: float = 0.1,
                  valid_source: Source | None = None
                  ) -> tuple[Callable[[], Iterator[str]], Callable[[], Iterator[str]]]:
    """``(train, val)``: functions that each start a fresh stream of chunks."""
    split = LMSplit(source, options, val_fraction, valid_source)
    return split.iter_train, split.iter_val
