from django.conf import settings
from wagtail.api.v2.pagination import WagtailPagination
from wagtail.api.v2.utils import BadRequestError


def _non_negative(request, name: str, default: int) -> int:
    try:
        value = int(request.GET.get(name, default))
        if value < 0:
            raise ValueError
    except ValueError as exc:
        raise BadRequestError(f"{name} must be a positive integer") from exc
    return value


class DeliveryPagination(WagtailPagination):
    """Wagtail's pagination and wording, with Tailor's cap (API_LIMIT_MAX, 100) and a bounded offset."""

    def paginate_queryset(self, queryset, request, view=None):
        offset = _non_negative(request, "offset", 0)
        limit = _non_negative(request, "limit", min(20, settings.API_LIMIT_MAX))
        if limit > settings.API_LIMIT_MAX:
            raise BadRequestError("limit cannot be higher than %d" % settings.API_LIMIT_MAX)
        if offset > settings.API_OFFSET_MAX:
            raise BadRequestError("offset cannot be higher than %d" % settings.API_OFFSET_MAX)
        self.view = view
        self.total_count = queryset.count()
        return queryset[offset : offset + limit]
