"""The hub's roles as data: which groups exist and exactly which permissions each holds.

Applied by data migrations (`roles_apply`), so a fresh database and an upgraded
one end with the same groups. A later migration that adds models re-applies it.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

EDITORS = "Editors"
CHIEF_CONTENT_OFFICER = "Chief Content Officer"
MARKETERS = "Marketers"
DEVELOPERS = "Developers"

WORKFLOW_NAME = "Chief content officer approval"

_IMAGES = ["wagtailimages.add_image", "wagtailimages.change_image", "wagtailimages.choose_image"]
_DOCUMENTS = ["wagtaildocs.add_document", "wagtaildocs.change_document", "wagtaildocs.choose_document"]
_SNIPPETS = [
    f"cms.{action}_{model}"
    for model in ("author", "calltoaction", "promo")
    for action in ("add", "change", "view")
]
# Managing webhook endpoints and reading their delivery log (cms.webhooks.viewsets).
_WEBHOOKS = [
    *[f"cms.{action}_webhook" for action in ("add", "change", "delete", "view")],
    "cms.view_webhookdelivery",
]
# Keys are revoked, never deleted: the audit trail keeps who held which key.
_API_KEYS = [f"cms.{action}_apikey" for action in ("add", "change", "view")]

# Managing segments (governed snippets: publish, lock) and the CRM traits their rules use.
_SEGMENTS = [
    *[f"personalization.{action}_segment" for action in ("add", "change", "delete", "view", "publish", "lock", "unlock")],
    *[f"personalization.{action}_traitdefinition" for action in ("add", "change", "delete", "view")],
    # Importing trait values from a CRM export (the admin's upload, mapping, dry run and apply).
    *[f"personalization.{action}_traitimport" for action in ("add", "change", "view")],
    # Custom event types frontends may report, and their properties (built-ins cannot be deleted).
    *[f"personalization.{action}_eventtype" for action in ("add", "change", "delete", "view")],
    # Promoted search results: Wagtail's, for everyone, and personalization's, for one segment.
    *[f"wagtailsearchpromotions.{action}_searchpromotion" for action in ("add", "change", "delete", "view")],
    *[f"personalization.{action}_segmentsearchpromotion" for action in ("add", "change", "delete", "view")],
]

# Drafting experiments and submitting them: launching, stopping and promoting are the CCO's (publish).
_EXPERIMENTS = [
    f"personalization.{action}_{model}"
    for model in ("experiment",)
    for action in ("add", "change", "delete", "view", "lock", "unlock")
]

# Reading the events dashboard (rollups only: raw events are never shown in the admin).
_DASHBOARD = ["personalization.view_eventrollup"]
# Placements (slots frontends fill): marketers and the chief content officer manage them.
_PLACEMENTS = [f"personalization.{action}_placement" for action in ("add", "change", "delete", "view")]
# Marketers define channels; deleting one (its keys and overrides go with it) stays with the CCO.
_CHANNELS_DEFINED = [f"cms.{action}_channel" for action in ("add", "change", "view")]

# The customer page: reading a customer's data (every opening is logged) and changing their consent.
# Erasure (delete_visitorprofile) is held by no role: whoever handles privacy requests is granted it.
_CUSTOMERS = ["personalization.view_visitorprofile", "personalization.change_visitorprofile"]
# Customer insight: reading the Sentiment page, labelling and uploading feedback, training the
# domain model and drafting a scorer switch (the CCO approves it: publish).
_INSIGHT = [
    *[f"insight.{action}_feedback" for action in ("add", "change", "view")],
    *[f"insight.{action}_sentimenttraining" for action in ("add", "view")],
    *[f"insight.{action}_sentimentmodel" for action in ("add", "change", "view", "lock", "unlock")],
]
_INSIGHT_APPROVAL = [
    "insight.view_feedback", "insight.view_sentimenttraining",
    *[f"insight.{action}_sentimentmodel" for action in ("change", "view", "publish", "unlock")],
]

# Page permissions are granted on the root page, collection permissions on the root collection.
ROLES: dict[str, dict[str, list[str]]] = {
    EDITORS: {
        "global": ["wagtailadmin.access_admin", *_SNIPPETS],
        "pages": ["add_page", "change_page", "lock_page"],
        "collections": [*_IMAGES, *_DOCUMENTS],
    },
    CHIEF_CONTENT_OFFICER: {
        "global": [
            "wagtailadmin.access_admin",
            *_SNIPPETS,
            *[f"cms.delete_{model}" for model in ("author", "calltoaction", "promo")],
            *[f"cms.{action}_channel" for action in ("add", "change", "delete", "view")],
            # The CCO deletes or unpublishes a segment in use only by replacing it (replace_segment).
            *[f"personalization.{action}_segment" for action in ("change", "view", "publish", "unlock", "delete", "replace")],
            *[f"personalization.{action}_experiment" for action in ("change", "view", "publish", "unlock")],
            *_PLACEMENTS,
            *[f"wagtailcore.{action}_{model}" for model in ("workflow", "task") for action in ("add", "change", "delete")],
            *_DASHBOARD,
            *_INSIGHT_APPROVAL,
        ],
        "pages": ["add_page", "change_page", "publish_page", "lock_page", "unlock_page", "bulk_delete_page"],
        "collections": [*_IMAGES, "wagtailimages.delete_image", *_DOCUMENTS, "wagtaildocs.delete_document"],
    },
    MARKETERS: {
        "global": [
            "wagtailadmin.access_admin", *_CHANNELS_DEFINED,
            *_SEGMENTS, *_PLACEMENTS, *_EXPERIMENTS, *_DASHBOARD, *_CUSTOMERS, *_INSIGHT,
        ],
        "pages": [],
        "collections": ["wagtailimages.choose_image"],
    },
    DEVELOPERS: {
        "global": ["wagtailadmin.access_admin", "cms.view_channel", *_WEBHOOKS, *_API_KEYS],
        "pages": [],
        "collections": [],
    },
}


def _ensure_permissions_exist(apps) -> None:
    # Django creates permissions after migrate; data migrations need them now.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, apps=apps, verbosity=0)
    # Wagtail checks image permissions against wagtailimages.Image even with a custom
    # image model, but nothing creates its "choose" permission once the model is swapped.
    ContentType = apps.get_model("contenttypes.ContentType")
    Permission = apps.get_model("auth.Permission")
    image_type, _ = ContentType.objects.get_or_create(app_label="wagtailimages", model="image")
    Permission.objects.get_or_create(
        content_type=image_type, codename="choose_image", defaults={"name": "Can choose image"}
    )


def _permissions(apps, dotted_names: list[str]) -> list:
    """The named permissions that exist at this migration.

    An early migration applying today's ROLES meets permissions of models that a
    later migration adds; that migration re-applies the roles, and the role tests
    check that every declared permission is held in the end.
    """
    Permission = apps.get_model("auth.Permission")
    found = []
    for dotted in dotted_names:
        app_label, codename = dotted.split(".")
        found.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename)[:1])
    return found


def roles_apply(apps, schema_editor=None) -> None:
    """Create or update every role group so it holds exactly the permissions in ROLES."""
    _ensure_permissions_exist(apps)
    Group = apps.get_model("auth.Group")
    Page = apps.get_model("wagtailcore.Page")
    Collection = apps.get_model("wagtailcore.Collection")
    GroupPagePermission = apps.get_model("wagtailcore.GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore.GroupCollectionPermission")
    root_page = Page.objects.get(depth=1)
    root_collection = Collection.objects.get(depth=1)
    for name, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions(apps, grants["global"]))
        GroupPagePermission.objects.filter(group=group).delete()
        for permission in _permissions(apps, [f"wagtailcore.{codename}" for codename in grants["pages"]]):
            GroupPagePermission.objects.create(group=group, page=root_page, permission=permission)
        GroupCollectionPermission.objects.filter(group=group).delete()
        for permission in _permissions(apps, grants["collections"]):
            GroupCollectionPermission.objects.create(group=group, collection=root_collection, permission=permission)


def workflow_apply(apps, schema_editor=None) -> None:
    """Make CCO approval the one workflow on the whole site (replacing Wagtail's default)."""
    Group = apps.get_model("auth.Group")
    Page = apps.get_model("wagtailcore.Page")
    ContentType = apps.get_model("contenttypes.ContentType")
    Workflow = apps.get_model("wagtailcore.Workflow")
    WorkflowTask = apps.get_model("wagtailcore.WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore.WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore.GroupApprovalTask")
    task_type, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    task, _ = GroupApprovalTask.objects.get_or_create(
        name="Chief content officer approval", defaults={"content_type": task_type, "active": True}
    )
    task.groups.set([Group.objects.get(name=CHIEF_CONTENT_OFFICER)])
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    root_page = Page.objects.get(depth=1)
    WorkflowPage.objects.update_or_create(page=root_page, defaults={"workflow": workflow})
    Workflow.objects.exclude(pk=workflow.pk).update(active=False)
    # Wagtail's default "Moderators" group is replaced by the Chief Content Officer role.
    Group.objects.filter(name="Moderators").delete()
