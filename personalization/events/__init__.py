"""Events and analytics: what visitors do, stored raw, rolled up per hour and day, read by dashboards.

Models live in `models.py` (re-exported by `personalization.models`); the pure cores
(validation of an event, rolling events up) have no Django in them.
"""
