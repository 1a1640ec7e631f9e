"""Experiments: A/B/n tests on personalised content, governed like content, their exposures and results.

`models` holds the Experiment (drafts, revisions, the CCO's workflow) and `running` the set
delivery assigns from; `stats` is the pure statistics core (no Django); `exposures` records
who saw which arm; `results` aggregates exposures and raw events into daily per-arm figures
and analyses them.
"""
