"""The NVML adapter, driven by scripted readings and by the real library."""

from __future__ import annotations

import pytest

from tests.doubles.fake_nvml import (
    DRIVER_NOT_LOADED,
    LIBRARY_NOT_FOUND,
    NO_PERMISSION,
    NOT_SUPPORTED,
    FakeGpu,
    FakeGpuProcess,
    FakeNvml,
)
from tfwatch.system.gpu_readings import NO_DRIVER_MESSAGE
from tfwatch.system.nvml_adapter import NvmlAdapter

GIB = 1 << 30


def test_readings_of_each_gpu_and_its_processes() -> None:
    gpus = [
        FakeGpu(
            util=87,
            memory_used=20 * GIB,
            temperature=71,
            power_mw=312_500,
            processes=(
                FakeGpuProcess(pid=4242, used_memory=18 * GIB, sm_util=83),
                FakeGpuProcess(pid=77, used_memory=None, sm_util=None, kind="graphics"),
            ),
        ),
        FakeGpu(name="NVIDIA A100-SXM4-40GB", memory_total=40 * GIB),
    ]
    sample = NvmlAdapter(FakeNvml([gpus])).sample()
    assert sample.available and sample.driver_version == "550.54.15"
    first, second = sample.devices
    assert (first.util_percent, first.temperature_c, first.power_w) == (87.0, 71.0, 312.5)
    assert (first.memory_used, first.memory_total, first.power_limit_w) == (
        20 * GIB,
        80 * GIB,
        700.0,
    )
    assert first.memory_percent == pytest.approx(25.0)
    assert second.name == "NVIDIA A100-SXM4-40GB" and second.error is None
    by_pid = {p.pid: p for p in sample.processes}
    assert (by_pid[4242].used_memory, by_pid[4242].sm_util, by_pid[4242].kind) == (
        18 * GIB,
        83.0,
        "compute",
    )
    assert (by_pid[77].used_memory, by_pid[77].sm_util, by_pid[77].kind) == (None, None, "graphics")


def test_each_failing_figure_becomes_none_and_the_rest_still_read() -> None:
    gpu = FakeGpu(
        util=55,
        processes=(FakeGpuProcess(pid=9, sm_util=40),),
        errors={
            "nvmlDeviceGetPowerUsage": NOT_SUPPORTED,
            "nvmlDeviceGetEnforcedPowerLimit": NOT_SUPPORTED,
            "nvmlDeviceGetTemperature": NO_PERMISSION,
            "nvmlDeviceGetProcessUtilization": NOT_SUPPORTED,
        },
    )
    (dev,) = (sample := NvmlAdapter(FakeNvml([[gpu]])).sample()).devices
    assert (dev.power_w, dev.power_limit_w, dev.temperature_c) == (None, None, None)
    assert dev.util_percent == 55.0 and dev.error is None
    (proc,) = sample.processes
    assert proc.pid == 9 and proc.sm_util is None  # no per-process SM on this driver


def test_a_lost_gpu_shows_its_error_and_comes_back() -> None:
    healthy = FakeGpu(util=10, processes=(FakeGpuProcess(pid=5),))
    fake = FakeNvml([[healthy, healthy], [healthy, FakeGpu(lost=True)], [healthy, healthy]])
    adapter = NvmlAdapter(fake)
    assert [d.error for d in adapter.sample().devices] == [None, None]
    fake.advance()
    sample = adapter.sample()
    assert sample.devices[0].util_percent == 10.0
    lost = sample.devices[1]
    assert lost.error == "GPU is lost" and lost.util_percent is None and lost.name is None
    assert [p.gpu_index for p in sample.processes] == [0]
    fake.advance()
    assert adapter.sample().devices[1].error is None


def test_no_driver_says_so_and_init_is_tried_once() -> None:
    fake = FakeNvml([[FakeGpu()]], init_error=LIBRARY_NOT_FOUND)
    adapter = NvmlAdapter(fake)
    first, second = adapter.sample(), adapter.sample()
    assert not first.available and first.message == NO_DRIVER_MESSAGE
    assert second.message == NO_DRIVER_MESSAGE and first.devices == ()
    assert fake.init_calls == 1


def test_a_driver_that_is_not_loaded_gives_its_reason() -> None:
    sample = NvmlAdapter(FakeNvml([[]], init_error=DRIVER_NOT_LOADED)).sample()
    assert not sample.available
    assert sample.message == "no NVIDIA GPU (NVML: Driver Not Loaded)"


def test_shutdown_releases_nvml_once_and_sampling_reinitialises() -> None:
    fake = FakeNvml([[FakeGpu()]])
    adapter = NvmlAdapter(fake)
    adapter.sample()
    adapter.shutdown()
    adapter.shutdown()
    assert (fake.init_calls, fake.shutdown_calls) == (1, 1)
    assert adapter.sample().available and fake.init_calls == 2
    adapter.shutdown()


def test_sm_utilisation_comes_from_new_samples_only() -> None:
    fake = FakeNvml([[FakeGpu(processes=(FakeGpuProcess(pid=3, sm_util=90),))]])
    adapter = NvmlAdapter(fake)
    assert adapter.sample().processes[0].sm_util == 90.0
    # The adapter asks for samples newer than the last one it saw (µs clock).
    assert adapter._util_seen[0] == 1_000_000
    adapter.sample()
    assert adapter._util_seen[0] == 2_000_000


def test_the_real_library() -> None:
    """Here NVML is either absent (the message) or present (real devices)."""
    adapter = NvmlAdapter()
    sample = adapter.sample()
    adapter.shutdown()
    if sample.available:
        assert sample.devices and all(d.memory_total for d in sample.devices if not d.error)
    else:
        assert sample.message is not None and sample.message.startswith("no NVIDIA GPU")
