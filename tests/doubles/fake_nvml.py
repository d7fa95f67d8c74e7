"""A scripted stand-in for the ``pynvml`` module, so the GPU panel, the process rows and
every error path run without a GPU.

It raises the real ``pynvml.NVMLError`` codes (so messages read as the driver's), and
plays a list of frames: each frame is the list of GPUs as they read at that moment.
:meth:`FakeNvml.advance` moves to the next frame (the last one repeats).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pynvml

NOT_SUPPORTED = pynvml.NVML_ERROR_NOT_SUPPORTED
NO_PERMISSION = pynvml.NVML_ERROR_NO_PERMISSION
GPU_IS_LOST = pynvml.NVML_ERROR_GPU_IS_LOST
LIBRARY_NOT_FOUND = pynvml.NVML_ERROR_LIBRARY_NOT_FOUND
DRIVER_NOT_LOADED = pynvml.NVML_ERROR_DRIVER_NOT_LOADED
NOT_FOUND = pynvml.NVML_ERROR_NOT_FOUND


@dataclass(frozen=True)
class FakeGpuProcess:
    """A process on a fake GPU."""

    pid: int
    used_memory: int | None = 1 << 30
    #: SM % reported by nvmlDeviceGetProcessUtilization (None: no sample for it).
    sm_util: int | None = 50
    kind: str = "compute"


@dataclass(frozen=True)
class FakeGpu:
    """One GPU's readings in one frame."""

    name: str = "NVIDIA H100 80GB HBM3"
    uuid: str = "GPU-00000000-0000-0000-0000-000000000000"
    util: int = 0
    memory_used: int = 0
    memory_total: int = 80 * (1 << 30)
    temperature: int = 40
    power_mw: int = 70_000
    power_limit_mw: int = 700_000
    processes: tuple[FakeGpuProcess, ...] = ()
    #: NVML function name → error code that call raises in this frame.
    errors: dict[str, int] = field(default_factory=dict)
    #: Every call on this GPU fails with GPU_IS_LOST (handle lookup included).
    lost: bool = False


class FakeNvml:
    """Module-shaped fake of ``pynvml`` playing scripted frames."""

    NVMLError = pynvml.NVMLError

    def __init__(
        self,
        frames: Sequence[Sequence[FakeGpu]],
        init_error: int | None = None,
        driver_version: str = "550.54.15",
    ) -> None:
        self.frames = [list(f) for f in frames] or [[]]
        self.frame = 0
        self.init_error = init_error
        self.driver_version = driver_version
        self.init_calls = 0
        self.shutdown_calls = 0
        self.initialised = False
        self._clock_us = 0

    def advance(self) -> None:
        """Move to the next frame (staying on the last)."""
        self.frame = min(self.frame + 1, len(self.frames) - 1)

    # -- helpers ------------------------------------------------------------------

    def _gpu(self, handle: Any, function: str) -> FakeGpu:
        if not self.initialised:
            raise pynvml.NVMLError(pynvml.NVML_ERROR_UNINITIALIZED)
        gpu: FakeGpu = self.frames[self.frame][handle.index]
        if gpu.lost:
            raise pynvml.NVMLError(GPU_IS_LOST)
        code = gpu.errors.get(function)
        if code is not None:
            raise pynvml.NVMLError(code)
        return gpu

    # -- the pynvml surface -------------------------------------------------------

    def nvmlInit(self) -> None:
        self.init_calls += 1
        if self.init_error is not None:
            raise pynvml.NVMLError(self.init_error)
        self.initialised = True

    def nvmlShutdown(self) -> None:
        self.shutdown_calls += 1
        self.initialised = False

    def nvmlSystemGetDriverVersion(self) -> str:
        return self.driver_version

    def nvmlDeviceGetCount(self) -> int:
        if not self.initialised:
            raise pynvml.NVMLError(pynvml.NVML_ERROR_UNINITIALIZED)
        return len(self.frames[self.frame])

    def nvmlDeviceGetHandleByIndex(self, index: int) -> Any:
        handle = SimpleNamespace(index=index)
        self._gpu(handle, "nvmlDeviceGetHandleByIndex")
        return handle

    def nvmlDeviceGetName(self, handle: Any) -> str:
        return self._gpu(handle, "nvmlDeviceGetName").name

    def nvmlDeviceGetUUID(self, handle: Any) -> str:
        return self._gpu(handle, "nvmlDeviceGetUUID").uuid

    def nvmlDeviceGetUtilizationRates(self, handle: Any) -> Any:
        gpu = self._gpu(handle, "nvmlDeviceGetUtilizationRates")
        return SimpleNamespace(gpu=gpu.util, memory=0)

    def nvmlDeviceGetMemoryInfo(self, handle: Any) -> Any:
        gpu = self._gpu(handle, "nvmlDeviceGetMemoryInfo")
        free = gpu.memory_total - gpu.memory_used
        return SimpleNamespace(used=gpu.memory_used, total=gpu.memory_total, free=free)

    def nvmlDeviceGetTemperature(self, handle: Any, sensor: int) -> int:
        return self._gpu(handle, "nvmlDeviceGetTemperature").temperature

    def nvmlDeviceGetPowerUsage(self, handle: Any) -> int:
        return self._gpu(handle, "nvmlDeviceGetPowerUsage").power_mw

    def nvmlDeviceGetEnforcedPowerLimit(self, handle: Any) -> int:
        return self._gpu(handle, "nvmlDeviceGetEnforcedPowerLimit").power_limit_mw

    def _procs(self, handle: Any, function: str, kind: str) -> list[Any]:
        gpu = self._gpu(handle, function)
        return [
            SimpleNamespace(pid=p.pid, usedGpuMemory=p.used_memory)
            for p in gpu.processes
            if p.kind == kind
        ]

    def nvmlDeviceGetComputeRunningProcesses(self, handle: Any) -> list[Any]:
        return self._procs(handle, "nvmlDeviceGetComputeRunningProcesses", "compute")

    def nvmlDeviceGetGraphicsRunningProcesses(self, handle: Any) -> list[Any]:
        return self._procs(handle, "nvmlDeviceGetGraphicsRunningProcesses", "graphics")

    def nvmlDeviceGetProcessUtilization(self, handle: Any, timestamp: int) -> list[Any]:
        gpu = self._gpu(handle, "nvmlDeviceGetProcessUtilization")
        self._clock_us += 1_000_000
        samples = [
            SimpleNamespace(pid=p.pid, timeStamp=self._clock_us, smUtil=p.sm_util)
            for p in gpu.processes
            if p.sm_util is not None
        ]
        if not samples:
            # The driver answers NOT_FOUND when it has no sample newer than ``timestamp``.
            raise pynvml.NVMLError(NOT_FOUND)
        return samples
