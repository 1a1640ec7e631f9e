from django.apps import AppConfig


class PersonalizationConfig(AppConfig):
    """Segments and the rules engine that decide who sees what; the delivery API's personaliser."""

    name = "personalization"
    verbose_name = "Personalisation"

    def ready(self) -> None:
        from cms.api.personalisers import personaliser_register
        from cms.api.schema import register_component_builder
        from cms.panels import page_panel_register

        from . import signal_handlers
        from .api.events_schema import events_components
        from .api.traits_schema import traits_components
        from .api.schema import decide_components
        from .personaliser import SegmentPersonaliser

        signal_handlers.connect()
        personaliser_register(SegmentPersonaliser())
        # The decide endpoint's bodies embed placements' blocks: the delivery schema builds them too.
        register_component_builder(decide_components)
        register_component_builder(events_components)
        register_component_builder(traits_components)
        page_panel_register("personalisation", _variant_figures_panel)


def _variant_figures_panel():
    from wagtail.admin.panels import MultiFieldPanel

    from .admin.figures_panels import VariantFiguresPanel

    return MultiFieldPanel([VariantFiguresPanel()], heading="Variant figures")
