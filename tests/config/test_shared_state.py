"""Stamps and the shared file cache stay right when several processes use them at once."""

import multiprocessing
import pickle
import time

from config.file_cache import SharedFileCache
from config.stamps import FileStamp

PROCESSES, ROUNDS = 4, 50
fork = multiprocessing.get_context("fork")


def _bump_many(directory: str, queue) -> None:
    stamp = FileStamp(directory, "generation")
    queue.put([stamp.bump() for _ in range(ROUNDS)])


def _incr_many(directory: str, queue) -> None:
    cache = SharedFileCache(directory, {})
    won = cache.add("once", "mine")
    for _ in range(ROUNDS):
        cache.incr("hits")
    queue.put(won)


def _run(target, directory) -> list:
    queue = fork.Queue()
    workers = [fork.Process(target=target, args=(str(directory), queue)) for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=10)
    return results


def test_concurrent_bumps_from_several_processes_give_distinct_increasing_values(tmp_path):
    stamp = FileStamp(tmp_path, "generation")
    before = stamp.read()
    results = _run(_bump_many, tmp_path)
    values = [value for result in results for value in result]
    assert len(set(values)) == PROCESSES * ROUNDS  # no two bumps got the same value
    assert all(result == sorted(result) for result in results)
    assert min(values) > before and stamp.read() == max(values)


def test_a_lost_stamp_restarts_above_every_value_handed_out(tmp_path):
    stamp = FileStamp(tmp_path, "generation")
    seen = [stamp.bump() for _ in range(3)]
    stamp.reset()
    assert stamp.read() > max(seen)


def test_add_and_incr_are_atomic_across_processes(tmp_path):
    cache = SharedFileCache(str(tmp_path), {})
    cache.set("hits", 0, timeout=60)
    wins = _run(_incr_many, tmp_path)
    assert cache.get("hits") == PROCESSES * ROUNDS  # no increment lost
    assert wins.count(True) == 1  # exactly one process added the key


def test_incr_keeps_the_expiry(tmp_path):
    cache = SharedFileCache(str(tmp_path), {})
    cache.add("window", 0, timeout=1)
    cache.incr("window")
    with open(cache._key_to_file("window"), "rb") as file:
        expiry = pickle.load(file)
    assert expiry - time.time() < 1.5  # not the default 300 s of Django's read-then-set incr


def test_a_lock_file_deleted_by_hand_is_recreated_and_locks_every_process_again(tmp_path):
    import shutil
    import threading

    from config.locks import HostLock

    path = tmp_path / "state" / "atomic.lock"
    first, second = HostLock(path), HostLock(path)  # two processes' locks on one file
    with first:  # creates the directory and keeps the (soon deleted) file open
        pass
    shutil.rmtree(tmp_path / "state")  # an operator empties the state directory
    acquired = threading.Event()

    def take_first():
        with first:
            acquired.set()

    with second:  # recreates the file
        waiting = threading.Thread(target=take_first)
        waiting.start()
        # Locking its deleted file would let `first` in at once, beside `second`.
        assert not acquired.wait(0.3)
    assert acquired.wait(5)
    waiting.join()


def test_the_file_cache_counts_again_after_its_directory_was_emptied(tmp_path):
    import shutil

    cache = SharedFileCache(str(tmp_path / "cache"), {})
    assert cache.add("hits", 1)
    shutil.rmtree(tmp_path / "cache")
    assert cache.add("hits", 1) and cache.incr("hits") == 2
