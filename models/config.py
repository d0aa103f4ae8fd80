"""Shared helpers for model configs: dict round-trips and value checks.

Model configs are frozen dataclasses. A config travels as a plain dict (in a
checkpoint's JSON, in the GUI's settings), so each one needs two things:

- ``to_dict(cfg)``: a JSON-ready dict (tuples become lists);
- ``from_dict(Config, d)``: the reverse, where an unknown key is a
  :class:`~models.errors.ConfigError` naming the key and the valid ones (a typo
  must never be silently ignored), and lists come back as tuples.

:class:`DictConfig` is a mixin that gives a dataclass ``Config.from_dict(d)``
and ``cfg.to_dict()``. The ``check_*`` functions are for ``__post_init__``:
each raises ``ConfigError`` with a message that says which value is wrong and
what would be valid.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from models.errors import ConfigError

C = TypeVar("C")

__all__ = [
    "DictConfig",
    "check_bool",
    "check_choice",
    "check_float",
    "check_int",
    "from_dict",
    "to_dict",
]


def _field_names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.init]


def _allows_tuple(hint: Any) -> bool:
    """True when a type hint is ``tuple[...]`` or a union that contains one."""
    if hint is tuple or typing.get_origin(hint) is tuple:
        return True
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return any(_allows_tuple(arg) for arg in typing.get_args(hint))
    return False


def _to_tuple(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_to_tuple(v) for v in value)
    return value


def _to_list(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_to_list(v) for v in value]
    return value


def from_dict(cls: type[C], d: Mapping[str, Any]) -> C:
    """Build the dataclass ``cls`` from ``d``; unknown or missing keys are a ConfigError.

    Lists are turned back into tuples for fields typed ``tuple[...]`` (JSON
    has no tuples). Value checks are the dataclass's own ``__post_init__``.
    A class may name itself in messages (``LABEL = "training"``) and list
    ``RETIRED`` keys: settings older files may hold that no longer exist, dropped.
    """
    name = getattr(cls, "LABEL", cls.__name__)
    if not isinstance(d, Mapping):
        raise ConfigError(
            f"{name} settings must be a mapping of setting names to values, "
            f"got {type(d).__name__}."
        )
    retired = getattr(cls, "RETIRED", frozenset())
    d = {k: v for k, v in d.items() if k not in retired}
    valid = _field_names(cls)
    unknown = [k for k in d if k not in valid]
    if unknown:
        key = unknown[0]
        close = difflib.get_close_matches(str(key), valid, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ConfigError(
            f"Unknown {name} setting {key!r}.{hint} Valid settings are: {', '.join(valid)}."
        )
    required = [
        f.name for f in dataclasses.fields(cls)
        if f.init and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    missing = [k for k in required if k not in d]
    if missing:
        raise ConfigError(
            f"{name} is missing the setting(s) {', '.join(missing)}; "
            f"required settings are: {', '.join(required)}."
        )
    hints = typing.get_type_hints(cls)
    kwargs = {
        k: _to_tuple(v) if _allows_tuple(hints.get(k)) else v for k, v in d.items()
    }
    return cls(**kwargs)


def to_dict(cfg: Any) -> dict[str, Any]:
    """A JSON-ready dict of a config dataclass's fields (tuples become lists)."""
    if not dataclasses.is_dataclass(cfg) or isinstance(cfg, type):
        raise TypeError(f"to_dict expects a dataclass instance, got {type(cfg).__name__}")
    return {f.name: _to_list(getattr(cfg, f.name)) for f in dataclasses.fields(cfg) if f.init}


class DictConfig:
    """Mixin for config dataclasses: ``Config.from_dict(d)`` and ``cfg.to_dict()``.

    Every settings object read back from a file (a model's config, a run's training
    settings and data spec) is one of these, so all are read one way."""

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]):
        """Build the config from a dict; see :func:`from_dict`."""
        return from_dict(cls, d)

    def to_dict(self) -> dict[str, Any]:
        """The config as a JSON-ready dict; see :func:`to_dict`."""
        return to_dict(self)


# ----------------------------------------------------------------------------
# Value checks for __post_init__. `where` names the config ("LMConfig").


def check_int(where: str, name: str, value: Any, minimum: int | None = None) -> None:
    """``value`` must be an int (not a bool) and, if given, at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{where}.{name} must be a whole number, got {value!r}.")
    if minimum is not None and value < minimum:
        raise ConfigError(f"{where}.{name} must be at least {minimum}, got {value}.")


def check_float(where: str, name: str, value: Any, low: float, high: float,
                *, high_inclusive: bool = False) -> None:
    """``value`` must be a number in ``[low, high)`` (or ``[low, high]``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{where}.{name} must be a number, got {value!r}.")
    ok = low <= value <= high if high_inclusive else low <= value < high
    if not ok:
        bracket = "]" if high_inclusive else ")"
        raise ConfigError(
            f"{where}.{name} must be in [{low}, {high}{bracket}, got {value}."
        )


def check_bool(where: str, name: str, value: Any) -> None:
    """``value`` must be ``True`` or ``False``."""
    if not isinstance(value, bool):
        raise ConfigError(f"{where}.{name} must be true or false, got {value!r}.")


def check_choice(where: str, name: str, value: Any, choices: Sequence[str]) -> None:
    """``value`` must be one of ``choices``."""
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ConfigError(f"{where}.{name} must be one of {listed}, got {value!r}.")
