"""Draft preview for frontends, in wagtail-headless-preview's form.

The admin's "Frontend: <channel>" preview modes store the draft and send the frontend to
`<client>?content_type=cms.articlepage&token=…`; the frontend then asks
`/api/v2/page_preview/1/?content_type=…&token=…` (or `/api/v2/preview/?content_type=…&token=…`,
the form wagtail-headless-preview's examples use) with a `preview`-scoped key.
Tokens are signed, expire after PREVIEW_TOKEN_MAX_AGE seconds and name the channel
they were made for: a key of another channel is refused, and a draft that is not
offered on the key's channel is not shown. The draft's own channel overrides apply.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.signing import BadSignature, SignatureExpired
from rest_framework.response import Response
from wagtail_headless_preview.models import HeadlessPreviewMixin, PagePreview

from cms.api.problems import ProblemError
from cms.api.views import DeliveryPagesViewSet
from cms.models import PageChannelOverride
from cms.preview_tokens import preview_token_channel


def preview_page_from_token(content_type: str, token: str, *, channel_slug: str):
    """The draft page a token stands for, for a key of `channel_slug`; raises ProblemError otherwise."""
    if not content_type or not token:
        raise ProblemError("content_type and token are required", parameter="token")
    try:
        value = HeadlessPreviewMixin.get_preview_signer().unsign(token, max_age=settings.PREVIEW_TOKEN_MAX_AGE)
    except SignatureExpired as exc:
        raise ProblemError("preview token has expired: open the preview again", status_code=404, parameter="token") from exc
    except BadSignature as exc:
        raise ProblemError("preview token is not valid", status_code=404, parameter="token") from exc
    if preview_token_channel(value) != channel_slug:
        raise ProblemError(
            "this preview token was not made for this key's channel: open the preview for this channel",
            status_code=403, parameter="token",
        )
    app_label, _, model = content_type.partition(".")
    kind = ContentType.objects.filter(app_label=app_label, model=model).first()
    preview = kind and PagePreview.objects.filter(content_type=kind, token=token).first()
    if preview is None:
        raise ProblemError("no preview for this token and content type", status_code=404, parameter="token")
    return preview.as_page()


def draft_channel_override(page, channel_id: int) -> PageChannelOverride | None:
    """The draft's own override for a channel: overrides are stored in the page's revisions."""
    return next((override for override in page.channel_overrides.all() if override.channel_id == channel_id), None)


class PagePreviewViewSet(DeliveryPagesViewSet):
    """One draft page, serialised like a page detail; never cached anywhere."""

    required_scope = "preview"
    known_query_parameters = DeliveryPagesViewSet.known_query_parameters | {"content_type", "token"}

    def get_object(self):
        if not hasattr(self, "_preview_page"):
            page = preview_page_from_token(
                self.request.GET.get("content_type", ""), self.request.GET.get("token", ""),
                channel_slug=self.delivery.grant.channel_slug,
            )
            override = draft_channel_override(page, self.delivery.channel_id)
            if override is not None and not override.offered:
                raise ProblemError("this page is not offered on this key's channel", status_code=404, parameter="token")
            # The draft's overrides for the previewed page (the live ones may differ); live ones elsewhere.
            self.delivery.draft_overrides[page.pk] = override
            self._preview_page = page
        return self._preview_page

    def detail_view(self, request, pk):
        return self._preview_response()

    def listing_view(self, request):
        raise ProblemError("use page_preview/<id>/ with content_type and token", status_code=404)

    def _preview_response(self) -> Response:
        page = self.get_object()
        self.check_query_parameters(type(page).objects.none())
        response = Response(self.get_serializer(page).data)
        response["Cache-Control"] = "no-store"
        return response


class HeadlessPreviewViewSet(PagePreviewViewSet):
    """`preview/?content_type=…&token=…`: the same draft as `page_preview/<id>/`, without the id."""

    listing_is_detail = True  # the schema describes its listing as a page detail

    def listing_view(self, request):
        self.action = "detail_view"  # Wagtail serialises a detail's fields only for this action
        return self._preview_response()
