"""Seeding the demo hub: channels, people, pages and images, idempotently.

The demo's personalisation (segments, the spring page's personalised hero, profiles) is
personalization.demo's, seeded on top of this by the `seed_demo` command.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.models import Group, User
from django.db import transaction
from wagtail.models import Page, Site
from wagtail.rich_text import RichText

from cms import demo_content as content
from cms.api.keys import api_key_create, demo_raw_key, hash_secret
from cms.demo_images import draw_demo_image
from cms.models import (
    ApiKey,
    ArticlePage,
    Author,
    CallToAction,
    Channel,
    ChannelRenditionPreset,
    CustomImage,
    HomePage,
    LandingPage,
    PageChannelOverride,
    Promo,
    SectionPage,
)

HOME_SLUG = "tailor-home"
DEMO_CREDIT = "Tailor demo artwork"

Progress = Callable[[Iterable, str], Iterable]


def no_progress(items: Iterable, label: str) -> Iterable:
    return items


def demo_password(username: str) -> str:
    return f"{username}-demo-pass"


DEMO_KEY_CHANNEL = "web"
DEMO_KEY_SCOPES = ["delivery", "preview", "events"]


@dataclass
class DemoSummary:
    users: dict[str, str] = field(default_factory=dict)  # username -> role
    counts: dict[str, int] = field(default_factory=dict)
    api_key: str = ""


def demo_seed(*, reset: bool = False, port: int = 8000, progress: Progress = no_progress) -> DemoSummary:
    """Create the demo hub, or bring it back to its demo state; safe to run again.

    The site is served at http://127.0.0.1:<port>, so the API's `html_url` and `detail_url` work as links.
    """
    with transaction.atomic():
        if reset:
            _reset()
        channels = _seed_channels()
        users = _seed_users()
        api_key = _seed_api_key(channels[DEMO_KEY_CHANNEL])
    images = {title: _image(title) for title in progress(_image_titles(), "images")}
    with transaction.atomic():
        admin = User.objects.get(username=content.ADMIN_USERNAME)
        authors = [_author(name, role) for name, role in content.AUTHORS]
        ctas = {title: _cta(title, text, label) for title, text, label in content.CALLS_TO_ACTION}
        promos = [_promo(title, body, images[title]) for title, body in content.PROMOS]
        home = _seed_home(admin, port)
        sections = {slug: _section(home, slug, title, intro, admin) for slug, title, intro in content.SECTIONS}
        for index, article in enumerate(progress(content.ARTICLES, "articles")):
            _article(sections, authors, images, channels, admin, index, *article)
        for landing in progress(content.LANDING_PAGES, "landing pages"):
            _landing(home, images, ctas, promos, channels, admin, *landing)
    return DemoSummary(users=users, counts=demo_counts(), api_key=api_key)


def demo_counts() -> dict[str, int]:
    """What the demo holds, for the summary and for idempotency checks."""
    return {
        "channels": Channel.objects.count(),
        "users": User.objects.count(),
        "pages": Page.objects.count(),
        "articles": ArticlePage.objects.count(),
        "landing pages": LandingPage.objects.count(),
        "images": CustomImage.objects.count(),
        "authors": Author.objects.count(),
        "calls to action": CallToAction.objects.count(),
        "promos": Promo.objects.count(),
        "API keys": ApiKey.objects.count(),
    }


def _image_titles() -> list[str]:
    titles = [article[1] for article in content.ARTICLES]
    titles += [landing[1] for landing in content.LANDING_PAGES]
    titles += [title for title, _ in content.PROMOS]
    return titles + ["Kiosk hero"]


def _reset() -> None:
    for home in HomePage.objects.filter(slug=HOME_SLUG):
        home.delete()
    for model in (Promo, CallToAction, Author, ApiKey):
        model.objects.all().delete()
    CustomImage.objects.filter(credit=DEMO_CREDIT).delete()


def _seed_channels() -> dict[str, Channel]:
    channels = {}
    for spec in content.CHANNELS:
        channel, _ = Channel.objects.update_or_create(
            slug=spec["slug"],
            defaults={"name": spec["name"], "description": spec["description"], "allowed_origins": spec["allowed_origins"]},
        )
        for order, (name, filter_spec) in enumerate(spec["presets"]):
            ChannelRenditionPreset.objects.update_or_create(
                channel=channel, name=name, defaults={"filter_spec": filter_spec, "sort_order": order}
            )
        channels[channel.slug] = channel
    return channels


def _seed_users() -> dict[str, str]:
    admin, created = User.objects.get_or_create(
        username=content.ADMIN_USERNAME, defaults={"is_superuser": True, "is_staff": True, "email": "admin@example.com"}
    )
    if created:
        admin.set_password(demo_password(admin.username))
        admin.save()
    users = {admin.username: "Administrator"}
    for username, (group_name, first, last) in content.USERS.items():
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"}
        )
        if created:
            user.set_password(demo_password(username))
            user.save()
        user.groups.set([Group.objects.get(name=group_name)])
        users[username] = group_name
    return users


def _seed_api_key(channel: Channel) -> str:
    """The demo key is derived from SECRET_KEY, so every run prints the same working key."""
    raw_key = demo_raw_key(channel.slug)
    if not ApiKey.objects.filter(secret_hash=hash_secret(raw_key)).exists():
        api_key_create(channel=channel, name="Demo web key", scopes=DEMO_KEY_SCOPES, raw_key=raw_key)
    return raw_key


def _image(title: str) -> CustomImage:
    existing = CustomImage.objects.filter(title=title, credit=DEMO_CREDIT).first()
    if existing:
        return existing
    return CustomImage.objects.create(
        title=title, file=draw_demo_image(title), alt_text=f"Illustration: {title}", credit=DEMO_CREDIT
    )


def _author(name: str, role: str) -> Author:
    return Author.objects.get_or_create(name=name, defaults={"role": role})[0]


def _cta(title: str, text: str, label: str) -> CallToAction:
    return CallToAction.objects.get_or_create(
        title=title, defaults={"text": text, "button_label": label, "link_url": "https://example.com/offer"}
    )[0]


def _promo(title: str, body: str, image: CustomImage) -> Promo:
    return Promo.objects.get_or_create(title=title, defaults={"body": f"<p>{body}</p>", "image": image})[0]


def _publish(page: Page, admin: User) -> None:
    page.save_revision(user=admin, log_action=True).publish(user=admin)


def _child(parent: Page, page: Page, admin: User) -> Page:
    existing = parent.get_children().filter(slug=page.slug).first()
    if existing:
        return existing.specific
    parent.add_child(instance=page)
    _publish(page, admin)
    return page


def _seed_home(admin: User, port: int) -> HomePage:
    home = HomePage.objects.filter(slug=HOME_SLUG).first()
    if home is None:
        root = Page.objects.get(depth=1)
        home = HomePage(
            title="Tailor", slug=HOME_SLUG, summary="Content for every customer, on every channel.",
            body=[("heading", "Welcome to Tailor"),
                  ("paragraph", RichText("<p>One hub for web, app, email and kiosk content.</p>"))],
        )
        root.add_child(instance=home)
        _publish(home, admin)
    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    old_root = site.root_page if site.pk else None
    site.root_page, site.site_name, site.hostname, site.port = home, "Tailor", "127.0.0.1", port
    site.save()
    if old_root and old_root.pk != home.pk and not old_root.specific_class is HomePage:
        old_root.delete()  # Wagtail's "Welcome" placeholder
    return home


def _section(home: HomePage, slug: str, title: str, intro: str, admin: User) -> SectionPage:
    return _child(home, SectionPage(title=title, slug=slug, summary=intro), admin)


def _article(sections, authors, images, channels, admin, index, section, title, summary, paragraphs, tags):
    slug = "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")[:80]
    page = ArticlePage(
        title=title,
        slug=slug,
        summary=summary,
        hero_image=images[title],
        publish_date=date(2026, 1, 5) + timedelta(days=7 * index),
        body=[("paragraph", RichText(f"<p>{text}</p>")) for text in paragraphs]
        + [("quote", {"quote": summary, "attribution": authors[index % len(authors)].name})],
    )
    if index % 3 == 0:
        # A shorter title for the app, where space is tight.
        page.channel_overrides = [
            PageChannelOverride(channel=channels["mobile"], title=title.split(" ")[0] + " …" if len(title) > 40 else title)
        ]
    parent = sections[section]
    existing = parent.get_children().filter(slug=slug).exists()
    page = _child(parent, page, admin)
    if not existing:
        page.authors.set([authors[index % len(authors)]])
        page.tags.set(tags)
        _publish(page, admin)
    return page


def _landing(home, images, ctas, promos, channels, admin, slug, title, summary, heading, subheading, cta_title):
    page = LandingPage(
        title=title,
        slug=slug,
        summary=summary,
        hero_image=images[title],
        body=[
            ("hero", {"heading": heading, "subheading": subheading, "image": images[title], "call_to_action": ctas[cta_title]}),
            ("paragraph", RichText(f"<p>{summary}</p>")),
            ("promo_cards", {"heading": "This week", "promos": promos}),
            ("call_to_action", ctas[cta_title]),
        ],
        channel_overrides=[
            PageChannelOverride(channel=channels["kiosk"], hero_image=images["Kiosk hero"]),
            PageChannelOverride(channel=channels["email"], offered=slug != "app-launch"),
        ],
    )
    return _child(home, page, admin)
