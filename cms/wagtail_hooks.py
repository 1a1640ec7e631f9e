"""Admin registrations of the content hub.

The snippets must be registered: SnippetChooserBlock in the page bodies refuses
unregistered models, and without them the page editor cannot render.
"""

from wagtail import hooks
from wagtail.snippets.models import register_snippet

from cms.api.viewsets import ApiKeyViewSet
from cms.models import Author, CallToAction, Promo
from cms.webhooks.viewsets import WebhooksViewSetGroup

for _snippet in (Author, CallToAction, Promo):
    register_snippet(_snippet)


@hooks.register("register_admin_viewset")
def register_webhook_viewsets():
    """Webhook endpoints and their delivery log, for superusers and Developers."""
    return WebhooksViewSetGroup()


@hooks.register("register_admin_viewset")
def register_api_key_viewset():
    """API keys per channel, for superusers and Developers."""
    return ApiKeyViewSet("api_keys")
