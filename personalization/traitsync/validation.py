"""Trait values pushed by a CRM, checked against the catalogue (the API's 422 lists each problem)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from personalization.models import TraitCategory, TraitDefinition
from personalization.traits import ValueProblem, json_value


@dataclass(frozen=True, slots=True)
class TraitError:
    trait: str
    code: str  # unknown_trait | computed_trait | invalid_value
    detail: str

    def as_dict(self) -> dict:
        return {"trait": self.trait, "code": self.code, "detail": self.detail}


def traits_check(pushed: Mapping[str, object], *, allow_null: bool) -> tuple[dict, set[str], list[TraitError]]:
    """Values to set, names to remove (null) and errors, trait by trait."""
    catalogue = {trait.name: trait for trait in TraitDefinition.objects.filter(name__in=list(pushed))}
    values, remove, errors = {}, set(), []
    for name, raw in pushed.items():
        trait = catalogue.get(name)
        if trait is None:
            errors.append(TraitError(name, "unknown_trait", f"no trait '{name}' in the catalogue"))
        elif trait.computed:
            errors.append(TraitError(name, "computed_trait", f"trait '{name}' is computed by the hub and cannot be written"))
        elif raw is None:
            if allow_null:
                remove.add(name)
            else:
                errors.append(TraitError(name, "invalid_value", "null is not a value: leave the trait out to remove it"))
        else:
            try:
                values[name] = json_value(trait.type, raw, tuple(trait.choices or ()))
            except ValueProblem as exc:
                errors.append(TraitError(name, "invalid_value", str(exc)))
    return values, remove, errors


def crm_trait_names() -> set[str]:
    """Traits a PUT replaces: the CRM category's, not computed ones (behaviour traits stay)."""
    return set(TraitDefinition.objects.filter(category=TraitCategory.CRM, computed=False).values_list("name", flat=True))
