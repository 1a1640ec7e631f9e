"""Which search backend Tailor uses, as settings data: no Django imports (the settings load it).

- No ELASTICSEARCH_URL: Wagtail's database backend, which picks SQLite FTS5 or PostgreSQL
  full text from the default database.
- ELASTICSEARCH_URL: Wagtail's Elasticsearch 9 backend with short timeouts and no client
  retries (the outbox retries index updates with backoff; a request waits one timeout at
  most), and the analyzer of the site's language.

Either way AUTO_UPDATE is off: Wagtail's own signal handlers would update the index inline
or through a django-task per save; search/indexing.py routes every update through the
outbox instead, one keyed job per object.
"""

from __future__ import annotations

ELASTICSEARCH_BACKEND = "wagtail.search.backends.elasticsearch9"
DATABASE_BACKEND = "wagtail.search.backends.database"

# Elasticsearch's built-in language analyzers (stemming and stop words), by language code.
# Wagtail keeps every page type in one index and its query compiler searches the same fields
# for every document, so the analyzer is chosen per index, by the site's main language.
LANGUAGE_ANALYZERS: dict[str, str] = {
    "ar": "arabic", "bg": "bulgarian", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german",
    "el": "greek", "en": "english", "es": "spanish", "eu": "basque", "fa": "persian", "fi": "finnish",
    "fr": "french", "ga": "irish", "gl": "galician", "hi": "hindi", "hu": "hungarian", "hy": "armenian",
    "id": "indonesian", "it": "italian", "lt": "lithuanian", "lv": "latvian", "nb": "norwegian",
    "nl": "dutch", "no": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian",
    "sv": "swedish", "th": "thai", "tr": "turkish",
}


def language_analyzer(language_code: str) -> str:
    """The Elasticsearch analyzer for a language code ("en-gb" → "english"); "standard" when it has none."""
    return LANGUAGE_ANALYZERS.get(language_code.lower().split("-")[0].split("_")[0], "standard")


def elasticsearch_index_settings(language_code: str) -> dict:
    """INDEX_SETTINGS for Wagtail's backend: full-text fields analysed in the site's language.

    Wagtail deep-merges this into its own settings (its ngram analyzers for autocomplete
    stay); text fields without an analyzer of their own use the index's default analyzer.
    """
    return {"settings": {"analysis": {"analyzer": {"default": {"type": language_analyzer(language_code)}}}}}


def search_backends(
    *, elasticsearch_url: str = "", index_prefix: str = "tailor", timeout: float = 2.0, language_code: str = "en"
) -> dict:
    """WAGTAILSEARCH_BACKENDS for the environment: the database by default, Elasticsearch when a URL is set."""
    if not elasticsearch_url:
        return {"default": {"BACKEND": DATABASE_BACKEND, "AUTO_UPDATE": False}}
    return {
        "default": {
            "BACKEND": ELASTICSEARCH_BACKEND,
            "URLS": [elasticsearch_url],
            # INDEX_PREFIX, not the INDEX option Wagtail 8 removes: index names "tailor_wagtailcore_page", ….
            "INDEX_PREFIX": f"{index_prefix}_",
            "TIMEOUT": timeout,
            # The client must not retry: the outbox does, with backoff, off the request.
            "OPTIONS": {"max_retries": 0, "retry_on_timeout": False},
            "INDEX_SETTINGS": elasticsearch_index_settings(language_code),
            "AUTO_UPDATE": False,
        }
    }
