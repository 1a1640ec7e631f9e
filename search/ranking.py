"""Relevance where Wagtail's backend gives titles no weight: SQLite's full-text search.

Wagtail's SQLite backend ranks with `bm25()` over the whole row (title, body and
autocomplete columns alike), so a word in a long body can outrank the same word in a
title. Here the title column weighs TITLE_WEIGHT times the body (the autocomplete column,
which repeats the title as prefixes, none), as PostgreSQL's weights and Elasticsearch's
boosts already rank titles first. Other backends are used as Wagtail configures them.

The SQLite backend's modules can only be imported when its FTS tables exist (on SQLite),
so they are imported on first use.
"""

from functools import cache

# The FTS5 table's columns, in its order: (autocomplete, body, title).
TITLE_WEIGHT = 10.0
COLUMN_WEIGHTS = (0.0, 1.0, TITLE_WEIGHT)


@cache
def _sqlite_classes():
    """(Wagtail's SQLite backend class, the title-weighted compiler), built on first use."""
    from modelsearch.backends.database.sqlite.query import BM25
    from modelsearch.backends.database.sqlite.sqlite import SQLiteSearchBackend, SQLiteSearchQueryCompiler
    from modelsearch.query import Not, Phrase, PlainText

    class WeightedBM25(BM25):
        """`bm25()` with a weight per column of the FTS5 table."""

        def as_sql(self, compiler, connection, function=None, template=None):
            sql, params = super().as_sql(compiler, connection, function, template)
            weights = ", ".join(str(weight) for weight in COLUMN_WEIGHTS)
            return sql.replace(")", f", {weights})", 1), params

    class TitleFirstSQLiteCompiler(SQLiteSearchQueryCompiler):
        """Wagtail's SQLite search, ranked with the column weights above."""

        def build_tsrank(self, vector, query, config=None, boost=1.0):
            if isinstance(query, (Phrase, PlainText, Not)):
                rank = WeightedBM25()
                return rank * boost if boost != 1.0 else rank
            return super().build_tsrank(vector, query, config=config, boost=boost)

    return SQLiteSearchBackend, TitleFirstSQLiteCompiler


def _is_sqlite(backend) -> bool:
    # By module, so that no other backend imports the SQLite one (which fails off SQLite).
    return type(backend).__module__.startswith("modelsearch.backends.database.sqlite")


def ranked_search(backend, query, queryset, *, operator: str = "and"):
    """`backend.search(query, queryset)`, ranked with title weights on SQLite; best first either way."""
    if _is_sqlite(backend):
        _backend_class, compiler = _sqlite_classes()
        # The backend's own entry point with another compiler: what `search()` does with its default.
        return backend._search(compiler, query, queryset, operator=operator, order_by_relevance=True)
    return backend.search(query, queryset, operator=operator)


def higher_is_better(backend, score: float | None) -> float | None:
    """The score on one scale for every backend: SQLite's bm25 is negative, better matches lower."""
    if score is None:
        return None
    return -score if _is_sqlite(backend) else score
