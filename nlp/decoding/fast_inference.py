"""Fast batch-1 generation on a CPU: a frozen int8 (or fp32) copy of a LanguageModel.

Why a separate copy: at batch 1 the fused ``nn.LSTM`` / ``nn.GRU`` call spends
most of its time in oneDNN set-up (~2.3 ms per token for a 2x512 LSTM here),
and generation is bound by reading the weights once per token. The copy
(``bench/bench_generate.py`` measures every option) therefore:

- steps the cells by hand with a few fused element-wise ops, gates reordered
  so that one ``sigmoid`` covers i, f, o;
- looks up layer 0's input gates in a table ``embedding @ W_ih0.T + biases``
  (V, G*H) when it is small (char models): no input matmul at all;
- for LSTM layers above 0 multiplies ``[x, h]`` by ``[W_ih | W_hh]`` once;
- stores the matrices as int8 with one scale per output row (dynamic
  quantization: ``quantized::linear_dynamic``, the kernel behind
  ``torch.ao.quantization.quantize_dynamic``, but per-channel), a quarter of
  the bytes of fp32; falls back to fp32 where the platform has no int8 kernels;
- runs on one or two threads, chosen by timing the tokens as they are made
  (:mod:`nlp.decoding.threads`: two are faster on an idle machine and far
  slower on a busy one), set per call and restored, never process-wide.

State format (``InferenceModel`` only): a list with one entry per layer,
``(h, c)`` for LSTM or ``h`` for GRU, each (B, H_l).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from models.language_model import LanguageModel
from nlp.decoding.threads import AUTO_MAX_THREADS, Compute, ThreadTuner, scoped_threads
from nlp.errors import ConfigError

__all__ = ["MODES", "InferenceModel", "prepare_for_generation"]

log = logging.getLogger(__name__)

MODES = ("auto", "fp32", "quantized")
_TABLE_LIMIT_BYTES = 16 << 20  # layer-0 gate table up to V * G * H * 4 bytes
_INT8_TOLERANCE = 0.05  # measured ~0.5 % of the output range; broken kernels are far off

LinearMap = Callable[[Tensor], Tensor]  # x (B, I) -> (B, O)


# ---------------------------------------------------------------- linear maps


def _own(t: Tensor) -> Tensor:
    """A float32 CPU copy that shares nothing with the model being trained."""
    return t.detach().to("cpu", torch.float32, copy=True)


def _fp32_linear(w: Tensor, b: Tensor | None) -> LinearMap:
    w, b = _own(w).contiguous(), None if b is None else _own(b)
    return lambda x: F.linear(x, w, b)


def _raw_op(overload):
    """The C++ function behind a torch.ops overload, skipping ~10 us of Python checks
    per call that only matter while tracing (torch.compile); the overload itself where
    the private attribute is missing."""
    return getattr(overload, "_op", overload)


def _int8_linear(w: Tensor, b: Tensor | None) -> LinearMap:
    """``x @ w.T + b`` with w as per-row symmetric int8 and x quantized on the fly.

    Checked once against fp32 on a random input; raises RuntimeError (or
    AttributeError where this torch has no int8 kernels) when they disagree.
    """
    linear_dynamic = _raw_op(torch.ops.quantized.linear_dynamic.default)
    w, b = _own(w).contiguous(), None if b is None else _own(b)
    scale = w.abs().amax(1).clamp_min(1e-12) / 127.0                 # (out,)
    zero = torch.zeros(scale.shape, dtype=torch.long)
    with warnings.catch_warnings():  # "quantized tensor creation is deprecated" (torch 2.10+)
        warnings.simplefilter("ignore")
        make = getattr(torch, "_make_per_channel_quantized_tensor", None)
        if make is not None:  # 3x faster than quantize_per_channel
            q = torch.round(w / scale[:, None]).clamp_(-127, 127).to(torch.int8)
            qw = make(q, scale.double(), zero, 0)
        else:
            qw = torch.quantize_per_channel(w, scale.double(), zero, 0, torch.qint8)
        packed = torch.ops.quantized.linear_prepack(qw, b)

    def linear(x: Tensor) -> Tensor:
        # reduce_range: 7-bit activations, so int16 pair sums in fbgemm cannot saturate
        return linear_dynamic(x, packed, True)

    x = torch.rand(2, w.shape[1], generator=torch.Generator().manual_seed(0)) * 2 - 1
    want = F.linear(x, w, b)
    error = float((linear(x) - want).abs().max() / want.abs().max().clamp_min(1e-6))
    if not error <= _INT8_TOLERANCE:  # also catches NaN
        raise RuntimeError(f"an int8 product is off by {error:.1%} of its range")
    return linear


# ---------------------------------------------------------------- layers


class _Layer:
    """One recurrent layer, stepped by hand.

    Its input gates come from ``table`` (layer 0 of a small vocabulary: one
    row per token id, biases included), from ``lin_x(x)``, or (LSTM layers
    that have no ``lin_h``) from one product ``lin_x([x, h])`` with the
    recurrent part.
    """

    __slots__ = ("lstm", "table", "lin_x", "lin_h", "hidden", "_split")

    def __init__(self, lstm: bool, hidden: int, table: Tensor | None, lin_x: LinearMap | None,
                 lin_h: LinearMap | None):
        self.lstm, self.hidden = lstm, hidden
        self.table, self.lin_x, self.lin_h = table, lin_x, lin_h
        self._split = (3 * hidden, hidden) if lstm else (2 * hidden, hidden)

    def step(self, gx: Tensor | None, x: Tensor, s):
        """gx: input gates (B, G*H) or None; x: input (B, I); s: ``(h, c)`` or ``h``.

        Returns ``(h, new s)``.
        """
        if self.lstm:                                            # gates i, f, o, g
            h, c = s
            if gx is None:
                gx = self.lin_x(x) if self.lin_h is not None else None
            g = self.lin_x(torch.cat((x, h), 1)) if gx is None else self.lin_h(h).add_(gx)
            ifo, gg = g.split_with_sizes(self._split, 1)
            i, f, o = torch.sigmoid(ifo).chunk(3, 1)
            c = torch.addcmul(f * c, i, torch.tanh(gg))
            h = o * torch.tanh(c)
            return h, (h, c)
        if gx is None:                                           # gates r, z, n
            gx = self.lin_x(x)
        x_rz, x_n = gx.split_with_sizes(self._split, 1)
        h_rz, h_n = self.lin_h(s).split_with_sizes(self._split, 1)
        r, z = torch.sigmoid(x_rz + h_rz).chunk(2, 1)
        n = torch.tanh(torch.addcmul(x_n, r, h_n))
        h = torch.addcmul(n, z, s - n)                           # (1 - z) * n + z * h
        return h, h


def _lstm_order(t: Tensor, H: int) -> Tensor:
    """Rows i, f, g, o (PyTorch) -> i, f, o, g."""
    i, f, g, o = t.split(H, 0)
    return torch.cat((i, f, o, g), 0)


def _build_layers(model: LanguageModel, make: Callable[[Tensor, Tensor | None], LinearMap]
                  ) -> list[_Layer]:
    cfg = model.cfg
    lstm = cfg.cell == "lstm"
    emb = _own(model.embedding.weight)                        # (V, E)
    layers: list[_Layer] = []
    for rnn in model.rnns:
        H = rnn.hidden_size
        for k in range(rnn.num_layers):
            w_ih, w_hh, b_ih, b_hh = (_own(getattr(rnn, f"{name}_l{k}")) for name in
                                      ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
            first = not layers
            gates = w_ih.shape[0]
            use_table = first and emb.shape[0] * gates * 4 <= _TABLE_LIMIT_BYTES
            if lstm:
                w_ih, w_hh = _lstm_order(w_ih, H), _lstm_order(w_hh, H)
                bias = _lstm_order(b_ih + b_hh, H)
                if use_table:
                    layers.append(_Layer(True, H, emb @ w_ih.T + bias, None, make(w_hh, None)))
                elif first:  # embeddings and h differ in range: quantize them apart
                    layers.append(_Layer(True, H, None, make(w_ih, bias), make(w_hh, None)))
                else:
                    layers.append(_Layer(True, H, None, make(torch.cat((w_ih, w_hh), 1), bias),
                                         None))
            elif use_table:
                layers.append(_Layer(False, H, emb @ w_ih.T + b_ih, None, make(w_hh, b_hh)))
            else:
                layers.append(_Layer(False, H, None, make(w_ih, b_ih), make(w_hh, b_hh)))
    return layers


# ---------------------------------------------------------------- the model


class InferenceModel:
    """A CPU copy of a :class:`LanguageModel` for generation; build it with
    :func:`prepare_for_generation`.

    It holds its own weights (later training of the original does not change
    it), never trains, and is safe to share between threads (the state is
    passed in and out). ``mode`` is ``"quantized"`` or ``"fp32"``;
    ``fallback_reason`` says why ``auto`` chose fp32, if it did.
    """

    device = torch.device("cpu")

    def __init__(self, model: LanguageModel, mode: str, threads: int | ThreadTuner):
        self.cfg = model.cfg
        self.mode = mode
        self.fallback_reason: str | None = None
        self.tuner = threads if isinstance(threads, ThreadTuner) else None
        self._threads = threads
        make = _int8_linear if mode == "quantized" else _fp32_linear
        self._layers = _build_layers(model, make)
        self._embedding = _own(model.embedding.weight)          # (V, E)
        proj, dec = model.proj, model.decoder
        self._proj = None if proj is None else make(proj.weight, proj.bias)
        self._decoder = make(dec.weight, dec.bias)

    @property
    def vocab_size(self) -> int:
        return self.cfg.vocab_size

    @property
    def threads(self) -> int:
        """The thread count the next call will use."""
        return self.tuner.current if self.tuner is not None else self._threads

    def describe(self) -> str:
        """For a status bar: ``'int8, 1 thread'`` or ``'int8, 2 threads (auto)'``."""
        kind = "int8" if self.mode == "quantized" else "fp32"
        n = self.threads
        auto = " (auto)" if self.tuner is not None else ""
        return f"{kind}, {n} thread{'s' if n > 1 else ''}{auto}"

    def compute(self, tokens: int = 1) -> Compute:
        """The settings a call runs under: inference mode and this model's thread count.

        ``tokens``: how many tokens the call advances, for the thread tuner (0:
        untimed). Enter it around each call, never across a ``yield``: both
        settings belong to the calling thread.
        """
        return Compute(self._threads, tokens)

    def init_state(self, batch_size: int) -> list:
        """Zeros: one ``(h, c)`` (LSTM) or ``h`` (GRU) per layer, each (B, H_l)."""
        state = []
        for layer in self._layers:
            h = torch.zeros(batch_size, layer.hidden)
            state.append((h, torch.zeros_like(h)) if layer.lstm else h)
        return state

    def expand_state(self, state: list, n: int) -> list:
        """A batch-1 state repeated into ``n`` rows."""
        return [tuple(t.expand(n, -1).contiguous() for t in s) if isinstance(s, tuple)
                else s.expand(n, -1).contiguous() for s in state]

    def _advance(self, tokens: Tensor, state: list) -> tuple[Tensor, list]:
        """tokens (B,) -> last layer's h (B, H_last) and the new state."""
        table = self._layers[0].table
        if table is not None:
            gx, x = F.embedding(tokens, table), None              # (B, G*H)
        else:
            gx, x = None, F.embedding(tokens, self._embedding)  # (B, E)
        new = []
        for layer, s in zip(self._layers, state, strict=True):
            x, s = layer.step(gx, x, s)
            new.append(s)
            gx = None
        return x, new

    def _decode(self, h: Tensor) -> Tensor:
        if self._proj is not None:
            h = self._proj(h)                                    # (B, E)
        return self._decoder(h)                                  # (B, V)

    def step(self, tokens: Tensor, state: list | None = None) -> tuple[Tensor, list]:
        """One token per row: ``tokens (B,) -> (logits (B, V), state)``. Call inside :meth:`compute`."""
        if state is None:
            state = self.init_state(tokens.shape[0])
        h, state = self._advance(tokens, state)
        return self._decode(h), state

    def prefill(self, ids: Tensor, state: list | None = None) -> tuple[Tensor, list]:
        """Feed a prompt ``ids (B, T)`` once; returns the last position's logits (B, V).

        The decoder runs only for the last position. Call inside :meth:`compute`.
        """
        if state is None:
            state = self.init_state(ids.shape[0])
        h = None
        for t in range(ids.shape[1]):
            h, state = self._advance(ids[:, t], state)
        if h is None:
            raise ValueError("prefill needs at least one token")
        return self._decode(h), state


# ---------------------------------------------------------------- building it


def prepare_for_generation(model: LanguageModel, mode: str = "auto",
                           threads: int | None = None) -> InferenceModel:
    """A fast CPU copy of ``model`` for generation (see the module docstring).

    mode: ``"auto"`` (int8 where this torch has the kernels and each int8
    product agrees with fp32 on a test input, else fp32; the reason is logged
    and kept in ``fallback_reason``), ``"quantized"`` (int8, or a ConfigError
    when it does not work) or ``"fp32"``.
    threads: intra-op threads while generating; None (default) chooses 1 or 2
    by timing (:class:`~nlp.decoding.threads.ThreadTuner`).
    Takes ~30-40 ms for a 2x512 model (mostly fbgemm's weight packing): do it
    once, right after loading, not per request.
    """
    if mode not in MODES:
        raise ConfigError(f"Generation mode must be one of {', '.join(MODES)}; got {mode!r}.")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int)
                                or threads < 1):
        raise ConfigError(f"Generation threads must be a whole number of at least 1, or "
                          f"empty for automatic; got {threads!r}.")
    if not isinstance(model, LanguageModel):
        raise TypeError(f"prepare_for_generation expects a LanguageModel, "
                        f"got {type(model).__name__}")
    if threads is None:  # up to the threads this OS thread would use (read before the scope)
        threads = ThreadTuner(min(AUTO_MAX_THREADS, torch.get_num_threads()))
    with scoped_threads(1):  # packing and the check: one thread is safe on a busy machine
        return _prepare(model, mode, threads)


def _prepare(model: LanguageModel, mode: str, threads: int | ThreadTuner) -> InferenceModel:
    if mode == "fp32":
        return InferenceModel(model, "fp32", threads)
    try:
        fast = InferenceModel(model, "quantized", threads)
        log.debug("generation: %s", fast.describe())
        return fast
    except (RuntimeError, NotImplementedError, AttributeError) as e:
        reason = f"int8 does not work here ({type(e).__name__}: {e})"
    if mode == "quantized":
        raise ConfigError(f"Int8 generation does not work on this computer: {reason}. "
                          "Choose the fp32 or auto generation mode.")
    log.info("generation: using fp32 because %s", reason)
    fast = InferenceModel(model, "fp32", threads)
    fast.fallback_reason = reason
    return fast
