"""Plain readings of the GPUs: one immutable value per sample, ``None`` where NVML gave
no figure (not supported, no permission, GPU lost…)."""

from __future__ import annotations

from dataclasses import dataclass

#: What the panel shows, once, when the machine has no NVIDIA driver.
NO_DRIVER_MESSAGE = "no NVIDIA GPU (NVML not found)"


@dataclass(frozen=True)
class GpuProcess:
    """One process using a GPU, as NVML reports it."""

    gpu_index: int
    pid: int
    #: Bytes of GPU memory the process holds (None where the driver hides it).
    used_memory: int | None
    #: Streaming-multiprocessor utilisation in percent, where the driver samples it.
    sm_util: float | None
    #: ``compute`` or ``graphics``.
    kind: str


@dataclass(frozen=True)
class GpuDevice:
    """One GPU's figures at one moment."""

    index: int
    name: str | None
    uuid: str | None
    util_percent: float | None
    memory_used: int | None
    memory_total: int | None
    temperature_c: float | None
    power_w: float | None
    power_limit_w: float | None
    #: Why the device gave no figures at all (e.g. "GPU is lost"); None when it answered.
    error: str | None = None

    @property
    def memory_percent(self) -> float | None:
        """Memory used as a percentage of the total, when both are known."""
        if self.memory_used is None or not self.memory_total:
            return None
        return 100.0 * self.memory_used / self.memory_total


@dataclass(frozen=True)
class GpuSample:
    """Everything read from NVML in one pass."""

    time: float
    #: False when NVML could not be used at all; ``message`` says why.
    available: bool
    message: str | None = None
    driver_version: str | None = None
    devices: tuple[GpuDevice, ...] = ()
    processes: tuple[GpuProcess, ...] = ()


def unavailable(time: float, message: str) -> GpuSample:
    """A sample saying NVML cannot be used (no driver, failed init)."""
    return GpuSample(time=time, available=False, message=message)
