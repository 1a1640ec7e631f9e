"""Experiments: A/B/n tests on personalised content, their exposures and their results.

`stats` is the pure statistics core (no Django); `exposures` records who saw which arm;
`results` aggregates exposures and raw events into daily per-arm figures and analyses them.
"""
