"""Developers manage webhooks and read their delivery log: re-apply the roles (cms.roles.ROLES)."""

from django.db import migrations

from cms.roles import roles_apply


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0004_api_blocks"),
    ]

    operations = [migrations.RunPython(roles_apply, migrations.RunPython.noop)]
