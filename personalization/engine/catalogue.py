"""The catalogue as JSON-able data, for the admin's rule builder and for documentation."""

from __future__ import annotations

from collections.abc import Mapping

from .attributes import ATTRIBUTES, TRAIT_TYPES, trait_category
from .conditions import MAX_DEPTH, MAX_NODES
from .countries import COUNTRIES
from .known_values import DEVICE_KINDS
from .operators import MAX_LIST, OPERATORS


KNOWN_VALUES: dict[str, list[dict[str, str]]] = {
    "country": [{"value": code, "label": name} for code, name in COUNTRIES.items()],
    "device": [{"value": kind, "label": kind} for kind in DEVICE_KINDS],
}


def catalogue(trait_types: Mapping[str, str] | None = None) -> dict[str, object]:
    """Every attribute (with ``trait.<name>`` entries for the given trait definitions),
    every operator, and the limits a definition must respect. Attributes whose values are a
    known list carry them as ``suggestions`` (the builder offers them while typing)."""
    attributes = [attribute.describe() for attribute in ATTRIBUTES if attribute.name != "trait."]
    for attribute in attributes:
        if attribute["name"] in KNOWN_VALUES:
            attribute["suggestions"] = KNOWN_VALUES[attribute["name"]]
    for name, declared in sorted((trait_types or {}).items()):
        if declared in TRAIT_TYPES:
            vtype, operators = TRAIT_TYPES[declared]
            attributes.append({
                "name": f"trait.{name}",
                "label": name,
                "description": f"{'Behaviour' if trait_category(declared).value == 'behaviour' else 'CRM'} trait ({declared}).",
                "type": vtype.value,
                "category": trait_category(declared).value,
                "operators": list(operators),
                "timezone": False,
                "case_sensitive": False,
            })
    return {
        "attributes": attributes,
        "operators": {name: operator.describe() for name, operator in OPERATORS.items()},
        "trait_types": list(TRAIT_TYPES),
        "limits": {"depth": MAX_DEPTH, "nodes": MAX_NODES, "list": MAX_LIST},
    }
