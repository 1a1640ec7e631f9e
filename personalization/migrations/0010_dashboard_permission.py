"""Marketers and the chief content officer read the events dashboard: re-apply the roles (cms.roles.ROLES)."""

from django.db import migrations

from cms.roles import roles_apply


class Migration(migrations.Migration):
    dependencies = [
        ("personalization", "0009_rollup_covering_indexes"),
        ("cms", "0011_channel_content_types"),
    ]

    operations = [migrations.RunPython(roles_apply, migrations.RunPython.noop)]
