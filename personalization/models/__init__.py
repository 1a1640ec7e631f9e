"""Personalisation models, split by kind and re-exported here.

segments and profiles depend on nothing in this app; placements use cms's blocks, page
variants cms's channels.
"""

from personalization.events.models import (
    Event, EventRollup, EventType, HourRollup, RollupWatermark, SegmentDayRollup, ServedImpression,
)
from personalization.experiments.aggregation import ExperimentArmDay
from personalization.experiments.exposures import ExperimentExposure
from personalization.experiments.models import Experiment, ExperimentArm, ExperimentGuardrail

from .page_variants import PageVariant
from .placements import Placement
from .profiles import ErasureLog, ProfileMerge, SegmentMembership, Suppression, VisitorProfile
from .search_promotions import SegmentSearchPromotion
from .segments import Segment, TraitDefinition, TraitType

__all__ = [
    "Event", "EventRollup", "EventType", "HourRollup", "RollupWatermark", "SegmentDayRollup", "ServedImpression",
    "Experiment", "ExperimentArm", "ExperimentArmDay", "ExperimentExposure", "ExperimentGuardrail",
    "PageVariant", "Placement", "Segment", "SegmentSearchPromotion", "TraitDefinition", "TraitType", "VisitorProfile",
    "ErasureLog", "ProfileMerge", "SegmentMembership", "Suppression"]
