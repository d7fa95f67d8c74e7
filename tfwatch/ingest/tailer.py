"""The poll loop: list roots, read what each event file gained, feed the runs.

One :class:`Tailer` serves every command: ``ls``/``export``/``check`` call :meth:`poll`
once with ``final=True``; the app calls it from a worker thread every interval. Readers
of :attr:`runs` from other threads take :attr:`lock`. The runs are made by the
:class:`~tfwatch.ingest.run_sink.NewRun` the tailer is given (the store's).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Generic

from tfwatch.ingest.decode.tag_plugins import TagPlugins
from tfwatch.ingest.discovery import run_name_for
from tfwatch.ingest.file_state import EventFileState
from tfwatch.ingest.hparams_sessions import HEAD_BYTES, session_layout, worth_checking
from tfwatch.ingest.path_hparams import hparams_from_path
from tfwatch.ingest.reads import RunReadRequest, read_file
from tfwatch.ingest.run_sink import NewRun, R
from tfwatch.ingest.sources.base import FileInfo, Source
from tfwatch.ingest.sources.errors import RootNotFound, SourceError
from tfwatch.ingest.sources.local import LocalSource
from tfwatch.ingest.workers import Job, read_in_workers
from tfwatch.model.damage import Damage
from tfwatch.model.root_status import RootStatus

# Below this many new bytes worker processes cost more than they save.
PARALLEL_MIN_BYTES = 32 << 20


@dataclass
class PollResult:
    """What one poll changed."""

    changed: set[str] = field(default_factory=set)  # run names with new data
    new_runs: list[str] = field(default_factory=list)
    gone_runs: list[str] = field(default_factory=list)
    bytes_read: int = 0
    errors: list[str] = field(default_factory=list)  # every problem, one line each
    unlisted_roots: list[str] = field(default_factory=list)  # roots that could not be listed
    #: What ``summarize`` made of the runs read in worker processes (see :meth:`poll`).
    summaries: dict[str, object] = field(default_factory=dict)


@dataclass
class _Root:
    label: str
    source: Source
    status: RootStatus
    missing: bool = False  # the last listing found no root directory at all


class Tailer(Generic[R]):
    """Keeps the runs ``new_run`` makes in step with the event files under the roots."""

    def __init__(
        self,
        roots: Sequence[tuple[str, Source]],
        new_run: NewRun[R],
        clock: Callable[[], float] = time.time,
        run_filter: Callable[[str], bool] | None = None,
        workers: int | None = None,
    ) -> None:
        self._roots = [_Root(label, src, RootStatus(label, src.root)) for label, src in roots]
        self._prefix = len(self._roots) > 1
        self._new_run = new_run
        self._clock = clock
        self._run_filter = run_filter
        #: Processes for cold loads (one per core, at most 4).
        self._workers = workers if workers is not None else min(4, os.cpu_count() or 1)
        self._plugins: dict[str, TagPlugins] = {}
        self._index: dict[str, tuple[R, EventFileState]] = {}  # file path -> where it goes
        #: Directory -> whether it is an add_hparams session (decided once, on its head).
        self._sessions: dict[str, bool] = {}
        self.runs: dict[str, R] = {}
        self.lock = threading.RLock()
        #: Bytes read and to read in the current poll (the app's load progress).
        self.progress: tuple[int, int] = (0, 0)
        self.polls = 0

    @property
    def statuses(self) -> list[RootStatus]:
        """Per-root state, in the order the roots were given."""
        return [r.status for r in self._roots]

    def poll(
        self,
        final: bool = False,
        meanwhile: Callable[[], object] | None = None,
        summarize: Callable[[R], object] | None = None,
    ) -> PollResult:
        """List every root and read what was appended; ``final`` for one-shot reads.

        ``meanwhile`` is called once while worker processes read (or after reading,
        when there are none): work that does not need the runs can overlap the load.
        ``summarize`` is for one-shot commands that need only ``summarize(run)`` of each
        run: a run read in a worker process stays there and only its summary comes back,
        in :attr:`PollResult.summaries` (the run here is left as listed, unread)."""
        result = PollResult()
        work: list[tuple[_Root, R, EventFileState, int]] = []
        failed: set[str] = set()
        for root, (listed, message) in zip(self._roots, self._list_roots(), strict=True):
            if listed is None:
                self._fail(root, message, result, failed)
                if root.missing:
                    root.status.state = "missing"
                result.unlisted_roots.append(message)
                continue
            work.extend(self._reconcile(root, listed, result))
            for directory in root.source.denied:
                self._fail(root, f"{directory}: permission denied", result, failed)
        total = sum(size - f.offset for _, _, f, size in work)
        for root in self._roots:
            root.source.will_read([(f.path, f.offset, size) for r, _, f, size in work if r is root])
        self.progress = (0, total)
        if self._parallel_worth_it(work, total):
            done = self._read_parallel(work, final, result, failed, meanwhile, summarize)
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
            root.source.report_status(root.status)
        result.bytes_read = done
        self.progress = (done, total)
        self.polls += 1
        return result

    def _list_roots(self) -> list[tuple[list[FileInfo] | None, str]]:
        """List every root; several roots are listed at once so a slow or failing one
        (remote roots bound each call with a deadline) does not hold up the others."""

        def list_one(root: _Root) -> tuple[list[FileInfo] | None, str]:
            root.missing = False
            try:
                return root.source.list_event_files(), ""
            except (SourceError, OSError) as e:
                root.missing = isinstance(e, RootNotFound)
                message = str(e) if isinstance(e, SourceError) else f"{root.source.root}: {e}"
                return None, message

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
        self, work: list[tuple[_Root, R, EventFileState, int]], total: int
    ) -> bool:
        """Cold loads of many local bytes are split across processes; tailing is not."""
        if self._workers < 2 or total < PARALLEL_MIN_BYTES:
            return False
        if len({run.name for _, run, _, _ in work}) < 2:
            return False
        return all(isinstance(root.source, LocalSource) for root, _, _, _ in work)

    def _read_parallel(
        self,
        work: list[tuple[_Root, R, EventFileState, int]],
        final: bool,
        result: PollResult,
        failed: set[str],
        meanwhile: Callable[[], object] | None = None,
        summarize: Callable[[R], object] | None = None,
    ) -> int:
        """Read whole runs in worker processes and adopt the runs they send back (or
        keep their summaries)."""
        jobs: dict[str, RunReadRequest[R]] = {}
        roots: dict[str, _Root] = {}
        for root, run, state, size in work:
            job = jobs.get(run.name)
            if job is None:
                job = jobs[run.name] = RunReadRequest(root.source, run, self._plugins[run.name], [])
                roots[run.name] = root
            job.files.append((state.path, size))
        grouped = _grouped(list(jobs.values()), self._workers, final)
        for each in grouped:
            each.summarize = summarize
        done, total = 0, self.progress[1]
        with closing(read_in_workers(grouped, self._workers, meanwhile)) as reads:
            for read in reads:
                name = read.name
                if read.run is None:
                    result.summaries[name] = read.summary
                else:
                    with self.lock:
                        self.runs[name] = read.run
                        self._plugins[name] = read.plugins
                for message in read.errors:
                    self._fail(roots[name], message, result, failed)
                done += read.handled
                result.changed.add(name)
                self.progress = (done, total)
        return done

    def _reconcile(
        self, root: _Root, listed: list[FileInfo], result: PollResult
    ) -> list[tuple[_Root, R, EventFileState, int]]:
        """Match the listing against known files; return the files that grew."""
        now = self._clock()
        seen: set[str] = set()
        work: list[tuple[_Root, R, EventFileState, int]] = []
        run_dirs = {root.source.parent(info.path) for info in listed}
        for info in sorted(listed, key=lambda i: i.path):
            known = self._index.get(info.path)
            if known is not None and not known[0].gone:
                run, state = known
            else:
                found = self._locate(root, info, now, result, run_dirs)
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
            state.mtime = info.mtime
            if info.size > state.offset:
                work.append((root, run, state, info.size))
        self._mark_gone(root, seen, result)
        # Files of a run are read in name order (TensorBoard's order).
        work.sort(key=lambda w: (w[1].name, w[2].name))
        return work

    def _locate(
        self, root: _Root, info: FileInfo, now: float, result: PollResult, run_dirs: set[str]
    ) -> tuple[R, EventFileState] | None:
        """The run and file state of a file not seen before (creating them); None for a
        file left out, or one whose place is not known yet (looked at again next poll)."""
        directory = root.source.parent(info.path)
        session = self._is_session(root, info, directory, run_dirs)
        if session is None:
            return None
        if session:  # add_hparams' directory: its file belongs to the run above it
            directory = root.source.parent(directory)
        relative = root.source.relative(directory)
        name = run_name_for(root.label, relative, self._prefix)
        if self._run_filter is not None and not self._run_filter(name):
            return None
        with self.lock:
            run = self.runs.get(name)
            if run is None:
                run = self.runs[name] = self._new_run(
                    name, root.label, directory, hparams_from_path(relative)
                )
                self._plugins[name] = TagPlugins()
                result.new_runs.append(name)
            elif run.gone:
                run.gone = False
            state = run.files.get(info.path)
            if state is None:
                state = run.files[info.path] = EventFileState(
                    path=info.path,
                    name=os.path.basename(info.path),
                    first_seen=now,
                    hparams_session=session,
                )
                run.files = dict(sorted(run.files.items()))
        self._index[info.path] = (run, state)
        return run, state

    def _is_session(
        self, root: _Root, info: FileInfo, directory: str, run_dirs: set[str]
    ) -> bool | None:
        """Whether ``directory`` is an add_hparams session to fold into the run above it
        (None: cannot tell until its file holds more)."""
        known = self._sessions.get(directory)
        if known is not None:
            return known
        relative = root.source.relative(directory)
        if relative == ".":
            return False
        parent = root.source.parent(directory)
        if not worth_checking(relative.rsplit("/", 1)[-1], parent in run_dirs):
            return False
        try:
            head = root.source.read(info.path, 0, min(info.size, HEAD_BYTES)) if info.size else b""
        except SourceError:
            return None  # the read is tried again next poll; the real error shows then
        decided = session_layout(head)
        if decided is None and info.size >= HEAD_BYTES:
            decided = False  # a big first record (a graph): not the writers' small session
        if decided is not None:
            self._sessions[directory] = decided
        return decided

    def _restart_file(self, run: R, state: EventFileState, kind: str) -> None:
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


#: Runs with less to read than this are read several to a job (see
#: :func:`~tfwatch.ingest.reads.read_runs_together`), a job's share of them
#: between these bounds.
_SHORT_RUN_BYTES = 1 << 20
_JOB_BYTES_MIN, _JOB_BYTES_MAX = 1 << 20, 8 << 20


def _grouped(jobs: list[RunReadRequest[R]], workers: int, final: bool) -> list[Job[R]]:
    """Jobs for the workers, biggest first so that they finish together: long runs one
    to a job, short ones together, a job's share small enough that the workers still
    end close together (a few jobs each at the end)."""
    size = {id(j): sum(n - j.run.files[path].offset for path, n in j.files) for j in jobs}
    jobs = sorted(jobs, key=lambda j: -size[id(j)])
    short = sum(size[id(j)] for j in jobs if size[id(j)] < _SHORT_RUN_BYTES)
    share = min(_JOB_BYTES_MAX, max(_JOB_BYTES_MIN, short // (6 * workers)))
    out: list[Job[R]] = []
    filled = share  # bytes in the last job (none yet: full)
    for job in jobs:
        n = size[id(job)]
        if n < _SHORT_RUN_BYTES and filled + n <= share:
            out[-1].runs.append(job)
            filled += n
        else:
            out.append(Job([job], final))
            filled = n if n < _SHORT_RUN_BYTES else share
    return out
