"""How a cold load's runs are grouped into jobs for the worker processes."""

from __future__ import annotations

from tfwatch.ingest.reads import RunReadRequest
from tfwatch.ingest.run_sink import R
from tfwatch.ingest.workers import Job

#: Runs with less to read than this are read several to a job (see
#: :func:`~tfwatch.ingest.reads.read_runs_together`), a job's share of them
#: between these bounds.
_SHORT_RUN_BYTES = 1 << 20
_JOB_BYTES_MIN, _JOB_BYTES_MAX = 1 << 20, 8 << 20


def grouped_jobs(jobs: list[RunReadRequest[R]], workers: int, final: bool) -> list[Job[R]]:
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
