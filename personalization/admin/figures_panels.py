"""Figures where marketers already look: a segment's reach and trend, a page's variants.

Both read the dashboard's reports for the last 30 days and link to the dashboard for more.
They are shown only to people who may read the dashboard.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.forms import Media
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.panels import Panel

from personalization.admin.dashboard import VIEW_PERMISSION, midnight
from personalization.admin.report_tables import display
from personalization.events import reports
from personalization.events.rates import Figures
from personalization.events.reports import ReportFilter

RECENT_DAYS = 30


def recent(**narrowing) -> ReportFilter:
    """The last RECENT_DAYS whole UTC days, today included."""
    end = midnight(timezone.now().date()) + timedelta(days=1)
    return ReportFilter(start=end - timedelta(days=RECENT_DAYS), end=end, **narrowing)


class _FiguresBoundPanel(Panel.BoundPanel):
    def is_shown(self):
        return self.instance.pk is not None and self.request.user.has_perm(VIEW_PERMISSION) and super().is_shown()

    @property
    def media(self):
        return Media(
            css={"all": [static("personalization/dashboard.css")]},
            js=[static("personalization/vendor/chart.umd.js"), static("personalization/dashboard.js")],
        )

    def dashboard_url(self, **query) -> str:
        return reverse("personalization_dashboard") + "?" + urlencode({"range": RECENT_DAYS, **query})


class SegmentFiguresPanel(Panel):
    """The segment's last 30 days: visitors reached, bodies served, impressions, rates and a daily trend."""

    class BoundPanel(_FiguresBoundPanel):
        template_name = "personalization/admin/segment_figures_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            report = recent(segment=self.instance.key)
            series = reports.events_series(report)
            total = reports.events_total(series).figures
            reach = next(iter(reports.reach_by_segment(report)), None)
            context.update(
                days=RECENT_DAYS,
                cards=[
                    ("Visitors shown something", display(reach.visitors if reach else 0, "count")),
                    ("Served by the hub", display(reach.served if reach else 0, "count")),
                    ("Impressions", display(total.impressions, "count")),
                    ("Click-through rate", display(total.click_through_rate, "rate")),
                    ("Conversion rate", display(total.conversion_rate, "rate")),
                ],
                charts={
                    "labels": [row.key[0].date().isoformat() for row in series],
                    "impressions": [row.figures.impressions for row in series],
                    "clicks": [row.figures.clicks for row in series],
                    "conversions": [row.figures.conversions for row in series],
                },
                dashboard_url=self.dashboard_url(segment=self.instance.key),
            )
            return context


class VariantFiguresPanel(Panel):
    """Each variant of the page's personalised placements over the last 30 days: served, shown, clicked, converted."""

    class BoundPanel(_FiguresBoundPanel):
        template_name = "personalization/admin/variant_figures_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            report = recent(page_id=self.instance.pk)
            counted = {row.key: row.figures for row in reports.events_by_variant(report)}
            served = reports.served_by_variant(report)
            keys = sorted(counted.keys() | {key for key in served if key[1]})
            context.update(
                days=RECENT_DAYS,
                headers=["Placement", "Variant", "Served by the hub", "Impressions", "Clicks", "Click-through rate",
                         "Conversions", "Conversion rate"],
                rows=[_variant_row(key, served.get(key, 0), counted.get(key, Figures())) for key in keys],
                dashboard_url=self.dashboard_url(page=self.instance.pk),
            )
            return context


def _variant_row(key: tuple[str, str], served: int, f: Figures) -> list[str]:
    return [key[0] or "—", key[1], *[display(value, kind) for value, kind in (
        (served, "count"), (f.impressions, "count"), (f.clicks, "count"), (f.click_through_rate, "rate"),
        (f.conversions, "count"), (f.conversion_rate, "rate"),
    )]]
