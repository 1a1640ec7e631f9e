"""The headless delivery API: Wagtail API v2 compatible, keyed per channel."""
