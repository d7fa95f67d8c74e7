"""System monitoring: GPUs through NVML, the host through psutil, and which live process
writes which run. Domain code: never imports Textual.

- :mod:`.nvml_adapter` (+ :mod:`.gpu_readings`): GPU and GPU-process
  figures, every NVML error turned into N/A;
- :mod:`.host`: CPU, load, memory, swap, log-volume I/O;
- :mod:`.processes`: the process scan (open event files, command lines);
- :mod:`.linkage` (+ :mod:`tfwatch.model.event_file_names`, :mod:`.cmdline_logdirs`): process ↔ run;
- :mod:`.run_state`, :mod:`.state_tracker`: running / stalled / finished / crashed /
  unknown, one-shot or with history;
- :mod:`.cadence`: how often a run writes and by how many steps;
- :mod:`.sampler`, :mod:`.snapshot`: the background thread and what it publishes;
- :mod:`.signals`: SIGTERM / SIGKILL to a linked process, identity checked.
"""
