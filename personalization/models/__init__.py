"""Personalisation models, split by kind and re-exported here.

segments and profiles depend on nothing in this app; placements use cms's blocks, page
variants cms's channels.
"""

from personalization.events.models import (
    Event, EventRollup, EventType, HourRollup, RollupWatermark, SegmentDayRollup, ServedImpression,
)

from .churn import ChurnModel, ChurnScore
from .page_variants import PageVariant
from .placements import Placement
from .profiles import VisitorProfile
from .segments import Segment, TraitCategory, TraitDefinition, TraitType
from .trait_imports import TraitImport

__all__ = [
    "ChurnModel", "ChurnScore", "Event", "EventRollup", "EventType", "HourRollup", "RollupWatermark", "SegmentDayRollup", "ServedImpression",
    "PageVariant", "Placement", "Segment", "TraitCategory", "TraitDefinition", "TraitImport", "TraitType",
    "VisitorProfile"]
