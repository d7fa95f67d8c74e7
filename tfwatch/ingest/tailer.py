"""The poll loop: list roots, read what each event file gained, feed the store.

One :class:`Tailer` serves every command: ``ls``/``export``/``check`` call :meth:`poll`
once with ``final=True``; the app calls it from a worker thread every interval. Readers
of :attr:`runs` from other threads take :attr:`lock`.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from tfwatch.ingest.allocator import reuse_freed_memory
from tfwatch.ingest.decode import DecodedBatch, TagPlugins, decode_records
from tfwatch.ingest.discovery import run_name_for
from tfwatch.ingest.records import Damage, Framing, PayloadCrcError, frame
from tfwatch.ingest.sources import FileInfo, LocalSource, Source, SourceError
from tfwatch.store.runs import EventFileState, Run

CHUNK = 64 << 20  # read at most this much of one file per step (bounded memory)
# Below this many new bytes a process pool costs more than it saves.
PARALLEL_MIN_BYTES = 32 << 20


@dataclass
class RootStatus:
    """How a root's last polls went."""

    label: str
    root: str
    state: str = "pending"  # pending / ok / slow / failing
    last_error: str = ""
    last_ok: float = 0.0
    polls: int = 0
    poll_seconds: float = 0.0
    requests: int = 0  # listings + reads sent to a remote root (what a cloud bill counts)


@dataclass
class PollResult:
    """What one poll changed."""

    changed: set[str] = field(default_factory=set)  # run names with new data
    new_runs: list[str] = field(default_factory=list)
    gone_runs: list[str] = field(default_factory=list)
    bytes_read: int = 0
    errors: list[str] = field(default_factory=list)  # every problem, one line each
    unlisted_roots: list[str] = field(default_factory=list)  # roots that could not be listed


@dataclass
class _Root:
    label: str
    source: Source
    status: RootStatus


class Tailer:
    """Keeps the store in step with the event files under the roots."""

    def __init__(
        self,
        roots: Sequence[tuple[str, Source]],
        retain_all: bool = False,
        clock: Callable[[], float] = time.time,
        run_filter: Callable[[str], bool] | None = None,
        workers: int | None = None,
    ) -> None:
        self._roots = [_Root(label, src, RootStatus(label, src.root)) for label, src in roots]
        self._prefix = len(self._roots) > 1
        self._retain_all = retain_all
        self._clock = clock
        self._run_filter = run_filter
        #: Processes for cold loads (one per core, at most 4).
        self._workers = workers if workers is not None else min(4, os.cpu_count() or 1)
        self._plugins: dict[str, TagPlugins] = {}
        self._index: dict[str, tuple[Run, EventFileState]] = {}  # file path -> where it goes
        self.runs: dict[str, Run] = {}
        self.lock = threading.RLock()
        #: Bytes read and to read in the current poll (the app's load progress).
        self.progress: tuple[int, int] = (0, 0)
        self.polls = 0

    @property
    def statuses(self) -> list[RootStatus]:
        """Per-root state, in the order the roots were given."""
        return [r.status for r in self._roots]

    def poll(
        self, final: bool = False, meanwhile: Callable[[], object] | None = None
    ) -> PollResult:
        """List every root and read what was appended; ``final`` for one-shot reads.

        ``meanwhile`` is called once while worker processes read (or after reading,
        when there are none): work that does not need the runs can overlap the load."""
        result = PollResult()
        work: list[tuple[_Root, Run, EventFileState, int]] = []
        failed: set[str] = set()
        for root, (listed, message, seconds) in zip(self._roots, self._list_roots(), strict=True):
            if listed is None:
                self._fail(root, message, result, failed)
                result.unlisted_roots.append(message)
                continue
            root.status.polls += 1
            root.status.poll_seconds = seconds
            work.extend(self._reconcile(root, listed, result))
            for directory in getattr(root.source, "denied", ()):
                self._fail(root, f"{directory}: permission denied", result, failed)
        total = sum(size - f.offset for _, _, f, size in work)
        for root in self._roots:
            plan = getattr(root.source, "will_read", None)
            if plan is not None:  # remote roots fetch the announced reads in batches
                plan([(f.path, f.offset, size) for r, _, f, size in work if r is root])
        self.progress = (0, total)
        if self._parallel_worth_it(work, total):
            done = self._read_parallel(work, final, result, failed, meanwhile)
            meanwhile = None
        else:
            done = 0
            for root, run, state, size in work:
                try:
                    done += read_file(
                        root.source,
                        run,
                        state,
                        size,
                        final,
                        self._plugins[run.name],
                        self._clock(),
                        self.lock,
                    )
                except SourceError as e:
                    self._fail(root, str(e), result, failed)
                    continue
                result.changed.add(run.name)
                self.progress = (done, total)
        if meanwhile is not None:
            meanwhile()
        for root in self._roots:
            if root.label not in failed:
                root.status.state, root.status.last_error = "ok", ""
                root.status.last_ok = self._clock()
            report = getattr(root.source, "report_status", None)
            if report is not None:
                report(root.status)  # remote roots: "slow" and request counts
        result.bytes_read = done
        self.progress = (done, total)
        self.polls += 1
        return result

    def _list_roots(self) -> list[tuple[list[FileInfo] | None, str, float]]:
        """List every root; several roots are listed at once so a slow or failing one
        (remote roots bound each call with a deadline) does not hold up the others."""

        def list_one(root: _Root) -> tuple[list[FileInfo] | None, str, float]:
            started = self._clock()
            try:
                return root.source.list_event_files(), "", self._clock() - started
            except (SourceError, OSError) as e:
                message = str(e) if isinstance(e, SourceError) else f"{root.source.root}: {e}"
                return None, message, self._clock() - started

        if len(self._roots) < 2:
            return [list_one(root) for root in self._roots]
        from concurrent.futures import ThreadPoolExecutor  # (a one-root ls never needs it)

        with ThreadPoolExecutor(len(self._roots), thread_name_prefix="tfwatch-list") as pool:
            return list(pool.map(list_one, self._roots))

    def _fail(self, root: _Root, message: str, result: PollResult, failed: set[str]) -> None:
        root.status.state, root.status.last_error = "failing", message
        result.errors.append(message)
        failed.add(root.label)

    def _parallel_worth_it(
        self, work: list[tuple[_Root, Run, EventFileState, int]], total: int
    ) -> bool:
        """Cold loads of many local bytes are split across processes; tailing is not."""
        if self._workers < 2 or total < PARALLEL_MIN_BYTES:
            return False
        if len({run.name for _, run, _, _ in work}) < 2:
            return False
        return all(isinstance(root.source, LocalSource) for root, _, _, _ in work)

    def _read_parallel(
        self,
        work: list[tuple[_Root, Run, EventFileState, int]],
        final: bool,
        result: PollResult,
        failed: set[str],
        meanwhile: Callable[[], object] | None = None,
    ) -> int:
        """Read whole runs in worker processes and adopt the runs they send back."""
        jobs: dict[str, _RunJob] = {}
        roots: dict[str, _Root] = {}
        for root, run, state, size in work:
            job = jobs.get(run.name)
            if job is None:
                job = jobs[run.name] = _RunJob(root.source, run, self._plugins[run.name], [], final)
                roots[run.name] = root
            job.files.append((state.path, size))
        # Biggest runs first, so the two workers finish together.
        ordered = sorted(jobs.values(), key=lambda j: -sum(size for _, size in j.files))
        done, total = 0, self.progress[1]
        context = mp.get_context("fork" if threading.active_count() == 1 else "forkserver")
        with (
            tempfile.TemporaryDirectory(prefix="tfwatch-", dir=_handoff_root()) as handoff,
            context.Pool(self._workers, initializer=reuse_freed_memory) as pool,
        ):
            _widen_pipes(pool)
            for k, job in enumerate(ordered):
                job.handoff = os.path.join(handoff, f"{k}.pickle")
            results = pool.imap_unordered(_read_job, ordered)
            if meanwhile is not None:
                meanwhile()  # this process would only wait for the workers
            for read in results:
                run, plugins = read.adopt()
                with self.lock:
                    self.runs[run.name] = run
                    self._plugins[run.name] = plugins
                for message in read.errors:
                    self._fail(roots[run.name], message, result, failed)
                done += read.handled
                result.changed.add(run.name)
                self.progress = (done, total)
        return done

    def _reconcile(
        self, root: _Root, listed: list[FileInfo], result: PollResult
    ) -> list[tuple[_Root, Run, EventFileState, int]]:
        """Match the listing against known files; return the files that grew."""
        now = self._clock()
        seen: set[str] = set()
        work: list[tuple[_Root, Run, EventFileState, int]] = []
        for info in sorted(listed, key=lambda i: i.path):
            known = self._index.get(info.path)
            if known is not None and not known[0].gone:
                run, state = known
            else:
                found = self._locate(root, info, now, result)
                if found is None:
                    continue
                run, state = found
            seen.add(info.path)
            state.gone = False
            if state.identity is not None and info.identity != state.identity:
                # Replaced by a new file of the same name (a sync or copy): keep the
                # offset when it is at least as long, the usual case of a longer copy.
                if info.size < state.offset:
                    self._restart_file(run, state, "replaced")
            elif info.size < state.offset:
                self._restart_file(run, state, "shrunk")
            state.identity = info.identity
            state.size = info.size
            if info.size > state.offset:
                work.append((root, run, state, info.size))
        self._mark_gone(root, seen, result)
        # Files of a run are read in name order (TensorBoard's order).
        work.sort(key=lambda w: (w[1].name, w[2].name))
        return work

    def _locate(
        self, root: _Root, info: FileInfo, now: float, result: PollResult
    ) -> tuple[Run, EventFileState] | None:
        """The run and file state of a file not seen before (creating them)."""
        directory = root.source.parent(info.path)
        name = run_name_for(root.label, root.source.relative(directory), self._prefix)
        if self._run_filter is not None and not self._run_filter(name):
            return None
        with self.lock:
            run = self.runs.get(name)
            if run is None:
                run = self.runs[name] = Run(
                    name=name, root=root.label, path=directory, retain_all=self._retain_all
                )
                self._plugins[name] = TagPlugins()
                result.new_runs.append(name)
            elif run.gone:
                run.gone = False
            state = run.files.get(info.path)
            if state is None:
                state = run.files[info.path] = EventFileState(
                    path=info.path, name=os.path.basename(info.path), first_seen=now
                )
                run.files = dict(sorted(run.files.items()))
        self._index[info.path] = (run, state)
        return run, state

    def _restart_file(self, run: Run, state: EventFileState, kind: str) -> None:
        """A file got shorter than what was read: note it and read it again from 0."""
        with self.lock:
            run.damage.append(Damage(state.path, state.offset, kind, 0))
            state.offset = 0
            state.pending = 0

    def _mark_gone(self, root: _Root, seen: set[str], result: PollResult) -> None:
        with self.lock:
            for run in self.runs.values():
                if run.root != root.label:
                    continue
                for path, state in run.files.items():
                    if path not in seen:
                        state.gone = True
                if run.files and all(s.gone for s in run.files.values()) and not run.gone:
                    run.gone = True
                    result.gone_runs.append(run.name)


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


@dataclass
class _RunJob:
    """One run's files to read in a worker process."""

    source: Source
    run: Run
    plugins: TagPlugins
    files: list[tuple[str, int]]  # (path, size to read up to)
    final: bool
    handoff: str = ""  # a file to leave the read run in (see :func:`_read_job`)


@dataclass
class _ReadRun:
    """A worker's answer: the run it read, or the file it left it in (see :func:`_read_job`)."""

    handled: int
    errors: list[str]
    handoff: str | None  # the pickled (run, plugins), when written to a file
    read: tuple[Run, TagPlugins] | None = None

    def adopt(self) -> tuple[Run, TagPlugins]:
        """The run and its tag plugins (taking the handoff file, if any)."""
        if self.handoff is None:
            assert self.read is not None
            return self.read
        with open(self.handoff, "rb") as f:
            run, plugins = pickle.load(f)
        os.unlink(self.handoff)
        return run, plugins


def _read_job(job: _RunJob) -> _ReadRun:
    handled, errors = 0, []
    now = time.time()
    for path, size in job.files:
        try:
            handled += read_file(
                job.source, job.run, job.run.files[path], size, job.final, job.plugins, now
            )
        except SourceError as e:
            errors.append(str(e))
    # A read run (about half a megabyte) goes back through a file in memory, not the
    # pool's pipe: a worker writing into the pipe waits until the parent process, which
    # gets a core only between the workers' slices, has read what came before.
    if job.handoff:
        try:
            with open(job.handoff, "wb") as f:
                pickle.dump((job.run, job.plugins), f, protocol=pickle.HIGHEST_PROTOCOL)
            return _ReadRun(handled, errors, job.handoff)
        except OSError:
            pass  # (e.g. a full /dev/shm): the pipe, then
    return _ReadRun(handled, errors, None, (job.run, job.plugins))


def _handoff_root() -> str | None:
    """Where workers leave the runs they read: shared memory where there is one (Linux),
    else the temporary directory."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def read_file(
    source: Source,
    run: Run,
    state: EventFileState,
    size: int,
    final: bool,
    plugins: TagPlugins,
    now: float,
    lock: AbstractContextManager[object] | None = None,
) -> int:
    """Read ``state.path`` from its offset up to ``size`` into ``run``; return bytes handled.

    ``lock`` is held while the run changes but not while bytes are fetched, so a slow
    remote read never keeps readers of the store waiting."""
    handled = 0
    chunk = CHUNK
    while state.offset < size:
        data = source.read(state.path, state.offset, min(size - state.offset, chunk))
        if not data:
            break
        last = state.offset + len(data) >= size
        framing, batch = frame_and_decode(data, final and last, plugins)
        with lock or nullcontext():
            run.apply(batch)
            for off, kind, skipped in framing.damage:
                run.damage.append(Damage(state.path, state.offset + off, kind, skipped))
            for off in batch.bad_events:
                run.damage.append(Damage(state.path, state.offset + off - 12, "bad_event", 0))
            state.records += int(framing.starts.shape[0])
            state.offset += framing.consumed
            state.pending = framing.pending
            if framing.consumed:
                state.last_growth = run.last_growth = now
        handled += framing.consumed
        if framing.consumed == 0:
            if last:
                break  # only a partial record so far: wait for the writer
            chunk *= 2  # a record longer than the chunk: read more at once
    return handled


def frame_and_decode(data: bytes, final: bool, plugins: TagPlugins) -> tuple[Framing, DecodedBatch]:
    """Frame and decode one buffer. Payload CRCs are left to the decoder, which checks
    them for less; if one fails, the buffer is framed again by the path that checks each
    record and reports the damage."""
    framing = frame(data, final=final, verify_payloads=False)
    batch = DecodedBatch()
    try:
        decode_records(
            data, framing.starts, framing.lengths, plugins, batch, framing.payloads_verified
        )
    except PayloadCrcError:
        framing = frame(data, final=final)
        batch = DecodedBatch()
        decode_records(data, framing.starts, framing.lengths, plugins, batch)
    return framing, batch
