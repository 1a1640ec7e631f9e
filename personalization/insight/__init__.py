"""Customer insight: feedback in, sentiment scored in-house, trends and what is behind a drop.

A Django app of its own (label `insight`), so its tables and migrations stay apart from
segments'. The scoring and statistics (`sentiment/`, `drivers.py`, `tokens.py`) are pure:
no Django, nothing downloaded, so they run the same in a request, a job or a benchmark.
"""
