"""A file of 1,000,000 rows is imported streaming: peak memory (tracemalloc) stays far below the file's size.

The million rows go through the whole pipeline as a dry run (reader, checks, batches, the
batch's profile reads, the rejects file), measured by the process's resident memory sampled
while it runs: tracemalloc would trace every allocation of a million rows and take many
times longer. The writes themselves are measured on 100,000 rows applied for real, with
tracemalloc (PostgreSQL's single-statement path is measured by
tests/benchmarks/bench_import.py). Each run takes a minute or more: `slow`.
"""

import io
import os
import resource
import threading
import time
import tracemalloc

import pytest
from django.core.management import call_command

from personalization.models import TraitDefinition, VisitorProfile

ROWS = 1_000_000
APPLIED_ROWS = 100_000
# Far below the file (about 40 MB) and the rows as Python objects (several hundred MB):
# what is held is one batch of rows, the open rejects file and the database driver's buffers.
PEAK_BOUND_BYTES = 24 * 1024 * 1024
# Resident memory also counts the interpreter's arenas, which Python does not hand back at once;
# a million rows held as Python objects would be several hundred MB.
RSS_GROWTH_BOUND_BYTES = 64 * 1024 * 1024


def write_export(path, rows: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("visitor,tier,ltv,newsletter\n")
        for n in range(rows):
            ltv = "" if n % 10 == 0 else f"${n % 5000}.{n % 100:02d}"
            tier = "bad-tier" if n % 100_000 == 7 else ("gold", "silver")[n % 2]
            handle.write(f"v{n:07d},{tier},{ltv},{'yes' if n % 3 else 'no'}\n")


def traced_import(source, *args) -> tuple[str, int, float]:
    """The command's output, its peak traced memory and its seconds."""
    out = io.StringIO()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        call_command("import_traits", str(source), "--id-column", "visitor", *args, stdout=out, stderr=io.StringIO())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return out.getvalue(), peak, time.perf_counter() - started


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


def sampled_import(source, *args) -> tuple[str, int, float]:
    """The command's output, how far its resident memory grew at the most, and its seconds."""
    out, start, peak, done = io.StringIO(), _rss_bytes(), [0], threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], _rss_bytes())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    try:
        call_command("import_traits", str(source), "--id-column", "visitor", *args, stdout=out, stderr=io.StringIO())
    finally:
        done.set()
        sampler.join()
    return out.getvalue(), max(peak[0], _rss_bytes()) - start, time.perf_counter() - started


@pytest.fixture
def catalogue(db):
    TraitDefinition.objects.create(name="tier", type="choice", choices=["gold", "silver"])
    TraitDefinition.objects.create(name="ltv", type="number")
    TraitDefinition.objects.create(name="newsletter", type="boolean")


@pytest.mark.slow
@pytest.mark.django_db
def test_a_million_rows_stream_within_a_memory_bound(tmp_path, catalogue):
    source = tmp_path / "million.csv"
    write_export(source, ROWS)

    output, growth, seconds = sampled_import(source, "--dry-run")

    print(f"\n{ROWS} rows ({os.path.getsize(source) / 1e6:.0f} MB), dry run: {seconds:.0f} s, resident memory grew {growth / 1e6:.1f} MB")
    assert growth < RSS_GROWTH_BOUND_BYTES
    assert f"Dry run: {ROWS} rows read, {ROWS - 10} valid, 10 rejected." in output
    assert f"{ROWS - 10} profiles would change ({ROWS - 10} new)." in output
    assert VisitorProfile.objects.count() == 0


@pytest.mark.slow
@pytest.mark.django_db
def test_applied_rows_are_written_within_the_same_bound(tmp_path, catalogue):
    source = tmp_path / "applied.csv"
    write_export(source, APPLIED_ROWS)

    output, peak, seconds = traced_import(source)

    print(f"\n{APPLIED_ROWS} rows applied: {seconds:.0f} s, peak traced memory {peak / 1e6:.1f} MB")
    assert peak < PEAK_BOUND_BYTES
    rejected = len(range(7, APPLIED_ROWS, 100_000))  # write_export's bad tiers
    assert f"{APPLIED_ROWS} rows read, {APPLIED_ROWS - rejected} valid, {rejected} rejected." in output
    assert VisitorProfile.objects.count() == APPLIED_ROWS - rejected
    assert VisitorProfile.objects.get(visitor_id="v0000001").traits == {"tier": "silver", "ltv": 1.01, "newsletter": True}
    assert "ltv" not in VisitorProfile.objects.get(visitor_id="v0000010").traits  # blank: absent
