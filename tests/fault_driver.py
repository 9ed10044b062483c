"""One ``build_dossier`` in a process of its own, for the fault tests (tests/test_faults.py).

    python tests/fault_driver.py JOB.pickle OUT_DIR [--slow-fsync SECONDS] [--resign]

``JOB.pickle`` holds ``(spec, signer)`` (a VolumeSpec and a SignerConfig or None).  With
``--slow-fsync`` every fsync before a file is published first sleeps, as on a slow disk.  Prints
the path built (exit 0), or the Chinese message (exit 1).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("job")
    parser.add_argument("out")
    parser.add_argument("--slow-fsync", type=float, default=0.0)
    parser.add_argument("--resign", action="store_true")
    args = parser.parse_args()

    from toolkit import atomic
    from toolkit.dossier import build_dossier
    from toolkit.errors import RcmzError
    from toolkit.logs import configure

    configure(False)
    if args.slow_fsync:
        real = atomic.fsync_file

        def slow(path: Path) -> None:
            time.sleep(args.slow_fsync)
            real(path)

        atomic.fsync_file = slow
    with open(args.job, "rb") as stream:
        spec, signer = pickle.load(stream)
    try:
        path = build_dossier(spec, Path(args.out), signer, resign=args.resign)
    except RcmzError as error:
        print(error.format_message(), file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
