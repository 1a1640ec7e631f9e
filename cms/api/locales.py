"""The `locale` filter, accepting a language without its region as clients send it (`en` for `en-gb`)."""

from django.http import Http404
from wagtail.api.v2.filters import LocaleFilter
from wagtail.models import Locale, Site

LOCALE_DESCRIPTION = (
    "Only pages in this locale: an exact language code (`en-gb`), or a language alone (`en`), which "
    "selects the request's site's locale of that language, else the default locale of that language, "
    "else the first by code; 404 if no locale has that language."
)


def locale_for(code: str, site: Site | None) -> Locale:
    """The locale a `locale` parameter names; raises Http404 (Wagtail's answer) when none does."""
    exact = Locale.objects.filter(language_code__iexact=code).first()
    if exact is not None:
        return exact
    if not code or "-" in code:
        raise Http404("No Locale matches the given query.")
    candidates = list(Locale.objects.filter(language_code__istartswith=f"{code}-").order_by("language_code"))
    if not candidates:
        raise Http404("No Locale matches the given query.")
    preferred = [site.root_page.locale_id] if site is not None else []
    try:
        preferred.append(Locale.get_default().pk)
    except Locale.DoesNotExist:
        pass
    for locale_id in preferred:
        for locale in candidates:
            if locale.pk == locale_id:
                return locale
    return candidates[0]


class DeliveryLocaleFilter(LocaleFilter):
    """Wagtail's filter, where `locale=en` selects the site's `en-gb` instead of answering 404."""

    def filter_queryset(self, request, queryset, view):
        if "locale" not in request.GET:
            return queryset
        child_of = getattr(queryset, "_filtered_by_child_of", None)
        site = view.delivery.site  # every delivery view has one (ChannelContextMixin)
        queryset = queryset.filter(locale=locale_for(request.GET["locale"], site))
        if child_of:
            queryset._filtered_by_child_of = child_of
        return queryset
