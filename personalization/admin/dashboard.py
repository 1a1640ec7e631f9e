"""The marketer's dashboard: a date range and filters, charts with tables beside them, CSV of every table."""

from datetime import date, datetime, time, timedelta, timezone

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone as django_timezone
from wagtail.models import Page

from personalization.admin.csv_export import csv_response
from personalization.admin.report_tables import TABLES, chart_data
from personalization.events.reports import ReportFilter, placements_and_variants
from personalization.experiments.holdout import HoldoutLift, holdout_lift
from cms.models import Channel
from personalization.models import Segment

VIEW_PERMISSION = "personalization.view_eventrollup"
PRESETS = [("7", "Last 7 days"), ("30", "Last 30 days"), ("90", "Last 90 days"), ("custom", "From … to …")]
DEFAULT_PRESET = "30"
# Longer ranges are refused: rollups are kept for years, a query over all of them is not a dashboard.
MAX_RANGE_DAYS = 400
VARIANT_SEPARATOR = "|"


class DashboardForm(forms.Form):
    """Every filter the dashboard takes; an unknown or malformed value is a form error, never a 500."""

    range = forms.ChoiceField(choices=PRESETS, required=False, label="Date range")
    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To (UTC, included)", widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.ModelChoiceField(Channel.objects.order_by("name"), required=False, empty_label="Every channel")
    segment = forms.ChoiceField(required=False)
    page = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    variant = forms.ChoiceField(required=False, label="Variant (placement | variant)")

    def __init__(self, data, *, today: date):
        super().__init__(data)
        self.today = today
        self.fields["segment"].choices = [("", "Everyone"), *Segment.objects.order_by("name").values_list("key", "name")]
        self.fields["page"].choices = [("", "Every page"), *Page.objects.live().filter(depth__gt=1).order_by("path").values_list("pk", "title")]
        # Variants that have figures in the longest range allowed (not just the chosen one, which is not cleaned yet).
        widest = ReportFilter(midnight(today - timedelta(days=MAX_RANGE_DAYS)), midnight(today + timedelta(days=1)))
        self.fields["variant"].choices = [("", "Every variant")] + [
            (f"{placement}{VARIANT_SEPARATOR}{variant}", f"{placement or '(no placement)'} | {variant}")
            for placement, variant in placements_and_variants(widest)
        ]

    def clean(self):
        data = super().clean()
        preset = data.get("range") or DEFAULT_PRESET
        if preset != "custom":
            data["start"], data["end"] = self.today - timedelta(days=int(preset) - 1), self.today
            return data
        start, end = data.get("start"), data.get("end")
        if "start" in self.errors or "end" in self.errors:
            return data
        if start is None or end is None:
            raise forms.ValidationError("Give both dates of a custom range.")
        if start > end:
            raise forms.ValidationError("The range ends before it starts.")
        if end > self.today:
            raise forms.ValidationError("The range cannot end after today (UTC): there are no figures yet.")
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise forms.ValidationError(f"Choose at most {MAX_RANGE_DAYS} days.")
        return data

    def report(self) -> ReportFilter:
        data = self.cleaned_data
        placement, variant = None, None
        if data.get("variant"):
            placement, _, variant = data["variant"].rpartition(VARIANT_SEPARATOR)
        return ReportFilter(
            start=midnight(data["start"]),
            end=midnight(data["end"] + timedelta(days=1)),
            channel_id=data["channel"].pk if data.get("channel") else None,
            segment=data.get("segment") or "",
            page_id=data.get("page"),
            placement=placement,
            variant=variant,
        )


def midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def _form(request) -> DashboardForm:
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    today = django_timezone.now().date()  # now() is UTC: days are UTC days, as rollup buckets are
    return DashboardForm(request.GET or {"range": DEFAULT_PRESET}, today=today)


def _page(request, form: DashboardForm, **context) -> TemplateResponse:
    # An invalid filter is the visitor's mistake: the form shows what is wrong, with a 400.
    return TemplateResponse(
        request, "personalization/admin/dashboard.html",
        {"form": form, "page_title": "Analytics", "header_title": "Analytics", "header_icon": "table", **context},
        status=200 if form.is_valid() else 400,
    )


def _percent(value: float) -> str:
    return f"{value * 100:.2f}"


def _holdout_display(found: HoldoutLift | None) -> dict | None:
    """The global holdout's section in words and figures; None when no holdout is configured."""
    if found is None:
        return None
    groups = [
        {"key": arm.key, "label": label, "visitors": f"{arm.n:,}", "converted": f"{int(arm.total):,}",
         "rate": f"{_percent(arm.total / arm.n)} %" if arm.n else "—"}
        for arm, label in ((found.held_out, "Held out (default content)"), (found.personalised, "Personalised"))
    ]
    lift = found.lift
    if lift.uplift_abs is None or lift.ci is None:
        words = "Not enough visitors in both groups to compare yet."
    else:
        low, high = lift.ci
        words = (
            f"Lift of personalisation: {_percent(lift.uplift_abs)} percentage points "
            f"({int(round((1 - found.analysis.alpha) * 100))} % confidence interval {_percent(low)} to {_percent(high)}"
            + (f", p = {lift.p_value:.4f}" if lift.p_value is not None else "") + ")."
        )
    return {
        "share": f"{found.share * 100:g} %", "groups": groups, "lift": words,
        "mismatch": found.analysis.srm.mismatch,
    }


def dashboard(request):
    """The overview: charts and every table for the chosen range and filters."""
    form = _form(request)
    if not form.is_valid():
        return _page(request, form)
    report = form.report()
    tables = {name: build(report) for name, build in TABLES.items()}
    return _page(
        request, form, tables=tables.values(), charts=chart_data(tables), query=request.GET.urlencode(),
        holdout=_holdout_display(holdout_lift(report)),
    )


def dashboard_csv(request, table: str):
    """One of the dashboard's tables as CSV, with the same filters as the page that linked it."""
    if table not in TABLES:
        raise Http404("No such table")
    form = _form(request)
    if not form.is_valid():
        return _page(request, form)
    report = form.report()
    found = TABLES[table](report)
    filename = f"tailor-{table}-{report.start:%Y%m%d}-{report.end - timedelta(days=1):%Y%m%d}.csv"
    return csv_response(filename, found.headers, found.csv_rows())
