"""Marketers and the chief content officer read the analytics dashboard; marketers declare event types: re-apply the roles (cms.roles.ROLES)."""

from django.db import migrations

from cms.roles import roles_apply


class Migration(migrations.Migration):
    dependencies = [
        ("personalization", "0010_event_partitions"),
        ("cms", "0011_channel_content_types"),
    ]

    operations = [migrations.RunPython(roles_apply, migrations.RunPython.noop)]
