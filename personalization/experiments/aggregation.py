"""Daily cumulative figures per experiment, metric and arm, rebuilt from exposures and raw events.

For day D an `ExperimentArmDay` row holds, over the arm's visitors first exposed by the end of
D: how many (n), and the sums Σy, Σy², Σx, Σx², Σxy, where y is the visitor's metric from
their first exposure to the end of D (or the experiment's end) and x is the same metric in
the 14 days before their first exposure (CUPED's covariate). Binomial: y = 1 once the goal
event occurred, else 0. Mean: y = the sum of the goal events' `value`.

Rows are built from per-visitor changes: a visitor adds 1 to n (and x to Σx) on the day of
their first exposure, and Δy, Δ(y²), x·Δy on each day their y changes; a running sum over
days gives the cumulative figures. On PostgreSQL this is one statement per experiment and
metric; elsewhere the same arithmetic in Python.

Each run rebuilds an experiment's rows whole (delete, insert, one transaction): idempotent,
and events arriving late are counted at the next run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta, timezone as dt_timezone

from django.db import connection, models, transaction
from django.utils import timezone

from personalization.events.inserts import rows_insert
from personalization.events.models import Event

from .exposures import ExperimentExposure
from .spec import PRE_PERIOD, Metric, ResultsSpec, results_specs

SUM_FIELDS = ("n", "total", "total_sq", "pre_total", "pre_total_sq", "cross_total")


class ExperimentArmDay(models.Model):
    """Cumulative figures of one arm for one metric at the end of one UTC day."""

    experiment = models.SlugField(max_length=64)
    metric = models.CharField(max_length=255, help_text="Metric.key: kind, event type, page, placement.")
    arm = models.CharField(max_length=64)
    day = models.DateField()
    n = models.PositiveIntegerField(default=0, help_text="Visitors exposed by the end of the day.")
    total = models.FloatField(default=0)
    total_sq = models.FloatField(default=0)
    pre_total = models.FloatField(default=0)
    pre_total_sq = models.FloatField(default=0)
    cross_total = models.FloatField(default=0, help_text="Σ metric × covariate.")
    computed_at = models.DateTimeField()

    class Meta:
        app_label = "personalization"
        constraints = [
            models.UniqueConstraint(fields=["experiment", "metric", "arm", "day"], name="experiment_arm_day_unique"),
        ]


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(dt_timezone.utc).date()


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=dt_timezone.utc)


def _window(spec: ResultsSpec, now: datetime) -> tuple[datetime, datetime, list[date]] | None:
    """(start, end, days) the rows cover, or None before anyone was exposed."""
    end = min(spec.end, now) if spec.end else now
    start = spec.start
    if start is None:
        first = ExperimentExposure.objects.filter(experiment=spec.experiment).aggregate(m=models.Min("first_at"))["m"]
        if first is None:
            return None
        start = first
    if end <= start:
        return None
    first_day, last_day = _utc_day(start), _utc_day(end - timedelta(microseconds=1))
    return start, end, [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]


def experiments_aggregate(
    specs: Iterable[ResultsSpec] | None = None, *, now: datetime | None = None,
    progress: Callable[[Iterable], Iterable] | None = None,
) -> dict:
    """Rebuild the daily figures of `specs` (default: every registered provider's); returns counts.

    `progress` wraps the loop over experiments (the command passes tqdm).
    """
    now = now or timezone.now()
    specs = results_specs() if specs is None else list(specs)
    rows = 0
    for spec in (progress or iter)(specs):
        rows += experiment_aggregate(spec, now=now)
    return {"experiments": len(specs), "rows": rows}


def experiment_aggregate(spec: ResultsSpec, *, now: datetime | None = None) -> int:
    """Rebuild one experiment's rows for its goal and guardrails; returns how many rows it wrote."""
    now = now or timezone.now()
    window = _window(spec, now)
    build = _metric_rows_sql if connection.vendor == "postgresql" else _metric_rows_python
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # JIT compiling the statement costs more than it saves at these sizes (~0.2 s a metric).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        ExperimentArmDay.objects.filter(experiment=spec.experiment).delete()
        if window is None:
            return 0
        written = 0
        for metric in spec.metrics:
            written += build(spec, metric, window, now)
    return written


def _goal_events(metric: Metric):
    events = Event.objects.filter(type=metric.event_type, visitor_id__isnull=False)
    if metric.page_id:
        events = events.filter(page_id=metric.page_id)
    if metric.placement:
        events = events.filter(placement=metric.placement)
    return events


def _metric_rows_python(spec: ResultsSpec, metric: Metric, window, now: datetime) -> int:
    start, end, days = window
    arms = set(spec.arm_keys)
    exposures = {
        visitor: (arm, first_at)
        for visitor, arm, first_at in ExperimentExposure.objects.filter(
            experiment=spec.experiment, first_at__gte=start, first_at__lt=end
        ).values_list("visitor_id", "arm", "first_at")
        if arm in arms
    }
    by_visitor: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    events = _goal_events(metric).filter(
        occurred_at__gte=start - PRE_PERIOD, occurred_at__lt=end,
        visitor_id__in=ExperimentExposure.objects.filter(experiment=spec.experiment).values("visitor_id"),
    )
    for visitor, occurred_at, value in events.values_list("visitor_id", "occurred_at", "value").iterator():
        if visitor in exposures:
            by_visitor[visitor].append((occurred_at, float(value or 0)))

    binomial = metric.kind == "binomial"
    deltas: dict[tuple[str, date], list[float]] = defaultdict(lambda: [0.0] * len(SUM_FIELDS))
    for visitor, (arm, first_at) in exposures.items():
        events_of = sorted(by_visitor.get(visitor, ()))
        pre = [v for at, v in events_of if first_at - PRE_PERIOD <= at < first_at]
        x = (1.0 if pre else 0.0) if binomial else sum(pre)
        d = deltas[(arm, _utc_day(first_at))]
        d[0] += 1
        d[3] += x
        d[4] += x * x
        y = 0.0
        for at, value in events_of:
            if at < first_at:
                continue
            new_y = 1.0 if binomial else y + value
            if new_y != y:
                d = deltas[(arm, _utc_day(at))]
                d[1] += new_y - y
                d[2] += new_y * new_y - y * y
                d[5] += x * (new_y - y)
                y = new_y

    rows = []
    for arm in spec.arm_keys:
        running = [0.0] * len(SUM_FIELDS)
        for day in days:
            running = [r + d for r, d in zip(running, deltas.get((arm, day), [0.0] * len(SUM_FIELDS)))]
            rows.append((spec.experiment, metric.key, arm, day, int(running[0]), *running[1:], now))
    return rows_insert(ExperimentArmDay, ("experiment", "metric", "arm", "day", *SUM_FIELDS, "computed_at"), rows)


def _metric_rows_sql(spec: ResultsSpec, metric: Metric, window, now: datetime) -> int:
    start, end, days = window
    q = connection.ops.quote_name
    filters, params = ["e.type = %(type)s"], {"type": metric.event_type}
    if metric.page_id:
        filters.append("e.page_id = %(page_id)s")
        params["page_id"] = metric.page_id
    if metric.placement:
        filters.append("e.placement = %(placement)s")
        params["placement"] = metric.placement
    if metric.kind == "binomial":
        pre_value, post_deltas = "1.0", """
            SELECT visitor_id, MIN(d) AS d, 1.0 AS dy, 1.0 AS dy2 FROM post_day GROUP BY visitor_id"""
    else:
        pre_value, post_deltas = "SUM(ev.v)", """
            SELECT visitor_id, d, y - prev AS dy, y * y - prev * prev AS dy2 FROM (
                SELECT visitor_id, d, y, COALESCE(LAG(y) OVER (PARTITION BY visitor_id ORDER BY d), 0) AS prev
                FROM (SELECT visitor_id, d, SUM(s) OVER (PARTITION BY visitor_id ORDER BY d) AS y FROM post_day) c
            ) p WHERE y <> prev"""
    sql = f"""
        WITH exp AS (
            SELECT visitor_id, arm, first_at, (first_at AT TIME ZONE 'UTC')::date AS d0
            FROM {q(ExperimentExposure._meta.db_table)}
            WHERE experiment = %(experiment)s AND first_at >= %(start)s AND first_at < %(end)s
              AND arm = ANY(%(arms)s)
        ),
        ev AS (
            SELECT x.visitor_id, e.occurred_at, x.first_at, COALESCE(e.value, 0)::float8 AS v
            FROM {q(Event._meta.db_table)} e JOIN exp x ON e.visitor_id = x.visitor_id
            WHERE {' AND '.join(filters)}
              AND e.occurred_at >= %(pre_from)s AND e.occurred_at < %(end)s
              AND e.occurred_at >= x.first_at - %(pre_period)s
        ),
        pre AS (
            SELECT ev.visitor_id, {pre_value} AS x FROM ev WHERE ev.occurred_at < ev.first_at GROUP BY ev.visitor_id
        ),
        post_day AS (
            SELECT visitor_id, (occurred_at AT TIME ZONE 'UTC')::date AS d, SUM(v) AS s
            FROM ev WHERE occurred_at >= first_at GROUP BY 1, 2
        ),
        post AS ({post_deltas}),
        daily AS (
            -- Each branch is added up by arm and day before the two meet: the exposures are
            -- many, their daily groups few.
            SELECT arm, d, SUM(dn) AS dn, SUM(dx) AS dx, SUM(dx2) AS dx2, SUM(dy) AS dy, SUM(dy2) AS dy2,
                   SUM(dxy) AS dxy
            FROM (
                SELECT x.arm, x.d0 AS d, COUNT(*) AS dn, SUM(COALESCE(p.x, 0)) AS dx,
                       SUM(COALESCE(p.x, 0) ^ 2) AS dx2, 0.0 AS dy, 0.0 AS dy2, 0.0 AS dxy
                FROM exp x LEFT JOIN pre p ON p.visitor_id = x.visitor_id
                GROUP BY x.arm, x.d0
                UNION ALL
                SELECT x.arm, po.d, 0, 0.0, 0.0, SUM(po.dy), SUM(po.dy2), SUM(COALESCE(p.x, 0) * po.dy)
                FROM post po JOIN exp x ON x.visitor_id = po.visitor_id
                LEFT JOIN pre p ON p.visitor_id = po.visitor_id
                GROUP BY x.arm, po.d
            ) branches
            GROUP BY arm, d
        ),
        grid AS (
            SELECT a.arm, g.d::date AS d
            FROM unnest(%(arms)s::text[]) AS a(arm)
            CROSS JOIN generate_series(%(first_day)s::date, %(last_day)s::date, interval '1 day') AS g(d)
        )
        INSERT INTO {q(ExperimentArmDay._meta.db_table)}
            (experiment, metric, arm, day, n, total, total_sq, pre_total, pre_total_sq, cross_total, computed_at)
        SELECT %(experiment)s, %(metric)s, grid.arm, grid.d,
               SUM(COALESCE(daily.dn, 0)) OVER w, SUM(COALESCE(daily.dy, 0)) OVER w,
               SUM(COALESCE(daily.dy2, 0)) OVER w, SUM(COALESCE(daily.dx, 0)) OVER w,
               SUM(COALESCE(daily.dx2, 0)) OVER w, SUM(COALESCE(daily.dxy, 0)) OVER w, %(now)s
        FROM grid LEFT JOIN daily ON daily.arm = grid.arm AND daily.d = grid.d
        WINDOW w AS (PARTITION BY grid.arm ORDER BY grid.d)
    """
    params.update(
        experiment=spec.experiment, metric=metric.key, arms=list(spec.arm_keys), start=start, end=end,
        pre_from=start - PRE_PERIOD, pre_period=PRE_PERIOD, first_day=days[0], last_day=days[-1], now=now,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
