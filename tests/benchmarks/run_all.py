"""Run every benchmark (tests/benchmarks/bench_*.py) in turn: `make bench`.

Each script runs in its own process with this interpreter (the venv's) and prints its
own table, baselines included; this prints them one after the other and a summary of
exit statuses. The exit status is non-zero when any benchmark failed to run.
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def main() -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if not scripts:
        print("no benchmarks found in tests/benchmarks/")
        return 1
    statuses = []
    for script in scripts:
        name = script.relative_to(ROOT)
        print(f"\n=== {name} " + "=" * max(0, 70 - len(str(name))), flush=True)
        started = time.monotonic()
        status = subprocess.run([sys.executable, str(script)], cwd=ROOT).returncode
        statuses.append((name, status, time.monotonic() - started))
    print("\n=== summary " + "=" * 59)
    for name, status, seconds in statuses:
        print(f"{'ok    ' if status == 0 else f'FAILED ({status})'}  {name}  ({seconds:.0f}s)")
    return 0 if all(status == 0 for _, status, _ in statuses) else 1


if __name__ == "__main__":
    sys.exit(main())
