"""A zygote for real writer processes: imports the writers once, then forks a child per
request, so each test gets a fresh training-like process in milliseconds instead of
paying the seconds of importing tensorboardX / TensorBoard again.

Protocol on stdin/stdout, one line each: ``spawn <kind> <logdir> <cmd_fifo> <ack_fifo>``
→ ``<pid>``. ``kind`` is ``tbx`` (tensorboardX ``SummaryWriter``: keeps its file open) or
``tb`` (``tensorboard.summary.Writer``: names the file with its PID, opens it only to
flush). The child then obeys lines on ``cmd_fifo`` and answers on ``ack_fifo``:
``write N`` (log N more steps and flush: ``<last step>``), ``log N`` (log N more
steps into the writer's buffer, unflushed: ``<last step>``), ``fork`` (start a
worker child that inherits the descriptors and idles: ``<pid>``), ``close`` (close the writer:
``closed``), ``exit`` (close, then exit normally: no answer).
"""

from __future__ import annotations

import os
import signal
import sys
import time

from tensorboard.summary import Writer as TensorBoardWriter
from tensorboardX import SummaryWriter


def flush(writer: SummaryWriter | TensorBoardWriter) -> None:
    """Flush so that every event logged so far is on disk when this returns.

    tensorboardX hands events to a thread through a queue and its ``flush()`` does not
    wait for that queue, so wait for it to drain first (TensorBoard's writer waits itself).
    """
    if isinstance(writer, SummaryWriter):
        queue = writer.file_writer.event_writer._event_queue
        while queue.qsize():
            time.sleep(0.002)
        time.sleep(0.01)  # the thread may hold the last event between get() and write()
    writer.flush()


def child(kind: str, logdir: str, cmd_path: str, ack_path: str) -> None:
    writer = SummaryWriter(logdir, flush_secs=3600) if kind == "tbx" else TensorBoardWriter(logdir)
    step = -1
    with open(cmd_path) as cmds, open(ack_path, "w") as ack:
        ack.write("ready\n")
        ack.flush()
        for line in cmds:
            op, *args = line.split()
            if op in ("write", "log"):
                for _ in range(int(args[0])):
                    step += 1
                    writer.add_scalar("loss", 1.0 / (step + 1), step)
                if op == "write":
                    flush(writer)
                ack.write(f"{step}\n")
            elif op == "fork":
                # A data-loader-like worker: inherits the open event file, writes nothing.
                worker = os.fork()
                if worker == 0:
                    signal.pause()
                    os._exit(0)
                ack.write(f"{worker}\n")
            elif op == "close":
                writer.close()
                ack.write("closed\n")
            elif op == "exit":
                writer.close()
                break
            ack.flush()
    os._exit(0)


def main() -> None:
    # Children are reaped as they end, so a killed writer leaves no zombie behind.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    print("ready", flush=True)
    for line in sys.stdin:
        op, *args = line.split()
        if op != "spawn":
            continue
        pid = os.fork()
        if pid == 0:
            try:
                child(*args)
            finally:
                os._exit(1)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
