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
from dataclasses import dataclass, replace
from typing import Generic

from tfwatch.ingest.decode.tag_plugins import TagPlugins
from tfwatch.ingest.discovery import run_name_for
from tfwatch.ingest.file_state import EventFileState
from tfwatch.ingest.hparams_sessions import HEAD_BYTES, session_layout, worth_checking
from tfwatch.ingest.job_groups import grouped_jobs
from tfwatch.ingest.kept_runs import KeptRuns
from tfwatch.ingest.path_hparams import hparams_from_path
from tfwatch.ingest.poll_state import PollResult
from tfwatch.ingest.reads import RunReadRequest, read_file
from tfwatch.ingest.root_listing import list_roots
from tfwatch.ingest.run_memory import RunMemory
from tfwatch.ingest.run_sink import NewRun, R
from tfwatch.ingest.sources.base import FileInfo, Source
from tfwatch.ingest.sources.errors import SourceError
from tfwatch.ingest.sources.local import LocalSource
from tfwatch.ingest.workers import read_in_workers
from tfwatch.model.damage import Damage
from tfwatch.model.load_progress import LoadProgress
from tfwatch.model.root_status import RootStatus

# Below this many new bytes worker processes cost more than they save.
PARALLEL_MIN_BYTES = 32 << 20


@dataclass
class _Root:
    label: str
    source: Source
    status: RootStatus
    #: The listing last matched with nothing undecided (a source gives the same list
    #: again while nothing changed: nothing to match then).
    settled: list[FileInfo] | None = None


class Tailer(Generic[R]):
    """Keeps the runs ``new_run`` makes in step with the event files under the roots."""

    def __init__(
        self,
        roots: Sequence[tuple[str, Source]],
        new_run: NewRun[R],
        clock: Callable[[], float] = time.time,
        run_filter: Callable[[str], bool] | None = None,
        workers: int | None = None,
        memory: RunMemory[R] | None = None,
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
        #: Whether the listing being matched holds a file whose place is not known yet.
        self._undecided = False
        self.runs: dict[str, R] = {}
        #: Runs kept between processes (a cache): restored on a root's first listing,
        #: and given each run whose version moved since it was last kept.
        self._kept = KeptRuns(memory, self._prefix) if memory is not None else None
        self.lock = threading.RLock()
        #: Runs and bytes read and to read in the current poll (the load progress).
        self.load = LoadProgress()
        self.polls = 0
        self._on_progress: Callable[[LoadProgress], object] | None = None

    @property
    def progress(self) -> tuple[int, int]:
        """Bytes read and to read in the current poll."""
        return self.load.bytes_done, self.load.bytes_total

    def _advance(self, runs: int, done: int) -> None:
        self.load = replace(self.load, runs_done=self.load.runs_done + runs, bytes_done=done)
        if self._on_progress is not None:
            self._on_progress(self.load)

    @property
    def statuses(self) -> list[RootStatus]:
        """Per-root state, in the order the roots were given."""
        return [r.status for r in self._roots]

    def poll(
        self,
        final: bool = False,
        meanwhile: Callable[[], object] | None = None,
        summarize: Callable[[R], object] | None = None,
        on_progress: Callable[[LoadProgress], object] | None = None,
    ) -> PollResult:
        """List every root and read what was appended; ``final`` for one-shot reads.

        ``on_progress`` is called, in this thread, each time a run or file has been read
        (:attr:`load` says how far): the app shows the runs read so far, the one-shot
        commands a progress bar.

        ``meanwhile`` is called once while worker processes read (or after reading,
        when there are none): work that does not need the runs can overlap the load.
        ``summarize`` is for one-shot commands that need only ``summarize(run)`` of each
        run: a run read in a worker process stays there and only its summary comes back,
        in :attr:`PollResult.summaries` (the run here is left as listed, unread)."""
        result = PollResult()
        work: list[tuple[_Root, R, EventFileState, int]] = []
        failed: set[str] = set()
        listings = list_roots([root.source for root in self._roots])
        for root, listing in zip(self._roots, listings, strict=True):
            listed = listing.files
            if listed is None:
                self._fail(root, listing.error, result, failed)
                if listing.missing:
                    root.status.state = "missing"
                result.unlisted_roots.append(listing.error)
                continue
            if listed is root.settled:
                continue
            if self._kept is not None:
                self._restore(root, listed, result)
            self._undecided = False
            result.listings_matched += 1
            work.extend(self._reconcile(root, listed, result))
            root.settled = None if self._undecided else listed
            for directory in root.source.denied:
                self._fail(root, f"{directory}: permission denied", result, failed)
        total = sum(size - f.offset for _, _, f, size in work)
        for root in self._roots:
            root.source.will_read([(f.path, f.offset, size) for r, _, f, size in work if r is root])
        self.load = LoadProgress(0, len({run.name for _, run, _, _ in work}), 0, total,
                                 time.monotonic())  # fmt: skip
        self._on_progress = on_progress
        if self._parallel_worth_it(work, total):
            done = self._read_parallel(work, final, result, failed, meanwhile, summarize)
            meanwhile = None
        else:
            done = 0
            for k, (root, run, state, size) in enumerate(work):
                last_of_run = k + 1 == len(work) or work[k + 1][1] is not run
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
                    self._advance(int(last_of_run), done)
                    continue
                result.changed.add(run.name)
                self._advance(int(last_of_run), done)
        if meanwhile is not None:
            meanwhile()
        for root in self._roots:
            if root.label not in failed:
                root.status.state, root.status.last_error = "ok", ""
                root.status.last_ok = self._clock()
            root.source.report_status(root.status)
        result.bytes_read = done
        self._on_progress = None
        self.load = replace(self.load, runs_done=self.load.runs_total, bytes_done=done,
                            bytes_total=done)  # fmt: skip
        self.polls += 1
        if final:
            self.remember()
        return result

    def _restore(self, root: _Root, listed: list[FileInfo], result: PollResult) -> None:
        """Adopt the runs the memory kept of ``root`` that still match its files: the
        reads below then start where they stopped."""
        assert self._kept is not None
        for run, plugins in self._kept.restore(root.label, root.source, listed):
            name = run.name
            if name in self.runs or (self._run_filter is not None and not self._run_filter(name)):
                continue
            self._adopt(run, plugins)
            self._kept.mark_kept(run)
            for path, state in run.files.items():
                if state.hparams_session:
                    self._sessions[root.source.parent(path)] = True
            result.new_runs.append(name)
            result.changed.add(name)

    def _adopt(self, run: R, plugins: TagPlugins) -> None:
        """Take ``run``, read elsewhere (a worker, the cache), with its files indexed (an
        index left on the run sent to a worker made every later pass read it all again)."""
        with self.lock:
            self.runs[run.name] = run
        self._plugins[run.name] = plugins
        for path, state in run.files.items():
            self._index[path] = (run, state)

    def remember(self) -> int:
        """Give the memory every run changed since it was last kept; return how many.
        Called from the thread that polls."""
        if self._kept is None:
            return 0
        sources = {r.label: r.source for r in self._roots}
        return self._kept.keep_changed(list(self.runs.values()), self._plugins, sources)

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
        grouped = grouped_jobs(list(jobs.values()), self._workers, final)
        keep = None
        if summarize is not None and self._kept is not None:
            keep = self._kept.keeper({r.label: r.source for r in self._roots})
        for each in grouped:
            each.summarize = summarize
            each.keep = keep
        done = 0
        with closing(read_in_workers(grouped, self._workers, meanwhile)) as reads:
            for read in reads:
                name = read.name
                if read.run is None:
                    result.summaries[name] = read.summary
                    # (kept by the worker, if at all: the run here stays unread)
                    if self._kept is not None:
                        self._kept.mark_kept(self.runs[name])
                else:
                    self._adopt(read.run, read.plugins)
                for message in read.errors:
                    self._fail(roots[name], message, result, failed)
                done += read.handled
                result.changed.add(name)
                self._advance(1, done)
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
            self._undecided = True
            return None  # the read is tried again next poll; the real error shows then
        decided = session_layout(head)
        if decided is None and info.size >= HEAD_BYTES:
            decided = False  # a big first record (a graph): not the writers' small session
        if decided is not None:
            self._sessions[directory] = decided
        else:
            self._undecided = True
        return decided

    def _restart_file(self, run: R, state: EventFileState, kind: str) -> None:
        """A file got shorter than what was read: note it and read it again from 0."""
        with self.lock:
            run.damage.append(Damage(state.path, state.offset, kind, 0))
            state.offset = 0
            state.pending = 0
            state.first_record = state.last_record = None

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
