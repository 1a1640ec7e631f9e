from django.db import migrations

from cms.roles import roles_apply, workflow_apply


def apply(apps, schema_editor):
    roles_apply(apps, schema_editor)
    workflow_apply(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("personalization", "0001_initial"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(apply, migrations.RunPython.noop)]
