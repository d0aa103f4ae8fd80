"""Choosing where and how to compute: device, threads, mixed precision."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

import torch

from nlp.errors import ConfigError

log = logging.getLogger(__name__)

DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")


def cpu_supports_bf16() -> bool:
    """True where oneDNN has fast bf16 kernels (AVX-512 BF16 or AMX)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def pick_device(name: str = "auto") -> torch.device:
    """CUDA, then Apple MPS, then CPU for ``auto``; a named device must exist."""
    if name not in DEVICES and not name.startswith("cuda:"):
        raise ConfigError(f"unknown device {name!r}; choose one of {', '.join(DEVICES)}")
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' was chosen but no CUDA GPU is available; "
                          "use --device auto or cpu")
    if name == "mps" and not (getattr(torch.backends, "mps", None)
                              and torch.backends.mps.is_available()):
        raise ConfigError("device 'mps' was chosen but Apple MPS is not available; "
                          "use --device auto or cpu")
    return torch.device(name)


def device_description(device: torch.device) -> str:
    """Words for the status bar: 'CPU (2 threads)' or the GPU's name."""
    if device.type == "cuda":
        return f"GPU: {torch.cuda.get_device_name(device)}"
    if device.type == "mps":
        return "GPU: Apple MPS"
    return f"CPU ({torch.get_num_threads()} threads)"


@dataclass(frozen=True)
class Precision:
    """How a forward pass runs: ``dtype`` None means plain fp32."""

    dtype: torch.dtype | None
    device_type: str

    @property
    def name(self) -> str:
        return {None: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16"}[self.dtype]

    @property
    def needs_scaler(self) -> bool:
        return self.dtype == torch.float16

    def autocast(self) -> contextlib.AbstractContextManager:
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)


def pick_precision(name: str, device: torch.device) -> Precision:
    """``auto``: bf16 on a GPU that has it (else fp16 with a scaler); on a CPU,
    bf16 where oneDNN has bf16 kernels (about twice the LSTM throughput, see
    ``bench/bench_train.py``), else fp32."""
    if name not in PRECISIONS:
        raise ConfigError(f"unknown precision {name!r}; choose one of {', '.join(PRECISIONS)}")
    kind = device.type
    if name == "auto":
        if kind == "cuda":
            name = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        elif kind == "cpu" and cpu_supports_bf16():
            name = "bf16"
        else:
            name = "fp32"
    if name == "fp16" and kind != "cuda":
        raise ConfigError("fp16 needs a CUDA GPU; use bf16 or fp32 on this device")
    if name == "bf16" and kind == "cpu" and not cpu_supports_bf16():
        log.warning("this CPU has no fast bf16 kernels; bf16 will be slow")
    dtype = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}[name]
    return Precision(dtype=dtype, device_type=kind)


def set_threads(threads: int | None) -> None:
    """Use ``threads`` CPU threads for math (None keeps PyTorch's default)."""
    if threads is None:
        return
    if threads < 1:
        raise ConfigError(f"threads must be 1 or more, not {threads}")
    torch.set_num_threads(threads)
