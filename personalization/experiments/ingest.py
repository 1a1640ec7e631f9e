"""Exposures reported by frontends: events that carry `experiment` and `arm` record the visitor's exposure."""

from collections.abc import Sequence

from personalization.ruleset_cache import current_rules


def exposures_from_events(events: Sequence, *, channel_id: int) -> int:
    """Record an exposure for each stored event naming an arm of a running experiment; how many were sent.

    `events` are ValidEvents of consenting visitors. An arm the experiment does not have (or
    an experiment not running) is ignored: a frontend cannot invent arms or revive a stopped test.
    The first exposure of a visitor wins (record_exposures).
    """
    from personalization.experiments.exposures import record_exposures

    running = None
    rows = []
    for event in events:
        if not (event.experiment and event.arm and event.visitor_id):
            continue
        running = running or current_rules().experiments
        if event.arm in running.arm_keys(event.experiment):
            rows.append((event.experiment, event.arm, event.visitor_id, channel_id, event.occurred_at))
    if rows:
        record_exposures(rows)
    return len(rows)
