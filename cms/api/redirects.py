"""`/api/v2/redirects/`: Wagtail's redirects for headless frontends, which read them at build time.

Stock Wagtail's RedirectsAPIViewSet shape (`old_path`, `location`, find by `html_path`),
behind channel keys: only the request's site's redirects (and those for every site),
and never one to a page the key's channel may not see (that would reveal the page).
"""

from django.db.models import Q
from django.http import Http404
from rest_framework import serializers
from wagtail.api import APIField
from wagtail.api.v2.filters import FieldsFilter, OrderingFilter
from wagtail.api.v2.serializers import PageAliasOfField
from wagtail.contrib.redirects.api import RedirectsAPIViewSet
from wagtail.contrib.redirects.middleware import get_redirect
from wagtail.models import Site

from cms.api.views import DeliveryMixin, _delivery_filters
from cms.visibility import visible_pages


class RedirectSiteSerializer(serializers.ModelSerializer):
    """The site a redirect applies to; null means every site."""

    root_url = serializers.CharField(read_only=True, help_text="The site's root URL, e.g. `https://example.com`.")

    class Meta:
        model = Site
        fields = ["id", "hostname", "port", "root_url"]
        read_only_fields = fields


class RedirectPageField(PageAliasOfField):
    """The target page as Wagtail summarises a related page (`meta.parent`, `meta.alias_of`), or null."""

    def get_attribute(self, instance):
        return instance.redirect_page


class DeliveryRedirectsViewSet(DeliveryMixin, RedirectsAPIViewSet):
    filter_backends = _delivery_filters([FieldsFilter, OrderingFilter])
    # Redirects are not in the search index: `search` is an unknown parameter (400), not a 500.
    known_query_parameters = RedirectsAPIViewSet.known_query_parameters - {"search", "search_operator"}
    body_fields = RedirectsAPIViewSet.body_fields + [
        "is_permanent",
        APIField("redirect_page", serializer=RedirectPageField(read_only=True)),
        APIField("site", serializer=RedirectSiteSerializer(read_only=True, allow_null=True)),
    ]
    listing_default_fields = RedirectsAPIViewSet.listing_default_fields + ["is_permanent", "redirect_page", "site"]
    nested_default_fields = ["id", "old_path", "location"]

    def get_queryset(self):
        site = self.delivery.site
        if site is None:
            return self.model.objects.none()
        pages = visible_pages(channel_id=self.delivery.channel_id, root=site.root_page, restricted=self.delivery.restricted_paths)
        return (
            self.model.get_for_site(site)
            .filter(Q(redirect_page__isnull=True) | Q(redirect_page__in=pages.values("pk")))
            .select_related("site", "redirect_page")
            .order_by("id")
        )

    def find_object(self, queryset, request):
        """Wagtail's redirect for `html_path` (as its middleware would pick it), if this key may see it."""
        if "html_path" in request.GET:
            found = get_redirect(request, request.GET["html_path"])
            if found is None or not queryset.filter(pk=found.pk).exists():
                raise Http404("not found")
            return found
        return super().find_object(queryset, request)
