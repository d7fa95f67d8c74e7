"""Run states from the system monitor, the process view and stopping a real writer."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tfwatch.ui.actions.processes import READONLY_MESSAGE
from tfwatch.ui.app import TfwatchApp
from tfwatch.ui.screens.detail import DetailScreen
from tfwatch.ui.screens.process import ConfirmSignal, ProcessScreen

from ..test_app import screen_text, sync, table, wait_for

#: A training loop writing through tensorboardX (which keeps its event file open).
WRITER = """
import sys, time
from tensorboardX import SummaryWriter
w = SummaryWriter(sys.argv[1], flush_secs=1)
step = 0
while True:
    w.add_scalar("loss", 1.0 / (step + 1), step)
    w.flush()
    step += 1
    time.sleep(0.1)
"""


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A live writer process logging into ``tmp_path/live``."""
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path / "live")])
    deadline = time.time() + 30
    while not list((tmp_path / "live").glob("events.out.tfevents.*")):
        assert proc.poll() is None and time.time() < deadline, "writer did not start"
        time.sleep(0.1)
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)


def live_app(make_app: Callable[..., TfwatchApp], root: Path, **options: object) -> TfwatchApp:
    """The app with the system monitor on, scanning processes often."""
    return make_app(
        root, live=True, system=True, interval=0.2, process_interval=0.2, clock=time.time, **options
    )


def linked(app: TfwatchApp, run: str, pid: int) -> bool:
    snap = app.snapshot
    return snap is not None and run in snap.runs and snap.runs[run].pid == pid


@sync
async def test_confirmation_then_sigterm_ends_the_writer(
    tmp_path: Path, writer: subprocess.Popen[bytes], make_app: Callable[..., TfwatchApp]
) -> None:
    app = live_app(make_app, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: linked(app, "live", writer.pid), timeout=30)
        assert app.snapshot.runs["live"].state == "running"  # type: ignore[union-attr]
        assert "●1 running" in screen_text(app)
        app.set_filter("state:running")
        await pilot.pause(0.1)
        assert table(app).order == ["live"]
        app.set_filter("state:crashed")
        await pilot.pause(0.1)
        assert table(app).order == []
        app.set_filter("")
        await pilot.pause(0.1)

        await pilot.press("P")  # the process view names the PID and command
        await wait_for(pilot, lambda: isinstance(app.screen, ProcessScreen))
        text = screen_text(app)
        assert str(writer.pid) in text and "tensorboardX" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ProcessScreen))

        await pilot.press("K")  # cancel first: nothing is sent
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmSignal))
        text = screen_text(app)
        assert f"SIGTERM to process {writer.pid}" in text and sys.executable in text
        await pilot.press("enter")  # the focused button is Cancel
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmSignal))
        time.sleep(0.3)
        assert writer.poll() is None

        await pilot.press("K", "y")
        await wait_for(pilot, lambda: writer.poll() is not None, timeout=15)
        assert writer.returncode == -signal.SIGTERM
        # The monitor sees the writer go: the run is no longer running.
        await wait_for(
            pilot,
            lambda: app.snapshot.runs["live"].state != "running",  # type: ignore[union-attr]
            timeout=20,
        )
        ended = app.snapshot.runs["live"]  # type: ignore[union-attr]
        assert ended.pid is None
        # Stopped through tfwatch: not a run that finished.
        assert ended.state == "crashed"
        assert f"process {writer.pid} stopped by tfwatch (SIGTERM)" in ended.state_reason
        # The liveness alert comes from the monitor's state, not from write recency.
        assert "crashed" in ended.alerts


@sync
async def test_readonly_refuses_to_signal(
    tmp_path: Path, writer: subprocess.Popen[bytes], make_app: Callable[..., TfwatchApp]
) -> None:
    app = live_app(make_app, tmp_path, readonly=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: linked(app, "live", writer.pid), timeout=30)
        await pilot.press("K")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, ConfirmSignal)
        assert any(n.message == READONLY_MESSAGE for n in app._notifications)
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, ProcessScreen))
        assert app.screen.query_one("#stop").disabled
        await pilot.press("K")  # the binding inside the view is refused too
        await pilot.pause(0.3)
        assert not isinstance(app.screen, ConfirmSignal)
        assert writer.poll() is None


@sync
async def test_a_run_from_another_host_is_marked_remote(
    tmp_path: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    from tensorboardX import SummaryWriter

    w = SummaryWriter(str(tmp_path / "far"))
    for step in range(10):
        w.add_scalar("loss", 1.0 / (step + 1), step)
    w.close()
    (event,) = (tmp_path / "far").glob("events.out.tfevents.*")
    host = socket.gethostname()
    assert event.name.endswith(f".{host}")
    event.rename(event.with_name(event.name[: -len(host)] + "gpu-node-17"))
    app = live_app(make_app, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: bool(app.snapshot and app.snapshot.runs["far"].remote), 30)
        run = app.snapshot.runs["far"]  # type: ignore[union-attr]
        assert run.state == "unknown" and "gpu-node-17" in run.state_reason
        app.set_filter("state:remote")
        await pilot.pause(0.1)
        assert table(app).order == ["far"]
        assert "@" in table(app).get_row("far")[0].plain  # the flags cell
        assert "@1 remote" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        text = screen_text(app)
        assert "gpu-node-17" in text and "another host" in text
        await pilot.press("escape", "K")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, ConfirmSignal)
        assert any("another host" in n.message for n in app._notifications)
        assert os.path.exists(tmp_path / "far")


@sync
async def test_system_panel_shows_the_gpu_writer_and_the_host_lines_below_it(
    tmp_path: Path,
    writer: subprocess.Popen[bytes],
    make_app: Callable[..., TfwatchApp],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As seen on a real GPU: the panel inside the app's slot was cut to half the slot,
    hiding the process rows and the CPU/MEM lines."""
    from tests.doubles.fake_nvml import FakeGpu, FakeGpuProcess, FakeNvml
    from tfwatch.system import sampler
    from tfwatch.system.nvml_adapter import NvmlAdapter

    on_gpu = FakeGpuProcess(pid=writer.pid, used_memory=2 << 30, sm_util=50)
    fake = FakeNvml([[FakeGpu(util=56, memory_used=3 << 30, processes=(on_gpu,))]])
    monkeypatch.setattr(sampler, "NvmlAdapter", lambda: NvmlAdapter(fake))
    app = live_app(make_app, tmp_path)
    async with app.run_test(size=(120, 32)) as pilot:
        await wait_for(pilot, lambda: linked(app, "live", writer.pid), timeout=30)
        await pilot.press("p")
        await pilot.pause(1.5)  # the panel's next pull of the sampler
        rows = [strip.text for strip in app.screen._compositor.render_strips()]
        process = next(r for r in rows if f"  {writer.pid}  " in r)
        assert "2.0 GiB" in process and " live " in process
        assert any(r.lstrip().startswith("CPU") for r in rows)
        assert any(r.lstrip().startswith("MEM") for r in rows)
        assert "q Quit" in rows[-1]


@sync
async def test_a_reader_of_a_finished_run_is_never_offered_for_killing(
    tmp_path: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    """``tail -f`` on a finished run used to be taken for its writer: the run showed
    stalled with an alert, and ``K`` offered to SIGTERM ``tail``."""
    from tests.system.past_runs import finished_run, holders_of

    run = finished_run(tmp_path)
    tail = subprocess.Popen(["tail", "-f", run.event_files[0]], stdout=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while tail.pid not in holders_of(run.event_files[0]):
            assert time.time() < deadline
            time.sleep(0.05)
        app = live_app(make_app, tmp_path)
        async with app.run_test(size=(120, 30)) as pilot:
            sampler = app.sampler
            assert sampler is not None
            await wait_for(pilot, lambda: "done" in sampler.snapshot.states, timeout=30)
            await wait_for(pilot, lambda: bool(app.snapshot and "done" in app.snapshot.runs))
            done = app.snapshot.runs["done"]  # type: ignore[union-attr]
            assert (done.state, done.pid) == ("finished", None)
            assert not {"stalled", "crashed"} & set(done.alerts)
            await pilot.press("K")
            await pilot.pause(0.3)
            assert not isinstance(app.screen, ConfirmSignal)
            assert any("nothing to stop" in n.message for n in app._notifications)
        assert tail.poll() is None
    finally:
        tail.kill()
        tail.wait(10)


#: A training script in a container that ignores SIGTERM: tensorboardX names its file
#: with the container's host name; the host sees (and may stop) the process.
CONTAINER_WRITER = """
import signal, socket, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
socket.gethostname = lambda: "container-7f3a9c"
from tensorboardX import SummaryWriter
w = SummaryWriter(sys.argv[1], flush_secs=1)
step = 0
while True:
    w.add_scalar("loss", 1.0 / (step + 1), step)
    w.flush()
    step += 1
    time.sleep(0.1)
"""


@sync
async def test_a_container_writer_is_local_and_k_stops_it_with_sigkill(
    tmp_path: Path, make_app: Callable[..., TfwatchApp]
) -> None:
    """A run named after a container's host but written by a local process: state, PID
    and K work; SIGTERM ignored, K again sends SIGKILL, and the run reads as stopped."""
    proc = subprocess.Popen([sys.executable, "-c", CONTAINER_WRITER, str(tmp_path / "boxed")])
    try:
        app = live_app(make_app, tmp_path)
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, lambda: linked(app, "boxed", proc.pid), timeout=30)
            run = app.snapshot.runs["boxed"]  # type: ignore[union-attr]
            assert (run.state, run.remote) == ("running", False)
            assert "@1 remote" not in screen_text(app)
            await pilot.press("K")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmSignal))
            assert f"SIGTERM to process {proc.pid}" in screen_text(app)
            await pilot.press("y")
            await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmSignal))
            await pilot.pause(0.5)
            assert proc.poll() is None  # ignored
            await pilot.press("K")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmSignal))
            assert f"SIGKILL to process {proc.pid}" in screen_text(app)
            await pilot.press("y")
            await wait_for(pilot, lambda: proc.poll() is not None, timeout=15)
            assert proc.returncode == -signal.SIGKILL
            await wait_for(
                pilot,
                lambda: app.snapshot.runs["boxed"].state != "running",  # type: ignore[union-attr]
                timeout=20,
            )
            ended = app.snapshot.runs["boxed"]  # type: ignore[union-attr]
            assert (ended.state, ended.remote) == ("crashed", False)
            assert "stopped by tfwatch (SIGKILL)" in ended.state_reason
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


@sync
async def test_without_gpus_the_panel_lists_the_processes_writing_runs(
    tmp_path: Path,
    writer: subprocess.Popen[bytes],
    make_app: Callable[..., TfwatchApp],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A CPU-only machine (no NVML): the panel used to list processes only per GPU."""
    import getpass

    from tests.doubles.fake_nvml import LIBRARY_NOT_FOUND, FakeNvml
    from tfwatch.system import sampler
    from tfwatch.system.nvml_adapter import NvmlAdapter

    no_driver = FakeNvml([], init_error=LIBRARY_NOT_FOUND)
    monkeypatch.setattr(sampler, "NvmlAdapter", lambda: NvmlAdapter(no_driver))
    app = live_app(make_app, tmp_path)
    async with app.run_test(size=(120, 32)) as pilot:
        await wait_for(pilot, lambda: linked(app, "live", writer.pid), timeout=30)
        await pilot.press("p")

        def writer_row() -> str | None:
            rows = [strip.text for strip in app.screen._compositor.render_strips()]
            return next((r for r in rows if r.lstrip().startswith(f"{writer.pid} ")), None)

        # CPU % needs two readings a tick apart; the panel pulls once a second.
        await wait_for(pilot, lambda: (writer_row() or "…").count("%") > 0, timeout=10)
        row = writer_row()
        assert row is not None
        assert getpass.getuser() in row and " live " in row and "MiB" in row
        assert re.search(r"\s\d+%\s", row)
        rows = [strip.text for strip in app.screen._compositor.render_strips()]
        header = next(r for r in rows if "PID" in r)
        assert all(label in header for label in ("USER", "CPU", "MEM", "RUN"))
        assert any(r.lstrip().startswith("CPU") for r in rows)
