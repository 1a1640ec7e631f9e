"""Replacing a segment everywhere live content and live segments use it, in one step.

The chief content officer may delete or unpublish a segment in use only this way, so that
nothing that named it silently stops matching: each live segment using it (member_of) gets
a new published revision naming the replacement, each live page a new published revision
(page variants and personalised blocks), each placement its variants rewritten.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from wagtail.fields import StreamField
from wagtail.log_actions import log
from wagtail.models import Page

from personalization.delivery import segment_ids_in_stream
from personalization.dependants import Dependant, placement_segment_ids, segments_using_segment
from personalization.engine import describe
from personalization.models import PageVariant, Placement, Segment
from personalization.services import LOG_RULES


class ReplacementError(ValueError):
    """The replacement cannot stand in for the segment; the message says why, for the CCO."""


def replace_segment(*, segment: Segment, replacement: Segment, user) -> list[Dependant]:
    """Point every live user of ``segment`` at ``replacement``; returns what was changed.

    All or nothing: a referring segment that would not validate with the replacement (a
    member_of cycle, say) rolls everything back and raises ReplacementError.
    """
    if replacement.pk == segment.pk:
        raise ReplacementError("Choose another segment as the replacement.")
    if not replacement.live:
        raise ReplacementError(f"'{replacement.name}' is not live: choose a published segment.")
    changed: list[Dependant] = []
    with transaction.atomic():
        for user_segment in segments_using_segment(segment.key, exclude_pk=segment.pk):
            if user_segment.pk == replacement.pk:
                raise ReplacementError(f"'{replacement.name}' itself uses '{segment.name}': choose another.")
            user_segment.definition = _member_of_replaced(user_segment.definition, segment.key, replacement.key)
            user_segment.updated_by = user
            try:
                user_segment.full_clean()
            except ValidationError as exc:  # say which segment, in the CCO's words
                raise ReplacementError(f"'{user_segment.name}' would not work with '{replacement.name}': "
                                       + " ".join(exc.messages)) from exc
            before = Segment.objects.get(pk=user_segment.pk).definition
            user_segment.save_revision(user=user, clean=False, log_action=True).publish(user=user)
            log(instance=user_segment, action=LOG_RULES, user=user,
                data={"from": describe(before), "to": describe(user_segment.definition)})
            changed.append(Dependant("segment", user_segment.name))
        for page in _live_pages_using(segment.pk):
            _page_replaced(page, segment.pk, replacement.pk)
            page.save_revision(user=user, clean=False, log_action=True).publish(user=user)
            changed.append(Dependant("page", page.title))
        for placement in Placement.objects.all():
            raw = placement.variants.raw_data
            if segment.pk in placement_segment_ids(raw):
                placement.variants = _variants_replaced(list(raw), segment.pk, replacement.pk)
                placement.save()
                log(instance=placement, action="wagtail.edit", user=user)
                changed.append(Dependant("placement", placement.name))
    return changed


def _member_of_replaced(node, old: str, new: str):
    if isinstance(node, list):
        return [_member_of_replaced(item, old, new) for item in node]
    if not isinstance(node, dict):
        return node
    if (node.get("attribute"), node.get("operator"), node.get("value")) == ("segment", "member_of", old):
        return {**node, "value": new}
    return {key: _member_of_replaced(value, old, new) for key, value in node.items()}


def _live_pages_using(pk: int) -> list:
    """The live pages (specific, as published) whose page variants or personalised blocks name segment ``pk``."""
    ids = set(PageVariant.objects.filter(segment_id=pk, page__live=True).values_list("page_id", flat=True))
    for page in Page.objects.live().specific():
        if any(pk in segment_ids_in_stream(getattr(page, name).raw_data) for name in _stream_fields(page)):
            ids.add(page.pk)
    return [page.specific for page in Page.objects.filter(pk__in=ids).order_by("title")]


def _stream_fields(page) -> list[str]:
    return [field.name for field in page._meta.concrete_fields if isinstance(field, StreamField)]


def _page_replaced(page, old: int, new: int) -> None:
    variants = list(page.segment_variants.all())
    for variant in variants:
        if variant.segment_id == old:
            variant.segment_id = new
    page.segment_variants = variants
    for name in _stream_fields(page):
        raw = getattr(page, name).raw_data
        if old in segment_ids_in_stream(raw):
            setattr(page, name, _stream_replaced(list(raw), old, new))


def _stream_replaced(raw: list, old: int, new: int) -> list:
    result = []
    for child in raw:
        if isinstance(child, dict) and child.get("type") == "personalised":
            value = dict(child.get("value") or {})
            value["variants"] = _variants_replaced(value.get("variants") or [], old, new)
            child = {**child, "value": value}
        result.append(child)
    return result


def _variants_replaced(variants: list, old: int, new: int) -> list:
    """Variants with ``old`` replaced by ``new`` in their segment lists (once, if both were named)."""
    result = []
    for item in variants:
        # A personalised block's variants are ListBlock items; a placement's are "variant" stream children.
        wrapped = isinstance(item, dict) and "value" in item and item.get("type") in ("item", "variant")
        variant = dict(item["value"] if wrapped else item)
        segments = variant.get("segments") or []
        replaced = []
        for entry in segments:
            entry_id = _id_of(entry)
            if entry_id == old:
                entry = {**entry, "value": new} if isinstance(entry, dict) else new
                entry_id = new
            if entry_id == new and any(_id_of(other) == new for other in replaced):
                continue  # the variant named both: once is enough
            replaced.append(entry)
        variant["segments"] = replaced
        result.append({**item, "value": variant} if wrapped else variant)
    return result


def _id_of(entry):
    return entry.get("value") if isinstance(entry, dict) and entry.get("type") == "item" else entry


