"""Panels that apps built on the hub add to the page editor, without the hub importing them.

An app registers a panel factory for a tab at `AppConfig.ready()`; the tab's
`RegisteredPanels` asks for them when Wagtail binds the editor to a page model,
which happens after every app is ready.
"""

from collections.abc import Callable

from wagtail.admin.panels import ObjectList, Panel

_factories: dict[str, list[Callable[[], Panel]]] = {}


def page_panel_register(tab: str, factory: Callable[[], Panel]) -> None:
    """Show the panel `factory()` builds at the end of the page editor's `tab` ("personalisation")."""
    _factories.setdefault(tab, []).append(factory)


class RegisteredPanels(ObjectList):
    """The panels registered for one tab, built when the editor is bound to a model."""

    def __init__(self, tab: str, **kwargs):
        kwargs.pop("children", None)
        super().__init__(children=(), **kwargs)
        self.tab = tab

    def clone_kwargs(self):
        kwargs = super().clone_kwargs()
        kwargs["tab"] = self.tab
        return kwargs

    def on_model_bound(self):
        self.children = [factory() for factory in _factories.get(self.tab, ())]
        super().on_model_bound()
