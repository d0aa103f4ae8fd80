"""Corpus files to decoded text: finding files, raw bytes, encodings.

The layer under :mod:`nlp.data.corpus`: which files a corpus holds (a folder's
files are taken by their content, not their names: binary, empty or
undecodable ones are skipped with a reason, or stop the reading when it is
strict), their bytes (gzip or plain), the encoding (the user's choice, the
byte-order mark, UTF-8, else detected by chardet on a bounded sample) and
incremental decoding that reports the first bad byte with its line, byte
offset and encodings that do decode the file, or, when replacement is
allowed, counts every replacement.
"""

from __future__ import annotations

import codecs
import fnmatch
import gzip
import logging
import os
import re
import threading
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

import chardet

from nlp.errors import CorpusError, EncodingProblem

log = logging.getLogger(__name__)

Source = str | os.PathLike[str]


_GZIP_MAGIC = b"\x1f\x8b"
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SNIFF_BYTES = 8192
_DETECT_BYTES = 64 * 1024  # detection reads at most this much of a file: fast for huge ones
_LOW_CONFIDENCE = 0.25  # chardet is rarely surer than 0.3 of a single-byte encoding (bench)
_UNLIKELY = 0.05  # a detector's guess below this confidence is not offered
_ODD_SHARE = 0.02  # more private-use/unassigned/control characters than this: a doubtful decode
# Legacy names a detector reports, and the superset Python should decode them with: a
# Big5 file often holds the cp950 extensions (byte 0xF9...), a GB2312 one GBK characters.
_SUPERSETS = {"big5": "cp950", "gb2312": "gb18030", "gbk": "gb18030", "shift_jis": "cp932",
              "euc_kr": "cp949", "ascii": "utf-8"}
# Where the detector's best guesses tie, these (the most used) come first, in this order.
_COMMON = ("cp1252", "gb18030", "cp950", "cp932", "cp949", "euc_jp", "iso8859-1")
# Tried, after the detector's candidates, when a decode fails: the common legacy encodings.
_FALLBACKS = ("gb18030", "cp950", "big5hkscs", "cp932", "euc_jp", "cp949", "cp1252")


class Tally(Protocol):
    """Where decoding records what it found (a :class:`~nlp.data.corpus.TextReader`)."""

    replacements: int
    encodings: dict[str, str]
    detections: dict[str, Detection]


@dataclass(frozen=True)
class Detection:
    """How a file's encoding was chosen: ``how`` is "chosen", "bom", "utf-8" or "detected";
    ``confidence`` is the detector's (1.0 otherwise); ``warning`` says why to check it,
    naming ``candidates`` (the likeliest encodings that decode the sample)."""

    encoding: str
    how: str
    confidence: float = 1.0
    candidates: tuple[str, ...] = ()
    warning: str = ""

    def to_dict(self) -> dict:
        return {"encoding": self.encoding, "how": self.how,
                "confidence": round(self.confidence, 3), "candidates": list(self.candidates),
                "warning": self.warning}


@dataclass(frozen=True)
class Skipped:
    """A file of a folder that was not read, and why."""

    path: str
    reason: str
    bytes: int = 0


@dataclass
class FileSelection:
    """A corpus's files: those read, in order, and those skipped with their reasons."""

    files: list[Path]
    skipped: list[Skipped] = field(default_factory=list)


def resolve_files(source: Source, include: Iterable[str] = (), exclude: Iterable[str] = (),
                  strict: bool = False, encoding: str | None = None,
                  replace_errors: bool = False) -> list[Path]:
    """The files read of a corpus (see :func:`select_files`)."""
    return select_files(source, include, exclude, strict, encoding, replace_errors).files


def select_files(source: Source, include: Iterable[str] = (), exclude: Iterable[str] = (),
                 strict: bool = False, encoding: str | None = None,
                 replace_errors: bool = False) -> FileSelection:
    """The files of a corpus: the file itself (any name), or a folder's text files.

    A folder is searched recursively, skipping hidden files and folders
    (``.git``), sorted by relative path. ``include``/``exclude`` are glob
    patterns matched against the relative path and the name (``*.py``,
    ``docs/*``); a file must match an include pattern when there are any, and
    none of the exclude ones. Each file is then judged by its content (the
    first few KB): binary, empty or undecodable files are skipped with a
    reason, or, when ``strict``, the first one raises :class:`CorpusError`.
    With ``replace_errors`` no file is skipped for its bytes alone (they are
    replaced, and counted, when read); ``encoding`` is the user's choice.
    """
    path = Path(source).expanduser()
    if not path.exists():
        raise CorpusError(f"{path} does not exist. Check the path (spelling, drive, folder).")
    if not path.is_dir():
        return FileSelection([path])
    include, exclude = tuple(include), tuple(exclude)
    try:
        found = sorted((p for p in path.rglob("*") if _is_candidate(path, p, include, exclude)),
                       key=lambda p: p.relative_to(path).as_posix())
    except OSError as exc:
        raise CorpusError(f"cannot list the folder {path}: {exc.strerror or exc}") from exc
    selection = FileSelection([])
    for file in found:
        reason = sniff_problem(file, encoding, replace_errors)
        if reason is None:
            selection.files.append(file)
        elif strict:
            raise CorpusError(f"{file} {reason}. Remove it from the folder, exclude it "
                              "(--exclude), or read without --strict to skip such files.")
        else:
            selection.skipped.append(Skipped(str(file), reason, _size(file)))
    if not selection.files:
        patterns = "".join([f"; included only {', '.join(include)}" if include else "",
                            f"; excluded {', '.join(exclude)}" if exclude else ""])
        skipped = (f"; skipped {len(selection.skipped)} file(s), for example "
                   f"{selection.skipped[0].path}: {selection.skipped[0].reason}"
                   if selection.skipped else "")
        raise CorpusError(
            f"the folder {path} holds no text files (in it and its subfolders, hidden ones "
            f"left out{patterns}{skipped}). Add text files, change the include/exclude "
            "patterns, or choose a file directly."
        )
    return selection


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _matches(relative: str, name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(name, p) for p in patterns)


def _is_candidate(root: Path, path: Path, include: tuple[str, ...],
                  exclude: tuple[str, ...]) -> bool:
    relative = path.relative_to(root)
    if any(part.startswith(".") for part in relative.parts) or not path.is_file():
        return False
    rel = relative.as_posix()
    if include and not _matches(rel, path.name, include):
        return False
    return not _matches(rel, path.name, exclude)


def sniff_problem(path: Path, encoding: str | None = None,
                  replace_errors: bool = False) -> str | None:
    """Why a file is not text (empty, binary, undecodable), or None when it looks like text."""
    try:
        with open_bytes(path) as fh:
            head = fh.read(_SNIFF_BYTES)
    except (CorpusError, OSError, EOFError, zlib.error) as exc:
        return f"cannot be read ({exc})"
    if not head.strip():
        return "is empty (no text, or only whitespace)"
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return None
    if encoding is None and _utf16_order(head):
        return None
    if encoding is not None and _is_wide(encoding):
        return None
    if b"\x00" in head:
        return "is binary (it contains NUL bytes)"
    controls = sum(head.count(bytes([b])) for b in _BINARY_CONTROLS)
    if controls > 0.05 * len(head):
        return f"is binary ({controls} control bytes in its first {len(head):,})"
    if replace_errors:
        return None
    if encoding is not None:
        try:
            codecs.getincrementaldecoder(encoding)("strict").decode(head, False)
        except UnicodeDecodeError as exc:
            return f"cannot be decoded as {encoding} (byte offset {exc.start})"
        return None
    found = detect_head(head)
    if found.how == "detected" and found.confidence <= 0.0:
        return "cannot be decoded (no encoding fits its bytes)"
    return None


_BINARY_CONTROLS = (*range(0, 8), 0x0E, 0x0F, *range(0x10, 0x1A), 0x1C, 0x1D, 0x1E, 0x1F, 0x7F)


def _is_wide(encoding: str) -> bool:
    name = codecs.lookup(encoding).name
    return "16" in name or "32" in name


def _utf16_order(head: bytes) -> str | None:
    """"le" or "be" when the bytes look like UTF-16 without a byte-order mark: NUL bytes
    (the high halves of ASCII characters) at odd or at even offsets only, and a clean
    decode (text in other scripts has few NULs, binary data has them everywhere)."""
    sample = head[:_SNIFF_BYTES]
    sample = sample[:len(sample) // 2 * 2]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    for order, many, few in (("le", odd, even), ("be", even, odd)):
        if many >= 0.1 * len(sample) / 2 and few <= many / 20:
            text = _decodes(sample, f"utf-16-{order}")
            if text is not None and odd_share(text) <= _ODD_SHARE:
                return order
    return None


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
    if chosen is not None:
        return chosen, 0
    return detect_head(head).encoding, 0


def _superset(name: str) -> str:
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return name
    return _SUPERSETS.get(canonical.replace("-", "_"), canonical)


def _decodes(data: bytes, encoding: str) -> str | None:
    """``data`` decoded (an incomplete character at the end allowed), or None."""
    try:
        return codecs.getincrementaldecoder(encoding)("strict").decode(data, False)
    except (UnicodeDecodeError, LookupError):
        return None


def odd_share(text: str) -> float:
    """The share of characters that real text rarely holds: private-use, unassigned,
    control (not tab or newline) and replacement characters."""
    if not text:
        return 0.0
    odd = sum(1 for ch in text if ch not in "\t\n\r\f" and (
        ch == "\ufffd" or unicodedata.category(ch) in ("Co", "Cn", "Cc", "Cs")))
    return odd / len(text)


def detect_head(head: bytes) -> Detection:
    """The encoding of a file from its first bytes: a BOM, UTF-8, else the detector.

    A low confidence, or a decode that yields odd characters (private use,
    unassigned), gives a warning naming the likeliest encodings to choose from.
    """
    for bom, name in _BOMS:
        if head.startswith(bom):
            return Detection(name, "bom")
    sample = head[:_DETECT_BYTES]
    order = _utf16_order(sample)  # before UTF-8: NUL bytes are valid UTF-8
    if order is not None:
        return Detection(f"utf-16-{order}", "detected", 0.9)
    if _decodes(sample, "utf-8") is not None or _mostly_utf8(sample):
        # A UTF-8 file with a few bad bytes stays UTF-8: those bytes are reported (or
        # replaced) where they are, rather than the whole file decoded as a legacy guess.
        return Detection("utf-8", "utf-8")
    candidates = candidate_encodings(sample)
    if not candidates:
        return Detection("utf-8", "detected", 0.0)
    best, confidence = candidates[0]
    names = tuple(name for name, _ in candidates[:3])
    share = odd_share(_decodes(sample, best) or "")
    warning = ""
    if confidence < _LOW_CONFIDENCE or share > _ODD_SHARE:
        why = (f"{share:.0%} of its characters are private-use or unassigned"
               if share > _ODD_SHARE else f"the detector is only {confidence:.0%} sure")
        other = names[1] if len(names) > 1 else best
        warning = (f"the encoding {best} is a guess ({why}); if the text looks wrong, choose "
                   f"another with --encoding: the likeliest are {', '.join(names)} "
                   f"(for example --encoding {other})")
    return Detection(best, "detected", confidence, names, warning)


_HIGH_RUN = re.compile(rb"[\x80-\xff]+")
_UTF8_SHAPED = re.compile(rb"(?:[\xc0-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                          rb"|[\xf0-\xf7][\x80-\xbf]{3})+")


def _mostly_utf8(sample: bytes) -> bool:
    """Runs of high bytes shaped like UTF-8 (a lead byte and its continuation bytes, even
    an encoded surrogate) outnumber the other runs at least four to one: a damaged UTF-8
    file. Legacy text rarely has that shape (cp1252 "café " is 0xE9 then a space)."""
    shaped = other = 0
    for run in _HIGH_RUN.finditer(sample):
        if run.end() == len(sample):
            break  # may be cut short by the sample's end
        if _UTF8_SHAPED.fullmatch(run.group()):
            shaped += _characters(run.group())
        else:
            other += 1
    return shaped > 0 and other * 4 <= shaped


def _characters(run: bytes) -> int:
    """UTF-8 characters in a run of UTF-8-shaped bytes: its lead bytes."""
    return sum(1 for b in run if b >= 0xC0)


def _checked_choice(head: bytes, encoding: str, how: str) -> Detection:
    """The user's encoding, with a warning when it turns the text into odd characters
    (gb18030 reads Big5 bytes without an error, into private-use characters)."""
    share = odd_share(_decodes(head[:_DETECT_BYTES], encoding) or "")
    if share <= _ODD_SHARE:
        return Detection(encoding, how)
    names = tuple(n for n, _ in candidate_encodings(head[:_DETECT_BYTES])
                  if not _same_codec(n, encoding))
    better = (f"; the likeliest are {', '.join(names)} (for example --encoding {names[0]})"
              if names else "")
    return Detection(encoding, how, 1.0, names,
                     f"{encoding} turns {share:.0%} of the characters into private-use or "
                     f"unassigned ones: it is probably not this file's encoding{better}")


def candidate_encodings(sample: bytes, limit: int = 3) -> list[tuple[str, float]]:
    """The likeliest encodings that decode ``sample``, best first, with chardet's confidence.

    Names are Python's, widened to the superset Python decodes best (Big5 as
    cp950, GB2312/GBK as gb18030); when chardet's guesses all fail, the common
    legacy encodings that decode the sample cleanly are offered.
    """
    found: list[tuple[str, float]] = []
    want = limit + 3  # a few more, so a common encoding tied with the best is among them
    guesses = chardet.detect_all(sample, ignore_threshold=True, prefer_superset=True)
    # A single-byte code page decodes any bytes without an error: one the detector
    # barely considered (under 5%) is no suggestion, unless it is the best it has.
    tried = [(g["encoding"], float(g["confidence"] or 0.0)) for i, g in enumerate(guesses)
             if g["encoding"] and (i == 0 or float(g["confidence"] or 0.0) >= _UNLIKELY)]
    tried += [(name, 0.0) for name in _FALLBACKS]
    for name, confidence in tried:
        encoding = _superset(name)
        if any(_same_codec(encoding, e) for e, _ in found):
            continue
        text = _decodes(sample, encoding)
        if text is None or odd_share(text) > _ODD_SHARE:
            continue
        found.append((encoding, confidence))
        if len(found) >= want:
            break
    # On a short sample several encodings tie; the one people use most wins the tie.
    tied = [i for i, (name, conf) in enumerate(found)
            if found[0][1] - conf <= 0.01 and name in _COMMON]
    if tied:
        found.insert(0, found.pop(tied[0]))
    # A weak best guess (a short text): Western text's usual code page comes next when it
    # reads the sample cleanly; one line of Latin-1 French is guessed as a Cyrillic code
    # page, every byte of which decodes as well.
    if found and found[0][1] < _LOW_CONFIDENCE and not any(
            _same_codec("cp1252", name) for name, _ in found[:limit]):
        text = _decodes(sample, "cp1252")
        if text is not None and odd_share(text) <= _ODD_SHARE:
            found.insert(1, ("cp1252", 0.0))
    return found[:limit]


def _same_codec(a: str, b: str) -> bool:
    name = codecs.lookup(a).name
    return name == codecs.lookup(b).name or (name == "utf-8-sig" and b == "utf-8")


def _check_not_binary(path: Path, head: bytes, encoding: str) -> None:
    if _is_wide(encoding):
        return
    sample = head[:_SNIFF_BYTES]
    if b"\x00" not in sample:
        return
    order = _utf16_order(sample)
    if order is not None:
        raise CorpusError(f"{path} looks like UTF-16 without a byte-order mark: choose "
                          f"its encoding (for example --encoding utf-16-{order}).")
    raise CorpusError(
        f"{path} looks like a binary file, not text (it contains NUL bytes). "
        "Choose a plain text file (UTF-8 or UTF-16)."
    )


def working_encodings(path: Path, failed: str, around: int = 0, limit: int = 3,
                      sample_bytes: int = 4 << 20) -> list[str]:
    """Encodings that decode the first ``sample_bytes`` of the file cleanly (not ``failed``).

    The detector looks at the bytes ``around`` the offset that failed: the
    start of a file is often plain ASCII, which tells nothing.
    """
    try:
        with open_bytes(path) as fh:
            data = fh.read(max(sample_bytes, around + _DETECT_BYTES // 2))
    except (CorpusError, OSError, EOFError, zlib.error):
        return []
    start = max(0, around - _DETECT_BYTES // 2)
    window = data[start:start + _DETECT_BYTES]
    while window and 0x80 <= window[0] and start > 0:  # begin at a character, not inside one
        window, start = window[1:], start + 1
    names = [name for name, _ in candidate_encodings(window, limit + 4)]
    names += [name for name in _FALLBACKS if name not in names]
    works = []
    for name in names:
        if _same_codec(name, failed):
            continue
        text = _decodes(data, name)
        if text is not None and odd_share(text) <= _ODD_SHARE:
            works.append(name)
            if len(works) >= limit:
                break
    return works


def _encoding_problem(path: Path, encoding: str, exc: UnicodeDecodeError, offset: int,
                      line: int, compressed: bool) -> EncodingProblem:
    bad = exc.object[exc.start:exc.end]
    works = working_encodings(path, encoding, offset)
    fallback = works[0] if works else "latin-1"
    where = "byte offset" + (" (uncompressed)" if compressed else "")
    name = "UTF-8" if codecs.lookup(encoding).name == "utf-8" else encoding
    if works:
        advice = (f"These encodings decode it: {', '.join(works)}; choose one "
                  f"(--encoding {fallback}), or allow replacement with --replace-errors.")
    else:
        advice = ("No common encoding decodes it cleanly: allow replacement with "
                  "--replace-errors, or choose its encoding (--encoding latin-1 decodes any "
                  "bytes, though not always into the right characters).")
    return EncodingProblem(
        f"{path} is not {name}: byte 0x{bad[:1].hex().upper()} at line {line}, {where} "
        f"{offset} cannot be decoded. {advice}",
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
        if encoding is None:
            while len(head) < _DETECT_BYTES and not _has_bom(head):
                more = next(blocks, b"")  # detection sees a fair sample, not a tiny first block
                if not more:
                    break
                head += more
            detection = detect_head(head)
            skip = next((len(bom) for bom, _ in _BOMS if head.startswith(bom)), 0)
        else:
            chosen, skip = detect_encoding(head, encoding)
            detection = _checked_choice(head[skip:], chosen, "bom" if skip else "chosen")
        encoding = detection.encoding
        _check_not_binary(path, head, encoding)
        tally.encodings[str(path)] = encoding
        tally.detections[str(path)] = detection
        if detection.warning:
            log.warning("%s: %s", path, detection.warning)
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


def _has_bom(head: bytes) -> bool:
    return any(head.startswith(bom) for bom, _ in _BOMS)


def _with_last(first: bytes, rest: Iterator[bytes]) -> Iterator[tuple[bytes, bool]]:
    """Each block with whether it is the last one (an empty last when none)."""
    previous = first
    for block in rest:
        yield previous, False
        previous = block
    yield previous, True


