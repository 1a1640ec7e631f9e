"""The marketer's side of personalisation in the Wagtail admin: the segment editor with
its rule builder and sample-visitor panel, the priority list, trait definitions.

(Not Django's admin: Wagtail's. The hooks that register all this are in
personalization/wagtail_hooks.py.)
"""
