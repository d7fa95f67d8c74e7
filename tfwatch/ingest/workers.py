"""Whole runs read in worker processes for a cold load, and taken back.

A job is one run, or several short runs read together (see
:func:`~tfwatch.ingest.reads.read_runs_together`). Each worker leaves the runs it
read in a file in shared memory (``/dev/shm``), not in a pipe: writing half a megabyte
into a pipe made a worker wait until the parent process, which gets a core only between
the workers' slices, had read it.

From a single-threaded process (every one-shot command) the workers are forked
directly. The jobs are in their memory already, so a job is its number sent through a
pipe, and an answer five bytes back. A job whose answer does not come (its worker failed
or was killed) is read again in this process: no run is lost or waited for forever
(with multiprocessing's pool, a job of a killed worker would keep it waiting; the pool
also costs a short ``tfwatch ls`` a noticeable share of its time, see bench/README.md).
Where other threads run (the app) forking is not safe: there a pool started from a fork
server does the reads.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import re
import shutil
import signal
import struct
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, NoReturn

from tfwatch.ingest.allocator import reuse_freed_memory
from tfwatch.ingest.decode.tag_plugins import TagPlugins
from tfwatch.ingest.reads import RunReadRequest, read_runs_together
from tfwatch.ingest.run_sink import R


@dataclass
class Job(Generic[R]):
    """Runs read by one worker at a time, and the file it leaves them in.

    With ``summarize`` only ``summarize(run)`` of each run comes back, not the run: a
    one-shot command that needs a line per run (``tfwatch ls``) is spared sending whole
    runs between processes, and folding them into summaries one after another."""

    runs: list[RunReadRequest[R]]
    final: bool
    handoff: str = ""
    summarize: Callable[[R], object] | None = None
    #: Given each run read before it is summarized (a cache of runs keeps it).
    keep: Callable[[R, TagPlugins], None] | None = None


@dataclass
class RunReadResult(Generic[R]):
    """A run as read (or what its job's ``summarize`` made of it), its tags' plugins, the
    bytes handled and what could not be read."""

    name: str
    run: R | None
    plugins: TagPlugins
    handled: int
    errors: list[str]
    summary: object = None


def read_job(job: Job[R]) -> list[RunReadResult[R]]:
    """Read every file of ``job``'s runs, in whichever process calls it."""
    reads = [RunReadRequest(r.source, r.run, r.plugins, r.files) for r in job.runs]
    read_runs_together(reads, job.final, time.time())
    if job.summarize is not None:
        summarize = job.summarize
        if job.keep is not None:
            for r in reads:
                job.keep(r.run, r.plugins)
        return [
            RunReadResult(r.run.name, None, r.plugins, r.handled, r.errors, summarize(r.run))
            for r in reads
        ]
    return [RunReadResult(r.run.name, r.run, r.plugins, r.handled, r.errors) for r in reads]


def read_in_workers(
    jobs: Sequence[Job[R]], workers: int, meanwhile: Callable[[], object] | None = None
) -> Generator[RunReadResult[R], None, None]:
    """Every job read by up to ``workers`` processes, its runs yielded as it finishes.

    ``meanwhile`` is called once the workers have started. Close the iterator (or use it
    up) to stop the workers and remove the files they left."""
    root = handoff_root()
    _sweep_stale(root)
    with tempfile.TemporaryDirectory(prefix=f"tfwatch-{os.getpid()}-", dir=root) as handoff:
        for k, job in enumerate(jobs):
            job.handoff = os.path.join(handoff, f"{k}.pickle")
        if threading.active_count() == 1 and hasattr(os, "fork"):
            reads = _forked(jobs, workers, meanwhile)
        else:
            reads = _pooled(jobs, workers, meanwhile)
        for runs in reads:
            yield from runs


def handoff_root() -> str | None:
    """Where workers leave the runs they read: shared memory where there is one (Linux),
    else the temporary directory."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


_STALE = re.compile(r"tfwatch-(\d+)-")


def _sweep_stale(root: str | None) -> None:
    """Remove handoff directories this user's killed loads left (their process is gone)."""
    where = root or tempfile.gettempdir()
    try:
        names = os.listdir(where)
    except OSError:
        return
    for name in names:
        m = _STALE.match(name)
        if m is None:
            continue
        path = os.path.join(where, name)
        try:
            if os.stat(path).st_uid != os.getuid():
                continue
            os.kill(int(m.group(1)), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except (OSError, OverflowError):
            continue  # alive (or not ours to judge)


def _leave(job: Job[R]) -> bool:
    """(In a worker) read ``job`` and leave its runs in its handoff file; False if it
    could not."""
    try:
        # Into copies of the runs, as a pool's worker gets them: the runs as forked stay
        # shared with the parent (and referenced by its store), while the copies are
        # freed once handed back; reading into the originals kept every run a worker read.
        copies = pickle.loads(pickle.dumps(job.runs))
        _hand_off(
            read_job(Job(copies, job.final, summarize=job.summarize, keep=job.keep)), job.handoff
        )
        return True
    except Exception:  # the parent reads the job again: it reports what went wrong
        with contextlib.suppress(OSError):
            os.unlink(job.handoff)
        return False


def _hand_off(reads: list[RunReadResult[R]], handoff: str) -> None:
    with open(handoff, "wb") as f:
        pickle.dump(reads, f, protocol=pickle.HIGHEST_PROTOCOL)


def _take(handoff: str) -> list[RunReadResult[R]]:
    with open(handoff, "rb") as f:
        reads: list[RunReadResult[R]] = pickle.load(f)
    os.unlink(handoff)
    return reads


_ANSWER = struct.Struct("<I?")  # a job's number; whether its run is in its handoff file


def _forked(
    jobs: Sequence[Job[R]], workers: int, meanwhile: Callable[[], object] | None
) -> Iterator[list[RunReadResult[R]]]:
    tasks_r, tasks_w = os.pipe()
    answers_r, answers_w = os.pipe()
    pids: list[int] = []
    fed = 0
    try:
        for _ in range(min(workers, len(jobs))):
            try:
                pid = os.fork()
            except OSError:
                break  # no more processes allowed: fewer workers (or none)
            if pid == 0:
                _serve(jobs, tasks_r, answers_w, (tasks_w, answers_r))
            pids.append(pid)
        os.close(tasks_r)
        os.close(answers_w)
        tasks_r = answers_w = -1

        def feed(n: int) -> None:
            # Job numbers go out a few at a time, biggest job first, to whichever worker
            # is free; at the end the pipe is closed, which tells the workers to stop.
            nonlocal fed, tasks_w
            upto = min(len(jobs), fed + n)
            try:
                os.write(tasks_w, b"".join(k.to_bytes(4, "little") for k in range(fed, upto)))
            except BrokenPipeError:  # every worker has gone: the rest is read here
                upto = len(jobs)
            fed = upto
            if fed == len(jobs):
                os.close(tasks_w)
                tasks_w = -1

        if pids:
            feed(2 * len(pids))
        if meanwhile is not None:
            meanwhile()
        answered: set[int] = set()
        pending = b""
        while chunk := os.read(answers_r, 4096):  # until every worker has exited
            pending += chunk
            whole = len(pending) - len(pending) % _ANSWER.size
            for k, ok in _ANSWER.iter_unpack(pending[:whole]):
                if tasks_w >= 0:
                    feed(1)
                if ok:
                    answered.add(k)
                    yield _take(jobs[k].handoff)
            pending = pending[whole:]
        for k, job in enumerate(jobs):
            if k not in answered:
                yield read_job(job)  # its worker failed or died (or could not be started)
    finally:
        for fd in (tasks_r, tasks_w, answers_r, answers_w):
            if fd >= 0:
                os.close(fd)
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)  # (only if still there: stopped early)
                os.waitpid(pid, 0)


def _serve(
    jobs: Sequence[Job[R]], tasks: int, answers: int, parent_ends: tuple[int, int]
) -> NoReturn:
    """A forked worker's whole life: read the jobs whose numbers come through ``tasks``."""
    status = 1
    try:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: the parent reports it
        for fd in parent_ends:
            os.close(fd)
        reuse_freed_memory()
        while len(number := os.read(tasks, 4)) == 4:
            k = int.from_bytes(number, "little")
            os.write(answers, _ANSWER.pack(k, _leave(jobs[k])))
        status = 0
    finally:
        os._exit(status)


def prepare_pool() -> None:
    """Start now what a pool of workers needs to start later from a threaded process.

    Call it before a full-screen app runs: the app replaces ``sys.stderr`` with an object
    whose descriptor is -1, and multiprocessing's resource tracker, started with the
    first pool, passes that descriptor on and fails ("bad value(s) in fds_to_keep")."""
    if not hasattr(os, "fork"):
        return  # (Windows: pools start otherwise)
    from multiprocessing import resource_tracker

    with contextlib.suppress(OSError, ValueError):
        resource_tracker.ensure_running()


def _pooled(
    jobs: Sequence[Job[R]], workers: int, meanwhile: Callable[[], object] | None
) -> Iterator[list[RunReadResult[R]]]:
    import multiprocessing as mp

    methods = mp.get_all_start_methods()
    context = mp.get_context("forkserver" if "forkserver" in methods else "spawn")
    try:
        pool = context.Pool(min(workers, len(jobs)), initializer=reuse_freed_memory)
    except (OSError, ValueError):  # no processes to be had: every job read here
        if meanwhile is not None:
            meanwhile()
        for job in jobs:
            yield read_job(job)
        return
    with pool:
        _widen_pipes(pool)
        answers = pool.imap_unordered(_pool_answer, jobs)
        if meanwhile is not None:
            meanwhile()
        for answer in answers:
            yield _take(answer) if isinstance(answer, str) else answer


def _pool_answer(job: Job[R]) -> str | list[RunReadResult[R]]:
    """(In a pool's worker) the handoff file the read runs were left in; or, when that
    file cannot be written, the runs themselves (through the pool's pipe)."""
    read = read_job(job)
    try:
        _hand_off(read, job.handoff)
    except OSError:
        return read
    return job.handoff


def _widen_pipes(pool: object) -> None:
    """Let the pool's pipes hold every job and a whole run's result (about half a
    megabyte) at once, so that workers never wait for this process to move them 64 KB
    at a time: with every core busy reading, each such wait is a trip through the
    scheduler. Linux only; nothing happens where it cannot be done."""
    try:
        import fcntl

        for queue in (pool._inqueue, pool._outqueue):  # type: ignore[attr-defined]
            fcntl.fcntl(queue._writer.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    except (AttributeError, ImportError, OSError):
        pass


_PIPE_BYTES = 1 << 20  # Linux's default ceiling for unprivileged processes
