"""Content models, split by kind and re-exported here.

images and snippets depend on nothing in cms; pages depend on blocks (which name
snippets and images lazily); channels (their overrides) depend on pages and images; the
outbox depends on nothing.
"""

from .channels import Channel, ChannelRenditionPreset, PageChannelOverride
from .delivery import ApiKey, ApiScope, Webhook, WebhookDelivery, WebhookEvent
from .images import CustomImage, CustomRendition
from .outbox import OutboxJob, PeriodicRun
from .pages import ArticlePage, ArticlePageTag, BasePage, HomePage, LandingPage, SectionPage
from .snippets import Author, CallToAction, Promo

__all__ = [
    "ApiKey",
    "ApiScope",
    "Webhook",
    "WebhookDelivery",
    "WebhookEvent",
    "ArticlePage",
    "ArticlePageTag",
    "Author",
    "BasePage",
    "CallToAction",
    "Channel",
    "ChannelRenditionPreset",
    "CustomImage",
    "CustomRendition",
    "HomePage",
    "LandingPage",
    "OutboxJob",
    "PeriodicRun",
    "PageChannelOverride",
    "Promo",
    "SectionPage",
]
