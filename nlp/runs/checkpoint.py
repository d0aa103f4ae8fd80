"""One checkpoint on disk: a folder that rebuilds its model and tokenizer alone.

Layout of ``checkpoints/step-00001234/``::

    model.safetensors   weights, plus each tokenizer as a uint8 tensor
                        ``tokenizer.<name>``; metadata: format, model config
    state.pt            optimizer, schedule, scaler, RNG, data position:
                        tensors and plain numbers only (loaded with
                        ``torch.load(weights_only=True)``)
    info.json           step, metrics, versions, and the size and sha256 of
                        the two files above; readable without importing torch

A checkpoint is written into a temporary folder that is renamed into place
once complete (``os.replace`` of a folder is atomic), so a crash or a full disk
leaves either the whole new checkpoint or none of it. Loading verifies sizes
and checksums and refuses, without executing anything, a truncated, modified,
newer-format or pickle-carrying file.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import pickle
import shutil
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from safetensors import SafetensorError

from nlp.errors import CheckpointError

if TYPE_CHECKING:  # torch is imported where tensors are read or written: listing runs
    import torch  # and reading info.json (the CLI's ``runs list``, the window) need none

log = logging.getLogger(__name__)

FORMAT = "rnn-studio-checkpoint"
FORMAT_VERSION = 1
APP_VERSION = "0.1.0"
WEIGHTS = "model.safetensors"
STATE = "state.pt"
INFO = "info.json"
TOKENIZER_PREFIX = "tokenizer."


@dataclass
class Checkpoint:
    """What loading a checkpoint gives: enough to rebuild model and tokenizers."""

    path: Path
    weights: dict[str, torch.Tensor]
    model_config: dict
    task: str
    tokenizers: dict[str, bytes]
    info: dict


def save_file(tensors: dict[str, torch.Tensor], filename: str, metadata: dict) -> None:
    """``safetensors.torch.save_file``, imported when first needed (it imports torch)."""
    from safetensors.torch import save_file as save

    save(tensors, filename, metadata=metadata)


def load_file(filename: str) -> dict[str, torch.Tensor]:
    """``safetensors.torch.load_file``, imported when first needed."""
    from safetensors.torch import load_file as load

    return load(filename)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_json_atomic(path: Path, data: dict) -> None:
    """Write JSON to ``path`` via a temporary file and a rename."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# what a failed write says, by errno or (torch and safetensors hide the errno) by text
_WRITE_PROBLEMS = (
    ((errno.ENOSPC, errno.EDQUOT), ("no space left", "os error 28", "quota"),
     "the disk is full"),
    ((errno.EFBIG,), ("file too large", "os error 27"),
     "the file would be larger than this disk or account allows"),
    ((errno.EROFS,), ("read-only file system", "os error 30"), "the folder is read-only"),
    ((errno.EACCES, errno.EPERM), ("permission denied", "os error 13"),
     "permission denied"),
)


def write_problem(exc: BaseException) -> str:
    """Why the disk refused a write, in plain words: a full disk is the usual cause,
    but PyTorch reports it as "file write failed" and safetensors as an IoError
    text, so the errno alone does not tell."""
    detail = str(getattr(exc, "strerror", None) or exc).strip().splitlines()
    detail = detail[-1][:200] if detail else type(exc).__name__
    text = str(exc).lower()
    for codes, phrases, words in _WRITE_PROBLEMS:
        if getattr(exc, "errno", None) in codes or any(p in text for p in phrases):
            return f"{words} ({detail})"
    if "write failed" in text or "unexpected pos" in text:
        return f"the disk refused the write; it is probably full ({detail})"
    return detail


def _dedupe_shared(weights: dict[str, torch.Tensor]) -> tuple[dict, dict[str, str]]:
    """safetensors refuses tensors that share memory (tied weights): keep one
    name per storage and record the others as aliases."""
    seen: dict[tuple, str] = {}
    unique: dict[str, torch.Tensor] = {}
    aliases: dict[str, str] = {}
    for name, tensor in weights.items():
        key = (tensor.untyped_storage().data_ptr(), tensor.storage_offset(),
               tuple(tensor.shape), tensor.dtype)
        if key in seen:
            aliases[name] = seen[key]
        else:
            seen[key] = name
            unique[name] = tensor.detach().to("cpu").contiguous()
    return unique, aliases


def save_checkpoint(folder: Path, *, weights: dict[str, torch.Tensor], model_config: dict,
                    task: str, tokenizers: dict[str, bytes], train_state: dict | None,
                    info: dict) -> Path:
    """Write a complete checkpoint to ``folder`` (which must not exist yet).

    Raises :class:`CheckpointError` when the disk refuses (full, read-only);
    whatever was there before stays whole.
    """
    import torch

    folder = Path(folder)
    tmp = folder.with_name(f".tmp-{folder.name}-{uuid.uuid4().hex[:8]}")
    try:
        tmp.mkdir(parents=True)
        tensors, aliases = _dedupe_shared(weights)
        for name, data in tokenizers.items():
            tensors[TOKENIZER_PREFIX + name] = torch.frombuffer(bytearray(data), dtype=torch.uint8)
        meta = {"format": FORMAT, "format_version": str(FORMAT_VERSION), "task": task,
                "model_config": json.dumps(model_config), "aliases": json.dumps(aliases)}
        save_file(tensors, str(tmp / WEIGHTS), metadata=meta)
        files = [WEIGHTS]
        if train_state is not None:
            torch.save(train_state, tmp / STATE)
            files.append(STATE)
        record = dict(info)
        record.update(format=FORMAT, format_version=FORMAT_VERSION, task=task,
                      saved_at=time.time(), versions={"rnn_studio": APP_VERSION,
                                                      "torch": torch.__version__},
                      files={n: {"size": (tmp / n).stat().st_size, "sha256": _sha256(tmp / n)}
                             for n in files})
        with open(tmp / INFO, "w", encoding="utf-8") as f:
            json.dump(record, f, indent=1, sort_keys=True)
        for name in [*files, INFO]:
            with open(tmp / name, "rb") as f:
                os.fsync(f.fileno())
        os.replace(tmp, folder)
        _fsync_dir(folder.parent)
    except (OSError, RuntimeError, SafetensorError) as exc:  # torch, safetensors: no OSError
        raise CheckpointError(
            f"could not save the checkpoint in {folder.parent}: {write_problem(exc)}. "
            "The previous checkpoint is untouched; free some disk space or choose "
            "another workspace.") from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def read_info(folder: Path) -> dict:
    """The checkpoint's ``info.json``, checked for format; no torch needed."""
    path = Path(folder) / INFO
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"{folder} is not a complete checkpoint (no {INFO})") from None
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{path} is damaged and cannot be read ({exc})") from exc
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        raise CheckpointError(f"{folder} is not an RNN Studio checkpoint")
    version = info.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointError(
            f"{folder} was written by a newer version of RNN Studio (checkpoint format "
            f"{version}); this version reads format {FORMAT_VERSION}. Update RNN Studio.")
    return info


def verify_files(folder: Path, info: dict, names: tuple[str, ...] = (WEIGHTS,)) -> None:
    """Check each file's size and sha256 against ``info``; damaged → CheckpointError."""
    recorded = info.get("files", {})
    for name in names:
        path = Path(folder) / name
        expected = recorded.get(name)
        if expected is None:
            raise CheckpointError(f"{folder} has no record of {name}")
        if not path.is_file():
            raise CheckpointError(f"{path} is missing")
        size = path.stat().st_size
        if size != expected.get("size"):
            raise CheckpointError(
                f"{path} is damaged: {size} bytes where {expected.get('size')} were written "
                "(truncated or modified)")
        if _sha256(path) != expected.get("sha256"):
            raise CheckpointError(
                f"{path} is damaged: its contents do not match the checksum written with it")


def load_checkpoint(folder: Path, *, verify: bool = True) -> Checkpoint:
    """Load weights, config and tokenizers, refusing anything damaged or unsafe."""
    folder = Path(folder)
    info = read_info(folder)
    if verify:
        verify_files(folder, info)
    try:
        from safetensors import safe_open

        with safe_open(str(folder / WEIGHTS), framework="pt") as f:
            meta = f.metadata() or {}
        tensors = load_file(str(folder / WEIGHTS))
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{folder / WEIGHTS} is damaged and cannot be read ({exc})") from exc
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{folder / WEIGHTS} is not an RNN Studio checkpoint")
    try:
        model_config = json.loads(meta["model_config"])
        aliases = json.loads(meta.get("aliases", "{}"))
    except (KeyError, ValueError) as exc:
        raise CheckpointError(f"{folder / WEIGHTS} has damaged metadata ({exc})") from exc
    tokenizers = {k[len(TOKENIZER_PREFIX):]: bytes(t.numpy().tobytes())
                  for k, t in tensors.items() if k.startswith(TOKENIZER_PREFIX)}
    weights = {k: t for k, t in tensors.items() if not k.startswith(TOKENIZER_PREFIX)}
    for alias, source in aliases.items():
        if source not in weights:
            raise CheckpointError(f"{folder / WEIGHTS} is damaged (tied weight {source} missing)")
        weights[alias] = weights[source]
    return Checkpoint(path=folder, weights=weights, model_config=model_config,
                      task=meta.get("task", info.get("task", "")), tokenizers=tokenizers,
                      info=info)


def load_train_state(folder: Path) -> dict:
    """The optimizer/schedule/RNG/data state for resuming; never runs pickled code."""
    import torch

    folder = Path(folder)
    info = read_info(folder)
    verify_files(folder, info, (STATE,))
    try:
        return torch.load(folder / STATE, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise CheckpointError(
            f"{folder / STATE} holds objects other than tensors and numbers; it was refused "
            "without being loaded (it may have been tampered with)") from exc
    except (RuntimeError, EOFError, OSError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"{folder / STATE} is damaged and cannot be read ({exc})") from exc
