"""GPU figures through NVML (``nvidia-ml-py``, imported as ``pynvml``).

NVML is initialised lazily, under a lock, on the first sample and shut down at exit.
Every NVML call goes through :meth:`NvmlAdapter._call`, which turns any ``NVMLError``
(not supported, no permission, GPU lost, function missing from an old driver…) into
``None`` for that one figure, so a partial driver never takes the panel down. Without a
driver ``nvmlInit`` raises ``NVMLError_LibraryNotFound`` and every sample says
:data:`NO_DRIVER_MESSAGE`.

The adapter talks to anything shaped like the ``pynvml`` module (:class:`NvmlApi`), so
tests drive it with a scripted fake (``tests/doubles/fake_nvml.py``) through this very code.
"""

from __future__ import annotations

import atexit
import threading
import time
from typing import Any, Protocol

from tfwatch.system.gpu_readings import (
    NO_DRIVER_MESSAGE,
    GpuDevice,
    GpuProcess,
    GpuSample,
    unavailable,
)

# NVML codes, as in ``nvml.h`` (kept here so a missing binding still gives a message).
ERROR_NOT_FOUND = 6
ERROR_LIBRARY_NOT_FOUND = 12
ERROR_GPU_IS_LOST = 15
TEMPERATURE_GPU = 0


class NvmlApi(Protocol):
    """The part of ``pynvml`` tfwatch uses (the real module or a fake)."""

    NVMLError: type[Exception]

    def nvmlInit(self) -> None: ...
    def nvmlShutdown(self) -> None: ...
    def nvmlSystemGetDriverVersion(self) -> str: ...
    def nvmlDeviceGetCount(self) -> int: ...
    def nvmlDeviceGetHandleByIndex(self, index: int) -> Any: ...
    def nvmlDeviceGetName(self, handle: Any) -> str: ...
    def nvmlDeviceGetUUID(self, handle: Any) -> str: ...
    def nvmlDeviceGetUtilizationRates(self, handle: Any) -> Any: ...
    def nvmlDeviceGetMemoryInfo(self, handle: Any) -> Any: ...
    def nvmlDeviceGetTemperature(self, handle: Any, sensor: int) -> int: ...
    def nvmlDeviceGetPowerUsage(self, handle: Any) -> int: ...
    def nvmlDeviceGetEnforcedPowerLimit(self, handle: Any) -> int: ...
    def nvmlDeviceGetComputeRunningProcesses(self, handle: Any) -> list[Any]: ...
    def nvmlDeviceGetGraphicsRunningProcesses(self, handle: Any) -> list[Any]: ...
    def nvmlDeviceGetProcessUtilization(self, handle: Any, timestamp: int) -> list[Any]: ...


def _error_code(err: Exception) -> int | None:
    value = getattr(err, "value", None)
    return value if isinstance(value, int) else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


class NvmlAdapter:
    """Reads every GPU and its processes; one instance per app, safe across threads."""

    def __init__(self, nvml: NvmlApi | None = None) -> None:
        self._nvml = nvml
        self._lock = threading.Lock()
        self._ready = False
        #: Why NVML cannot be used, once that is known (then it is never retried).
        self._failure: str | None = None
        self._driver: str | None = None
        self._last_error: Exception | None = None
        #: Per GPU, the newest process-utilisation sample seen (µs), so each call
        #: asks the driver only for samples it has not returned yet.
        self._util_seen: dict[int, int] = {}
        self._atexit_registered = False

    # -- lifecycle -----------------------------------------------------------------

    def _ensure_init(self) -> bool:
        """Initialise NVML on first use; False (with ``_failure`` set) when impossible."""
        if self._ready:
            return True
        if self._failure is not None:
            return False
        if self._nvml is None:
            try:
                import pynvml
            except ImportError:
                self._failure = "no NVIDIA GPU (nvidia-ml-py not installed)"
                return False
            self._nvml = pynvml
        try:
            self._nvml.nvmlInit()
        except self._nvml.NVMLError as err:
            if _error_code(err) == ERROR_LIBRARY_NOT_FOUND:
                self._failure = NO_DRIVER_MESSAGE
            else:
                self._failure = f"no NVIDIA GPU (NVML: {err})"
            return False
        self._ready = True
        self._driver = _text(self._call("nvmlSystemGetDriverVersion"))
        if not self._atexit_registered:
            atexit.register(self.shutdown)
            self._atexit_registered = True
        return True

    def shutdown(self) -> None:
        """Release NVML (called at exit; harmless when it was never initialised)."""
        with self._lock:
            if self._ready:
                self._call("nvmlShutdown")
                self._ready = False
                self._util_seen.clear()

    # -- the one wrapper -----------------------------------------------------------

    def _call(self, function: str, *args: Any) -> Any:
        """``nvml.<function>(*args)``, or None when NVML answers with any error."""
        assert self._nvml is not None
        try:
            return getattr(self._nvml, function)(*args)
        except self._nvml.NVMLError as err:
            self._last_error = err
            return None

    # -- sampling ------------------------------------------------------------------

    def sample(self) -> GpuSample:
        """One reading of every GPU and every process on them."""
        now = time.time()
        with self._lock:
            if not self._ensure_init():
                return unavailable(now, self._failure or NO_DRIVER_MESSAGE)
            count = self._call("nvmlDeviceGetCount")
            if count is None:
                return unavailable(now, f"no NVIDIA GPU (NVML: {self._last_error})")
            devices: list[GpuDevice] = []
            processes: list[GpuProcess] = []
            for index in range(int(count)):
                device, procs = self._read_device(index)
                devices.append(device)
                processes.extend(procs)
            return GpuSample(
                time=now,
                available=True,
                driver_version=self._driver,
                devices=tuple(devices),
                processes=tuple(processes),
            )

    def _read_device(self, index: int) -> tuple[GpuDevice, list[GpuProcess]]:
        self._last_error = None
        handle = self._call("nvmlDeviceGetHandleByIndex", index)
        if handle is None:
            return _dead_device(index, str(self._last_error)), []
        util = self._call("nvmlDeviceGetUtilizationRates", handle)
        memory = self._call("nvmlDeviceGetMemoryInfo", handle)
        temperature = self._call("nvmlDeviceGetTemperature", handle, TEMPERATURE_GPU)
        power = self._call("nvmlDeviceGetPowerUsage", handle)
        limit = self._call("nvmlDeviceGetEnforcedPowerLimit", handle)
        lost = self._last_error is not None and _error_code(self._last_error) == ERROR_GPU_IS_LOST
        device = GpuDevice(
            index=index,
            name=_text(self._call("nvmlDeviceGetName", handle)),
            uuid=_text(self._call("nvmlDeviceGetUUID", handle)),
            util_percent=float(util.gpu) if util is not None else None,
            memory_used=int(memory.used) if memory is not None else None,
            memory_total=int(memory.total) if memory is not None else None,
            temperature_c=float(temperature) if temperature is not None else None,
            power_w=power / 1000.0 if power is not None else None,
            power_limit_w=limit / 1000.0 if limit is not None else None,
            error=str(self._last_error) if lost else None,
        )
        return device, ([] if lost else self._read_processes(index, handle))

    def _read_processes(self, index: int, handle: Any) -> list[GpuProcess]:
        sm = self._process_sm_util(index, handle)
        seen: dict[int, GpuProcess] = {}
        for kind, function in (
            ("compute", "nvmlDeviceGetComputeRunningProcesses"),
            ("graphics", "nvmlDeviceGetGraphicsRunningProcesses"),
        ):
            for info in self._call(function, handle) or []:
                pid = int(info.pid)
                if pid in seen:
                    continue  # a process doing both shows once, as compute
                used = getattr(info, "usedGpuMemory", None)
                seen[pid] = GpuProcess(
                    gpu_index=index,
                    pid=pid,
                    used_memory=int(used) if used is not None else None,
                    sm_util=sm.get(pid),
                    kind=kind,
                )
        return sorted(seen.values(), key=lambda p: p.pid)

    def _process_sm_util(self, index: int, handle: Any) -> dict[int, float]:
        """SM % per PID from the samples the driver took since the last call."""
        samples = self._call(
            "nvmlDeviceGetProcessUtilization", handle, self._util_seen.get(index, 0)
        )
        newest: dict[int, tuple[int, float]] = {}
        for s in samples or []:
            stamp, util = int(s.timeStamp), float(s.smUtil)
            if 0 <= util <= 100 and stamp >= newest.get(int(s.pid), (-1, 0.0))[0]:
                newest[int(s.pid)] = (stamp, util)
        if newest:
            self._util_seen[index] = max(stamp for stamp, _ in newest.values())
        return {pid: util for pid, (_, util) in newest.items()}


def _dead_device(index: int, error: str) -> GpuDevice:
    return GpuDevice(
        index=index,
        name=None,
        uuid=None,
        util_percent=None,
        memory_used=None,
        memory_total=None,
        temperature_c=None,
        power_w=None,
        power_limit_w=None,
        error=error,
    )
