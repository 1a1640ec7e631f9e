"""Factories for tests: small, fast objects with sensible defaults and traits."""

from .content import (
    ArticlePageFactory,
    ChannelFactory,
    HomePageFactory,
    ImageFactory,
    LandingPageFactory,
    SectionPageFactory,
    UserFactory,
    small_png,
)

__all__ = [
    "ArticlePageFactory",
    "ChannelFactory",
    "HomePageFactory",
    "ImageFactory",
    "LandingPageFactory",
    "SectionPageFactory",
    "UserFactory",
    "small_png",
]
