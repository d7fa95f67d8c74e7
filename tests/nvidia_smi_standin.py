"""A stand-in ``nvidia-smi`` for machines without a GPU: a shell script put first on PATH.

It answers the two CSV queries the SSH probe makes with bytes the test chooses. The
default lines are copied from a real ``nvidia-smi`` 550 on an H100 node (format
``csv,noheader,nounits``: fields joined by ``", "``, ``[N/A]`` where a value is missing).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

H100_UUIDS = (
    "GPU-8f5c2a1e-3b7d-4c9a-9e21-5d0f6b7a8c91",
    "GPU-1d2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5",
)
H100_GPUS = (
    f"0, {H100_UUIDS[0]}, NVIDIA H100 80GB HBM3, 87, 40123, 81559, 61, 312.45\n"
    f"1, {H100_UUIDS[1]}, NVIDIA H100 80GB HBM3, 0, 1, 81559, 33, 71.12\n"
)


def h100_apps(pid: int, used_mib: int = 40110, name: str = "/usr/bin/python3") -> str:
    """A ``--query-compute-apps`` line for one process on GPU 0."""
    return f"{H100_UUIDS[0]}, {pid}, {used_mib}, {name}\n"


@dataclass
class NvidiaSmi:
    """The script and the answers it gives (change them between polls)."""

    directory: Path

    def answer(self, gpus: bytes | str, apps: bytes | str = b"", exit_code: int = 0) -> None:
        """What the next calls print, and their exit status."""
        for name, data in (("gpus", gpus), ("apps", apps)):
            raw = data.encode() if isinstance(data, str) else data
            (self.directory / f"{name}.out").write_bytes(raw)
        (self.directory / "rc").write_text(str(exit_code))

    def hang(self, on: bool = True) -> None:
        """Make the next calls hang (a driver gone bad), or answer again."""
        flag = self.directory / "hang"
        if on:
            flag.touch()
        else:
            flag.unlink(missing_ok=True)


def install_nvidia_smi(directory: Path) -> NvidiaSmi:
    """Write ``directory/nvidia-smi`` (put ``directory`` first on PATH) answering H100 lines."""
    directory.mkdir(parents=True, exist_ok=True)
    d = shlex.quote(str(directory))
    script = directory / "nvidia-smi"
    script.write_text(
        "#!/bin/sh\n"
        'case "$*" in\n'
        "  *--query-gpu=index,uuid,name,utilization.gpu,memory.used,memory.total,"
        "temperature.gpu,power.draw*) f=gpus ;;\n"
        "  *--query-compute-apps=gpu_uuid,pid,used_memory,process_name*) f=apps ;;\n"
        "  *) echo 'unexpected query' >&2; exit 2 ;;\n"
        "esac\n"
        f"[ -e {d}/hang ] && exec sleep 600\n"
        f'cat {d}/"$f.out"\n'
        f"read -r rc < {d}/rc\n"
        'exit "$rc"\n'
    )
    script.chmod(0o755)
    smi = NvidiaSmi(directory)
    smi.answer(H100_GPUS)
    return smi
