"""Personalisation models, split by kind and re-exported here.

channels depend on nothing; segments and profiles depend on nothing in this app.
"""

from .channels import Channel, ChannelRenditionPreset
from .profiles import VisitorProfile
from .segments import Segment, TraitDefinition, TraitType

__all__ = ["Channel", "ChannelRenditionPreset", "Segment", "TraitDefinition", "TraitType", "VisitorProfile"]
