"""Developers manage API keys: re-apply the roles (cms.roles.ROLES)."""

from django.db import migrations

from cms.roles import roles_apply


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0006_personalised_block"),
        ("personalization", "0006_page_variants"),
    ]

    operations = [migrations.RunPython(roles_apply, migrations.RunPython.noop)]
