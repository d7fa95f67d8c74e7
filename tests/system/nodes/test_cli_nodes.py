"""``tfwatch nodes`` and ``tfwatch ls --prometheus`` end to end: runs written by
tensorboardX, their files named as on other machines (Kubernetes pods, a bare node, a
laptop), joined to the nodes a real Prometheus reports (see conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.cli_run import run_cli
from tests.services.prometheus import free_port
from tests.system.nodes.cluster import Cluster
from tests.writers import only_event_file
from tfwatch.model.event_file_names import local_hostname, parse_event_file_name

#: run name → host its event file names (None: as written, this machine).
RUNS = {
    "k8s/trainer-0": "trainer-0",
    "k8s/trainer-1": "trainer-1",
    "k8s/eval-2": "eval-2",
    "bare/shared": "gpu-b.cluster.local",
    "laptop/run": "laptop",
    "here/run": None,
}


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tensorboardX run per entry of RUNS, renamed to its host."""
    from tensorboardX import SummaryWriter

    root = tmp_path_factory.mktemp("cluster") / "logs"
    for name, host in RUNS.items():
        writer = SummaryWriter(str(root / name))
        for step in range(5):
            writer.add_scalar("loss", 1.0 / (step + 1), step)
        writer.close()
        path = only_event_file(root / name)
        if host is not None:
            written = parse_event_file_name(path.name).host
            assert written is not None
            path.rename(path.with_name(path.name.replace(f".{written}", f".{host}")))
    return root


def test_nodes_json_lists_every_node_with_its_runs(
    cluster: Cluster, logs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TFWATCH_PROMETHEUS_URL", raising=False)
    result = run_cli(
        monkeypatch, "nodes", str(logs), "--prometheus", cluster.prometheus.url, "--json"
    )
    assert (result.status, result.err) == (0, "")
    nodes = {n["name"]: n for n in json.loads(result.out)["nodes"]}
    here = local_hostname()
    assert sorted(nodes) == sorted(["gpu-a", "gpu-b", "gpu-c", here])
    assert {name: n["runs"] for name, n in nodes.items()} == {
        "gpu-a": ["k8s/trainer-0"],
        "gpu-b": ["bare/shared", "k8s/eval-2", "k8s/trainer-1"],
        "gpu-c": [],
        here: ["here/run"],
    }
    a = nodes["gpu-a"]
    assert list(a) == [
        "name", "source", "up", "error", "gpus", "cpu_percent", "memory_used_bytes",
        "memory_total_bytes", "runs",
    ]  # fmt: skip
    assert (a["source"], a["up"], a["error"]) == ("prometheus", True, None)
    assert a["gpus"][0] == {
        "index": 0,
        "uuid": a["gpus"][0]["uuid"],
        "model": "NVIDIA A100-SXM4-80GB",
        "util": 90.0,
        "memory_used_mib": 30000.0,
        "memory_total_mib": 81559.0,
        "temperature_c": 64.0,
        "power_w": 312.5,
        "pod": "trainer-0",
    }
    assert (a["memory_used_bytes"], a["memory_total_bytes"]) == (128 * 2**30, 512 * 2**30)
    assert nodes[here]["gpus"] == [] and nodes[here]["memory_total_bytes"] > 0


def test_nodes_table(cluster: Cluster, logs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TFWATCH_PROMETHEUS_URL", cluster.prometheus.url)
    result = run_cli(monkeypatch, "nodes", str(logs))
    assert result.status == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == [
        "NODE", "SOURCE", "STATE", "GPUS", "GPU", "UTIL", "GPU", "MEM", "CPU", "MEMORY", "RUNS"
    ]  # fmt: skip
    gpu_a = next(line for line in lines if line.startswith("gpu-a "))
    assert gpu_a.split()[1:5] == ["prometheus", "up", "2", "80%"]
    assert "56.6/159.3 GiB" in gpu_a and gpu_a.endswith("k8s/trainer-0")


def test_ls_json_places_each_run(
    cluster: Cluster, logs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TFWATCH_PROMETHEUS_URL", raising=False)
    result = run_cli(monkeypatch, "ls", str(logs), "--json", "--prometheus", cluster.prometheus.url)
    assert result.status == 0, result.err
    rows = {r["name"]: r for r in json.loads(result.out)["runs"]}
    placed = {name: (r["host"], r["node"], r["gpu_util"]) for name, r in rows.items()}
    assert placed == {
        # a pod's GPUs are the run's own: the mean of gpu-a's two
        "k8s/trainer-0": ("trainer-0", "gpu-a", 80.0),
        "k8s/trainer-1": ("trainer-1", "gpu-b", 40.0),
        # a pod that holds no GPU: placed by kube_pod_info, GPUs unknown
        "k8s/eval-2": ("eval-2", "gpu-b", None),
        # a run on a shared node without pods or GPU processes: its GPUs are unknown
        "bare/shared": ("gpu-b.cluster.local", "gpu-b", None),
        "laptop/run": ("laptop", None, None),
        "here/run": (local_hostname(), local_hostname(), None),
    }
    # a pod's phase gives a remote run's state (trainer-0 wrote just now)
    states = {name: (r["state"], r["state_reason"]) for name, r in rows.items()}
    assert states["k8s/trainer-0"] == ("running", "pod ml/trainer-0 running")
    assert states["k8s/trainer-1"] == ("crashed", "pod ml/trainer-1 failed")
    assert states["k8s/eval-2"] == ("finished", "pod ml/eval-2 succeeded")
    assert states["bare/shared"][0] == "unknown"  # no pod: write recency alone
    # without a node source the rows gain only the host
    plain = run_cli(monkeypatch, "ls", str(logs), "--json")
    row = json.loads(plain.out)["runs"][0]
    assert "host" in row and "node" not in row and "gpu_util" not in row


@pytest.mark.parametrize("command", ["nodes", "ls"])
def test_an_unreachable_prometheus_is_one_line_and_exit_2(
    command: str, logs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run_cli(monkeypatch, command, str(logs), "--prometheus", url)
    assert result.status == 2
    assert result.err == f"tfwatch: prometheus {url}: connection refused\n"
    assert result.out == ""


def test_mistakes_are_one_line_and_exit_2(logs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TFWATCH_PROMETHEUS_URL", raising=False)
    result = run_cli(monkeypatch, "nodes", "--prometheus", "localhost:9090")
    assert result.status == 2 and result.err.startswith("tfwatch: not an http(s) URL")
    result = run_cli(
        monkeypatch, "nodes", "--prometheus", "http://x", "--prometheus-header", "Bearer sEcReT"
    )
    assert result.status == 2 and "sEcReT" not in result.err
    assert result.err.count("\n") == 1


def test_without_other_sources_nodes_lists_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TFWATCH_PROMETHEUS_URL", raising=False)
    result = run_cli(monkeypatch, "nodes", "--json")
    assert result.status == 0, result.err
    (node,) = json.loads(result.out)["nodes"]
    assert (node["name"], node["source"], node["up"]) == (local_hostname(), "local", True)
    assert node["memory_total_bytes"] > node["memory_used_bytes"] > 0
    assert 0.0 <= node["cpu_percent"] <= 100.0
