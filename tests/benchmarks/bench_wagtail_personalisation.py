"""Benchmark of our per-request segment evaluation against wagtail-personalisation 1.0.0, in one process.

Run: .venv/bin/python tests/benchmarks/bench_wagtail_personalisation.py      (or `make bench`)
Goal (the issue): ≥ 100× faster than wagtail-personalisation for the same segments.

wagtail-personalisation never enters the project's .venv or requirements. This script builds
a virtualenv of its own, var/bench-wagtail-personalisation-venv/, from
tests/benchmarks/requirements-wagtail-personalisation.txt (the project's requirements plus
wagtail-personalisation and its dependencies, pinned), and reuses it while that file,
requirements.txt and the Python version are unchanged. It then runs
wagtail_personalisation_measure.py with that virtualenv's python, which times both systems in
the same process and the same run, with wagtail_personalisation_settings.py (SQLite in memory,
an in-process cache, only the apps either side needs).

What is compared: N segments (10, 100, 1,000) of 3 to 5 rules each, all of which must match,
expressed once with wagtail-personalisation's rule models and once in our definition format:

  TimeRule            local_time time_between, in UTC (their clock is the server's UTC time)
  DayRule             day_of_week day_of_week_in, in UTC
  ReferralRule        referrer_host equals (their regex anchored on the Referer's host)
  VisitCountRule      visit_count gt / lt / equals (their visits to the home page this session;
                      our visits to the site, from the stored profile; the samples have both)
  QueryRule           utm_source / utm_campaign equals (on the same query string)
  DeviceRule          device in (they parse the User-Agent; a headless frontend sends us X-Device)
  UserIsLoggedInRule  ctx.logged_in equals "yes" / not_exists (the frontend's request trait)
  OriginCountryRule   country equals (they read Cloudflare's CF-IPCountry header, we X-Country)

OriginCountryRule is included: it needs a GeoIP database only when no CDN country header
is present, and every sample request carries CF-IPCountry. Every eighth segment is written
for one of six sample visitors; the rest have random parameters and mostly match nobody.
Before timing, both systems must match the same segments for every sample, or the run fails.

What is timed, per request, from a Django HttpRequest (session and user already set, as
after Django's middleware) to the list of matched segments, with the segments in the database
and each side's caches warm: theirs is what its before_serve_page hook does on every page,
``get_segment_adapter(request).refresh()`` then ``get_segments()`` (a query per segment and
rule type, on an in-memory SQLite database, the fastest it could have); ours is what
delivery does: the visitor's cached profile, ``visitor_context`` and the compiled ruleset's
``evaluate``. Wall time (perf_counter_ns): each side warmed up for 2 s (theirs, at 1,000
segments, for one pass), then passes of fresh requests of about 0.25 s, the sides interleaved,
median of 5 passes.

Columns: median µs and requests/s per request for each side, the ratio theirs / ours, the mean
number of segments a sample matches, and wagtail-personalisation's SQL queries per request.

Environment: BENCH_WP_SIZES (10,100,1000) the numbers of segments; BENCH_WP_REBUILD=1 builds
the virtualenv again. The exit status is non-zero when the virtualenv cannot be built or
either side fails to run or they disagree; a missed goal is reported, not failed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
REQUIREMENTS = HERE / "requirements-wagtail-personalisation.txt"
MEASURE = HERE / "wagtail_personalisation_measure.py"
VENV = ROOT / "var" / "bench-wagtail-personalisation-venv"
STAMP = VENV / ".requirements-sha256"
SETTINGS = "tests.benchmarks.wagtail_personalisation_settings"

_started = time.monotonic()


def say(message: str) -> None:
    print(f"[{time.monotonic() - _started:6.1f}s] {message}", flush=True)


def venv_python() -> Path:
    return VENV / "bin" / "python"


def requirements_digest() -> str:
    """What the virtualenv is built from: both requirements files and this Python's version."""
    digest = hashlib.sha256(sys.version.encode())
    for path in (REQUIREMENTS, ROOT / "requirements.txt"):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def venv_is_current(digest: str) -> bool:
    return venv_python().exists() and STAMP.exists() and STAMP.read_text().strip() == digest


def run_showing_progress(command: list[str]) -> int:
    """Run ``command``, printing its output line by line as it comes (pip's progress)."""
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in process.stdout:
        line = line.rstrip()
        # pip warns for every package missing from the machine's local extra indexes: noise here
        if line and "is ignored: it is neither a file nor a directory" not in line:
            say(f"  {line}")
    return process.wait()


def build_venv(digest: str) -> None:
    """A new virtualenv at VENV with the pinned requirements; the stamp is written last."""
    say(f"building {VENV.relative_to(ROOT)} from {REQUIREMENTS.relative_to(ROOT)} (reused by later runs)")
    shutil.rmtree(VENV, ignore_errors=True)
    # The venv module of a virtualenv's python creates the new one on the base interpreter.
    if subprocess.run([sys.executable, "-m", "venv", str(VENV)], cwd=ROOT).returncode != 0:
        raise SystemExit(f"could not create the virtualenv {VENV}")
    install = [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check",
               "-r", str(REQUIREMENTS)]
    if run_showing_progress(install) != 0:
        raise SystemExit(f"pip could not install {REQUIREMENTS.relative_to(ROOT)} "
                         f"into {VENV.relative_to(ROOT)}")
    STAMP.write_text(digest + "\n")
    say("virtualenv ready")


def ensure_venv() -> Path:
    """The comparison's virtualenv, built when missing, outdated or BENCH_WP_REBUILD=1."""
    digest = requirements_digest()
    if os.environ.get("BENCH_WP_REBUILD") == "1" or not venv_is_current(digest):
        build_venv(digest)
    else:
        say(f"reusing {VENV.relative_to(ROOT)} (BENCH_WP_REBUILD=1 builds it again)")
    return venv_python()


def measure(python: Path) -> int:
    """Both systems timed in one process of the comparison's virtualenv; its exit status."""
    say(f"measuring with {python.relative_to(ROOT)}: setting up both systems' segments and timing them")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": SETTINGS}
    status = subprocess.run([str(python), str(MEASURE)], cwd=ROOT, env=env).returncode
    if status != 0:
        say(f"the measurement failed (exit status {status})")
    return status


def main() -> int:
    status = measure(ensure_venv())
    print(f"reproduce: .venv/bin/python {Path(__file__).resolve().relative_to(ROOT)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
