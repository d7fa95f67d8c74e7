"""Damaged event files and hostile names and text, for the hardening tests.

Every event file starts as the output of a real writer (tensorboardX, TensorBoard's
``tensorboard.summary.Writer``); damage is then done to its bytes the way disks, copies
and crashed writers do it.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

from tests.writers import only_event_file, record_spans
from tfwatch.ingest.tfrecord.crc32c import crc32c, mask

#: Steps written to each damaged run (value = 1 / (step + 1)).
STEPS = 40


def framed(payload: bytes) -> bytes:
    """``payload`` as one well-framed record (both CRCs right)."""
    length = struct.pack("<Q", len(payload))
    return (
        length
        + struct.pack("<I", mask(crc32c(length)))
        + payload
        + struct.pack("<I", mask(crc32c(payload)))
    )


def clean_event_bytes(directory: Path) -> bytes:
    """A real tensorboardX file with one ``loss`` point per step."""
    from tensorboardX import SummaryWriter

    w = SummaryWriter(str(directory))
    for i in range(STEPS):
        w.add_scalar("loss", 1.0 / (i + 1), i)
    w.close()
    path = only_event_file(directory)
    data = path.read_bytes()
    path.unlink()
    directory.rmdir()
    return data


def _deep_protobuf(depth: int) -> bytes:
    """An Event whose ``summary`` nests ``depth`` length-delimited fields: a parser that
    recursed without a limit would blow the stack."""
    inner = b""
    for _ in range(depth):
        inner = b"\x0a" + _varint(len(inner)) + inner
    return b"\x09" + struct.pack("<d", 1.0) + b"\x10\x05" + b"\x2a" + _varint(len(inner)) + inner


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def damaged_cases(clean: bytes) -> dict[str, tuple[bytes, set[str]]]:
    """Run name → (file bytes, damage kinds tfwatch should report)."""
    spans = record_spans(clean)
    mid = spans[len(spans) // 2]
    flip_payload = bytearray(clean)
    flip_payload[mid[0] + 14] ^= 0x40
    flip_length = bytearray(clean)
    flip_length[mid[0] + 1] ^= 0x01
    huge = struct.pack("<Q", (1 << 63) - 1)
    absurd = huge + struct.pack("<I", mask(crc32c(huge)))
    return {
        "payload_crc": (bytes(flip_payload), {"payload_crc"}),
        "length_crc": (bytes(flip_length), {"length_crc"}),
        "cut_mid_record": (clean[: mid[0] + 20], {"truncated"}),
        "absurd_length": (clean[: mid[0]] + absurd + clean[mid[0] :], {"bad_length"}),
        "junk_inserted": (clean[: mid[0]] + b"\xde\xad" * 37 + clean[mid[0] :], {"length_crc"}),
        "deep_protobuf": (
            clean[: mid[0]] + framed(_deep_protobuf(5000)) + clean[mid[0] :],
            {"bad_event"},
        ),
        "not_an_event": (clean[: mid[0]] + framed(b"\xff" * 40) + clean[mid[0] :], {"bad_event"}),
        "all_garbage": (bytes(range(256)) * 8, {"length_crc"}),
        "empty": (b"", set()),
        "duplicated_records": (clean + clean[mid[0] :], set()),
    }


#: Hostile text: terminal escapes, markup, HTML, Markdown, bidi and zero-width characters.
HOSTILE = {
    "osc_title": "t\x1b]0;pwned\x07",
    "osc_clipboard": "c\x1b]52;c;ZXZpbA==\x07",
    "csi_colour": "\x1b[31mred\x1b[0m",
    "csi_cursor": "up\x1b[2A\x1b[2Kgone",
    "bel": "ding\x07",
    "c1_csi": "c1\x9b31m",
    "rich_markup": "[bold]x[/][link=http://evil]y[/link]",
    "html": "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "markdown": "a|b`c`*d*[e](http://evil)",
    "rtl_override": "rtl\u202eexe.txt",
    "zero_width": "zw\u200b\u200d\ufeffx",
    "long": "L" * 300,
}


def hostile_writer(root: Path) -> Callable[[str, str], None]:
    """Write one run named ``name`` whose tags, text and hparams carry ``text``."""

    def write(name: str, text: str) -> None:
        from tensorboard.summary import Writer
        from tensorboardX import SummaryWriter

        run = str(root / name)
        tb = Writer(run)
        for i in range(10):
            tb.add_scalar("loss", 1.0 / (i + 1), step=i)
            tb.add_scalar(f"m/{text}", float(i), step=i)
        tb.close()
        # Both writers name files by the second they open them: keep them apart.
        (tb_file,) = (root / name).iterdir()  # not a glob: names hold "[" and "*"
        tb_file.rename(tb_file.with_name(tb_file.name + ".tb"))
        tx = SummaryWriter(run, filename_suffix=".tx")
        tx.add_text(f"note{text}", f"text {text}", 0)
        tx.add_hparams({"lr": 0.1, "opt": text}, {"hp/m": 1.0}, name=".")
        tx.close()

    return write


def replace_in_payloads(data: bytes, old: bytes, new: bytes) -> bytes:
    """The records of ``data`` with ``old`` replaced in each payload, framed again."""
    return b"".join(framed(data[a + 12 : b - 4].replace(old, new)) for a, b in record_spans(data))
