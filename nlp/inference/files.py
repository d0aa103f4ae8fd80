"""A text file translated line by line into another, written atomically.

:func:`translate_file` reports ``(done, total)`` after each chunk of lines and
writes the target only once every line is done, through a temporary file and a
rename (:func:`write_lines`), so a cancel or a failure leaves no half file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from nlp.errors import Cancelled, StudioError
from nlp.inference.interactive import Report, ShouldStop
from nlp.inference.loaded import translator

FILE_CHUNK = 64  # lines translated together (one progress step)


@dataclass
class FileOutcome:
    lines: int
    path: Path | None  # None: cancelled, nothing written


def translate_file(run_path: Path, source: Path, target: Path, beam: int, threads: int,
                   report: Report, should_stop: ShouldStop) -> FileOutcome:
    """Translate ``source`` line by line into ``target`` (one line per line) with
    a run's translator, on ``threads`` intra-op threads."""
    from nlp.data.corpus import iter_lines
    from nlp.decoding.threads import scoped_threads

    loaded = translator(run_path)
    lines = list(iter_lines(source))
    report((0, len(lines)))
    out: list[str] = []
    with scoped_threads(max(1, threads)):
        for start in range(0, len(lines), FILE_CHUNK):
            if should_stop():
                return FileOutcome(len(out), None)
            chunk = lines[start:start + FILE_CHUNK]
            try:
                results = loaded.translator.translate(chunk, beam=beam, attention=False,
                                                      should_stop=should_stop)
            except Cancelled:
                return FileOutcome(len(out), None)
            out += [r.text for r in results]
            report((len(out), len(lines)))
    write_lines(target, out)
    return FileOutcome(len(out), target)


def write_lines(path: Path, lines: list[str]) -> None:
    """Write one text per line, atomically (a temporary file, then a rename)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.writelines(line + "\n" for line in lines)
        os.replace(tmp, path)
    except OSError as exc:
        raise StudioError(f"cannot write {path}: {exc.strerror or exc}. Choose another folder "
                          "or free some disk space.") from exc
    finally:
        if tmp.exists():
            tmp.unlink(missing_ok=True)
