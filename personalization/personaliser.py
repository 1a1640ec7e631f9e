"""This app as the delivery API's personaliser (cms.api.personalisers), registered at ready()."""

from collections.abc import Mapping

from cms.api.personalisers import PageVariantRow
from personalization import request_context
from personalization.events.served import served_body_note
from personalization.delivery import PersonalizationState, page_view_record, segment_ids_in_stream
from personalization.experiments.running import page_experiment_keys
from personalization.models import PageVariant
from personalization.simulation import simulation_from_token


class SegmentPersonaliser:
    """Visitors read from the request and their profile, decided by the segments' rules."""

    context_headers = request_context.CONTEXT_HEADERS
    context_parameters = request_context.CONTEXT_PARAMETERS
    attribute_headers = request_context.ATTRIBUTES
    max_value_length = request_context.MAX_VALUE_LENGTH

    is_context_parameter = staticmethod(request_context.is_context_parameter)
    check_context_parameters = staticmethod(request_context.check_context_parameters)
    page_view_record = staticmethod(page_view_record)
    segment_ids_in_stream = staticmethod(segment_ids_in_stream)
    body_served = staticmethod(served_body_note)

    def state(self, *, channel: str, params: Mapping[str, str], headers: Mapping[str, str], explain: bool,
              simulation: str | None) -> PersonalizationState:
        return PersonalizationState(
            channel=channel, params=params, headers=headers, explain=explain,
            simulation=simulation_from_token(simulation) if simulation else None,
        )

    def page_variants(self, page_id: int) -> tuple[PageVariantRow, ...]:
        return tuple(
            PageVariant.objects.filter(page_id=page_id).order_by("sort_order")
            .values_list("segment_id", "alternative_id", "channel_id")
        )

    def page_experiments(self, page_id: int) -> tuple[str, ...]:
        return page_experiment_keys(page_id)
