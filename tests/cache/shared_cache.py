"""Two ``tfwatch ls`` processes sharing one cache while a writer appends to a run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tensorboardX import SummaryWriter


def ls_twice_at_once(
    root: Path, writer: SummaryWriter, tag: str, step: int, setup: str = ""
) -> None:
    """Run two processes that each ``tfwatch ls`` ``root`` six times (after ``setup``, a
    line of Python), while ``writer`` appends ``tag`` from ``step`` on; both must
    succeed. The writer is closed at the end."""
    loop = (
        f"import sys\nfrom tfwatch.cli import main\n{setup}\n"
        "for _ in range(6):\n    assert main(['ls', sys.argv[1], '--json']) == 0\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", loop, str(root)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    while any(p.poll() is None for p in procs):
        for _ in range(50):
            writer.add_scalar(tag, 0.5, step)
            step += 1
        writer.flush()
    writer.close()
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read() if p.stderr else ""
