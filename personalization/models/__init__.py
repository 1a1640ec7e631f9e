"""Personalisation models, split by kind and re-exported here.

channels, segments and profiles depend on nothing in this app; placements use cms's blocks.
"""

from personalization.events.models import (
    Event, EventRollup, EventType, HourRollup, RollupWatermark, SegmentDayRollup, ServedImpression,
)

from .channels import Channel, ChannelRenditionPreset
from .page_variants import PageVariant
from .placements import Placement
from .profiles import VisitorProfile
from .segments import Segment, TraitDefinition, TraitType

__all__ = [
    "Channel", "Event", "EventRollup", "EventType", "HourRollup", "RollupWatermark", "SegmentDayRollup",
    "ServedImpression",
    "ChannelRenditionPreset", "PageVariant", "Placement", "Segment", "TraitDefinition", "TraitType", "VisitorProfile"]
