#!/usr/bin/env python3
"""`make bench`: every benchmark of the project, one after the other (not tests)."""

import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent


def main():
    failed = []
    for bench in sorted(HERE.glob("*_bench.py")):
        print("== %s" % bench.name, flush=True)
        if subprocess.call([sys.executable, str(bench)]) != 0:
            failed.append(bench.name)
    if failed:
        print("failed: %s" % ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
