"""``add_hparams`` session directories: told apart from runs so they fold into their run.

tensorboardX's and PyTorch's ``SummaryWriter.add_hparams(hparams, metrics)`` do not
write into the run's own files: they open a second writer on ``<run>/<name>/``, where
``name`` is ``str(time.time())`` unless the caller passes one (``run_name=`` in PyTorch,
``name=`` in tensorboardX), and write three ``hparams`` plugin summaries (the experiment,
the session start with the values, the session end) followed by one scalar per metric.
Shown as it is on disk that directory is a second, empty run that holds the hparams the
real run should carry.

A directory is such a session when its first summary is the hparams plugin's
``experiment`` and a ``session_start_info`` follows it: that is the writers' fixed
layout. TensorBoard's own hparams API (``hp.hparams``) puts a session start, but no
experiment, at the head of a *real* run (the experiment goes in the parent directory),
so those runs are never folded. The tailer only asks for directories whose name is a
float timestamp or whose parent directory holds event files (see
:func:`worth_checking`): a plain nested run never pays for a look at its head.
"""

from __future__ import annotations

import re
from typing import Any

#: ``str(time.time())``: digits, a point, digits (ten digits of seconds since 2001).
_TIMESTAMP = re.compile(r"^\d{9,11}\.\d+$")

#: Bytes read from the head of a candidate's file: its first three summaries fit.
HEAD_BYTES = 64 << 10

_HPARAMS_PLUGIN = "hparams"


def timestamp_name(name: str) -> bool:
    """Whether a directory's name is what ``str(time.time())`` gives (add_hparams'
    default session name)."""
    return _TIMESTAMP.match(name) is not None


def worth_checking(name: str, parent_is_run: bool) -> bool:
    """Whether a directory called ``name`` could be an add_hparams session: named by a
    timestamp, or any name (the writers' ``run_name``) below a directory of event files."""
    return parent_is_run or timestamp_name(name)


def session_layout(head: bytes) -> bool | None:
    """Whether the event file starting with ``head`` is an add_hparams session (None:
    too few records yet to tell, read again when the file has grown)."""
    from tfwatch.ingest.decode.reference import event_class
    from tfwatch.ingest.tfrecord.framing import frame

    framing = frame(head, final=False)
    event_cls = event_class()
    kinds: list[str] = []
    for start, length in zip(framing.starts.tolist(), framing.lengths.tolist(), strict=True):
        try:
            event = event_cls.FromString(head[start : start + length])
        except Exception:  # a damaged head: a run, the reader reports the damage
            return False
        if not event.HasField("summary"):
            continue  # the file-version event
        kind = _hparams_kind(event)
        if kind is None:
            return False
        kinds.append(kind)
        if len(kinds) == 2:
            return kinds == ["experiment", "session_start_info"]
    return None


def _hparams_kind(event: Any) -> str | None:
    """Which hparams plugin record a summary event holds (None: not one)."""
    from tensorboard.plugins.hparams import plugin_data_pb2

    for value in event.summary.value:
        data = value.metadata.plugin_data
        if data.plugin_name != _HPARAMS_PLUGIN:
            return None
        try:
            parsed = plugin_data_pb2.HParamsPluginData.FromString(data.content)
        except Exception:
            return None
        kind: str | None = parsed.WhichOneof("data")
        return kind
    return None
