from django.apps import AppConfig


class PersonalizationConfig(AppConfig):
    """Segments and the rules engine that decide who sees what; the delivery API's personaliser."""

    name = "personalization"
    verbose_name = "Personalisation"

    def ready(self) -> None:
        from cms.api.personalisers import personaliser_register
        from cms.api.schema import register_component_builder
        from cms.panels import page_panel_register
        from search.promotions import promotion_provider_register

        from . import search_promotions, signal_handlers
        from .api.crm_schema import crm_components
        from .api.events_schema import events_components
        from .api.traits_schema import traits_components
        from .api.schema import decide_components
        from .experiments.model_specs import aggregated_experiment_specs
        from .experiments.spec import results_spec_provider_register
        from .personaliser import SegmentPersonaliser

        signal_handlers.connect()
        personaliser_register(SegmentPersonaliser())
        # Search's segment-only promotions come from here; search decides with the API's personaliser.
        promotion_provider_register(search_promotions.SegmentPromotionProvider())
        search_promotions.connect()
        # The decide endpoint's bodies embed placements' blocks: the delivery schema builds them too.
        register_component_builder(decide_components)
        register_component_builder(events_components)
        register_component_builder(crm_components)
        register_component_builder(traits_components)
        # The periodic aggregation keeps the results of running (and lately stopped) experiments current.
        results_spec_provider_register(aggregated_experiment_specs)
        page_panel_register("personalisation", _variant_figures_panel)


def _variant_figures_panel():
    from wagtail.admin.panels import MultiFieldPanel

    from .admin.figures_panels import VariantFiguresPanel

    return MultiFieldPanel([VariantFiguresPanel()], heading="Variant figures")
