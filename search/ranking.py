"""Relevance and a page of ranked results, as each backend does them best.

Wagtail's SQLite backend ranks with `bm25()` over the whole row (title, body and
autocomplete columns alike), so a word in a long body can outrank the same word in a
title; and it orders by a correlated subquery that runs the full-text match again for
every matching page (seconds for a common word in 10,000 pages). On SQLite, a page of
results is read here from the FTS table itself instead: one match, `bm25()` with the
title column weighing TITLE_WEIGHT times the body (the autocomplete column, which repeats
the title as prefixes, none), ordered and cut by SQLite, restricted to the visible pages
by a subquery. PostgreSQL's weights and Elasticsearch's boosts already rank titles first:
other backends are used as Wagtail configures them.

The SQLite backend's modules can only be imported when its FTS tables exist (on SQLite),
so they are imported on first use.
"""

from __future__ import annotations

from functools import cache

# The FTS5 table's columns, in its order: (autocomplete, body, title).
TITLE_WEIGHT = 10.0
COLUMN_WEIGHTS = (0.0, 1.0, TITLE_WEIGHT)


@cache
def _sqlite():
    """What the SQLite path needs from Wagtail's backend, and the title-weighted compiler, built on first use."""
    from django.db.models import TextField
    from django.db.models.functions import Cast
    from modelsearch.backends.database.sqlite.query import BM25, MatchExpression, normalize
    from modelsearch.backends.database.sqlite.sqlite import SQLiteFTSIndexEntry, SQLiteSearchQueryCompiler
    from modelsearch.backends.database.sqlite import sqlite as sqlite_backend
    from modelsearch.query import MatchAll, Not, Phrase, PlainText

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

        def ranked_window(self, config, start: int, stop: int) -> list[tuple[int, float | None]]:
            """(page id, score) of results start..stop, best first, in one full-text query."""
            normalized = normalize(self.query)
            if isinstance(normalized, (MatchAll, Not)):
                # Everything or a negation: nothing to rank; Wagtail's own path.
                return [(obj.pk, None) for obj in self.search(config, start, stop)]
            match = MatchExpression(self.fields or self.FTS_TABLE_FIELDS, self.build_search_query(normalized, config=config))
            # Index entries hold object ids as text: the visible pages' ids, cast, in a subquery.
            visible = self.queryset.order_by().annotate(_pk_text=Cast("pk", output_field=TextField())).values("_pk_text")
            rows = (
                SQLiteFTSIndexEntry.objects.filter(match)
                .filter(index_entry__content_type__in=sqlite_backend.get_descendants_content_types_pks(self.queryset.model))
                .filter(index_entry__object_id__in=visible)
                .annotate(score=self._build_rank_expression(self.get_search_vectors(), config))
                .order_by("score", "-index_entry__object_id")
                .values_list("index_entry__object_id", "score")[start:stop]
            )
            return [(int(object_id), score) for object_id, score in rows]

    return TitleFirstSQLiteCompiler


def _pg_ranked(compiler, config):
    """Index entries matching the query, restricted to the compiler's queryset, with their rank.

    Wagtail's PostgreSQL search matches `title || body` built per row, which no index serves
    (every entry is read for every query); matching each column on its own lets PostgreSQL
    use the GIN index each has. The rank is Wagtail's own expression over the same columns.
    """
    from django.db.models import F, Q, TextField
    from django.db.models.functions import Cast
    from modelsearch.backends.database.postgres.postgres import IndexEntry
    from modelsearch.utils import get_descendants_content_types_pks

    search_query = compiler.build_tsquery(compiler.query, config=config)
    # Candidates: entries with any of the words in either column (each column's index serves
    # it); then the whole query on both columns together, as Wagtail matches it (words of an
    # "and" may be split between title and body), checked on the candidates only.
    candidates = compiler.build_tsquery(_any_word(compiler.query), config=config)
    visible = compiler.queryset.order_by().annotate(_pk_text=Cast("pk", output_field=TextField())).values("_pk_text")
    rank = compiler._build_rank_expression([(F("title"), F("title_norm")), (F("body"), 1.0)], config)
    return (
        IndexEntry.objects.filter(Q(title=candidates) | Q(body=candidates))
        .annotate(_vector_=F("title")._combine(F("body"), "||", False))
        .filter(_vector_=search_query)
        .filter(content_type_id__in=get_descendants_content_types_pks(compiler.queryset.model))
        .filter(object_id__in=visible)
        .annotate(rank=rank)
    )


def _any_word(query):
    """The query with every "and" made an "or": what an entry must contain at least part of."""
    from modelsearch.query import And, Or, PlainText

    if isinstance(query, (And, Or)):
        return Or([_any_word(sub) for sub in query.subqueries])
    if isinstance(query, PlainText):
        return PlainText(query.query_string, operator="or", boost=query.boost)
    return query


def _is_postgres(backend) -> bool:
    return type(backend).__module__.startswith("modelsearch.backends.database.postgres")


def _pg_supported(compiler) -> bool:
    from modelsearch.query import MatchAll, Not, Phrase, PlainText, And, Or

    def plain(query) -> bool:
        if isinstance(query, (PlainText, Phrase)):
            return True
        if isinstance(query, (And, Or)):
            return all(plain(sub) for sub in query.subqueries)
        return False

    # Fuzzy, Boost, negations and everything-queries keep Wagtail's own path; a field list too.
    return compiler.fields is None and plain(compiler.query) and not isinstance(compiler.query, (MatchAll, Not))


def _is_sqlite(backend) -> bool:
    # By module, so that no other backend imports the SQLite one (which fails off SQLite).
    return type(backend).__module__.startswith("modelsearch.backends.database.sqlite")


class RankedResults:
    """A search's total and its pages of (object, score), best first, whatever the backend."""

    def __init__(self, backend, query, queryset, *, operator: str = "and"):
        self.backend = backend
        self.queryset = queryset
        if _is_sqlite(backend):
            # The backend's own entry point with another compiler: what `search()` does with its default.
            self.results = backend._search(_sqlite(), query, queryset, operator=operator, order_by_relevance=True)
        else:
            self.results = backend.search(query, queryset, operator=operator).annotate_score("_score")

    def _pg(self):
        if not _is_postgres(self.backend) or not _pg_supported(self.results.query_compiler):
            return None
        compiler = self.results.query_compiler
        return _pg_ranked(compiler, compiler.get_config(self.backend))

    def count(self) -> int:
        entries = self._pg()
        return entries.count() if entries is not None else self.results.count()

    def window(self, start: int, stop: int) -> list[tuple[object, float | None]]:
        """Results start..stop with a score on one scale (higher is better; None: the backend ranks none)."""
        entries = self._pg()
        if entries is not None:
            rows = entries.order_by("-rank", "-object_id").values_list("object_id", "rank")[start:stop]
            ranked = [(int(object_id), rank) for object_id, rank in rows]
            objects = self.queryset.model.objects.in_bulk([pk for pk, _ in ranked])
            return [(objects[pk], rank) for pk, rank in ranked if pk in objects]
        if not _is_sqlite(self.backend):
            return [(obj, getattr(obj, "_score", None)) for obj in self.results[start:stop]]
        compiler = self.results.query_compiler
        ranked = compiler.ranked_window(compiler.get_config(self.backend), start, stop)
        objects = self.queryset.model.objects.in_bulk([pk for pk, _ in ranked])
        # SQLite's bm25 is negative, better matches lower: flipped to the scale of the others.
        return [(objects[pk], -score if score is not None else None) for pk, score in ranked if pk in objects]
