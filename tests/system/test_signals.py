"""Stopping a linked process, with its identity checked."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator

import psutil
import pytest

from tfwatch.system.signals import ProcessRef, send_signal


@pytest.fixture
def victim() -> Iterator[subprocess.Popen[bytes]]:
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield p
    p.kill()
    p.wait()


def ref(p: subprocess.Popen[bytes]) -> ProcessRef:
    return ProcessRef(p.pid, psutil.Process(p.pid).create_time())


def test_sigterm_reaches_the_linked_process(victim: subprocess.Popen[bytes]) -> None:
    outcome = send_signal(ref(victim), "SIGTERM")
    assert outcome.sent and outcome.message == f"sent SIGTERM to process {victim.pid}"
    assert victim.wait(timeout=5) == -signal.SIGTERM


def test_sigkill_reaches_the_linked_process(victim: subprocess.Popen[bytes]) -> None:
    assert send_signal(ref(victim), "SIGKILL").sent
    assert victim.wait(timeout=5) == -signal.SIGKILL


def test_a_different_process_under_the_same_pid_is_refused(victim: subprocess.Popen[bytes]) -> None:
    stale = ProcessRef(victim.pid, psutil.Process(victim.pid).create_time() - 100.0)
    outcome = send_signal(stale, "SIGKILL")
    assert not outcome.sent and "no longer the run's writer" in outcome.message
    assert victim.poll() is None


def test_readonly_and_unknown_signals_are_refused(victim: subprocess.Popen[bytes]) -> None:
    readonly = send_signal(ref(victim), "SIGKILL", readonly=True)
    assert not readonly.sent and "read-only" in readonly.message
    odd = send_signal(ref(victim), "SIGHUP")
    assert not odd.sent and "not offered" in odd.message
    assert victim.poll() is None


def test_a_process_that_already_ended(victim: subprocess.Popen[bytes]) -> None:
    target = ref(victim)
    victim.kill()
    victim.wait()
    outcome = send_signal(target, "SIGTERM")
    assert not outcome.sent and "already exited" in outcome.message
