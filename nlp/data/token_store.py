"""Token ids on disk: flat ``.npy`` arrays with JSON sidecars, memory-mapped for training.

A corpus is encoded chunk by chunk and streamed into a temporary file, which
becomes ``<name>.npy`` by an atomic rename once complete; so a 200 MB corpus
never sits in memory as Python strings or lists, and a crash never leaves a
half-written array under the final name. The ``.npy`` is ``uint16`` when the
vocabulary fits (``vocab_size <= 65536``), else ``uint32``. Its sidecar
``<name>.json`` holds a :class:`StoreInfo` (token, character, word and unknown
counts, the tokenizer fingerprint and the corpus key).

:func:`cached_store` keeps these under ``cache_dir()/tokens/``, named after the
corpus content key and the tokenizer fingerprint, reuses a valid one and
rebuilds a missing or damaged one.

Sentence pairs are stored as :class:`RaggedIds` per side (flat ids plus
``int64`` offsets), in a folder written and renamed atomically.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from nlp import cancel
from nlp.data.tokenizers import UNK, Tokenizer
from nlp.errors import CorpusError
from nlp.paths import cache_dir

log = logging.getLogger(__name__)

STORE_FORMAT = 1
_HEADER_BYTES = 128  # fixed .npy header size, so it can be rewritten in place at the end
_PAIR_BATCH = 4096

Progress = Callable[[int], None]
"""Called with the number of characters encoded so far; raise from it to cancel."""


def store_dtype(vocab_size: int) -> np.dtype:
    """``uint16`` when every id fits in it, else ``uint32``."""
    return np.dtype(np.uint16) if vocab_size <= 1 << 16 else np.dtype(np.uint32)


class _Record:
    """JSON round trip for the frozen info dataclasses; any other set of keys is an error."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        if not isinstance(data, dict) or set(data) != names:
            raise ValueError(f"fields {sorted(data) if isinstance(data, dict) else data!r} "
                             f"are not {sorted(names)}")
        return cls(**data)


@dataclass(frozen=True)
class StoreInfo(_Record):
    """What a token file holds; ``n_words`` counts whitespace-separated words (for word perplexity)."""

    n_tokens: int
    n_chars: int
    n_words: int
    n_unknown: int
    dtype: str
    vocab_size: int
    tokenizer_fingerprint: str
    source_key: str
    format: int = STORE_FORMAT


# --- streaming .npy writer ----------------------------------------------------

def _npy_header(dtype: np.dtype, n: int) -> bytes:
    """A version 1.0 ``.npy`` header for a 1-D array, always ``_HEADER_BYTES`` long."""
    body = f"{{'descr': '{dtype.str}', 'fortran_order': False, 'shape': ({n},), }}"
    body = body.ljust(_HEADER_BYTES - 10 - 1) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(body)) + body.encode("latin1")


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _NpyWriter:
    """Append 1-D blocks to a temporary file; ``commit`` fixes the header and renames it."""

    def __init__(self, path: Path, dtype: np.dtype):
        self.path, self.dtype, self.count = path, np.dtype(dtype), 0
        fd, self._tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        self._file = os.fdopen(fd, "wb")
        self._file.write(_npy_header(self.dtype, 0))

    def append(self, block: np.ndarray) -> None:
        self._file.write(np.ascontiguousarray(block, dtype=self.dtype).tobytes())
        self.count += len(block)

    def commit(self) -> None:
        self._file.seek(0)
        self._file.write(_npy_header(self.dtype, self.count))
        self._file.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        """Close and delete the temporary file (harmless after ``commit``)."""
        self._file.close()
        Path(self._tmp).unlink(missing_ok=True)


_SPACE = np.array([chr(c).isspace() for c in range(0x10000)])  # all of str.isspace is in the BMP


def _count_words(chunk: str, in_word: bool) -> tuple[int, bool]:
    """Whitespace-separated words in ``chunk`` (as ``len(chunk.split())``), vectorized.

    A word that continues from the previous chunk (``in_word``) is not
    counted again. Returns ``(words, whether chunk ends inside a word)``.
    """
    if not chunk:
        return 0, in_word
    cps = np.frombuffer(chunk.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    solid = ~np.take(_SPACE, cps, mode="clip")  # beyond the BMP: U+FFFF, not a space
    starts = int(np.count_nonzero(solid[1:] & ~solid[:-1])) + int(solid[0] and not in_word)
    return starts, bool(solid[-1])


def _disk_error(path: Path, e: OSError) -> CorpusError:
    return CorpusError(f"Cannot write token ids to {path}: {e.strerror or e}. Free some disk "
                       "space or choose another cache folder (RNN_STUDIO_CACHE).")


# --- flat token files ---------------------------------------------------------

def encode_to_store(chunks: Iterable[str], tokenizer: Tokenizer, path: str | os.PathLike,
                    source_key: str = "", progress: Progress | None = None) -> StoreInfo:
    """Encode text chunks into ``path`` (a 1-D ``.npy``) and its ``.json`` sidecar.

    Chunks are encoded one at a time; words are counted across chunk
    boundaries. Both files are replaced atomically; on any error (including
    one raised by ``progress`` to cancel) nothing is left behind.
    """
    path = Path(path)
    dtype = store_dtype(tokenizer.vocab_size)
    n_chars = n_words = n_unknown = 0
    in_word = False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = _NpyWriter(path, dtype)
    except OSError as e:
        raise _disk_error(path, e) from e
    try:
        for chunk in chunks:
            ids, unknown = tokenizer.encode_with_stats(chunk)
            writer.append(ids)
            n_unknown += unknown
            n_chars += len(chunk)
            words, in_word = _count_words(chunk, in_word)
            n_words += words
            if progress is not None:
                progress(n_chars)
        info = StoreInfo(n_tokens=writer.count, n_chars=n_chars, n_words=n_words,
                         n_unknown=n_unknown, dtype=dtype.name, vocab_size=tokenizer.vocab_size,
                         tokenizer_fingerprint=tokenizer.fingerprint, source_key=source_key)
        writer.commit()
        _write_atomic(_sidecar(path), json.dumps(info.to_dict(), indent=1).encode())
    except OSError as e:
        writer.abort()
        raise _disk_error(path, e) from e
    except BaseException:
        writer.abort()
        raise
    log.info("encoded %s tokens (%s characters) into %s", f"{info.n_tokens:,}",
             f"{n_chars:,}", path)
    return info


def _sidecar(path: Path) -> Path:
    return path.with_suffix(".json")


class _Damaged(Exception):
    pass


def _load_npy(path: Path, dtype: str, n: int) -> np.ndarray:
    """Memory-map a 1-D ``.npy`` read-only, checking its dtype, length and file size."""
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except FileNotFoundError:
        raise
    except (OSError, ValueError, EOFError) as e:
        raise _Damaged(f"{path.name} cannot be read: {e}") from e
    if arr.ndim != 1 or arr.dtype != np.dtype(dtype) or arr.shape[0] != n:
        raise _Damaged(f"{path.name} holds {arr.dtype}{arr.shape}, expected {dtype}({n},)")
    offset = getattr(arr, "offset", 0)
    if path.stat().st_size != offset + arr.nbytes:
        raise _Damaged(f"{path.name} has {path.stat().st_size} bytes, "
                       f"expected {offset + arr.nbytes}")
    return arr


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as e:
        raise _Damaged(f"{path.name} cannot be read: {e}") from e
    if not isinstance(data, dict):
        raise _Damaged(f"{path.name} does not hold a JSON object")
    return data


def _open_store(path: Path, key: str | None, fingerprint: str | None
                ) -> tuple[np.ndarray, StoreInfo]:
    try:
        info = StoreInfo.from_dict(_read_json(_sidecar(path)))
    except (TypeError, ValueError) as e:
        raise _Damaged(f"{_sidecar(path).name}: {e}") from e
    if info.format != STORE_FORMAT:
        raise _Damaged(f"format {info.format}, expected {STORE_FORMAT}")
    if key is not None and info.source_key != key:
        raise _Damaged("it was made from other text")
    if fingerprint is not None and info.tokenizer_fingerprint != fingerprint:
        raise _Damaged("it was made with another tokenizer")
    return _load_npy(path, info.dtype, info.n_tokens), info


def open_store(path: str | os.PathLike, *, key: str | None = None,
               fingerprint: str | None = None) -> tuple[np.ndarray, StoreInfo]:
    """Memory-map a token file read-only, checked against its sidecar: ``(ids (N,), info)``.

    Raises CorpusError when the files are missing, damaged, or were made from
    another corpus ``key`` or tokenizer ``fingerprint``.
    """
    path = Path(path)
    try:
        return _open_store(path, key, fingerprint)
    except FileNotFoundError as e:
        raise CorpusError(f"Token file {path} or its .json sidecar is missing; "
                          "encode the corpus again.") from e
    except _Damaged as e:
        raise CorpusError(f"Token file {path} cannot be used ({e}); encode the corpus again.") from e


def _cache_name(key: str, tokenizer: Tokenizer) -> str:
    return f"{hashlib.sha256(key.encode()).hexdigest()[:20]}-{tokenizer.fingerprint[:20]}"


def store_path(key: str, tokenizer: Tokenizer, cache_root: str | os.PathLike | None = None) -> Path:
    """Where :func:`cached_store` keeps the ids of corpus ``key`` under ``tokenizer``."""
    root = Path(cache_root) if cache_root is not None else cache_dir() / "tokens"
    return root / f"{_cache_name(key, tokenizer)}.npy"


def cached_store(key: str, tokenizer: Tokenizer, make_chunks: Callable[[], Iterable[str]],
                 cache_root: str | os.PathLike | None = None,
                 progress: Progress | None = None) -> tuple[np.ndarray, StoreInfo]:
    """The ids of a corpus, encoded once and memory-mapped read-only: ``(ids (N,), info)``.

    ``key`` identifies the corpus content and text options (for example
    ``corpus_fingerprint(source, options)`` plus the split); ``make_chunks``
    is called only when no valid cached file exists. A damaged cache
    (truncated file, bad sidecar) is logged and rebuilt.
    """
    path = store_path(key, tokenizer, cache_root)
    try:
        return _open_store(path, key, tokenizer.fingerprint)
    except FileNotFoundError:
        pass
    except _Damaged as e:
        log.warning("token cache %s is unusable (%s); encoding again", path, e)
    encode_to_store(make_chunks(), tokenizer, path, source_key=key, progress=progress)
    return open_store(path, key=key, fingerprint=tokenizer.fingerprint)


# --- ragged ids (sentence pairs) ----------------------------------------------

@dataclass(frozen=True)
class RaggedIds:
    """Many id sequences in one flat array: sequence ``i`` is ``ids[offsets[i]:offsets[i+1]]``.

    ``ids``: (total_tokens,) unsigned ints; ``offsets``: (n + 1,) int64, starting at 0.
    """

    ids: np.ndarray
    offsets: np.ndarray

    def __post_init__(self) -> None:
        if self.offsets.ndim != 1 or len(self.offsets) == 0 or self.offsets[0] != 0 \
                or self.offsets[-1] != len(self.ids) or np.any(np.diff(self.offsets) < 0):
            raise ValueError("offsets must start at 0, never decrease and end at len(ids)")

    @classmethod
    def from_sequences(cls, seqs: Iterable[Sequence[int] | np.ndarray],
                       dtype: np.dtype | type = np.uint32) -> RaggedIds:
        arrays = [np.asarray(s, dtype=dtype).ravel() for s in seqs]
        offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
        np.cumsum([len(a) for a in arrays], out=offsets[1:])
        ids = np.concatenate(arrays) if arrays else np.zeros(0, dtype=dtype)
        return cls(ids.astype(dtype, copy=False), offsets)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> np.ndarray:
        return self.ids[self.offsets[i]:self.offsets[i + 1]]

    def __iter__(self) -> Iterator[np.ndarray]:
        return (self[i] for i in range(len(self)))

    @property
    def lengths(self) -> np.ndarray:
        """(n,) int64 length of every sequence."""
        return np.diff(self.offsets)


@dataclass(frozen=True)
class PairStoreInfo(_Record):
    """Counts and provenance of an encoded parallel corpus."""

    n_pairs: int
    src_tokens: int
    tgt_tokens: int
    src_chars: int
    tgt_chars: int
    src_unknown: int
    tgt_unknown: int
    src_dtype: str
    tgt_dtype: str
    src_fingerprint: str
    tgt_fingerprint: str
    source_key: str
    format: int = STORE_FORMAT


_PAIR_FILES = ("src_ids", "src_offsets", "tgt_ids", "tgt_offsets")


def _replace_dir(tmp: Path, directory: Path) -> None:
    """Rename ``tmp`` to ``directory``, replacing an old one; if another process won, keep theirs."""
    if directory.exists():
        shutil.rmtree(directory, ignore_errors=True)
    try:
        os.replace(tmp, directory)
    except OSError:
        if not directory.is_dir():
            raise
        shutil.rmtree(tmp, ignore_errors=True)


def encode_pairs_to_store(pairs: Iterable[tuple[str, str]], src_tokenizer: Tokenizer,
                          tgt_tokenizer: Tokenizer, directory: str | os.PathLike,
                          source_key: str = "", progress: Progress | None = None
                          ) -> PairStoreInfo:
    """Encode ``(source, target)`` sentences into a folder of four ``.npy`` files and ``info.json``.

    Sentences are encoded in batches and streamed to disk; the folder is
    built under a temporary name and renamed when complete (an existing
    folder of that name is replaced). ``progress`` gets the pairs done.
    """
    directory = Path(directory)
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}."))
    except OSError as e:
        raise _disk_error(directory, e) from e
    toks = (src_tokenizer, tgt_tokenizer)
    dtypes = [store_dtype(t.vocab_size) for t in toks]
    counts = {"tokens": [0, 0], "chars": [0, 0], "unknown": [0, 0]}
    n_pairs = 0
    writers: list[_NpyWriter] = []  # in _PAIR_FILES order: ids, offsets per side
    try:
        for name in _PAIR_FILES:
            dtype = dtypes[name.startswith("tgt")] if name.endswith("ids") else np.dtype(np.int64)
            writers.append(_NpyWriter(tmp / f"{name}.npy", dtype))
        writers[1].append(np.zeros(1, dtype=np.int64))
        writers[3].append(np.zeros(1, dtype=np.int64))
        it = iter(pairs)
        while batch := list(islice(it, _PAIR_BATCH)):
            cancel.check()  # a stop asked from another thread (nlp.cancel)
            for side in (0, 1):
                texts = [pair[side] for pair in batch]
                encoded = toks[side].encode_batch(texts)
                lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
                flat = np.concatenate(encoded)
                writers[2 * side + 1].append(counts["tokens"][side] + np.cumsum(lengths))
                writers[2 * side].append(flat)
                counts["tokens"][side] += int(lengths.sum())
                counts["chars"][side] += sum(map(len, texts))
                counts["unknown"][side] += int(np.count_nonzero(flat == UNK))
            n_pairs += len(batch)
            if progress is not None:
                progress(n_pairs)
        for w in writers:
            w.commit()
        info = PairStoreInfo(
            n_pairs=n_pairs, src_tokens=counts["tokens"][0], tgt_tokens=counts["tokens"][1],
            src_chars=counts["chars"][0], tgt_chars=counts["chars"][1],
            src_unknown=counts["unknown"][0], tgt_unknown=counts["unknown"][1],
            src_dtype=dtypes[0].name, tgt_dtype=dtypes[1].name,
            src_fingerprint=src_tokenizer.fingerprint, tgt_fingerprint=tgt_tokenizer.fingerprint,
            source_key=source_key)
        (tmp / "info.json").write_text(json.dumps(info.to_dict(), indent=1), encoding="utf-8")
        _replace_dir(tmp, directory)
    except BaseException as e:
        for w in writers:
            w.abort()
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(e, OSError):
            raise _disk_error(directory, e) from e
        raise
    return info


def _open_pairs(directory: Path, key: str | None, fingerprints: tuple[str, str] | None
                ) -> tuple[RaggedIds, RaggedIds, PairStoreInfo]:
    try:
        info = PairStoreInfo.from_dict(_read_json(directory / "info.json"))
    except (TypeError, ValueError) as e:
        raise _Damaged(f"info.json: {e}") from e
    if info.format != STORE_FORMAT or (key is not None and info.source_key != key) or (
            fingerprints is not None and (info.src_fingerprint, info.tgt_fingerprint) != fingerprints):
        raise _Damaged("it was made from other text, another tokenizer or another format")
    sides = []
    for side, n_tokens, dtype in (("src", info.src_tokens, info.src_dtype),
                                  ("tgt", info.tgt_tokens, info.tgt_dtype)):
        ids = _load_npy(directory / f"{side}_ids.npy", dtype, n_tokens)
        offsets = np.array(_load_npy(directory / f"{side}_offsets.npy", "int64", info.n_pairs + 1))
        try:
            sides.append(RaggedIds(ids, offsets))
        except ValueError as e:
            raise _Damaged(f"{side}_offsets.npy: {e}") from e
    return sides[0], sides[1], info


def open_pairs(directory: str | os.PathLike) -> tuple[RaggedIds, RaggedIds, PairStoreInfo]:
    """Open a folder from :func:`encode_pairs_to_store`: ``(src, tgt, info)``, ids memory-mapped."""
    directory = Path(directory)
    try:
        return _open_pairs(directory, None, None)
    except (FileNotFoundError, _Damaged) as e:
        raise CorpusError(f"Encoded sentence pairs in {directory} cannot be used ({e}); "
                          "encode the corpus again.") from e


def cached_pairs(key: str, src_tokenizer: Tokenizer, tgt_tokenizer: Tokenizer,
                 make_pairs: Callable[[], Iterable[tuple[str, str]]],
                 cache_root: str | os.PathLike | None = None,
                 progress: Progress | None = None) -> tuple[RaggedIds, RaggedIds, PairStoreInfo]:
    """Encoded sentence pairs, cached like :func:`cached_store`: ``(src, tgt, info)``."""
    root = Path(cache_root) if cache_root is not None else cache_dir() / "tokens"
    name = (f"pairs-{hashlib.sha256(key.encode()).hexdigest()[:20]}-"
            f"{src_tokenizer.fingerprint[:12]}-{tgt_tokenizer.fingerprint[:12]}")
    directory = root / name
    fingerprints = (src_tokenizer.fingerprint, tgt_tokenizer.fingerprint)
    try:
        return _open_pairs(directory, key, fingerprints)
    except FileNotFoundError:
        pass
    except _Damaged as e:
        log.warning("pair cache %s is unusable (%s); encoding again", directory, e)
    encode_pairs_to_store(make_pairs(), src_tokenizer, tgt_tokenizer, directory,
                          source_key=key, progress=progress)
    try:
        return _open_pairs(directory, key, fingerprints)
    except (FileNotFoundError, _Damaged) as e:
        raise CorpusError(f"Encoded sentence pairs in {directory} cannot be read back ({e}).") from e
