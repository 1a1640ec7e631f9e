"""Marketers manage segments and traits, the CCO may publish segments: re-apply the roles (cms.roles.ROLES).

Wagtail creates a snippet's publish/lock/unlock permissions after migrating; the
roles need them now, so they are made here first.
"""

from django.db import migrations

from cms.roles import roles_apply

SNIPPET_PERMISSIONS = {"publish": "Can publish segment", "lock": "Can lock segment", "unlock": "Can unlock segment"}


def apply(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Permission = apps.get_model("auth.Permission")
    segment_type, _ = ContentType.objects.get_or_create(app_label="personalization", model="segment")
    for action, name in SNIPPET_PERMISSIONS.items():
        Permission.objects.get_or_create(content_type=segment_type, codename=f"{action}_segment", defaults={"name": name})
    roles_apply(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("personalization", "0004_placements"),
        ("cms", "0006_personalised_block"),
    ]

    operations = [migrations.RunPython(apply, migrations.RunPython.noop)]
