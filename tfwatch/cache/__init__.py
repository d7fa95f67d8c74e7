"""The local cache of runs as read, for restarts that read only what was appended.

- :mod:`.run_codec`: one run as the bytes of one entry (format version, digest, no pickle).
- :mod:`.run_pack`: many entries of one root in one file.
- :mod:`.freshness`: whether a cached run still describes its event files.
- :mod:`.run_cache`: where the files live (a file per run kept, a pack per root), atomic
  writes, the size cap.

It serialises what the store holds, so it sits above the store; the tailer sees it only
through :class:`tfwatch.ingest.run_memory.RunMemory`.
"""
