"""Churn risk in the hub: training from CRM labels or inactivity, periodic scoring into the
computed trait `churn_risk`, and the figures of the admin's "At risk" page.

The maths is in the pure core personalization.insight.churn; this package reads profiles,
writes scores and keeps models in the database.
"""
