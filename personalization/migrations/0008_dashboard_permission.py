"""Marketers and the chief content officer read the events dashboard: re-apply the roles (cms.roles.ROLES)."""

from django.db import migrations

from cms.roles import roles_apply


class Migration(migrations.Migration):
    dependencies = [
        ("personalization", "0007_events"),
        ("cms", "0009_periodic_run"),
    ]

    operations = [migrations.RunPython(roles_apply, migrations.RunPython.noop)]
