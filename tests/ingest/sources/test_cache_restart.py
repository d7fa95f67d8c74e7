"""The cache over an S3 root (moto's server on 127.0.0.1): a restart reads only the
bytes of objects that grew, and an object replaced by other bytes is read again.
(Here, beside the other remote roots' tests, whose S3 server fixture it shares.)"""

from __future__ import annotations

import shutil
from pathlib import Path

from tensorboardX import SummaryWriter

from tests.cache.runs_compared import assert_same_as_cold, load
from tests.ingest.sources.backends import Backend
from tests.writers import only_event_file
from tfwatch.cache.run_cache import RunCache


def test_s3_restart_reads_only_what_grew(s3_backend: Backend, tmp_path: Path) -> None:
    local = tmp_path / "local"
    w = SummaryWriter(str(local / "a"), flush_secs=3600)
    for step in range(2000):
        w.add_scalar("loss", 1.0 / (1 + step), step)
    w.flush()
    other = SummaryWriter(str(local / "b"))
    for step in range(500):
        other.add_scalar("loss", 2.0, step)
    other.close()
    s3_backend.publish(local, "cache-restart")
    url, options = s3_backend.url("cache-restart"), s3_backend.options
    load(url, RunCache(), options)
    size = only_event_file(local / "a").stat().st_size

    for step in range(2000, 2300):
        w.add_scalar("loss", 0.25, step)
    w.flush()
    s3_backend.publish(local, "cache-restart")  # the object replaced whole, longer
    grown = only_event_file(local / "a").stat().st_size
    cache = RunCache()
    warm = load(url, cache, options)
    assert cache.used == 2 and not cache.doubts
    assert warm.progress == (grown - size, grown - size)
    assert_same_as_cold(url, warm, options)
    w.close()

    # Other bytes of the same size under the same key: another ETag, records differ.
    again = tmp_path / "again"
    rewrite = SummaryWriter(str(again))
    for step in range(500):
        rewrite.add_scalar("loss", 3.0, step)
    rewrite.close()
    shutil.copyfile(only_event_file(again), only_event_file(local / "b"))
    s3_backend.publish(local, "cache-restart")
    cache = RunCache()
    warm = load(url, cache, options)
    assert any("different bytes" in d for d in cache.doubts)
    assert warm.runs["b"].scalars["loss"].last_value == 3.0
    assert_same_as_cold(url, warm, options)
