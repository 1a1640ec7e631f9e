"""An experiment's results page: per-arm table, SRM and guardrail warnings, CUPED, charts over time, CSV.

The figures come from `experiment_results` (personalization.experiments.results), given a
`ResultsSpec` built here from the model: the statistics never see the Experiment model.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from personalization.admin.csv_export import csv_response
from personalization.experiments.model_specs import results_spec
from personalization.experiments.models import Experiment
from personalization.experiments.results import experiment_results

VIEW_PERMISSION = "personalization.view_experiment"


def experiment_results_view(request, pk: int):
    """The results page of one experiment."""
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    experiment = get_object_or_404(Experiment, pk=pk)
    spec = results_spec(experiment)
    report = _report(spec)
    context = {
        "experiment": experiment,
        "page_title": f"Results: {experiment.name}",
        "header_title": f"Results: {experiment.name}",
        "header_icon": "table",
        "report": report,
        "rows": arm_rows(report) if report else [],
        "guardrails": guardrail_rows(report) if report else [],
        "charts": chart_data(report) if report else {},
        "can_promote": request.user.has_perm("personalization.change_experiment") and experiment.target_kind == "block",
        "arms": [arm for arm in experiment.arms.all() if arm.variant is not None],
    }
    return TemplateResponse(request, "personalization/admin/experiment_results.html", context)


def experiment_results_csv(request, pk: int):
    """The daily series behind the results page, per metric and arm, as CSV."""
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    experiment = get_object_or_404(Experiment, pk=pk)
    spec = results_spec(experiment)
    report = _report(spec)
    rows = report.csv_rows if report else [["day", "metric", "arm"]]
    return csv_response(f"tailor-experiment-{experiment.key}.csv", rows[0], rows[1:])


def _report(spec):
    return experiment_results(spec) if spec else None


def _percent(value) -> str:
    return "–" if value is None else f"{value * 100:.2f} %"


def _interval(interval, scale: float = 100) -> str:
    return "–" if not interval else f"[{interval[0] * scale:+.2f}, {interval[1] * scale:+.2f}]"


def arm_rows(report) -> list[dict]:
    """The per-arm table of the goal, formatted for people (rates in %, differences in points)."""
    binomial = report.analysis.kind == "binomial"
    scale = 100 if binomial else 1
    rows = []
    for arm in report.analysis.arms:
        rows.append({
            "key": arm.key,
            "control": arm.is_control,
            "n": arm.n,
            "mean": _percent(arm.mean) if binomial else f"{arm.mean:.4g}",
            "uplift_rel": "–" if arm.uplift_rel is None else f"{arm.uplift_rel * 100:+.1f} %",
            "ci": _interval(arm.ci, scale),
            "seq_ci": _interval(arm.seq_ci, scale),
            "p_value": "–" if arm.p_value is None else f"{arm.p_value:.4f}",
            "prob_beat_control": _percent(arm.prob_beat_control),
            "significant": arm.significant,
            "better": arm.better,
            "worse": arm.worse,
            "cuped_ci": _interval(arm.cuped.ci, scale) if arm.cuped else "–",
            "cuped_narrowing": _percent(arm.cuped.width_reduction) if arm.cuped and arm.cuped.width_reduction is not None else "–",
        })
    return rows


def guardrail_rows(report) -> list[dict]:
    """Each guardrail: violated or not, and the worst arm's interval."""
    return [
        {
            "metric": guardrail.metric.event_type,
            "kind": guardrail.metric.kind,
            "violated": guardrail.violated,
            "worse": [arm.key for arm in guardrail.analysis.arms if arm.worse],
        }
        for guardrail in report.guardrails
    ]


def chart_data(report) -> dict:
    """The goal's daily cumulative mean and exposures per arm, for Chart.js."""
    days = sorted({point.day for point in report.series})
    labels = [day.isoformat() for day in days]
    arms = []
    for key in report.spec.arm_keys:
        by_day = {point.day: point for point in report.series if point.arm == key}
        arms.append({
            "key": key,
            "means": [by_day[day].mean if day in by_day else None for day in days],
            "exposures": [by_day[day].n if day in by_day else None for day in days],
        })
    return {"labels": labels, "arms": arms}
