"""Seeding the demo's personalisation on top of the demo hub (cms.demo): traits, segments, the
spring page's personalised hero, a placement and sample visitor profiles, idempotently."""

import uuid
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.contrib.auth.models import User
from django.db import transaction
from wagtail.models import Page

from cms import demo_content as hub_content
from cms.demo import HOME_SLUG, Progress, no_progress
from cms.models import Channel, LandingPage
from personalization.events.demo import demo_events_seed
from personalization.churnrisk.scoring import risk_trait_ensure, scores_refresh
from personalization.insight.traits import sentiment_trait_ensure
from personalization.churnrisk.training import labelled_by_trait, train_and_store
from personalization.insight.churn.synthetic import customers as churn_customers
from personalization.experiments.demo import demo_experiment_reset, demo_experiment_seed
from personalization.models import ChurnModel, Experiment, Placement, Segment, TraitDefinition, VisitorProfile

# CRM traits marketers can use: (name, type, description, choices)
TRAITS = [
    ("tier", "choice", "Loyalty tier from the CRM.", ["bronze", "silver", "gold"]),
    ("lifetime_value", "number", "Total spend in euros.", []),
    # The CRM's contract data and its record of who left: the churn model learns from them.
    ("contract", "choice", "Contract type from the CRM.", ["month-to-month", "one-year", "two-year"]),
    ("tenure_months", "number", "Months as a customer.", []),
    ("monthly_charges", "number", "Monthly bill in euros.", []),
    ("support_calls", "number", "Calls to support in the last quarter.", []),
    ("churned", "boolean", "Left us (the CRM's label; the churn model learns from it).", []),
]
DEMO_CRM = ("contract", "tenure_months", "monthly_charges", "support_calls", "churned")

# (key, name, priority, definition)
SEGMENTS = [
    ("gold-members", "Gold members", 5,
     {"attribute": "trait.tier", "operator": "equals", "value": "gold"}),
    ("mobile-returning", "Returning visitors on mobile", 10,
     {"all": [{"attribute": "device", "operator": "equals", "value": "mobile"},
              {"attribute": "returning", "operator": "equals", "value": True}]}),
    ("spring-campaign", "Spring campaign traffic", 15,
     {"any": [{"attribute": "utm_campaign", "operator": "equals", "value": "spring"},
              {"attribute": "referrer_host", "operator": "ends_with", "value": "newsletter.example"}]}),
    ("first-visit", "First-time visitors", 20,
     {"attribute": "first_visit", "operator": "equals", "value": True}),
    ("at-risk", "Customers at risk of leaving", 30,
     {"all": [{"attribute": "trait.churn_risk", "operator": "gte", "value": 0.7},
              {"not": {"attribute": "segment", "operator": "member_of", "value": "gold-members"}}]}),
    ("weekend-evenings", "Weekend evenings in London", 40,
     {"all": [{"attribute": "day_of_week", "operator": "day_of_week_in", "value": ["sat", "sun"], "timezone": "Europe/London"},
              {"attribute": "local_time", "operator": "time_between", "value": ["18:00", "23:00"], "timezone": "Europe/London"}]}),
]

# The spring landing page's personalised hero: (segment keys, channels, heading)
SPRING_VARIANTS = [
    (["gold-members"], [], "Gold members: your spring offer is doubled"),
    (["mobile-returning"], ["mobile"], "Welcome back: tap to claim your spring offer"),
    (["first-visit"], [], "New here? Your first spring order ships free"),
]
SPRING_DEFAULT = "Spring offers, picked for you"
SPRING_SLUG = "spring-offer"


def demo_personalisation_seed(*, reset: bool = False, progress: Progress = no_progress) -> dict[str, int]:
    """Add the demo's personalisation to the seeded hub, or bring it back to its demo state; return its counts.

    Run after cms.demo.demo_seed: the spring page's hero names these segments.
    """
    with transaction.atomic():
        if reset:
            demo_experiment_reset()
            for model in (ChurnModel, Placement, Segment, TraitDefinition, VisitorProfile):
                model.objects.all().delete()
        admin = User.objects.get(username=hub_content.ADMIN_USERNAME)
        segments = _seed_segments(admin)
        _seed_spring_hero(segments, admin, rebuild=reset)
        _seed_placement(segments)
        _seed_profiles(progress)
    # A running experiment on the spring hero, with two weeks of synthetic results for the tour;
    # before the demo's events are rolled up, so the dashboard counts its events too.
    web = Channel.objects.filter(slug="web").first()
    demo_experiment_seed(
        page=LandingPage.objects.filter(slug=SPRING_SLUG).first(), admin=admin,
        channel_id=web.pk if web else 0, progress=progress,
    )
    _seed_churn()
    home = Page.objects.get(slug=HOME_SLUG)
    demo_events_seed(
        channels=Channel.objects.all(), pages=home.get_descendants(inclusive=True).live(),
        segments=segments.values(), placements=("home-hero", "spring-hero"), progress=progress,
    )
    _seed_feedback(home, segments, reset=reset, progress=progress)
    return demo_personalisation_counts()


def _seed_feedback(home: Page, segments: dict[str, Segment], *, reset: bool, progress: Progress) -> None:
    """Customer feedback with a drop last week (personalization.insight.demo), and the visitors'
    sentiment traits computed from it."""
    from personalization.insight.demo import demo_feedback_seed
    from personalization.insight.traits import sentiment_traits_refresh

    visitors = sorted(VisitorProfile.objects.filter(visitor_id__startswith="demo-visitor-").values_list("visitor_id", flat=True))
    with transaction.atomic():
        demo_feedback_seed(
            pages=list(home.get_descendants().live().specific()), channels=list(Channel.objects.all()),
            segments=list(segments), visitors=visitors, reset=reset, progress=progress,
        )
        sentiment_traits_refresh(visitor_ids=visitors)


def demo_personalisation_counts() -> dict[str, int]:
    from personalization.insight.models import Feedback

    return {
        "feedback items": Feedback.objects.count(),
        "segments": Segment.objects.count(),
        "placements": Placement.objects.count(),
        "experiments": Experiment.objects.count(),
        "visitor profiles": VisitorProfile.objects.count(),
    }


def _seed_segments(admin: User) -> dict[str, Segment]:
    """Traits and published segments; a segment is created once, so a marketer's edits survive a re-seed."""
    risk_trait_ensure()  # the "at risk" segment's trait, computed by the hub
    sentiment_trait_ensure()  # computed by the hub from feedback
    for name, kind, description, choices in TRAITS:
        TraitDefinition.objects.get_or_create(name=name, defaults={"type": kind, "description": description, "choices": choices})
    segments = {}
    for key, name, priority, definition in SEGMENTS:
        segment = Segment.objects.filter(key=key).first()
        if segment is None:
            segment = Segment.objects.create(key=key, name=name, priority=priority, definition=definition, created_by=admin)
            segment.save_revision(user=admin, log_action=True).publish(user=admin)
        segments[key] = segment
    return segments


def _stream_id() -> str:
    return str(uuid.uuid4())


def _heading(text: str) -> dict:
    return {"type": "heading", "value": text, "id": _stream_id()}


def _variants(segments: dict[str, Segment]) -> list[dict]:
    return [
        {
            "type": "item",
            "id": _stream_id(),
            "value": {
                "segments": [{"type": "item", "value": segments[key].pk, "id": _stream_id()} for key in keys],
                "channels": channels,
                "content": [_heading(text)],
            },
        }
        for keys, channels, text in SPRING_VARIANTS
    ]


def _seed_spring_hero(segments: dict[str, Segment], admin: User, *, rebuild: bool) -> None:
    """The spring page opens with a personalised slot, built from the raw form the page editor saves.

    `rebuild` replaces the slot a previous run made (its segments were deleted and made again).
    """
    page = LandingPage.objects.filter(slug=SPRING_SLUG).first()
    if page is None:
        return
    others = [(child.block_type, child.value) for child in page.body if child.block_type != "personalised"]
    if len(others) < len(page.body) and not rebuild:
        return
    block = LandingPage.body.field.stream_block.child_blocks["personalised"]
    raw = {"slot": "spring-hero", "mode": "first", "default": [_heading(SPRING_DEFAULT)], "variants": _variants(segments)}
    page.body = [("personalised", block.to_python(raw)), *others]
    page.save_revision(user=admin, log_action=True).publish(user=admin)


def _seed_placement(segments: dict[str, Segment]) -> None:
    if Placement.objects.filter(key="home-hero").exists():
        return
    placement = Placement(key="home-hero", name="Home page hero", default=[_heading(SPRING_DEFAULT)])
    placement.variants = [
        {"type": "variant", "id": item["id"], "value": item["value"]} for item in _variants(segments)
    ]
    placement.save()


def _seed_churn() -> None:
    """The churn model, trained once on the demo's CRM labels, and every profile scored, so the
    "at risk" segment and the admin's At risk page have data (the periodic task keeps them current)."""
    risk_trait_ensure()
    if not ChurnModel.objects.exists():
        labelled = labelled_by_trait("churned")
        if len(set(labelled.labels)) == 2:
            train_and_store(labelled, traits=[name for name in DEMO_CRM if name != "churned"])
    scores_refresh()


def _seed_profiles(progress: Progress) -> None:
    """Sample visitor profiles, so reach estimates and behaviour rules have something to count."""
    if VisitorProfile.objects.exists():
        return
    start = datetime(2026, 1, 1, tzinfo=dt_timezone.utc)
    # Contract data shaped like a telecom CRM export, with who left (a known signal: short,
    # month-to-month contracts and many support calls leave more).
    crm = [
        {name: (row[name] == "yes") if name == "churned" else row[name] for name in DEMO_CRM}
        for row in churn_customers(200, seed=2026)
    ]
    rows = []
    for n in progress(range(200), "visitor profiles"):
        rows.append(VisitorProfile(
            visitor_id=f"demo-visitor-{n:03d}",
            first_seen=start + timedelta(days=n),
            last_seen=start + timedelta(days=n + n % 30),
            visit_count=1 + n % 9,
            traits={"tier": ("bronze", "silver", "gold")[n % 3], "lifetime_value": 40 * (n % 25),
                    **crm[n]},
            consent=["behaviour", "crm"] if n % 4 else ["behaviour"],
        ))
    VisitorProfile.objects.bulk_create(rows)
