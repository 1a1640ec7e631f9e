"""Customers: one profile per customer across visitor ids, consent, erasure, export, segment membership.

Thin services around the profile models; the API (personalization.api.crm) and the admin
(personalization.admin.customers) call them.
"""
