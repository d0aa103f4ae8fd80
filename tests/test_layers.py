"""The layers hold: gui -> nlp -> models, nothing back, and no Qt below the window.

The contracts are written in pyproject.toml ([tool.importlinter]); this runs
import-linter over them, so a change that breaks a layer fails the suite with
the import chain that broke it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
