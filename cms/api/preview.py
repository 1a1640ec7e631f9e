"""Draft preview for frontends, in wagtail-headless-preview's form.

The admin's "Frontend preview" mode stores the draft and sends the frontend to
`<client>?content_type=cms.articlepage&token=…`; the frontend then asks
`/api/v2/page_preview/1/?content_type=…&token=…` with a `preview`-scoped key.
Tokens are signed and expire after PREVIEW_TOKEN_MAX_AGE seconds.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.signing import BadSignature, SignatureExpired, TimestampSigner
from rest_framework.response import Response
from wagtail_headless_preview.models import PagePreview

from cms.api.problems import ProblemError
from cms.api.views import DeliveryPagesViewSet


def preview_page_from_token(content_type: str, token: str):
    """The draft page a token stands for; raises ProblemError when it is invalid or expired."""
    if not content_type or not token:
        raise ProblemError("content_type and token are required", parameter="token")
    try:
        TimestampSigner(salt="headlesspreview.token").unsign(token, max_age=settings.PREVIEW_TOKEN_MAX_AGE)
    except SignatureExpired as exc:
        raise ProblemError("preview token has expired: open the preview again", status_code=404, parameter="token") from exc
    except BadSignature as exc:
        raise ProblemError("preview token is not valid", status_code=404, parameter="token") from exc
    app_label, _, model = content_type.partition(".")
    kind = ContentType.objects.filter(app_label=app_label, model=model).first()
    preview = kind and PagePreview.objects.filter(content_type=kind, token=token).first()
    if preview is None:
        raise ProblemError("no preview for this token and content type", status_code=404, parameter="token")
    return preview.as_page()


class PagePreviewViewSet(DeliveryPagesViewSet):
    """One draft page, serialised like a page detail; never cached anywhere."""

    required_scope = "preview"
    known_query_parameters = DeliveryPagesViewSet.known_query_parameters | {"content_type", "token"}

    def get_object(self):
        if not hasattr(self, "_preview_page"):
            self._preview_page = preview_page_from_token(
                self.request.GET.get("content_type", ""), self.request.GET.get("token", "")
            )
        return self._preview_page

    def detail_view(self, request, pk):
        page = self.get_object()
        self.check_query_parameters(type(page).objects.none())
        response = Response(self.get_serializer(page).data)
        response["Cache-Control"] = "no-store"
        return response

    def listing_view(self, request):
        raise ProblemError("use page_preview/<id>/ with content_type and token", status_code=404)
