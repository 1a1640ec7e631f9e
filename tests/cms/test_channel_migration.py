"""Channels moved from personalization to cms (cms/0010, personalization/0008, cms/0011) without losing anything.

The database is taken back to the state before the move, filled through the models of
that state, and migrated forward: every row, relation, permission and grant must survive.
Runs on SQLite, and on PostgreSQL when DATABASE_URL names one.
"""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cms.models import ApiKey, Channel, ChannelRenditionPreset, PageChannelOverride, Webhook
from personalization.models import PageVariant

BEFORE = [("cms", "0009_periodic_run"), ("personalization", "0007_events")]

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor


def _seed_before_the_move(apps) -> dict:
    """Channels, presets, keys, a webhook, an override, a page variant and grants, as they were stored."""
    OldChannel = apps.get_model("personalization", "Channel")
    ContentTypeThen = apps.get_model("contenttypes", "ContentType")
    PermissionThen = apps.get_model("auth", "Permission")
    Page = apps.get_model("wagtailcore", "Page")
    root = Page.objects.get(depth=1)
    web = OldChannel.objects.create(slug="web", name="Web", allowed_origins="https://www.example.com", cache_max_age=30)
    kiosk = OldChannel.objects.create(slug="kiosk", name="Kiosk")
    apps.get_model("personalization", "ChannelRenditionPreset").objects.create(
        channel=web, name="hero", filter_spec="fill-1600x900", sort_order=0
    )
    apps.get_model("cms", "ApiKey").objects.create(
        name="web key", channel=web, scopes=["delivery"], prefix="tlr_abc", secret_hash="0" * 64
    )
    apps.get_model("cms", "Webhook").objects.create(name="kiosk hook", url="https://kiosk.example.com/hook", secret="s", channel=kiosk)
    apps.get_model("cms", "PageChannelOverride").objects.create(page_id=root.pk, channel=kiosk, title="Kiosk home", sort_order=0)
    segment = apps.get_model("personalization", "Segment").objects.create(key="returning", name="Returning", definition={"all": []})
    apps.get_model("personalization", "PageVariant").objects.create(
        page_id=root.pk, segment=segment, alternative_id=root.pk, channel=web, sort_order=0
    )
    channel_type = ContentTypeThen.objects.get(app_label="personalization", model="channel")
    view_channel = PermissionThen.objects.get(content_type=channel_type, codename="view_channel")
    change_channel = PermissionThen.objects.get(content_type=channel_type, codename="change_channel")
    user = apps.get_model("auth", "User").objects.create(username="channel-editor")
    user.user_permissions.add(change_channel)
    return {"web": web.pk, "kiosk": kiosk.pk, "channel_type": channel_type.pk, "view_channel": view_channel.pk}


def test_moving_channels_to_cms_keeps_rows_relations_and_permissions():
    executor = _migrate(BEFORE)
    before = _seed_before_the_move(executor.loader.project_state(BEFORE).apps)

    _migrate(executor.loader.graph.leaf_nodes())

    web, kiosk = Channel.objects.get(slug="web"), Channel.objects.get(slug="kiosk")
    assert (web.pk, kiosk.pk) == (before["web"], before["kiosk"])
    assert (web.origins, web.cache_max_age) == (["https://www.example.com"], 30)
    assert list(ChannelRenditionPreset.objects.filter(channel=web).values_list("name", "filter_spec")) == [("hero", "fill-1600x900")]
    assert ApiKey.objects.get(prefix="tlr_abc").channel == web
    assert Webhook.objects.get(name="kiosk hook").channel == kiosk
    assert PageChannelOverride.objects.get(title="Kiosk home").channel == kiosk
    assert PageVariant.objects.get().channel == web
    # The content type row was renamed, not replaced: its permissions and every grant of them stay.
    channel_type = ContentType.objects.get_for_model(Channel)
    assert channel_type.pk == before["channel_type"]
    assert not ContentType.objects.filter(app_label="personalization", model__startswith="channel").exists()
    assert Permission.objects.get(content_type=channel_type, codename="view_channel").pk == before["view_channel"]
    assert User.objects.get(username="channel-editor").has_perm("cms.change_channel")
    for role in ("Marketers", "Developers"):
        assert Group.objects.get(name=role).permissions.filter(pk=before["view_channel"]).exists(), role


def test_the_move_reverses_to_the_old_content_types():
    executor = _migrate(BEFORE)
    state_apps = executor.loader.project_state(BEFORE).apps
    ContentTypeThen = state_apps.get_model("contenttypes", "ContentType")

    assert ContentTypeThen.objects.filter(app_label="personalization", model="channel").exists()
    assert not ContentTypeThen.objects.filter(app_label="cms", model="channel").exists()
    state_apps.get_model("personalization", "Channel").objects.create(slug="email", name="Email")

    _migrate(executor.loader.graph.leaf_nodes())
    assert Channel.objects.filter(slug="email").exists()
