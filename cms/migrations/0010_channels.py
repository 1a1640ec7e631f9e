"""Channels and their rendition presets move from personalization to cms: state only.

The tables keep their names (`db_table`), so no row moves; the foreign keys that
pointed at personalization.Channel point at the same table under its new model.
personalization/0008 then drops the old models from its state, and 0011 renames
their content types.
"""

import django.db.models.deletion
import modelcluster.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cms", "0009_periodic_run"),
        ("personalization", "0007_events"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Channel",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("slug", models.SlugField(unique=True)),
                        ("name", models.CharField(max_length=100)),
                        ("description", models.TextField(blank=True)),
                        ("allowed_origins", models.TextField(blank=True, help_text="Browser origins allowed to call the API for this channel, one per line.")),
                        ("cache_max_age", models.PositiveIntegerField(default=60, help_text="Seconds that browsers and CDNs may reuse an API response before revalidating.")),
                    ],
                    options={
                        "db_table": "personalization_channel",
                        "ordering": ["name"],
                    },
                ),
                migrations.CreateModel(
                    name="ChannelRenditionPreset",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("sort_order", models.IntegerField(blank=True, editable=False, null=True)),
                        ("name", models.SlugField(help_text="How the API names this size, e.g. 'hero'.")),
                        ("filter_spec", models.CharField(max_length=255)),
                        ("channel", modelcluster.fields.ParentalKey(on_delete=django.db.models.deletion.CASCADE, related_name="rendition_presets", to="cms.channel")),
                    ],
                    options={
                        "db_table": "personalization_channelrenditionpreset",
                        "ordering": ["sort_order"],
                        "abstract": False,
                        "constraints": [models.UniqueConstraint(fields=("channel", "name"), name="unique_channel_preset_name")],
                    },
                ),
                migrations.AlterField(
                    model_name="apikey",
                    name="channel",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="api_keys", to="cms.channel"),
                ),
                migrations.AlterField(
                    model_name="webhook",
                    name="channel",
                    field=models.ForeignKey(blank=True, help_text="Only changes to content offered on this channel; empty means all channels.", null=True, on_delete=django.db.models.deletion.CASCADE, to="cms.channel"),
                ),
                migrations.AlterField(
                    model_name="pagechanneloverride",
                    name="channel",
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="cms.channel"),
                ),
            ],
        ),
    ]
