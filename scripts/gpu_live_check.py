#!/usr/bin/env python3
"""Check the GPU panel end to end on a machine with an NVIDIA GPU and PyTorch.

Starts a small PyTorch trainer on the GPU that logs with ``SummaryWriter`` into a
temporary log root, then reads what tfwatch sees: NVML's devices and GPU processes,
the process-to-run linkage, the run's state in ``tfwatch ls --json``, the SSH node probe
run by ``sh -c`` here against the real ``nvidia-smi`` (what a node polled over SSH would
answer), and (with ``--screenshot``) the app's main screen with the real GPU strip.

    python scripts/gpu_live_check.py [--seconds 40] [--screenshot OUT.svg]

Prints one ``ok``/``FAIL`` line per check and exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tfwatch.live.factory import make_sampler, open_session
from tfwatch.loading import make_tailer
from tfwatch.system.linkage import RunFiles
from tfwatch.system.nodes.node_linkage import link_node_runs
from tfwatch.system.nodes.ssh_probe import PROBE_COMMAND, parse_probe_output
from tfwatch.system.nvml_adapter import NvmlAdapter

TRAINER = r"""
import sys, time, torch
from torch.utils.tensorboard import SummaryWriter
log_dir, seconds = sys.argv[1], float(sys.argv[2])
torch.manual_seed(0)
layers = [torch.nn.Linear(512, 2048), torch.nn.ReLU(), torch.nn.Linear(2048, 10)]
model = torch.nn.Sequential(*layers).cuda()
opt = torch.optim.SGD(model.parameters(), lr=0.05)
ballast = torch.empty(1 << 28, device="cuda")  # 1 GiB, so NVML shows real memory use
writer = SummaryWriter(log_dir)
end, step = time.time() + seconds, 0
while time.time() < end:
    x = torch.randn(4096, 512, device="cuda")
    y = torch.randint(0, 10, (4096,), device="cuda")
    loss = torch.nn.functional.cross_entropy(model(x), y)
    opt.zero_grad(); loss.backward(); opt.step()
    if step % 10 == 0:
        writer.add_scalar("train/loss", loss.item(), step)
        writer.flush()
    step += 1
writer.close()
"""

# Without PyTorch (a dry run of this script on a CPU machine): the same loop, no GPU.
CPU_TRAINER = r"""
import math, sys, time
from tensorboardX import SummaryWriter
log_dir, seconds = sys.argv[1], float(sys.argv[2])
writer = SummaryWriter(log_dir)
end, step = time.time() + seconds, 0
while time.time() < end:
    writer.add_scalar("train/loss", math.exp(-step / 500), step)
    writer.flush()
    step += 10
    time.sleep(0.05)
writer.close()
"""

failures: list[str] = []


def check(ok: bool, what: str) -> None:
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def wait_for_events(run_dir: Path, trainer: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and trainer.poll() is None:
        if any(f.stat().st_size > 200 for f in run_dir.glob("*tfevents*")):
            return True
        time.sleep(0.5)
    return False


def nvml_checks(pid: int) -> None:
    adapter = NvmlAdapter()
    try:
        sample = adapter.sample()
        check(
            sample.available,
            f"NVML available ({sample.message or 'driver ' + str(sample.driver_version)})",
        )
        for d in sample.devices:
            print(
                f"     GPU{d.index} {d.name} util={d.util_percent}"
                f" mem={d.memory_used}/{d.memory_total}"
                f" temp={d.temperature_c} power={d.power_w}/{d.power_limit_w} err={d.error}"
            )
        check(bool(sample.devices) and not any(d.error for d in sample.devices), "every GPU read")
        pids = [p.pid for p in sample.processes]
        print(f"     GPU processes: {[(p.pid, p.kind, p.used_memory) for p in sample.processes]}")
        # NVML reports host PIDs; inside a container they may differ from ours.
        print(f"     trainer pid {pid} {'is' if pid in pids else 'is NOT'} among them")
    finally:
        adapter.shutdown()


def ssh_probe_checks(run_dir: Path, pid: int) -> None:
    """The SSH node probe, run by ``sh`` here, against the real ``nvidia-smi`` and NVML."""
    done = subprocess.run(["sh", "-c", PROBE_COMMAND], capture_output=True, timeout=60)
    check(done.returncode == 0, f"probe exit {done.returncode}")
    reading = parse_probe_output(done.stdout, "localhost", time.time()).reading
    check(reading.error is None, f"probe output whole ({reading.error})")
    check(reading.gpu_note is None, f"every nvidia-smi line understood ({reading.gpu_note})")
    gpus = reading.gpus or ()
    for g in gpus:
        print(
            f"     probe GPU{g.index} {g.model} {g.uuid} util={g.util} "
            f"mem={g.memory_used_mib}/{g.memory_total_mib} MiB temp={g.temperature_c} "
            f"power={g.power_w} procs={[(p.pid, p.used_memory_mib) for p in g.processes or ()]}"
        )
    for line in done.stdout.decode(errors="replace").splitlines():
        if line.startswith(("0, GPU-", "GPU-")):
            print(f"     nvidia-smi said: {line}")
    adapter = NvmlAdapter()
    try:
        devices = adapter.sample().devices
    finally:
        adapter.shutdown()
    check(
        sorted(g.uuid or "" for g in gpus) == sorted(d.uuid or "" for d in devices),
        f"probe and NVML list the same GPUs ({len(gpus)} vs {len(devices)})",
    )
    totals = {d.uuid: (d.memory_total or 0) / 2**20 for d in devices}
    check(
        all(abs((g.memory_total_mib or 0) - totals.get(g.uuid, 0)) <= 1 for g in gpus),
        "probe memory totals (MiB) match NVML's",
    )
    on_gpu = {p.pid for g in gpus for p in g.processes or ()}
    # (nvidia-smi shows host PIDs: inside a container the trainer's may differ.)
    print(f"     trainer pid {pid} {'is' if pid in on_gpu else 'is NOT'} on a GPU per the probe")
    files = tuple(str(f) for f in run_dir.glob("*tfevents*"))
    link = link_node_runs([reading], [RunFiles("gpu_run", str(run_dir), files)])["gpu_run"]
    check(link.link.pid == pid, f"probe's process table links the trainer to its run ({link})")


def linkage_checks(root: Path, pid: int) -> None:
    tailer = make_tailer([str(root)])
    tailer.poll(final=False)
    sampler = make_sampler(tailer, (str(root),), process_interval=1.0)
    try:
        snap = sampler.tick()
    finally:
        sampler.stop()
    link = snap.links.get("gpu_run")
    check(link is not None and pid in link.pids, f"trainer linked to its run ({link})")
    state = snap.states.get("gpu_run")
    check(state is not None and state.state == "running", f"run state running ({state})")
    for row in snap.gpu_processes:
        print(f"     GPU process row: pid {row.process.pid} user {row.user} run {row.run}")
    if snap.gpu_processes:
        check(
            any(r.run == "gpu_run" for r in snap.gpu_processes),
            "a GPU process row names the run it writes",
        )


def ls_check(root: Path, pid: int) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tfwatch", "ls", "--json", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    check(out.returncode == 0, f"tfwatch ls exit {out.returncode} {out.stderr.strip()[:200]}")
    if out.returncode == 0:
        rows = json.loads(out.stdout)
        rows = rows.get("runs", rows) if isinstance(rows, dict) else rows
        print(f"     ls: {json.dumps(rows)[:400]}")
        text = json.dumps(rows)
        check(
            '"running"' in text and str(pid) in text, "ls --json shows the run running with its pid"
        )


async def screenshot(root: Path, path: Path) -> None:
    """Save the main screen to ``path`` and the system panel (``p``) beside it."""
    from tfwatch.ui.app import TfwatchApp

    app = TfwatchApp(open_session([str(root)], metrics=["train/loss"], process_interval=1.0))
    panel = path.with_name(path.stem + "-panel" + path.suffix)
    async with app.run_test(size=(120, 32)) as pilot:
        for _ in range(100):
            if app.snapshot is not None:
                break
            await pilot.pause(0.1)
        await pilot.pause(4.0)  # a few system ticks: utilisation history and linkage
        path.write_text(app.export_screenshot(title="tfwatch on a GPU"), encoding="utf-8")
        await pilot.press("p")
        await pilot.pause(2.0)
        panel.write_text(app.export_screenshot(title="tfwatch: system panel"), encoding="utf-8")
    check(path.stat().st_size > 1000, f"screenshots written to {path} and {panel}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--screenshot", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp, "logs")
        run_dir = root / "gpu_run"
        run_dir.mkdir(parents=True)
        code = TRAINER if importlib.util.find_spec("torch") else CPU_TRAINER
        trainer = subprocess.Popen([sys.executable, "-c", code, str(run_dir), str(args.seconds)])
        try:
            check(wait_for_events(run_dir, trainer, 120), "trainer wrote events")
            time.sleep(3)
            nvml_checks(trainer.pid)
            linkage_checks(root, trainer.pid)
            ssh_probe_checks(run_dir, trainer.pid)
            ls_check(root, trainer.pid)
            if args.screenshot:
                asyncio.run(screenshot(root, args.screenshot))
        finally:
            trainer.terminate()
            trainer.wait(10)
    print(f"{len(failures)} check(s) failed" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
