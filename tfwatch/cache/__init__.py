"""The local cache of runs as read, for restarts that read only what was appended.

- :mod:`.run_codec`: one run as the bytes of one file (format version, digest, no pickle).
- :mod:`.freshness`: whether a cached run still describes its event files.
- :mod:`.run_cache`: where the files live, atomic writes, the size cap.

It serialises what the store holds, so it sits above the store; the tailer sees it only
through :class:`tfwatch.ingest.run_memory.RunMemory`.
"""
