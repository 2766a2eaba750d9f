"""`python -m tests.fuzz -n 10000` (what `make fuzz` runs): a fuzzing campaign and its outcome table.

Exits 1 if any case failed (crash, timeout, memory blow-up, dead worker); the failing
mutants are saved (the directory is printed) and `--replay FILE` reruns one in-process.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz")
    parser.add_argument("-n", "--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=int, default=0, help="first case number")
    parser.add_argument("-j", "--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--time-limit", type=float, default=20.0, help="CPU seconds per case (a case stuck off the CPU is killed after 3x that + 15 s of wall time)")
    parser.add_argument("--save-dir", help="where failing mutants go (default: a new temp dir)")
    parser.add_argument("--replay", help="run one saved mutant in-process and show its traceback")
    args = parser.parse_args(argv)
    from tests.fuzz.harness import replay, run_campaign

    if args.replay:
        print(replay(args.replay))
        return 0

    def progress(done, total):
        if done % 500 == 0 or done == total:
            print(f"  {done}/{total}", file=sys.stderr, flush=True)

    result = run_campaign(args.cases, seed=args.seed, start=args.start, workers=args.workers,
                          time_limit=args.time_limit, save_dir=args.save_dir, progress=progress)
    print(result.table())
    if result.failures:
        print(f"{len(result.failures)} failing cases saved under {result.save_dir}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
