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
from .segments import SegmentFactory

__all__ = [
    "ArticlePageFactory",
    "ChannelFactory",
    "HomePageFactory",
    "ImageFactory",
    "LandingPageFactory",
    "SectionPageFactory",
    "SegmentFactory",
    "UserFactory",
    "small_png",
]
