"""Run the netdiag CLI and record its peak memory: ``python measure.py RSS_FILE ARGS...``.

The peak resident set size (KiB, ``getrusage``) is written to RSS_FILE when the
command ends, however it ends; stdout and stderr are the command's own.
"""

from __future__ import annotations

import resource
import sys


def main() -> None:
    rss_file, args = sys.argv[1], sys.argv[2:]
    try:
        from netdiag.cli import main as cli

        cli(args)
    finally:
        with open(rss_file, "w") as f:
            f.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


if __name__ == "__main__":
    main()
