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

from .churn import ChurnModel, ChurnScore
from .page_variants import PageVariant
from .placements import Placement
from .profiles import ErasureLog, ProfileMerge, SegmentMembership, Suppression, VisitorProfile
from .search_promotions import SegmentSearchPromotion
from .segments import Segment, TraitCategory, TraitDefinition, TraitType
from .trait_imports import TraitImport

__all__ = [
    "ChurnModel", "ChurnScore", "Event", "EventRollup", "EventType", "HourRollup", "RollupWatermark", "SegmentDayRollup",
    "ServedImpression", "Experiment", "ExperimentArm", "ExperimentArmDay", "ExperimentExposure", "ExperimentGuardrail",
    "PageVariant", "Placement", "Segment", "SegmentSearchPromotion", "TraitCategory", "TraitDefinition", "TraitImport",
    "TraitType", "VisitorProfile", "ErasureLog", "ProfileMerge", "SegmentMembership", "Suppression"]
