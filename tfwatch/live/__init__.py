"""The live session: owns the tailer, the system sampler and the ingest thread, and
publishes immutable snapshots for the views. Domain code: never imports Textual.

- :mod:`.session`, :mod:`.factory`: the session and the one function that builds it;
- :mod:`.snapshot_builder` (+ :mod:`.view_models`, :mod:`.recency`, :mod:`.system_merge`,
  :mod:`.health_source`): run summaries built from the store on each tick;
- :mod:`.forecasts`: the forecast column's fits, within a time budget per tick;
- :mod:`.alert_feed`: raise-once bookkeeping of the alerts shown and announced;
- :mod:`.run_copies`: copies of one run (detail) or one tag (compare) for the views;
- :mod:`.run_inputs`: the system monitor's inputs taken from the store's runs.
"""
