"""Runs written by tensorboardX and TensorBoard's own writer for the exporter's tests,
with names and tags no label format should lose."""

from __future__ import annotations

from pathlib import Path

#: Run directory names no label format should lose: quotes, backslashes, a newline, and
#: (renamed afterwards, as no writer opens such a path) bytes that are not UTF-8.
HOSTILE_RUNS = {
    "quote": 'say "hi"',
    "backslash": "c:\\runs\\a",
    "newline": "two\nlines",
    "braces": 'x{run="evil"} 1',
}
BAD_UTF8 = b"bad-\xff\xfe"
#: How the exporter labels the run in :data:`BAD_UTF8` (each undecodable byte as ``\xNN``).
BAD_UTF8_LABEL = "bad-\\xff\\xfe"
#: A tag as hostile as the run names (tensorboardX rewrites such tags; TensorBoard's own
#: writer keeps them).
HOSTILE_TAG = 'loss "eval"\\n\nend'


def write_run(
    root: Path, name: str, values: list[float], tag: str = "train/loss", **more: list[float]
) -> None:
    """A finished tensorboardX run ``name`` with ``values`` of ``tag`` at steps 0, 1, …
    (and of each tag in ``more``, its ``__`` written as ``/``)."""
    import tensorboardX

    writer = tensorboardX.SummaryWriter(str(root / name))
    for tag_name, series in {
        tag: values,
        **{k.replace("__", "/"): v for k, v in more.items()},
    }.items():
        for step, value in enumerate(series):
            writer.add_scalar(tag_name, value, step)
    writer.close()


def write_tensorboard_run(root: Path, name: str, values: list[float], tag: str) -> None:
    """Run ``name`` written by TensorBoard's own writer, which keeps any tag as given."""
    from tensorboard.summary import Writer

    writer = Writer(str(root / name))
    for step, value in enumerate(values):
        writer.add_scalar(tag, value, step=step)
    writer.close()
