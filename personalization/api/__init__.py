"""The personalisation API: decisions for placements."""
