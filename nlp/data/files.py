"""Corpus files to decoded text: finding files, raw bytes, encodings.

The layer under :mod:`nlp.data.corpus`: which files a corpus holds, their bytes
(gzip or plain), the encoding (from the byte-order mark, or the user's choice)
and incremental decoding that reports the first bad byte with its line and
byte offset, or, when replacement is allowed, counts every replacement.
"""

from __future__ import annotations

import codecs
import gzip
import os
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

from nlp.errors import CorpusError, EncodingProblem

Source = str | os.PathLike[str]

TEXT_SUFFIXES = (".txt", ".text", ".md")
"""Files a folder corpus takes (and the same names ending in ``.gz``)."""

_GZIP_MAGIC = b"\x1f\x8b"
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SNIFF_BYTES = 8192


class Tally(Protocol):
    """Where decoding records what it found (a :class:`~nlp.data.corpus.TextReader`)."""

    replacements: int
    encodings: dict[str, str]


def is_text_name(name: str) -> bool:
    """Whether a folder corpus takes a file of this name."""
    name = name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return name.endswith(TEXT_SUFFIXES)


def resolve_files(source: Source) -> list[Path]:
    """The files of a corpus: the file itself (any name), or a folder's text files.

    A folder is searched recursively for :data:`TEXT_SUFFIXES` (optionally
    ``.gz``), skipping hidden files and folders, sorted by relative path.
    """
    path = Path(source).expanduser()
    if not path.exists():
        raise CorpusError(f"{path} does not exist. Check the path (spelling, drive, folder).")
    if not path.is_dir():
        return [path]
    try:
        found = [p for p in path.rglob("*") if _is_corpus_member(path, p)]
    except OSError as exc:
        raise CorpusError(f"cannot list the folder {path}: {exc.strerror or exc}") from exc
    if not found:
        kinds = ", ".join(TEXT_SUFFIXES)
        raise CorpusError(
            f"the folder {path} holds no text files: looked for names ending in {kinds} "
            "(or those followed by .gz), in it and its subfolders. Add text files or "
            "choose a file directly."
        )
    return sorted(found, key=lambda p: p.relative_to(path).as_posix())


def _is_corpus_member(root: Path, path: Path) -> bool:
    hidden = any(part.startswith(".") for part in path.relative_to(root).parts)
    return not hidden and is_text_name(path.name) and path.is_file()


def require_file(source: Source) -> Path:
    """A single existing file (parallel corpora need files, not folders)."""
    path = Path(source).expanduser()
    if not path.exists():
        raise CorpusError(f"{path} does not exist. Check the path (spelling, drive, folder).")
    if path.is_dir():
        raise CorpusError(f"{path} is a folder, but a file is needed here: choose one file.")
    return path


# --- raw bytes -----------------------------------------------------------------

def open_binary(path: Path) -> BinaryIO:
    try:
        return open(path, "rb")  # noqa: SIM115 - closed by the caller
    except PermissionError:
        raise CorpusError(
            f"cannot read {path}: permission denied. Check the file's permissions, "
            "or copy it to a folder you can read."
        ) from None
    except IsADirectoryError:
        raise CorpusError(f"{path} is a folder, but a file is needed here: choose one file.") from None
    except OSError as exc:
        raise CorpusError(f"cannot read {path}: {exc.strerror or exc}") from exc


@contextmanager
def open_bytes(path: Path) -> Iterator[BinaryIO]:
    """The file's content as bytes, decompressed when it is gzip data."""
    with open_binary(path) as fh:
        is_gzip = fh.read(2) == _GZIP_MAGIC
        fh.seek(0)
        if not is_gzip and path.name.lower().endswith(".gz"):
            raise CorpusError(f"{path} has a .gz name but is not gzip data. Rename or re-compress it.")
        if not is_gzip:
            yield fh
            return
        with gzip.GzipFile(fileobj=fh, mode="rb") as gz:
            yield gz  # type: ignore[misc]


def read_blocks(fh: BinaryIO, path: Path, size: int) -> Iterator[bytes]:
    """Blocks of ``size`` bytes (the first one large enough to sniff); a damaged
    .gz becomes a :class:`CorpusError`."""
    first = True
    while True:
        try:
            block = fh.read(max(size, _SNIFF_BYTES) if first else size)
            first = False
        except (OSError, EOFError, zlib.error) as exc:
            if not isinstance(fh, gzip.GzipFile):
                raise CorpusError(f"cannot read {path}: {exc}") from exc
            raise CorpusError(
                f"{path} is a damaged .gz file ({exc}). Download or compress it again, "
                "or decompress it by hand to see what is left."
            ) from exc
        if not block:
            return
        yield block


# --- decoding -------------------------------------------------------------------

_COUNTED_REPLACE = "rnn_studio_counted_replace"
_current = threading.local()


def _counted_replace(exc: UnicodeError) -> tuple[str, int]:
    """Like ``errors="replace"``, and counts on the tally decoding right now."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    tally = getattr(_current, "tally", None)
    if tally is not None:
        tally.replacements += 1
    return "\ufffd", exc.end


codecs.register_error(_COUNTED_REPLACE, _counted_replace)


def detect_encoding(head: bytes, chosen: str | None) -> tuple[str, int]:
    """The encoding to use and the length of the BOM to skip."""
    for bom, name in _BOMS:
        if head.startswith(bom) and (chosen is None or _same_codec(chosen, name)):
            return name, len(bom)
    if chosen is not None and _same_codec(chosen, "utf-8-sig"):
        return "utf-8", 0
    return (chosen or "utf-8"), 0


def _same_codec(a: str, b: str) -> bool:
    name = codecs.lookup(a).name
    return name == codecs.lookup(b).name or (name == "utf-8-sig" and b == "utf-8")


def _check_not_binary(path: Path, head: bytes, encoding: str) -> None:
    if "16" in encoding or "32" in encoding:
        return
    sample = head[:_SNIFF_BYTES]
    if b"\x00" not in sample:
        return
    half = len(sample) // 2
    for order, zeros in (("le", sample[1::2]), ("be", sample[0::2])):
        if half >= 2 and zeros.count(0) >= 0.9 * half:
            raise CorpusError(f"{path} looks like UTF-16 without a byte-order mark: choose "
                              f"its encoding (for example --encoding utf-16-{order}).")
    raise CorpusError(
        f"{path} looks like a binary file, not text (it contains NUL bytes). "
        "Choose a plain text file (UTF-8 or UTF-16)."
    )


def suggest_fallback(sample: bytes) -> str:
    """A guess to offer: gb18030 when high bytes come in runs, else cp1252."""
    high = [b >= 0x80 for b in sample]
    paired = sum(1 for i, h in enumerate(high)
                 if h and ((i > 0 and high[i - 1]) or (i + 1 < len(high) and high[i + 1])))
    total = sum(high)
    return "gb18030" if total >= 4 and paired >= 0.8 * total else "cp1252"


def _encoding_problem(path: Path, encoding: str, exc: UnicodeDecodeError, offset: int,
                      line: int, compressed: bool) -> EncodingProblem:
    bad = exc.object[exc.start:exc.end]
    fallback = suggest_fallback(exc.object[exc.start:exc.start + 256])
    if _same_codec(encoding, fallback):
        fallback = "latin-1"
    where = "byte offset" + (" (uncompressed)" if compressed else "")
    name = "UTF-8" if codecs.lookup(encoding).name == "utf-8" else encoding
    return EncodingProblem(
        f"{path} is not {name}: byte 0x{bad[:1].hex().upper()} at line {line}, {where} "
        f"{offset} cannot be decoded. If the file is in another encoding, choose it "
        f"(for example --encoding {fallback}), or allow replacement with --replace-errors.",
        path=str(path), line=line, byte_offset=offset, suggested_fallback=fallback,
    )


def _count_breaks(text: str) -> int:
    """Line breaks: ``\\n``, ``\\r\\n`` or a lone ``\\r``."""
    breaks = text.count("\n")
    if "\r" in text:
        breaks += text.count("\r") - text.count("\r\n")
    return breaks


def decode_file(path: Path, encoding: str | None, replace_errors: bool, block_size: int,
                tally: Tally) -> Iterator[str]:
    """Decoded text of one file, in pieces; bad bytes raise or are counted on ``tally``."""
    with open_bytes(path) as fh:
        compressed = isinstance(fh, gzip.GzipFile)
        blocks = read_blocks(fh, path, block_size)
        head = next(blocks, b"")
        encoding, skip = detect_encoding(head, encoding)
        _check_not_binary(path, head, encoding)
        tally.encodings[str(path)] = encoding
        errors = _COUNTED_REPLACE if replace_errors else "strict"
        decoder = codecs.getincrementaldecoder(encoding)(errors)
        fed, lines = skip, 1
        for block, final in _with_last(head[skip:], blocks):
            pending = len(decoder.getstate()[0])
            _current.tally = tally
            try:
                text = decoder.decode(block, final)
            except UnicodeDecodeError as exc:
                before = codecs.decode(exc.object[:exc.start], encoding, "ignore")
                raise _encoding_problem(path, encoding, exc, fed - pending + exc.start,
                                        lines + _count_breaks(before), compressed) from None
            finally:
                _current.tally = None
            fed += len(block)
            lines += _count_breaks(text)
            if text:
                yield text


def _with_last(first: bytes, rest: Iterator[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Each block with whether it is the last one (an empty last when none)."""
    previous = first
    for block in rest:
        yield previous, False
        previous = block
    yield previous, True


