"""Trait values in and out of stored profiles: imports, the CRM push API's writes, provenance and retention.

The parsing and checking is the pure core personalization.traits; this package is the
Django side that writes what it produces.
"""
