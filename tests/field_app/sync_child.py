"""Run one sync of a device in this process and SIGKILL the process at a chosen step.

    python -m tests.field_app.sync_child DATA_DIR STEP N

dies with SIGKILL the N-th time the sync engine reaches STEP (see field_app.core.engine);
exits 0 if the sync finished without reaching it. The store is left exactly as a killed app
would leave it.
"""

from __future__ import annotations

import os
import signal
import sys

from field_app.core.services import AppServices
from tests.field_app.helpers import AtStep


def main() -> int:
    data_dir, step, nth = sys.argv[1], sys.argv[2], int(sys.argv[3])
    app = AppServices.open(data_dir, on_step=AtStep(step, nth, lambda: os.kill(os.getpid(), signal.SIGKILL)))
    app.engine.push_batch = int(os.environ.get("CHILD_PUSH_BATCH", "500"))
    app.engine.pull_limit = int(os.environ.get("CHILD_PULL_LIMIT", "1000"))
    app.engine.chunk_size = int(os.environ.get("CHILD_CHUNK_SIZE", str(256 * 1024)))
    report = app.sync_now()
    print("sync ok" if report.ok else f"sync failed: {report.error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
