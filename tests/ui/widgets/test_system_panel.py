"""The system panel and strip, mounted in a small app and read off the screen."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult

from tests.doubles.fake_nvml import (
    LIBRARY_NOT_FOUND,
    NOT_SUPPORTED,
    FakeGpu,
    FakeGpuProcess,
    FakeNvml,
)
from tests.system.writers import WriterFactory
from tests.ui.app_driving import sync
from tfwatch.system.gpu_readings import NO_DRIVER_MESSAGE
from tfwatch.system.linkage import RunFiles
from tfwatch.system.nvml_adapter import NvmlAdapter
from tfwatch.system.run_state import RunProgress
from tfwatch.system.sampler import SystemSampler
from tfwatch.system.snapshot import SystemSnapshot
from tfwatch.ui.widgets.system_panel import SystemPanel, SystemStrip, SystemView

GIB = 1 << 30


class PanelApp(App[None]):
    """The panel above the strip, fed snapshots by the test."""

    def compose(self) -> ComposeResult:
        yield SystemPanel(poll=False, id="panel")
        yield SystemStrip(poll=False, id="strip")


def screen_lines(widget: SystemView) -> list[str]:
    return [widget.render_line(y).text.rstrip() for y in range(widget.size.height)]


async def show(
    snapshot: SystemSnapshot, selected: str | None = None
) -> tuple[list[str], list[str], list[list[str]]]:
    app = PanelApp()
    async with app.run_test(size=(150, 30)) as pilot:
        panel, strip = app.query_one(SystemPanel), app.query_one(SystemStrip)
        panel.snapshot = strip.snapshot = snapshot
        panel.selected_run = selected
        await pilot.pause()
        styles = [
            [str(seg.style) for seg in panel.render_line(y) if seg.text.strip()]
            for y in range(panel.size.height)
        ]
        return screen_lines(panel), screen_lines(strip), styles


def sampled(fake: FakeNvml, **kw: object) -> SystemSnapshot:
    sampler = SystemSampler(gpu=NvmlAdapter(fake), **kw)  # type: ignore[arg-type]
    sampler.tick()
    return sampler.tick()


@sync
async def test_gpu_rows_processes_and_their_runs(tmp_path: Path, writers: WriterFactory) -> None:
    w = writers.spawn("tbx", tmp_path / "sweep[lr=0.1]")
    w.write(2)
    run = RunFiles("sweep[lr=0.1]", str(w.logdir), tuple(w.event_files()))
    fake = FakeNvml(
        [
            [
                FakeGpu(
                    util=87,
                    memory_used=20 * GIB,
                    temperature=71,
                    processes=(FakeGpuProcess(pid=w.pid, used_memory=18 * GIB, sm_util=83),),
                    errors={"nvmlDeviceGetPowerUsage": NOT_SUPPORTED},
                ),
                FakeGpu(lost=True),
            ]
        ]
    )
    snap = sampled(fake, runs=lambda: [(run, RunProgress(last_step=1))], log_roots=[str(tmp_path)])
    panel, strip, styles = await show(snap, selected="sweep[lr=0.1]")
    text = "\n".join(panel)
    assert "GPU0 NVIDIA H100 80GB HBM3" in panel[0]
    assert " 87%" in panel[0] and "20.0/80.0 GiB" in panel[0] and "71°C" in panel[0]
    assert "N/A/700 W" in panel[0]  # power draw not supported on this GPU
    assert panel[1] == "GPU1 GPU is lost"
    row = next(line for line in panel if line.lstrip().startswith(f"0  {w.pid}"))
    assert "18.0 GiB" in row and "83%" in row and "sweep[lr=0.1]" in row
    assert "writer_server.py" in row
    assert "CPU" in text and "MEM" in text and "DISK" in text
    assert "reverse" in " ".join(styles[panel.index(row)])  # the selected run's process
    (line,) = strip
    assert line.startswith("GPU0 87% 20.0/80.0G 71°C │ GPU1 GPU is lost │ CPU")


@sync
async def test_without_a_driver_the_message_shows_once() -> None:
    snap = sampled(FakeNvml([], init_error=LIBRARY_NOT_FOUND))
    panel, strip, _ = await show(snap)
    assert panel[0] == NO_DRIVER_MESSAGE
    assert "\n".join(panel).count("NVML") == 1
    assert panel[1].startswith("CPU") and panel[2].startswith("MEM")
    assert strip[0].startswith(NO_DRIVER_MESSAGE) and strip[0].count("NVML") == 1
    assert "CPU" in strip[0] and "MEM" in strip[0]


@sync
async def test_remote_runs_are_named_in_the_panel(tmp_path: Path) -> None:
    remote = tmp_path / "r"
    remote.mkdir()
    far = remote / "events.out.tfevents.1700000000.gpu-node-9.77.0"
    far.write_bytes(b"")
    run = RunFiles("r", str(remote), (str(far),))
    snap = sampled(FakeNvml([[]]), runs=lambda: [(run, RunProgress())])
    panel, _, _ = await show(snap)
    assert any("1 run(s) written on other hosts (gpu-node-9)" in line for line in panel)
    assert snap.states["r"].state == "unknown"


@sync
async def test_a_shared_sampler_is_polled_by_the_widget() -> None:
    sampler = SystemSampler(gpu=NvmlAdapter(FakeNvml([[FakeGpu(util=42)]])))

    class Polling(App[None]):
        def compose(self) -> ComposeResult:
            yield SystemStrip(sampler, interval=0.05)

    app = Polling()
    async with app.run_test(size=(120, 5)) as pilot:
        strip = app.query_one(SystemStrip)
        sampler.tick()
        await pilot.pause(0.2)
        assert strip.snapshot is sampler.snapshot
        assert screen_lines(strip)[0].startswith("GPU0 42%")


@sync
async def test_a_strip_made_without_arguments_samples_on_its_own() -> None:
    """As the app's system slot builds it: its own sampler, started and stopped with it."""

    class Slot(App[None]):
        def compose(self) -> ComposeResult:
            yield SystemStrip(interval=0.05)

    app = Slot()
    async with app.run_test(size=(120, 5)) as pilot:
        strip = app.query_one(SystemStrip)
        sampler = strip.sampler
        assert sampler is not None
        for _ in range(100):
            if strip.snapshot.host is not None:
                break
            await pilot.pause(0.05)
        assert "CPU" in screen_lines(strip)[0]
        thread = sampler._thread
        assert thread is not None and thread.is_alive()
    assert not thread.is_alive()


@sync
async def test_with_zero_gpus_the_run_writers_are_listed(
    tmp_path: Path, writers: WriterFactory
) -> None:
    import getpass

    w = writers.spawn("tbx", tmp_path / "cpu_run")
    w.write(2)
    run = RunFiles("cpu_run", str(w.logdir), tuple(w.event_files()))
    snap = sampled(FakeNvml([[]]), runs=lambda: [(run, RunProgress(last_step=1))])
    (row,) = snap.run_processes
    assert (row.pid, row.run, row.user) == (w.pid, "cpu_run", getpass.getuser())
    assert row.cpu_percent is not None and row.memory_rss and row.memory_rss > 1 << 20
    panel, _, styles = await show(snap, selected="cpu_run")
    header = next(line for line in panel if "PID" in line)
    assert header.split() == ["PID", "USER", "CPU", "MEM", "RUN", "COMMAND"]
    line = next(line for line in panel if line.lstrip().startswith(f"{w.pid} "))
    assert "cpu_run" in line and "MiB" in line and "%" in line and "writer_server.py" in line
    assert "reverse" in " ".join(styles[panel.index(line)])
