"""Channels now belong to cms (cms/0010): page variants point at cms.Channel, the old models leave
this app's state. State only: the tables stay, now cms's (see their `db_table`)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cms", "0010_channels"),
        ("personalization", "0007_events"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="pagevariant",
                    name="channel",
                    field=models.ForeignKey(blank=True, help_text="Only on this channel; empty means every channel.", null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="cms.channel"),
                ),
                migrations.DeleteModel(name="ChannelRenditionPreset"),
                migrations.DeleteModel(name="Channel"),
            ],
        ),
    ]
