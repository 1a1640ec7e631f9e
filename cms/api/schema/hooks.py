"""drf-spectacular hooks named in SPECTACULAR_SETTINGS."""


def delivery_endpoints_only(endpoints):
    """PREPROCESSING_HOOKS: the schema covers /api/, not the admin's own API."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]
