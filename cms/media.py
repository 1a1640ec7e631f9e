"""Serving uploaded files under MEDIA_URL, in every mode, with collection privacy.

Everything under MEDIA_ROOT is an upload: original images, their renditions and
documents. A file is served only when it belongs to an image record whose collection
lets this request see it; anything else answers 404, whatever exists on disk. Documents
are never served here: their URLs go through Wagtail's document view (`/documents/`),
which applies the same collection privacy.
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from django.views.static import serve
from wagtail.images import get_image_model
from wagtail.images.permissions import permission_policy

# Editors see thumbnails and previews of every image they may work with, private or not.
ADMIN_IMAGE_ACTIONS = ["choose", "change"]


def _image_of(path: str):
    """The image record that owns the file at `path` (an original or a rendition), or None."""
    Image = get_image_model()
    image = Image.objects.select_related("collection").filter(file=path).first()
    if image is None:
        rendition = (
            Image.get_rendition_model().objects.select_related("image__collection").filter(file=path).first()
        )
        image = rendition.image if rendition else None
    return image


@require_safe
def serve_media(request: HttpRequest, path: str) -> HttpResponse:
    """Serve an image file under MEDIA_URL if its collection lets the request see it, else 404."""
    image = _image_of(path)
    if image is None:
        raise Http404("No such file.")
    # Read from the database on every request: a collection made private stops its files at once.
    restrictions = list(image.collection.get_view_restrictions())
    public = not restrictions
    user = request.user
    if not (
        all(restriction.accept_request(request) for restriction in restrictions)
        or permission_policy.user_has_any_permission_for_instance(user, ADMIN_IMAGE_ACTIONS, image)
    ):
        raise Http404("No such file.")  # as if absent: a private file's existence is not confirmed
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    if public:
        patch_cache_control(response, public=True, max_age=settings.MEDIA_CACHE_SECONDS)
    else:
        patch_cache_control(response, private=True, no_store=True)
    response["X-Content-Type-Options"] = "nosniff"
    return response
