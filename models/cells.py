"""LSTM and GRU written out from their gate equations, for reading and inspection.

These are reference implementations: one time step is a few lines that follow
the equations in ``docs/cells.md`` gate by gate, and the sequence runners keep
every gate's value at every step (a :class:`GateTrace`). They are slow; training
uses ``nn.LSTM`` / ``nn.GRU``, and :meth:`ReferenceLSTM.from_torch` /
:meth:`ReferenceGRU.from_torch` copy a trained fused module's weights in so its
gates can be looked at.

Weight layout is PyTorch's, so weights copy across unchanged. With ``H`` the
hidden size and ``I`` the input size:

- LSTM: ``weight_ih`` (4H, I) stacks ``[W_i; W_f; W_g; W_o]`` (input, forget,
  candidate, output), ``weight_hh`` (4H, H) likewise, ``bias_ih`` and
  ``bias_hh`` (4H,).
- GRU: ``weight_ih`` (3H, I) stacks ``[W_r; W_z; W_n]`` (reset, update,
  candidate), ``weight_hh`` (3H, H) likewise, ``bias_ih`` and ``bias_hh`` (3H,).

The GRU comes in two variants (``docs/cells.md`` explains them):

- ``"pytorch"``: what ``nn.GRU`` computes; the reset gate multiplies the
  recurrent product, ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, and
  ``h' = (1 - z) * n + z * h``.
- ``"textbook"``: the reset gate multiplies the state before the product, as in
  Cho et al. (2014), ``n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)``, and
  ``h' = (1 - z) * h + z * n`` as in Chung et al. (2014).

State formats (per layer, no layer dimension): LSTM ``(h, c)`` each (B, H);
GRU ``h`` (B, H). The sequence runners take and return a list of these, one
per layer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from models.config import check_choice, check_int
from models.errors import ConfigError

__all__ = [
    "GRU_VARIANTS",
    "GRUCell",
    "GateTrace",
    "LSTMCell",
    "ReferenceGRU",
    "ReferenceLSTM",
]

GRU_VARIANTS = ("pytorch", "textbook")

LSTM_TRACE_NAMES = ("input", "forget", "candidate", "cell", "output", "hidden")
GRU_TRACE_NAMES = ("reset", "update", "candidate", "hidden")


def _linear(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """``x @ weight.T + bias``: (B, in) -> (B, out)."""
    y = x @ weight.t()
    return y if bias is None else y + bias


class _GatedCell(nn.Module):
    """Holds the four PyTorch-layout tensors of a cell with ``gates`` gates."""

    def __init__(self, input_size: int, hidden_size: int, gates: int, bias: bool = True):
        super().__init__()
        check_int(type(self).__name__, "input_size", input_size, 1)
        check_int(type(self).__name__, "hidden_size", hidden_size, 1)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = nn.Parameter(torch.empty(gates * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(gates * hidden_size, hidden_size))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(gates * hidden_size))
            self.bias_hh = nn.Parameter(torch.empty(gates * hidden_size))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self._gates = gates
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: every weight and bias uniform in ±1/sqrt(H)."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def _split(self) -> tuple[tuple[Tensor, ...], tuple[Tensor, ...],
                              tuple[Tensor | None, ...], tuple[Tensor | None, ...]]:
        """The per-gate blocks: W_i* (H, I), W_h* (H, H), b_i* (H,), b_h* (H,)."""
        n = self._gates
        w_i = self.weight_ih.chunk(n, 0)
        w_h = self.weight_hh.chunk(n, 0)
        b_i = self.bias_ih.chunk(n, 0) if self.bias_ih is not None else (None,) * n
        b_h = self.bias_hh.chunk(n, 0) if self.bias_hh is not None else (None,) * n
        return w_i, w_h, b_i, b_h

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, bias={self.bias}"


class LSTMCell(_GatedCell):
    """One LSTM step from the gate equations (PyTorch weight layout, see module doc).

    ``forward(x (B, I), (h (B, H), c (B, H))) -> ((h', c'), values)`` where
    ``values`` maps ``input, forget, candidate, cell, output, hidden`` to (B, H).
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__(input_size, hidden_size, 4, bias)

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor]
                ) -> tuple[tuple[Tensor, Tensor], dict[str, Tensor]]:
        h, c = state  # (B, H), (B, H)
        (W_ii, W_if, W_ig, W_io), (W_hi, W_hf, W_hg, W_ho), \
            (b_ii, b_if, b_ig, b_io), (b_hi, b_hf, b_hg, b_ho) = self._split()
        i = torch.sigmoid(_linear(x, W_ii, b_ii) + _linear(h, W_hi, b_hi))  # input gate
        f = torch.sigmoid(_linear(x, W_if, b_if) + _linear(h, W_hf, b_hf))  # forget gate
        g = torch.tanh(_linear(x, W_ig, b_ig) + _linear(h, W_hg, b_hg))     # candidate
        o = torch.sigmoid(_linear(x, W_io, b_io) + _linear(h, W_ho, b_ho))  # output gate
        c_new = f * c + i * g           # keep part of the old memory, write part of the new
        h_new = o * torch.tanh(c_new)   # expose part of the memory
        values = {"input": i, "forget": f, "candidate": g, "cell": c_new,
                  "output": o, "hidden": h_new}
        return (h_new, c_new), values


class GRUCell(_GatedCell):
    """One GRU step from the gate equations, ``variant`` ``"pytorch"`` or ``"textbook"``.

    ``forward(x (B, I), h (B, H)) -> (h', values)`` where ``values`` maps
    ``reset, update, candidate, hidden`` to (B, H). Both variants use the same
    parameters (PyTorch layout); they compute different functions of them.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 variant: str = "pytorch"):
        check_choice("GRUCell", "variant", variant, GRU_VARIANTS)
        super().__init__(input_size, hidden_size, 3, bias)
        self.variant = variant

    def forward(self, x: Tensor, h: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        (W_ir, W_iz, W_in), (W_hr, W_hz, W_hn), \
            (b_ir, b_iz, b_in), (b_hr, b_hz, b_hn) = self._split()
        r = torch.sigmoid(_linear(x, W_ir, b_ir) + _linear(h, W_hr, b_hr))  # reset gate
        z = torch.sigmoid(_linear(x, W_iz, b_iz) + _linear(h, W_hz, b_hz))  # update gate
        if self.variant == "pytorch":
            # reset applied after the recurrent product; z weighs the OLD state
            n = torch.tanh(_linear(x, W_in, b_in) + r * _linear(h, W_hn, b_hn))
            h_new = (1 - z) * n + z * h
        else:
            # reset applied to the state before the product; z weighs the NEW candidate
            n = torch.tanh(_linear(x, W_in, b_in) + _linear(r * h, W_hn, b_hn))
            h_new = (1 - z) * h + z * n
        values = {"reset": r, "update": z, "candidate": n, "hidden": h_new}
        return h_new, values

    def extra_repr(self) -> str:
        return super().extra_repr() + f", variant={self.variant!r}"


@dataclass(frozen=True)
class GateTrace:
    """Every gate's value at every time step, per layer.

    ``layers[l][name]`` is a (T, B, H_l) tensor (time first, whatever the
    runner's ``batch_first``). LSTM names: ``input, forget, candidate, cell,
    output, hidden``; GRU names: ``reset, update, candidate, hidden``.
    """

    cell: str                                   # "lstm" or "gru"
    names: tuple[str, ...]
    layers: tuple[dict[str, Tensor], ...]

    @property
    def num_layers(self) -> int:
        return len(self.layers)

    def gate(self, name: str, layer: int = -1) -> Tensor:
        """The (T, B, H) values of gate ``name`` in ``layer`` (last layer by default)."""
        if name not in self.names:
            raise KeyError(f"no gate {name!r} in a {self.cell} trace; gates are {self.names}")
        return self.layers[layer][name]


def _layer_inputs(input_size: int, hidden_sizes: Sequence[int]) -> list[tuple[int, int]]:
    """``(input size, hidden size)`` of each layer of a stack."""
    sizes = list(hidden_sizes)
    if not sizes:
        raise ConfigError("A reference RNN needs at least one layer size in hidden_sizes.")
    return list(zip([input_size, *sizes[:-1]], sizes, strict=True))


class _ReferenceRNN(nn.Module):
    """A stack of reference cells run over a sequence; see ReferenceLSTM / ReferenceGRU."""

    cell_name: str
    trace_names: tuple[str, ...]
    torch_type: type[nn.RNNBase]

    def __init__(self, cells: list[_GatedCell], batch_first: bool):
        super().__init__()
        self.cells = nn.ModuleList(cells)
        self.batch_first = batch_first

    @property
    def hidden_sizes(self) -> tuple[int, ...]:
        return tuple(cell.hidden_size for cell in self.cells)

    @property
    def input_size(self) -> int:
        return self.cells[0].input_size

    def init_state(self, batch_size: int, device: torch.device | str | None = None) -> list:
        """Zero state, one entry per layer (see the module doc for the format)."""
        w = self.cells[0].weight_ih
        like = w if device is None else w.to(device)
        return [self._layer_zeros(batch_size, cell.hidden_size, like) for cell in self.cells]

    def _layer_zeros(self, batch_size: int, size: int, like: Tensor):
        raise NotImplementedError

    def forward(self, x: Tensor, state: list | None = None) -> tuple[Tensor, list, GateTrace]:
        """Run the sequence.

        x: (T, B, I), or (B, T, I) when ``batch_first``.
        state: a list with one entry per layer (LSTM ``(h, c)``, GRU ``h``,
        each (B, H_l)); zeros when None.
        Returns ``(output, final_state, trace)``: the last layer's hidden state
        at every step, (T, B, H_last) or (B, T, H_last); the final state in the
        same format as ``state``; and the :class:`GateTrace`.
        """
        if self.batch_first:
            x = x.transpose(0, 1)  # (T, B, I)
        if state is None:
            state = [self._layer_zeros(x.shape[1], c.hidden_size, x) for c in self.cells]
        if len(state) != len(self.cells):
            raise ValueError(f"state has {len(state)} layers, the network {len(self.cells)}")
        layer_input = x  # (T, B, I)
        finals, traces = [], []
        for cell, s in zip(self.cells, state, strict=True):
            values: dict[str, list[Tensor]] = {name: [] for name in self.trace_names}
            for t in range(layer_input.shape[0]):
                s, step_values = cell(layer_input[t], s)
                for name, v in step_values.items():
                    values[name].append(v)                  # (B, H)
            layer_trace = {name: torch.stack(v) for name, v in values.items()}  # (T, B, H)
            traces.append(layer_trace)
            finals.append(s)
            layer_input = layer_trace["hidden"]              # (T, B, H) feeds the next layer
        output = layer_input.transpose(0, 1) if self.batch_first else layer_input
        trace = GateTrace(cell=self.cell_name, names=self.trace_names, layers=tuple(traces))
        return output, finals, trace

    @staticmethod
    def _modules(rnn: nn.Module | Iterable[nn.Module]) -> list[nn.Module]:
        if isinstance(rnn, nn.RNNBase):
            return [rnn]
        return list(rnn)

    @classmethod
    def _check_torch(cls, modules: list[nn.Module]) -> tuple[int, list[int], bool, bool]:
        """Validate a stack of torch RNNs; returns (input size, per-layer sizes, bias, batch_first)."""
        if not modules:
            raise ValueError("from_torch needs at least one module")
        sizes: list[int] = []
        for m in modules:
            if not isinstance(m, cls.torch_type):
                raise TypeError(
                    f"{cls.__name__}.from_torch expects nn.{cls.torch_type.__name__} modules, "
                    f"got {type(m).__name__}"
                )
            if m.bidirectional or getattr(m, "proj_size", 0):
                what = "bidirectional" if m.bidirectional else f"proj_size={m.proj_size}"
                raise ConfigError(
                    f"Gate inspection covers one-directional {cls.cell_name.upper()} layers "
                    f"without projections, and this one is {what}. Inspect a model whose "
                    "layers are one-directional with proj_size=0."
                )
            expected = sizes[-1] if sizes else m.input_size
            if m.input_size != expected:
                raise ValueError(
                    f"stacked modules do not chain: input size {m.input_size} after a "
                    f"layer of size {expected}"
                )
            sizes.extend([m.hidden_size] * m.num_layers)
        biases = {m.bias for m in modules}
        firsts = {m.batch_first for m in modules}
        if len(biases) > 1 or len(firsts) > 1:
            raise ValueError("stacked modules disagree on bias or batch_first")
        return modules[0].input_size, sizes, biases.pop(), firsts.pop()

    @torch.no_grad()
    def _copy_from(self, modules: list[nn.Module]) -> None:
        """Copy weight_ih_l{k}, weight_hh_l{k}, bias_*_l{k} into the cells in order."""
        cells = iter(self.cells)
        for m in modules:
            for k in range(m.num_layers):
                cell = next(cells)
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    target = getattr(cell, name)
                    if target is not None:
                        target.copy_(getattr(m, f"{name}_l{k}"))


class ReferenceLSTM(_ReferenceRNN):
    """A multi-layer LSTM built from :class:`LSTMCell`, one size per layer.

    ``ReferenceLSTM(input_size, hidden_sizes, bias=True, batch_first=False)``;
    ``forward(x, state=None) -> (output, final_state, trace)``. No dropout:
    it equals ``nn.LSTM`` in eval mode (or with ``dropout=0``).
    """

    cell_name = "lstm"
    trace_names = LSTM_TRACE_NAMES
    torch_type = nn.LSTM

    def __init__(self, input_size: int, hidden_sizes: Sequence[int], *, bias: bool = True,
                 batch_first: bool = False):
        super().__init__([LSTMCell(i, h, bias) for i, h in _layer_inputs(input_size, hidden_sizes)],
                         batch_first)

    def _layer_zeros(self, batch_size: int, size: int, like: Tensor) -> tuple[Tensor, Tensor]:
        return like.new_zeros(batch_size, size), like.new_zeros(batch_size, size)

    @classmethod
    def from_torch(cls, rnn: nn.LSTM | Iterable[nn.LSTM]) -> ReferenceLSTM:
        """A reference copy of an ``nn.LSTM``, or of a stack of them (e.g. an ``nn.ModuleList``).

        The copy has the first module's dtype, device and ``batch_first``.
        """
        modules = cls._modules(rnn)
        input_size, sizes, bias, batch_first = cls._check_torch(modules)
        ref = cls(input_size, sizes, bias=bias, batch_first=batch_first)
        w = modules[0].weight_ih_l0
        ref.to(device=w.device, dtype=w.dtype)._copy_from(modules)
        return ref


class ReferenceGRU(_ReferenceRNN):
    """A multi-layer GRU built from :class:`GRUCell`, one size per layer.

    ``ReferenceGRU(input_size, hidden_sizes, bias=True, batch_first=False,
    variant="pytorch")``; ``forward(x, state=None) -> (output, final_state, trace)``.
    With ``variant="pytorch"`` it equals ``nn.GRU`` in eval mode.
    """

    cell_name = "gru"
    trace_names = GRU_TRACE_NAMES
    torch_type = nn.GRU

    def __init__(self, input_size: int, hidden_sizes: Sequence[int], *, bias: bool = True,
                 batch_first: bool = False, variant: str = "pytorch"):
        check_choice("ReferenceGRU", "variant", variant, GRU_VARIANTS)
        super().__init__(
            [GRUCell(i, h, bias, variant) for i, h in _layer_inputs(input_size, hidden_sizes)],
            batch_first)
        self.variant = variant

    def _layer_zeros(self, batch_size: int, size: int, like: Tensor) -> Tensor:
        return like.new_zeros(batch_size, size)

    @classmethod
    def from_torch(cls, rnn: nn.GRU | Iterable[nn.GRU], variant: str = "pytorch"
                   ) -> ReferenceGRU:
        """A reference copy of an ``nn.GRU``, or of a stack of them.

        Weights are copied as they are; only ``variant="pytorch"`` computes what
        the trained module computes.
        """
        modules = cls._modules(rnn)
        input_size, sizes, bias, batch_first = cls._check_torch(modules)
        ref = cls(input_size, sizes, bias=bias, batch_first=batch_first, variant=variant)
        w = modules[0].weight_ih_l0
        ref.to(device=w.device, dtype=w.dtype)._copy_from(modules)
        return ref
