"""The page a refused login gets once django-axes has locked a username at an address."""

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """Wagtail's sign-in look, saying why and for how long (AXES_LOCKOUT_CALLABLE)."""
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    response = TemplateResponse(
        request, "cms/login_locked.html", {"minutes": minutes}, status=settings.AXES_HTTP_RESPONSE_CODE
    )
    return response.render()
