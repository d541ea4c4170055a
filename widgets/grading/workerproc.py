"""Entry point of a grading worker process: ``python -m widgets.grading.workerproc FD``.

FD is the worker's end of a socket pair with the runner. The first message says which modules
the kernel template should pre-load (or None for no template); the template is started at
once, so it loads while this process imports the worker (both take about a second). The second
message is the worker's :class:`~widgets.grading.worker.Setup`.
"""

from __future__ import annotations

import os
import sys
from multiprocessing.connection import Connection
from pathlib import Path


def run(fd: int) -> None:
    conn = Connection(fd)
    first = conn.recv()
    template = None
    if first.get("preload") is not None:
        from widgets.grading import zygote

        run_dir = Path(first["run_dir"])
        template = zygote.start(first["preload"], home=run_dir / f"zygote-{first['index']}",
                                log=run_dir / "logs" / f"zygote-{first['index']}.log")
    from widgets.grading import worker

    worker.main(conn, worker.Setup(**conn.recv()), template)


if __name__ == "__main__":
    run(int(sys.argv[1]))
    os._exit(0)  # the gradebook is the runner's: nothing here needs an orderly teardown
