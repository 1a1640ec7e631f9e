from django.db import migrations


def sentiment_trait_computed(apps, schema_editor):
    """`trait.sentiment` is written by the hub from feedback: imports and the CRM API must not set it."""
    TraitDefinition = apps.get_model("personalization", "TraitDefinition")
    TraitDefinition.objects.filter(name="sentiment").update(computed=True, category="crm")


class Migration(migrations.Migration):
    dependencies = [
        ("insight", "0001_initial"),
        ("personalization", "0018_traits_catalogue_imports"),
    ]

    operations = [migrations.RunPython(sentiment_trait_computed, migrations.RunPython.noop)]
