"""Runs in a workspace: folders holding config, metrics, samples and checkpoints.

``WORKSPACE/runs/NAME/``::

    run.json             name, task, created, the full config (model, training, data)
    metrics.jsonl        one JSON object per line: step, time, losses, lr, ...
    samples.jsonl        sample texts or translations at each evaluation
    checkpoints/
        index.json       {"last": "step-...", "best": "step-..."}: no symlinks
        step-00001234/   one complete checkpoint (see ``nlp.runs.checkpoint``)
    .lock                held while a process trains the run

Listing reads only small JSON files, so hundreds of runs list in well under a
second without importing torch.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from nlp.errors import CheckpointError, StudioError
from nlp.runs.checkpoint import (
    INFO,
    Checkpoint,
    load_checkpoint,
    load_train_state,
    read_info,
    save_checkpoint,
    write_json_atomic,
)

log = logging.getLogger(__name__)

RUN_FILE = "run.json"
METRICS = "metrics.jsonl"
SAMPLES = "samples.jsonl"
CHECKPOINTS = "checkpoints"
INDEX = "index.json"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,99}$")
CHECKPOINT_RE = re.compile(r"step-\d{8,12}")  # the name of a checkpoint folder
# hidden folders in runs/ that only a crash leaves behind (see Workspace.remove_leftovers)
LEFTOVERS = (".deleting", ".new", ".import")
STALE_S = 24 * 3600  # a creation or import folder this old was cut short
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # POSIX; Windows has no such flag


def check_run_name(name: str) -> str:
    if not NAME_RE.match(name) or name.strip() != name or name.endswith("."):
        raise StudioError(
            f"{name!r} cannot name a run: use letters, digits, spaces, '.', '_' or '-' "
            "(up to 100 characters, starting with a letter or digit)")
    return name


def read_jsonl(path: Path) -> list[dict]:
    """Read a JSON-lines file, skipping a torn or damaged line instead of failing."""
    rows: list[dict] = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError:
                    log.warning("%s: line %d is damaged and was skipped", path, number)
                    continue
                if isinstance(row, dict):
                    rows.append(row)
    except FileNotFoundError:
        pass
    return rows


# what decides a run's "best" checkpoint, as people call it
SCORE_NAMES = {"val_loss": "validation loss", "chrf": "validation chrF",
               "bleu": "validation BLEU"}
# why a run has no best checkpoint (``RunSummary.no_best``; the window translates them)
NO_BEST_STOPPED = "stopped before its first evaluation"
NO_BEST_FAILED = "failed before its first evaluation"
NO_BEST_YET = "not evaluated yet"


def selection_key(config: dict) -> str:
    """The metric that picked a run's best checkpoint: a translator's ``data.score``
    (chrF by default; runs saved before chrF was the default say ``bleu``), else
    the validation loss."""
    data = config.get("data") if isinstance(config.get("data"), dict) else {}
    if config.get("task") == "mt":
        return str(data.get("score", "bleu"))
    return "val_loss"


def checkpoint_words(config: dict, info: dict, which: str) -> str:
    """Which checkpoint was loaded and by what score, in words: 'step 3,400, the
    best by validation chrF (61.32)', or 'step 3,913, the last one'."""
    step = info.get("step")
    where = f"step {int(step):,}" if isinstance(step, int) else "an unknown step"
    key = selection_key(config)
    value = (info.get("metrics") or {}).get(key)
    score = f" ({value:.4g})" if isinstance(value, (int, float)) else ""
    if which == "best":
        return f"{where}, the best by {SCORE_NAMES.get(key, key)}{score}"
    if which == "last":
        return f"{where}, the last one"
    return where


@dataclass
class RunSummary:
    """What the browser and ``runs list`` show of a run; ``best_step``: where its best
    checkpoint is, ``selected_by``: the metric that chose it."""

    name: str
    path: Path
    task: str = ""
    created: float = 0.0
    config: dict = field(default_factory=dict)
    step: int = 0
    best: dict = field(default_factory=dict)
    last: dict = field(default_factory=dict)
    size_bytes: int = 0
    error: str | None = None  # a damaged run still lists, with the reason
    best_step: int | None = None
    selected_by: str = "val_loss"

    @property
    def no_best(self) -> str:
        """Why the run has no best checkpoint, in words ("" when it has one, or is
        damaged): a run stopped before its first evaluation must not look like a
        run whose scores went missing."""
        if self.best or self.error:
            return ""
        outcome = self.config.get("outcome")
        reason = outcome.get("reason") if isinstance(outcome, dict) else None
        if reason == "stopped":
            return NO_BEST_STOPPED
        if reason == "failed":
            return NO_BEST_FAILED
        return NO_BEST_YET  # training now, or killed before it could say how it ended

    def to_dict(self) -> dict:
        return {"name": self.name, "path": str(self.path), "task": self.task,
                "created": self.created, "step": self.step, "best": self.best,
                "best_step": self.best_step, "selected_by": self.selected_by,
                "evaluated": bool(self.best), "no_best": self.no_best or None,
                "last": self.last, "size_bytes": self.size_bytes, "error": self.error,
                "config": self.config}


def folder_size(path: Path) -> int:
    """Bytes in the files under ``path``; files that a training going on removes
    meanwhile (a temporary checkpoint renamed, an old one pruned) just do not count."""
    total = 0
    for parent, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(parent, name)).st_size
            except OSError:
                continue
    return total


class Run:
    """One run folder. Methods never hold the folder open between calls."""

    def __init__(self, path: Path):
        self.path = Path(path)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def checkpoints_dir(self) -> Path:
        return self.path / CHECKPOINTS

    def step_folder(self, step: int) -> Path:
        """The folder of this run's checkpoint at ``step`` (``checkpoints/step-00001200``)."""
        return self.checkpoints_dir / f"step-{int(step):08d}"

    # -- config ------------------------------------------------------------
    def read_config(self) -> dict:
        try:
            data = json.loads((self.path / RUN_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CheckpointError(f"{self.path} is not a run (no {RUN_FILE})") from None
        except (OSError, ValueError) as exc:
            raise CheckpointError(f"{self.path / RUN_FILE} is damaged ({exc})") from exc
        if not isinstance(data, dict):
            raise CheckpointError(f"{self.path / RUN_FILE} is damaged (not an object)")
        return data

    def write_config(self, data: dict) -> None:
        write_json_atomic(self.path / RUN_FILE, data)

    def record_outcome(self, outcome: dict) -> None:
        """Keep how the latest training session ended (reason, step, why) in run.json."""
        try:
            self.write_config({**self.read_config(), "outcome": outcome})
        except (StudioError, OSError) as exc:  # the checkpoints matter; this is a note
            log.warning("could not record how run %s ended: %s", self.name, exc)

    # -- metrics and samples -----------------------------------------------
    def append_jsonl(self, filename: str, row: dict) -> None:
        with open(self.path / filename, "a", encoding="utf-8") as f:
            f.write(json.dumps(row, allow_nan=True) + "\n")

    def metrics(self) -> list[dict]:
        return read_jsonl(self.path / METRICS)

    def samples(self) -> list[dict]:
        return read_jsonl(self.path / SAMPLES)

    def truncate_history(self, step: int) -> None:
        """Drop metrics and samples logged after ``step`` (before a resume from it),
        so that the curve continues where the checkpoint stopped."""
        for filename in (METRICS, SAMPLES):
            path = self.path / filename
            if not path.exists():
                continue
            rows = [r for r in read_jsonl(path) if r.get("step", 0) <= step]
            tmp = path.with_name(f".{filename}.tmp")
            with open(tmp, "w", encoding="utf-8") as f:
                f.writelines(json.dumps(r) + "\n" for r in rows)
            os.replace(tmp, path)

    # -- checkpoints ---------------------------------------------------------
    def read_index(self) -> dict:
        """``{"last": name, "best": name}``, rebuilt from the folders if damaged.

        Only names of complete checkpoint folders count (an index edited to point
        outside the run, or at a folder a crash removed, is not followed); "last"
        without a folder falls back to the newest complete checkpoint."""
        index: dict = {}
        try:
            data = json.loads((self.checkpoints_dir / INDEX).read_text(encoding="utf-8"))
            if isinstance(data, dict):
                index = {k: v for k, v in data.items() if isinstance(v, str)
                         and CHECKPOINT_RE.fullmatch(v)
                         and (self.checkpoints_dir / v / INFO).is_file()}
        except FileNotFoundError:
            pass
        except (OSError, ValueError):
            log.warning("%s is damaged; rebuilding it from the checkpoints", INDEX)
        if "last" not in index:
            names = self.checkpoint_names()
            if names:
                index["last"] = names[-1]
        return index

    def best_or_last(self) -> str:
        """The checkpoint "best" stands for: the best one, or the last while no
        evaluation has chosen one ("" when there is no checkpoint yet)."""
        index = self.read_index()
        return index.get("best") or index.get("last") or ""

    def checkpoint_names(self) -> list[str]:
        """Complete checkpoint folders, oldest first (temporary ones are skipped)."""
        if not self.checkpoints_dir.is_dir():
            return []
        return sorted(p.name for p in self.checkpoints_dir.iterdir()
                      if p.is_dir() and p.name.startswith("step-") and (p / INFO).is_file())

    def resolve_checkpoint(self, which: str = "last") -> Path:
        index = self.read_index()
        name = index.get(which, which)
        path = self.checkpoints_dir / name
        if not CHECKPOINT_RE.fullmatch(name) or not (path / INFO).is_file():
            if which in ("last", "best") and not index:
                raise CheckpointError(f"run {self.name!r} has no checkpoint yet")
            raise CheckpointError(f"run {self.name!r} has no checkpoint {which!r}")
        return path

    def load(self, which: str = "last") -> Checkpoint:
        """Load a checkpoint; if ``last`` is damaged, fall back to an older one."""
        path = self.resolve_checkpoint(which)
        try:
            return load_checkpoint(path)
        except CheckpointError as exc:
            if which != "last":
                raise
            for name in reversed(self.checkpoint_names()):
                if name == path.name:
                    continue
                try:
                    ckpt = load_checkpoint(self.checkpoints_dir / name)
                except CheckpointError:
                    continue
                log.warning("%s; loaded the older checkpoint %s instead", exc, name)
                return ckpt
            raise

    def load_train_state(self, checkpoint: Path) -> dict:
        return load_train_state(checkpoint)

    def save_checkpoint(self, step: int, *, tags: tuple[str, ...], keep: int, **payload) -> Path:
        """Save a checkpoint for ``step``, point ``tags`` (last, best) at it, and
        delete old ones beyond the ``keep`` most recent (last and best always stay)."""
        self.checkpoints_dir.mkdir(parents=True, exist_ok=True)
        folder = self.step_folder(step)
        name = folder.name
        if folder.exists():  # the same step again (after a resume from an older one)
            self._replace_checkpoint(folder, payload)
        else:
            save_checkpoint(folder, **payload)
        index = self.read_index()
        for tag in tags:
            index[tag] = name
        try:
            write_json_atomic(self.checkpoints_dir / INDEX, index)
        except OSError as exc:
            raise CheckpointError(f"could not update {INDEX}: {exc}") from exc
        self._prune(index, keep)
        return folder

    def _replace_checkpoint(self, folder: Path, payload: dict) -> None:
        """Write the new checkpoint beside the old one, then swap them by two
        renames: the old one is whole until the new one is."""
        tag = uuid.uuid4().hex[:8]
        staged = save_checkpoint(folder.with_name(f".tmp-new-{folder.name}-{tag}"), **payload)
        try:
            self._remove_checkpoint(folder)
            os.rename(staged, folder)
        except OSError as exc:
            raise CheckpointError(f"could not replace {folder}: {exc.strerror or exc}") from exc

    def _remove_checkpoint(self, folder: Path) -> None:
        """Hide the folder first (one rename), then delete it: a deletion cut short
        leaves a hidden folder for the next save to clear, never a half checkpoint."""
        doomed = folder.with_name(f".tmp-old-{folder.name}-{uuid.uuid4().hex[:8]}")
        os.rename(folder, doomed)
        shutil.rmtree(doomed, ignore_errors=True)

    def _prune(self, index: dict, keep: int) -> None:
        protected = set(index.values())
        names = self.checkpoint_names()
        extra = [n for n in names if n not in protected]
        for name in extra[:max(0, len(extra) - keep)]:
            try:
                self._remove_checkpoint(self.checkpoints_dir / name)
            except OSError as exc:
                log.warning("could not remove the old checkpoint %s: %s", name, exc)
        for stale in self.checkpoints_dir.glob(".*"):  # all temporary: left by a crash mid-save
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
            else:  # a half-written index
                stale.unlink(missing_ok=True)

    # -- locking -------------------------------------------------------------
    @contextmanager
    def lock(self) -> Iterator[None]:
        """Held while training: a second writer gets a clear message."""
        path = self.path / ".lock"
        try:  # a link planted as .lock would have its target truncated below
            fd = os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o644)
        except OSError as exc:
            raise CheckpointError(f"run {self.name!r} cannot be locked for training ({path}: "
                                  f"{exc.strerror or exc})") from exc
        try:
            try:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except ImportError:  # Windows: no advisory locks; proceed
                pass
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EACCES):
                    raise StudioError(
                        f"run {self.name!r} is being trained by another process; wait for it "
                        "to finish or stop it first") from None
                raise
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
            yield
        finally:
            os.close(fd)

    # -- summary -------------------------------------------------------------
    def summary(self) -> RunSummary:
        s = RunSummary(name=self.name, path=self.path)
        try:
            cfg = self.read_config()
            s.task, s.created, s.config = cfg.get("task", ""), cfg.get("created", 0.0), cfg
            index = self.read_index()
            if "last" in index:
                s.last = read_info(self.checkpoints_dir / index["last"])
                s.step = int(s.last.get("step", 0))
            s.selected_by = selection_key(cfg)
            if "best" in index:
                best = read_info(self.checkpoints_dir / index["best"])
                s.best, s.best_step = best.get("metrics", {}), best.get("step")
            s.size_bytes = folder_size(self.path)
        except (CheckpointError, OSError, ValueError, TypeError) as exc:
            s.error = str(exc)
        return s


class Workspace:
    """The folder holding every run (``runs/``)."""

    def __init__(self, root: Path):
        self.root = Path(root).expanduser()
        self.runs_dir = self.root / "runs"

    def ensure_writable(self) -> None:
        """Create the workspace, or say in plain words why it cannot be used."""
        try:
            self.runs_dir.mkdir(parents=True, exist_ok=True)
            probe = self.runs_dir / f".probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise StudioError(
                f"the workspace {self.root} cannot be written ({exc.strerror or exc}); "
                "choose another folder with --workspace or in the settings") from exc

    def remove_leftovers(self) -> None:
        """Delete the hidden folders that a crash or a kill leaves in ``runs/``:
        a run being deleted (``.deleting-*``, any age: it was on its way out) and,
        once a day old (so never one another process is using), a run being
        created (``.new-*``) or imported (``.import-*``)."""
        if not self.runs_dir.is_dir():
            return
        now = time.time()
        for folder in self.runs_dir.glob(".*-*"):
            kind = folder.name.split("-", 1)[0]
            try:
                if not folder.is_dir() or folder.is_symlink() or kind not in LEFTOVERS:
                    continue
                if kind == ".deleting" or now - folder.stat().st_mtime > STALE_S:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                continue

    def list_runs(self) -> list[RunSummary]:
        if not self.runs_dir.is_dir():
            return []
        runs = [Run(p).summary() for p in sorted(self.runs_dir.iterdir())
                if p.is_dir() and not p.name.startswith(".")]
        return sorted(runs, key=lambda s: s.created, reverse=True)

    def free_name(self, base: str, taken: Collection[str] = ()) -> str:
        """``base``, or ``base-2``, ``base-3``... whichever is neither a run here nor in
        ``taken`` (names already given to queued runs)."""
        name, number = base, 2
        while name in taken or (self.runs_dir / name).exists():
            name, number = f"{base}-{number}", number + 1
        return name

    def create_run(self, name: str, config: dict) -> Run:
        check_run_name(name)
        self.ensure_writable()
        self.remove_leftovers()
        path = self.runs_dir / name
        exists = StudioError(f"a run named {name!r} already exists in {self.runs_dir}; "
                             f"continue it with --resume {name!r}, or choose another name")
        if path.exists():
            raise exists
        # written in a hidden folder and renamed: a crash never leaves a run without run.json
        staged = Run(self.runs_dir / f".new-{uuid.uuid4().hex[:12]}")
        try:
            staged.path.mkdir()
            staged.write_config({**config, "name": name, "created": time.time()})
            os.rename(staged.path, path)  # fails if another process took the name meanwhile
        except OSError as exc:
            shutil.rmtree(staged.path, ignore_errors=True)
            if path.exists():
                raise exists from None
            raise StudioError(f"could not create run {name!r} in {self.runs_dir}: "
                              f"{exc.strerror or exc}") from exc
        return Run(path)

    def resolve(self, ref: str | Path) -> Run:
        """A run by name (in this workspace) or by the path of its folder."""
        candidates = [self.runs_dir / str(ref), Path(ref).expanduser()]
        for path in candidates:
            if (path / RUN_FILE).is_file():
                return Run(path)
        names = [p.name for p in self.runs_dir.iterdir()] if self.runs_dir.is_dir() else []
        hint = f"; runs here: {', '.join(sorted(names)[:10])}" if names else ""
        raise StudioError(f"no run {str(ref)!r} in {self.runs_dir}{hint}")

    # -- managing runs -------------------------------------------------------
    def folder_of(self, name: str) -> Path:
        """The folder of run ``name`` here, by name only (a damaged run, whose
        ``run.json`` is unreadable, can still be renamed or deleted)."""
        if not name or name.startswith(".") or any(c in name for c in "/\\\0"):
            raise StudioError(f"{name!r} is not the name of a run")
        path = self.runs_dir / name
        if not path.is_dir():
            raise StudioError(f"no run {name!r} in {self.runs_dir}")
        return path

    @staticmethod
    def check_idle(run: Run, doing: str) -> None:
        """Refuse to touch a run being trained, by this process or another: its
        training lock is held. (Checked, then released: Windows cannot rename a
        folder holding an open file.)"""
        try:
            with run.lock():
                pass
        except (OSError, CheckpointError):  # a read-only folder: the rename that follows says so
            pass
        except StudioError:
            raise StudioError(f"run {run.name!r} is being trained; stop its training before "
                              f"{doing} it") from None

    def rename_run(self, old: str, new: str) -> Run:
        """Rename a run's folder (and the name in its ``run.json``)."""
        source = self.folder_of(old)
        check_run_name(new)
        if new == old:
            return Run(source)
        target = self.runs_dir / new
        if target.exists() and not target.samefile(source):  # same: a change of case
            raise StudioError(f"a run named {new!r} already exists; choose another name")
        run = Run(source)
        self.check_idle(run, "renaming")
        try:
            os.rename(source, target)
        except OSError as exc:
            raise StudioError(f"could not rename run {old!r} to {new!r}: "
                              f"{exc.strerror or exc}") from exc
        renamed = Run(target)
        try:
            config = renamed.read_config()
        except CheckpointError:  # a damaged run keeps its damaged run.json
            return renamed
        renamed.write_config({**config, "name": new})
        return renamed

    def delete_run(self, name: str) -> None:
        """Delete a run and its checkpoints. The folder is first renamed to a hidden
        one, so that a deletion cut short never leaves a half run in the list."""
        path = self.folder_of(name)
        if path.is_symlink():  # a link placed here by hand: remove the link only
            path.unlink()
            return
        run = Run(path)
        doomed = self.runs_dir / f".deleting-{uuid.uuid4().hex[:8]}"
        self.check_idle(run, "deleting")
        try:
            os.rename(path, doomed)
        except OSError as exc:
            raise StudioError(f"could not delete run {name!r}: {exc.strerror or exc}") from exc
        shutil.rmtree(doomed, ignore_errors=True)
        if doomed.exists():
            log.warning("could not remove all of %s; delete it by hand", doomed)
        self.remove_leftovers()



def load_model(run: Run, which: str, task: str, label: str, build):
    """Rebuild a run's model from a checkpoint (on the CPU) for ``task``.

    ``which`` "best" falls back to "last" when the best one is damaged or
    missing; ``build(model_config)`` makes the empty module; ``label`` names
    the task in messages. Returns ``(model, checkpoint)``.
    """
    try:
        ckpt = run.load(which)
    except CheckpointError:
        if which != "best":
            raise
        ckpt = run.load("last")  # a damaged best: the last one (as Run.best_or_last)
    if ckpt.task != task:
        raise CheckpointError(f"run {run.name!r} is a {ckpt.task or 'unknown'} run, "
                              f"not {label}")
    model = build(ckpt.model_config)
    try:
        model.load_state_dict(ckpt.weights)
    except RuntimeError as exc:
        raise CheckpointError(f"the weights in {ckpt.path} do not fit their model "
                              f"configuration ({str(exc).splitlines()[0]})") from exc
    model.eval()
    return model, ckpt
