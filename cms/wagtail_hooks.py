"""Admin registrations of the content hub.

The snippets must be registered: SnippetChooserBlock in the page bodies refuses
unregistered models, and without them the page editor cannot render.
"""

from wagtail.snippets.models import register_snippet

from cms.models import Author, CallToAction, Promo

for _snippet in (Author, CallToAction, Promo):
    register_snippet(_snippet)
