"""Channels' content types follow them to cms, so permissions, groups and log entries keep working.

Renaming the rows keeps their ids: every permission (`personalization.view_channel` is now
`cms.view_channel`), group grant, log entry and reference that points at them stays valid.
The roles are then re-applied with the new names (cms.roles.ROLES).
"""

from django.db import migrations

from cms.roles import roles_apply

MOVED = ("channel", "channelrenditionpreset")


def _rename(apps, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes.ContentType")
    for model in MOVED:
        old = ContentType.objects.filter(app_label=source, model=model).first()
        if old is None:
            continue
        # A target made since (by a process that ran the new code before this migration)
        # holds only Django's default permissions; the old row holds the history.
        ContentType.objects.filter(app_label=target, model=model).delete()
        old.app_label = target
        old.save(update_fields=["app_label"])


def forwards(apps, schema_editor):
    _rename(apps, "personalization", "cms")
    roles_apply(apps, schema_editor)


def backwards(apps, schema_editor):
    _rename(apps, "cms", "personalization")


class Migration(migrations.Migration):

    dependencies = [
        ("cms", "0010_channels"),
        ("personalization", "0008_channels_moved_to_cms"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
