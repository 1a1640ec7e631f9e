"""Personalisation models, split by kind and re-exported here."""

from .channels import Channel, ChannelRenditionPreset

__all__ = ["Channel", "ChannelRenditionPreset"]
