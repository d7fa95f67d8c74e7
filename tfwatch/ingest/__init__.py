"""Ingest: from log roots to decoded batches.

- :mod:`.sources`: where event files live (local, fsspec/SSH) behind one :class:`Source`.
- :mod:`.tfrecord`: TFRecord framing and CRC32C over a file's new bytes.
- :mod:`.decode`: event payloads to scalar points, histograms, hparams (protobuf
  reference path and NumPy fast path behind :func:`~.decode.records.decode_records`).
- :mod:`.tailer`, :mod:`.reads`, :mod:`.workers`: which bytes to read when, in this
  process or in worker processes, into runs made by the :class:`~.run_sink.NewRun` given
  (the store's: ingest never imports the store).
"""
