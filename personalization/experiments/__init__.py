"""Experiments: A/B/n tests governed like content (models, running set, delivery) and their statistics."""
