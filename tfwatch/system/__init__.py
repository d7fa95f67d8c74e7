"""System monitoring: GPUs through NVML, the host through psutil, and which live process
writes which run. Domain code: never imports Textual."""
