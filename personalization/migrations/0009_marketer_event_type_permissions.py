"""Marketers declare custom event types: re-apply the roles (cms.roles.ROLES)."""

from django.db import migrations

from cms.roles import roles_apply


class Migration(migrations.Migration):
    dependencies = [("personalization", "0008_event_partitions")]

    operations = [migrations.RunPython(roles_apply, migrations.RunPython.noop)]
