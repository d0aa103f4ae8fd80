"""A run as one file (``NAME.rnnrun``), to keep it or move it to another machine.

A ``.rnnrun`` file is a zip archive laid out like the run folder::

    manifest.json                  format, version, run name, task, checkpoints
    run.json  metrics.jsonl  samples.jsonl
    checkpoints/index.json
    checkpoints/step-00001234/     model.safetensors, state.pt, info.json

Only the best and the last checkpoints go in: that is what opening the run and
continuing its training need.

Importing treats the file as hostile until it has proved otherwise, because a
run file may come from anyone: every member is checked *before* anything is
written (its path stays inside the run folder, it is a plain file with a name a
run has, the members are few and their total size bounded, the disk has room),
it is unpacked into a hidden folder inside the workspace, every checkpoint is
loaded with the checks of :mod:`nlp.runs.checkpoint` (checksums; no pickle that
could run code), and only then is the folder renamed into place in one step.
A refusal is a :class:`CheckpointError` saying why, and leaves nothing behind.
Zip and tar files are both read (a tar made by hand is the usual carrier of
links and device files, which are refused like the rest).
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import shutil
import stat
import tarfile
import time
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from nlp.errors import CheckpointError, StudioError
from nlp.runs.checkpoint import (
    APP_VERSION,
    INFO,
    STATE,
    load_checkpoint,
    load_train_state,
    read_info,
)
from nlp.runs.checkpoint import verify_files as verify_checkpoint_files
from nlp.runs.workspace import (
    CHECKPOINTS,
    INDEX,
    METRICS,
    NAME_RE,
    RUN_FILE,
    SAMPLES,
    Run,
    Workspace,
    check_run_name,
)

log = logging.getLogger(__name__)

FORMAT = "rnn-studio-run"
FORMAT_VERSION = 1
SUFFIX = ".rnnrun"
MANIFEST = "manifest.json"
MAX_MEMBERS = 200  # a run has 4 files and 3 per checkpoint: far fewer
MAX_TOTAL_BYTES = 32 << 30  # unpacked; a run with a 1-billion-weight model fits
MAX_JSON_BYTES = 16 << 20  # manifest, run.json, index.json, info.json are small

# The only paths a run file may hold (the layout above), and the folders among them.
_FILE_RE = re.compile(r"(manifest\.json|run\.json|metrics\.jsonl|samples\.jsonl|"
                      r"checkpoints/index\.json|"
                      r"checkpoints/step-\d{8,12}/(model\.safetensors|state\.pt|info\.json))")
_DIR_RE = re.compile(r"checkpoints(/step-\d{8,12})?/")
_SMALL = (MANIFEST, RUN_FILE, f"{CHECKPOINTS}/{INDEX}")
_BIG_SUFFIXES = (".safetensors", ".pt")  # already dense: stored, not deflated


def _size(n: float) -> str:
    """``1.5 GB``: sizes in messages, in the units a file manager shows."""
    if n < 1000:
        return f"{int(n):,} bytes"
    for unit in ("KB", "MB", "GB"):
        n /= 1000
        if n < 1000 or unit == "GB":
            break
    return f"{n:.1f} {unit}"


# -- export -------------------------------------------------------------------------------
def export_run(run: Run, dest: Path) -> Path:
    """Write ``run`` as one file at ``dest`` (a folder gets ``NAME.rnnrun`` inside).

    The file is written beside ``dest`` under a temporary name and renamed into
    place, so an export cut short never leaves a file that looks complete.
    """
    dest = Path(dest).expanduser()
    if dest.is_dir():
        dest = dest / f"{run.name}{SUFFIX}"
    index = run.read_index()  # read once: a training going on may move it meanwhile
    members = _export_members(run, index)
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "name": run.name,
                "task": run.read_config().get("task", ""), "exported_at": time.time(),
                "app_version": APP_VERSION, "checkpoints": index}
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        with zipfile.ZipFile(tmp, "x", strict_timestamps=False) as zf:
            zf.writestr(MANIFEST, json.dumps(manifest, indent=1), zipfile.ZIP_DEFLATED)
            if index:
                zf.writestr(f"{CHECKPOINTS}/{INDEX}", json.dumps(index, indent=1),
                            zipfile.ZIP_DEFLATED)
            for arcname, path in members:
                dense = arcname.endswith(_BIG_SUFFIXES)
                zf.write(path, arcname, zipfile.ZIP_STORED if dense else zipfile.ZIP_DEFLATED)
        os.replace(tmp, dest)
    except FileNotFoundError as exc:  # a checkpoint pruned by a training still going on
        raise StudioError(f"run {run.name!r} changed while it was exported ({exc.filename} "
                          "went away); export it again") from exc
    except OSError as exc:
        raise StudioError(f"could not write {dest}: {exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    # debug: the caller says it to the person (the CLI once, on stdout); the log file keeps it
    log.debug("exported run %s to %s", run.name, dest)
    return dest


def _export_members(run: Run, index: dict) -> list[tuple[str, Path]]:
    """(name in the archive, file) for the run's history and its best and last
    checkpoints, each checked first: a damaged run is not worth carrying."""
    run.read_config()  # a damaged run.json refuses here, in plain words
    members = [(name, run.path / name) for name in (RUN_FILE, METRICS, SAMPLES)
               if (run.path / name).is_file()]
    for name in sorted(set(index.values())):
        folder = run.checkpoints_dir / name
        info = read_info(folder)
        files = tuple(info.get("files", {}))
        try:
            verify_checkpoint_files(folder, info, files)
        except CheckpointError as exc:
            raise CheckpointError(f"run {run.name!r} cannot be exported: {exc}") from exc
        members += [(f"{CHECKPOINTS}/{name}/{f}", folder / f) for f in (*files, INFO)]
    return members


def checkpoint_problem(run: Run) -> str | None:
    """Why the best or last checkpoint of ``run`` would not load, or None.

    Only sizes are compared (the checksums wait until loading), so a browser
    can afford it for every run: a truncated or missing weights file shows in
    the list, not first when someone tries to open the run.
    """
    try:
        for name in sorted(set(run.read_index().values())):
            folder = run.checkpoints_dir / name
            for filename, record in read_info(folder).get("files", {}).items():
                path = folder / filename
                if not path.is_file():
                    return f"{CHECKPOINTS}/{name}/{filename} is missing"
                size, expected = path.stat().st_size, (record or {}).get("size")
                if size != expected:
                    return (f"{CHECKPOINTS}/{name}/{filename} is damaged: {size} bytes where "
                            f"{expected} were written (truncated or modified)")
    except (CheckpointError, OSError, AttributeError, TypeError, ValueError) as exc:
        return str(exc)
    return None


# -- reading a file that may be hostile ---------------------------------------------------
@dataclass
class _Member:
    """One entry of a zip or tar file, whatever the container."""

    name: str
    kind: str  # file, dir, symlink, hardlink, device, other
    size: int
    open: Callable[[], IO[bytes]]


def _zip_members(zf: zipfile.ZipFile) -> Iterator[_Member]:
    for info in zf.infolist():
        mode = info.external_attr >> 16  # Unix mode bits, when made on Unix
        fmt = stat.S_IFMT(mode)
        if info.is_dir():
            kind = "dir"
        elif fmt == stat.S_IFLNK:
            kind = "symlink"
        elif fmt in (stat.S_IFCHR, stat.S_IFBLK):
            kind = "device"
        elif fmt in (0, stat.S_IFREG):
            kind = "file"
        else:
            kind = "other"
        yield _Member(info.filename, kind, info.file_size, lambda i=info: zf.open(i))


def _tar_members(tf: tarfile.TarFile) -> Iterator[_Member]:
    for info in tf:  # lazily: a file with a million members is refused early
        if info.isreg():
            kind = "file"
        elif info.isdir():
            kind = "dir"
        elif info.issym():
            kind = "symlink"
        elif info.islnk():
            kind = "hardlink"
        elif info.ischr() or info.isblk():
            kind = "device"
        else:
            kind = "other"
        yield _Member(info.name, kind, info.size, lambda i=info: tf.extractfile(i))


# what reading a damaged zip or tar raises: bad CRC, truncated, encrypted, unknown method
_DAMAGED = (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, RuntimeError,
            NotImplementedError)


@contextmanager
def _open_members(path: Path) -> Iterator[Iterator[_Member]]:
    """The members of a zip or tar file, or a refusal if it is neither."""
    container = _open_container(path)
    with container:
        if isinstance(container, zipfile.ZipFile):
            yield _zip_members(container)
        else:
            yield _tar_members(container)


def _open_container(path: Path) -> zipfile.ZipFile | tarfile.TarFile:
    if not path.is_file():
        raise StudioError(f"{path} is not a file" if path.exists() else f"{path} does not exist")
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
        # by the first bytes: zipfile.is_zipfile() looks at the end, and says yes to a
        # tar whose last member is a zip (state.pt is one)
        if magic == b"PK\x03\x04":
            return zipfile.ZipFile(path)
        if tarfile.is_tarfile(path):
            return tarfile.open(path, "r:*")
    except _DAMAGED as exc:
        raise CheckpointError(f"{path.name} is damaged and cannot be read ({exc})") from exc
    except OSError as exc:
        raise StudioError(f"{path} cannot be read: {exc.strerror or exc}") from exc
    raise CheckpointError(f"{path.name} is not an RNN Studio run file (a {SUFFIX} file "
                          "made with Export)")


def _why_refused(member: _Member, seen: set[str]) -> str | None:
    """What is wrong with one member, in words, or None if it may be unpacked."""
    name = member.name
    if "\\" in name or "\0" in name:
        return "has a name no run file has"
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return "is an absolute path, outside any run folder"
    if ".." in name.split("/"):
        return "points outside the run folder ('..')"
    if member.kind == "symlink":
        return "is a symbolic link"
    if member.kind == "hardlink":
        return "is a hard link"
    if member.kind == "device":
        return "is a device file"
    if member.kind not in ("file", "dir"):
        return "is not a regular file"
    pattern = _DIR_RE if member.kind == "dir" else _FILE_RE
    if not pattern.fullmatch(name):
        return "is not part of a run (an unexpected file)"
    if name in seen:
        return "appears twice"
    if name in _SMALL or name.endswith(f"/{INFO}"):
        if member.size > MAX_JSON_BYTES:
            return f"is far too large for what it should be ({_size(member.size)})"
    return None


def _normalized(member: _Member) -> _Member:
    """Tar files often name members ``./run.json`` and folders without a slash."""
    name = member.name
    while name.startswith("./"):
        name = name[2:]
    if member.kind == "dir" and not name.endswith("/"):
        name += "/"
    member.name = name
    return member


def _checked_members(members: Iterator[_Member], source: str,
                     max_total: int) -> list[_Member]:
    """Every member, checked; the first problem refuses the whole file."""
    checked: list[_Member] = []
    seen: set[str] = set()
    total = 0
    for member in members:
        if len(checked) >= MAX_MEMBERS:
            raise CheckpointError(f"{source} was refused: it holds more than {MAX_MEMBERS} "
                                  "files, far more than a run has")
        member = _normalized(member)
        why = _why_refused(member, seen)
        if why:
            raise CheckpointError(f"{source} was refused: it holds {member.name!r}, which "
                                  f"{why}. Nothing was imported.")
        seen.add(member.name)
        total += max(0, member.size)
        if total > max_total:
            raise CheckpointError(
                f"{source} was refused: it would take more than {_size(max_total)} once "
                "unpacked, more than any run needs (a damaged or hostile file)")
        checked.append(member)
    for required in (MANIFEST, RUN_FILE):
        if required not in seen:
            raise CheckpointError(f"{source} is not an RNN Studio run file (no {required})")
    return checked


# -- import -------------------------------------------------------------------------------
def import_run(workspace: Workspace, archive: Path, name: str | None = None, *,
               max_total: int | None = None) -> Run:
    """Unpack a run file into ``workspace`` and return the new run.

    ``name`` (else the name it was exported under) becomes ``name-2``,
    ``name-3``... when a run of that name exists already. ``max_total``: the
    most bytes it may unpack to (``MAX_TOTAL_BYTES``).
    """
    archive = Path(archive).expanduser()
    if name is not None:
        check_run_name(name)
    workspace.ensure_writable()
    workspace.remove_leftovers()
    with _open_members(archive) as members:
        try:
            checked = _checked_members(members, archive.name, max_total or MAX_TOTAL_BYTES)
        except _DAMAGED as exc:
            raise CheckpointError(f"{archive.name} is damaged and cannot be read ({exc})") from exc
        _check_disk_space(workspace, sum(m.size for m in checked))
        tmp = workspace.runs_dir / f".import-{uuid.uuid4().hex[:12]}"
        try:
            _unpack(checked, tmp, archive.name)
            manifest = _read_manifest(tmp / MANIFEST, archive.name)
            _verify(tmp, archive.name)
            (tmp / MANIFEST).unlink()
            run = _move_into_place(workspace, tmp, name or _wanted_name(manifest, archive))
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    log.debug("imported %s as run %s", archive, run.name)  # the caller says it
    return run


def _unpack(members: list[_Member], tmp: Path, source: str) -> None:
    """Write the checked members under ``tmp``, never more bytes than each
    declared (a member that grows while unpacking is a forgery)."""
    tmp.mkdir()
    try:
        for member in members:
            target = tmp.joinpath(*member.name.rstrip("/").split("/"))
            if not target.resolve().is_relative_to(tmp.resolve()):  # checked already; twice
                raise CheckpointError(f"{source} was refused: {member.name!r} leaves the folder")
            if member.kind == "dir":
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            _copy_bounded(member, target, source)
    except _DAMAGED as exc:
        raise CheckpointError(f"{source} is damaged and cannot be unpacked ({exc})") from exc
    except OSError as exc:
        raise StudioError(f"could not unpack {source} into {tmp.parent}: "
                          f"{exc.strerror or exc}") from exc


def _copy_bounded(member: _Member, target: Path, source: str) -> None:
    written = 0
    with member.open() as src, open(target, "xb") as out:
        while block := src.read(1 << 20):
            written += len(block)
            if written > member.size:
                raise CheckpointError(f"{source} was refused: {member.name!r} holds more than "
                                      "its header says (a damaged or hostile file)")
            out.write(block)


def _read_manifest(path: Path, source: str) -> dict:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{source} is damaged: its {MANIFEST} cannot be read") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CheckpointError(f"{source} is not an RNN Studio run file")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise CheckpointError(f"{source} was made by a newer version of RNN Studio (run file "
                              f"format {version}; this version reads {FORMAT_VERSION}). "
                              "Update RNN Studio.")
    return manifest


def _verify(folder: Path, source: str) -> None:
    """Load what was unpacked as the app would, so that a run that imports also
    opens: ``run.json`` parses, and every checkpoint loads (checksums match,
    no pickled objects)."""
    run = Run(folder)
    try:
        run.read_config()
        for step in sorted(p for p in run.checkpoints_dir.glob("step-*")):
            if not (step / INFO).is_file():
                raise CheckpointError(f"{step} is incomplete (no {INFO})")
            load_checkpoint(step)
            if (step / STATE).is_file():
                load_train_state(step)
    except CheckpointError as exc:
        plain = str(exc).replace(f"{folder}{os.sep}", "").replace(str(folder), "the run")
        raise CheckpointError(f"{source} was refused: {plain}") from exc


def _wanted_name(manifest: dict, archive: Path) -> str:
    """The name it was exported under, else the file's name, else a plain one."""
    for candidate in (manifest.get("name"), archive.stem):
        if isinstance(candidate, str) and NAME_RE.match(candidate):
            try:
                return check_run_name(candidate[:90])
            except StudioError:
                continue
    return "imported-run"


def _move_into_place(workspace: Workspace, tmp: Path, wanted: str) -> Run:
    """Rename ``tmp`` to the first free name among wanted, wanted-2, ...; one
    rename, so the run appears whole or not at all."""
    for n in range(1, 10_000):
        name = wanted if n == 1 else f"{wanted[:90]}-{n}"
        target = workspace.runs_dir / name
        if target.exists():
            continue
        try:
            os.rename(tmp, target)
        except OSError as exc:  # taken between the check and the rename
            if exc.errno in (errno.EEXIST, errno.ENOTEMPTY) or isinstance(exc, FileExistsError):
                continue
            raise StudioError(f"could not move the imported run into {workspace.runs_dir}: "
                              f"{exc.strerror or exc}") from exc
        run = Run(target)
        run.write_config({**run.read_config(), "name": name})
        return run
    raise StudioError(f"too many runs named {wanted!r}; import it under another name")


def _check_disk_space(workspace: Workspace, needed: int) -> None:
    free = shutil.disk_usage(workspace.runs_dir).free
    if needed > free:
        raise StudioError(f"not enough disk space in {workspace.root}: the run needs "
                          f"{_size(needed)}, {_size(free)} are free")
