"""The marketer's "At risk" page: the distribution of churn risk, who is most at risk and why,
how many moved into high risk this week, per segment."""

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from personalization.admin.dashboard import VIEW_PERMISSION
from personalization.churnrisk.report import SEGMENT_SAMPLE, at_risk_report


def at_risk(request):
    """Read-only figures from the stored scores; the periodic task keeps them current."""
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    report = at_risk_report()
    return TemplateResponse(request, "personalization/admin/at_risk.html", {
        "report": report, "chart": report.chart(), "segment_sample": SEGMENT_SAMPLE,
        "page_title": "At risk", "header_title": "Customers at risk of leaving", "header_icon": "warning",
    })
