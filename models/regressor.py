"""A stacked LSTM/GRU regressor: a window of a numeric series in, the next value out.

::

    x (B, W, C) -> RNN group 0 -> dropout -> ... -> RNN group k -> last step (B, H_last)
        -> Linear(H_last -> 1) -> (B,)

The Keras stack ``LSTM(50, return_sequences=True)``, ``LSTM(50)``, ``Dense(1)``
is ``RegressorConfig(cell="lstm", hidden=(50, 50))``: every layer but the last
passes its whole sequence up, the last layer's final hidden state feeds the
linear head. As in :mod:`models.language_model`, consecutive layers of equal
size run as one fused ``nn.LSTM`` / ``nn.GRU`` (oneDNN / cuDNN kernels).

Each step of a window has ``inputs`` channels; the series task (``nlp.tasks.series.task``)
feeds two: the scaled value and a mask that is 1 for a real value and 0 for
the left padding of a short history.

With ``centre`` (the default) each window is centred on its level, the mean of
its real values, before the layers see it, and the level is added back to the
output: the layers learn the shape of the series (its seasons), not where its
level happens to be. Without it, a recursive forecast drifts back towards the
training data's mean, and a trend or a slow swing pulls it off by more than
the seasonal-naive forecast is (``docs/series.md`` has the numbers). This is
the instance normalization of RevIN (Kim et al., 2022) without its learned
affine part.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from models.config import DictConfig, check_bool, check_choice, check_float, check_int
from models.errors import ConfigError

__all__ = ["CELLS", "RegressorConfig", "SeriesRegressor"]

CELLS = ("lstm", "gru")


@dataclass(frozen=True)
class RegressorConfig(DictConfig):
    """Everything needed to rebuild a :class:`SeriesRegressor`.

    cell: ``"lstm"`` or ``"gru"``.
    hidden: one size per layer, bottom first (``(50, 50)``: two layers of 50).
    inputs: channels per time step (value and padding mask: 2).
    dropout: drop probability between layers and before the head; in [0, 1).
    centre: centre each window on the mean of its real values (channel 0 the
        value, channel 1 the mask), and add that mean back to the output.
    """

    cell: str = "lstm"
    hidden: tuple[int, ...] = (50, 50)
    inputs: int = 2
    dropout: float = 0.0
    centre: bool = True

    def __post_init__(self) -> None:
        w = "RegressorConfig"
        check_choice(w, "cell", self.cell, CELLS)
        if isinstance(self.hidden, (str, bytes, int)) or not hasattr(self.hidden, "__iter__"):
            raise ConfigError(f"{w}.hidden must be a list of layer sizes, got {self.hidden!r}.")
        sizes = tuple(self.hidden)
        object.__setattr__(self, "hidden", sizes)  # lists (JSON) -> tuple
        if not sizes:
            raise ConfigError(f"{w}.hidden needs at least one layer size, such as 50 50.")
        for k, size in enumerate(sizes):
            check_int(w, f"hidden[{k}]", size, 1)
        check_int(w, "inputs", self.inputs, 1)
        check_float(w, "dropout", self.dropout, 0.0, 1.0)
        object.__setattr__(self, "dropout", float(self.dropout))
        check_bool(w, "centre", self.centre)
        if self.centre and self.inputs < 2:
            raise ConfigError(f"{w}.centre needs a mask channel (inputs 2 or more), got "
                              f"inputs={self.inputs}.")

    @property
    def groups(self) -> tuple[tuple[int, int], ...]:
        """Runs of equal consecutive layer sizes as ``(size, count)``; one fused RNN each."""
        return tuple((size, len(list(run))) for size, run in itertools.groupby(self.hidden))


class SeriesRegressor(nn.Module):
    """Stacked LSTM/GRU layers, then a linear head on the last step's hidden state."""

    def __init__(self, cfg: RegressorConfig):
        super().__init__()
        if not isinstance(cfg, RegressorConfig):
            raise TypeError(f"SeriesRegressor expects a RegressorConfig, got {type(cfg).__name__}")
        self.cfg = cfg
        rnn_type = nn.LSTM if cfg.cell == "lstm" else nn.GRU
        rnns, in_size = [], cfg.inputs
        for size, count in cfg.groups:
            rnns.append(rnn_type(in_size, size, num_layers=count, batch_first=True,
                                 dropout=cfg.dropout if count > 1 else 0.0))
            in_size = size
        self.rnns = nn.ModuleList(rnns)
        self.drop = nn.Dropout(cfg.dropout)
        self.head = nn.Linear(cfg.hidden[-1], 1)
        self._init_forget_bias()

    @torch.no_grad()
    def _init_forget_bias(self) -> None:
        """LSTM forget gates start open (bias 1, as Keras' ``unit_forget_bias``), so a
        fresh model carries the window's values through instead of forgetting them."""
        if self.cfg.cell != "lstm":
            return
        for rnn in self.rnns:
            H = rnn.hidden_size
            for k in range(rnn.num_layers):
                getattr(rnn, f"bias_ih_l{k}")[H:2 * H] = 1.0
                getattr(rnn, f"bias_hh_l{k}")[H:2 * H] = 0.0

    def forward(self, x: Tensor) -> Tensor:
        """x (B, W, inputs) -> the predicted next value of each window, (B,)."""
        level = self.level(x) if self.cfg.centre else None  # (B,)
        if level is not None:
            value = (x[..., 0] - level[:, None]) * x[..., 1]  # padding stays 0
            x = torch.cat([value.unsqueeze(-1), x[..., 1:]], dim=-1)
        for k, rnn in enumerate(self.rnns):
            if k > 0:
                x = self.drop(x)                            # between groups
            x, _ = rnn(x)                                   # (B, W, H_g)
        last = self.drop(x[:, -1])                          # (B, H_last)
        out = self.head(last).squeeze(-1)                   # (B,)
        return out if level is None else out + level

    @staticmethod
    def level(x: Tensor) -> Tensor:
        """The mean of each window's real values (mask 1), (B,); 0 for none."""
        mask = x[..., 1]
        return (x[..., 0] * mask).sum(1) / mask.sum(1).clamp(min=1.0)
