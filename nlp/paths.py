"""Where RNN Studio keeps its data: workspace (runs), caches and logs.

Defaults follow the platform's conventions (platformdirs); every one of them
can be overridden, by a flag or by an environment variable, which is how tests
and CI keep out of the user's folders.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "RNN Studio"


def default_workspace() -> Path:
    """The folder holding runs unless ``--workspace`` or a setting says otherwise."""
    env = os.environ.get("RNN_STUDIO_WORKSPACE")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "workspace"


def cache_dir() -> Path:
    """Folder for derived data that can be rebuilt (encoded token arrays)."""
    env = os.environ.get("RNN_STUDIO_CACHE")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """Folder of the log file that holds the details behind every error message."""
    env = os.environ.get("RNN_STUDIO_LOGS")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def project_root() -> Path:
    """The source tree (holds ``corpora/``, the built-in sample corpora)."""
    return Path(__file__).resolve().parent.parent


def sample_corpora_dir() -> Path:
    return project_root() / "corpora"
