"""The customer page for marketers: find a customer by any id, see everything held, change consent, erase.

Every opening is logged in Wagtail's audit log (it is personal data); the log entry names the
profile by its row number, never by a visitor id, so an erasure leaves no id in the log.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST
from wagtail.log_actions import log

from personalization.customers.consent import consent_set
from personalization.customers.erasure import erase
from personalization.customers.export import profile_export
from personalization.customers.identity import profile_find
from personalization.customers.membership import membership_diff_soon
from personalization.models import VisitorProfile
from personalization.request_context import CONSENT_CATEGORIES

VIEW_PERMISSION = "personalization.view_visitorprofile"
CONSENT_PERMISSION = "personalization.change_visitorprofile"
ERASE_PERMISSION = "personalization.delete_visitorprofile"
LOG_VIEWED = "personalization.customer.viewed"
LOG_CONSENT = "personalization.customer.consent"
LOG_ERASED = "personalization.customer.erased"
RECENT = 20


class SearchForm(forms.Form):
    q = forms.CharField(label="Visitor id or CRM customer id", max_length=128)


class ConsentForm(forms.Form):
    consent = forms.MultipleChoiceField(
        choices=[(category, category) for category in sorted(CONSENT_CATEGORIES)],
        widget=forms.CheckboxSelectMultiple, required=False, label="Consent",
    )


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def customer_search(request):
    """Find a customer by a visitor id or the CRM's id."""
    _require(request, VIEW_PERMISSION)
    form = SearchForm(request.GET or None)
    if form.is_valid():
        profile = profile_find(form.cleaned_data["q"].strip())
        if profile is not None:
            return redirect("personalization_customer", profile.pk)
        messages.warning(request, "No customer has this id.")
    return TemplateResponse(request, "personalization/admin/customer_search.html", {
        "form": form, "page_title": "Customers", "header_title": "Customers", "header_icon": "user",
    })


def customer_detail(request, pk: int):
    """Every id, traits with their source, consent, recent visits and events, segments now and before."""
    _require(request, VIEW_PERMISSION)
    profile = get_object_or_404(VisitorProfile, pk=pk, merged_into__isnull=True)
    log(instance=profile, action=LOG_VIEWED, user=request.user, title=f"Customer profile #{profile.pk}")
    data = profile_export(profile.visitor_id)
    data["events"] = data["events"][-RECENT:][::-1]
    data["profile"]["recent_events"] = data["profile"]["recent_events"][-RECENT:][::-1]
    return TemplateResponse(request, "personalization/admin/customer_detail.html", {
        "customer": data, "profile": profile, "page_title": "Customer", "header_title": "Customer",
        "header_icon": "user", "consent_form": ConsentForm(initial={"consent": profile.consent}),
        "may_change_consent": request.user.has_perm(CONSENT_PERMISSION),
        "may_erase": request.user.has_perm(ERASE_PERMISSION),
    })


@require_POST
def customer_consent(request, pk: int):
    """Change the customer's consent (every id of theirs)."""
    _require(request, CONSENT_PERMISSION)
    profile = get_object_or_404(VisitorProfile, pk=pk, merged_into__isnull=True)
    form = ConsentForm(request.POST)
    if form.is_valid():
        with transaction.atomic():
            consent, _ = consent_set(visitor_id=profile.visitor_id, categories=form.cleaned_data["consent"])
            log(instance=profile, action=LOG_CONSENT, user=request.user, title=f"Customer profile #{profile.pk}",
                data={"consent": consent})
            membership_diff_soon()
        messages.success(request, f"Consent saved: {', '.join(consent) or 'none'}.")
    return redirect("personalization_customer", profile.pk)


def customer_erase(request, pk: int):
    """Confirm, then erase the customer and all their ids (the same erasure as the API's DELETE)."""
    _require(request, ERASE_PERMISSION)
    profile = get_object_or_404(VisitorProfile, pk=pk, merged_into__isnull=True)
    if request.method == "POST":
        # Who erased, in the audit log: named by row number only, like every customer entry.
        log(instance=profile, action=LOG_ERASED, user=request.user, title=f"Customer profile #{profile.pk}")
        removed = erase(profile.visitor_id)
        summary = ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in removed.items() if count)
        messages.success(request, f"Customer erased: {summary}.")
        return redirect(reverse("personalization_customers"))
    return TemplateResponse(request, "personalization/admin/customer_erase.html", {
        "profile": profile, "page_title": "Erase customer", "header_title": "Erase customer", "header_icon": "bin",
    })
