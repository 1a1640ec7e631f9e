"""Experiments: A/B/n tests on a personalised block, a placement or a page's variant set, governed like content.

An experiment is a snippet with drafts, revisions, locking, the audit log and the chief
content officer's workflow: a marketer drafts it and submits it; the approval publishes
it, which launches it (within its dates). Stopping is a revision with status "stopped"
going through the same workflow. Only the live revision of a running experiment assigns
arms; a draft, a stopped or a deleted experiment leaves every visitor on the default path.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.models import DraftStateMixin, LockableMixin, Orderable, RevisionMixin, WorkflowMixin

MAX_GUARDRAILS = 3


class TargetKind(models.TextChoices):
    BLOCK = "block", "A personalised block of a page"
    PLACEMENT = "placement", "A placement"
    PAGE = "page", "A page's variant set (control: the page itself)"


class GoalKind(models.TextChoices):
    BINOMIAL = "binomial", "Conversion rate (did the visitor do it)"
    MEAN = "mean", "Mean value per visitor (e.g. revenue)"


class ExperimentStatus(models.TextChoices):
    RUNNING = "running", "Running (once approved, between its dates)"
    STOPPED = "stopped", "Stopped"


class Experiment(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, ClusterableModel):
    """An A/B/n test: arms with weights on one target, for an audience, judged by a goal."""

    key = models.SlugField(max_length=64, unique=True, help_text="Stable identifier: hashed into the assignment.")
    name = models.CharField(max_length=120)
    hypothesis = models.TextField(blank=True)

    target_kind = models.CharField(max_length=16, choices=TargetKind.choices, default=TargetKind.BLOCK)
    page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="For a block: the page holding the personalised block. For a variant set: the page whose variants are tested.",
    )
    slot = models.CharField(max_length=64, blank=True, help_text="For a block: the block's slot name.")
    placement = models.ForeignKey(
        "personalization.Placement", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
    )

    holdout = models.DecimalField(
        max_digits=4, decimal_places=3, default=0,
        help_text="Share of the audience that sees the default content and is not in any arm (0 to 0.9).",
    )
    audience = ParentalManyToManyField(
        "personalization.Segment", blank=True, related_name="+",
        help_text="Only members of one of these segments take part; none: every visitor.",
    )

    goal_event = models.SlugField(max_length=64, help_text="The event type that counts as the goal.")
    goal_page = models.ForeignKey(
        "wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Only goal events on this page count (optional).",
    )
    goal_placement = models.SlugField(max_length=64, blank=True, help_text="Only goal events on this placement count.")
    goal_kind = models.CharField(max_length=16, choices=GoalKind.choices, default=GoalKind.BINOMIAL)
    min_sample = models.PositiveIntegerField(default=1000, help_text="Exposed visitors per arm before a winner is named.")
    starts_at = models.DateTimeField(null=True, blank=True, help_text="Empty: as soon as it is approved.")
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: until it is stopped.")
    status = models.CharField(max_length=16, choices=ExperimentStatus.choices, default=ExperimentStatus.RUNNING)
    winner = models.SlugField(max_length=64, blank=True, editable=False, help_text="The arm promoted, if any.")

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState", content_type_field="base_content_type", object_id_field="object_id",
        related_query_name="experiment", for_concrete_model=False,
    )
    revisions = GenericRelation(
        "wagtailcore.Revision", content_type_field="base_content_type", object_id_field="object_id",
        related_query_name="experiment", for_concrete_model=False,
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def control_arm(self):
        """The arm that shows the default content."""
        return next((arm for arm in self.arms.all() if arm.variant is None), None)

    def is_running(self, now=None) -> bool:
        """Live, not stopped and within its dates."""
        now = now or timezone.now()
        return (
            self.live and self.status == ExperimentStatus.RUNNING
            and (self.starts_at is None or self.starts_at <= now)
            and (self.ends_at is None or now < self.ends_at)
        )

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.target_kind == TargetKind.BLOCK:
            if self.page_id is None:
                errors.setdefault("page", []).append("Choose the page whose personalised block is tested.")
            if not self.slot:
                errors.setdefault("slot", []).append("Name the personalised block's slot.")
            elif self.page_id is not None and self.slot not in page_slots(self.page_id):
                errors.setdefault("slot", []).append(
                    f"The page has no personalised block '{self.slot}'. Its slots: "
                    f"{', '.join(page_slots(self.page_id)) or 'none'}."
                )
        elif self.target_kind == TargetKind.PAGE:
            if self.page_id is None:
                errors.setdefault("page", []).append("Choose the page whose variants are tested.")
            elif not page_variant_count(self.page_id):
                errors.setdefault("page", []).append(
                    "The page has no page variants: add them on the page (Personalisation tab) first."
                )
        elif self.placement_id is None:
            errors.setdefault("placement", []).append("Choose the placement to test.")
        if not 0 <= self.holdout <= 0.9:
            errors.setdefault("holdout", []).append("The holdout is a share between 0 and 0.9.")
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors.setdefault("ends_at", []).append("The end must be after the start.")
        if errors:
            raise ValidationError(errors)

    def target_variant_count(self) -> int | None:
        """How many variants the target has (None when the target cannot be read)."""
        if self.target_kind == TargetKind.PLACEMENT:
            return len(self.placement.variants) if self.placement_id else None
        if self.target_kind == TargetKind.PAGE:
            return page_variant_count(self.page_id) if self.page_id else None
        block = page_block(self.page_id, self.slot) if self.page_id else None
        return None if block is None else len(block["variants"])


class ExperimentArm(Orderable):
    """One arm: the target's default content (the control) or one of its variants, with a weight."""

    experiment = ParentalKey(Experiment, on_delete=models.CASCADE, related_name="arms")
    key = models.SlugField(max_length=64, help_text="e.g. control, b, c.")
    name = models.CharField(max_length=120, blank=True)
    variant = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The target's variant number (1 = first); empty: the default content (control).",
    )
    weight = models.PositiveIntegerField(default=50, help_text="Relative share of the experiment's visitors.")

    class Meta(Orderable.Meta):
        verbose_name = "arm"

    def __str__(self) -> str:
        return self.name or self.key

    @property
    def variant_id(self) -> str | None:
        """The delivery API's variant id (`v2`), None for the default content."""
        return None if self.variant is None else f"v{self.variant}"


class ExperimentGuardrail(Orderable):
    """A metric that must not get worse (up to three per experiment)."""

    experiment = ParentalKey(Experiment, on_delete=models.CASCADE, related_name="guardrails")
    event_type = models.SlugField(max_length=64)
    kind = models.CharField(max_length=16, choices=GoalKind.choices, default=GoalKind.BINOMIAL)
    higher_is_better = models.BooleanField(default=True)

    class Meta(Orderable.Meta):
        verbose_name = "guardrail"

    def __str__(self) -> str:
        return self.event_type


def page_variant_count(page_id: int) -> int:
    """How many page variants a page has (its published ones: delivery serves those)."""
    from personalization.models import PageVariant

    return PageVariant.objects.filter(page_id=page_id).count()


def page_block(page_id: int, slot: str) -> dict | None:
    """The stored value of a page's personalised block with this slot name (latest revision), if any."""
    from wagtail.models import Page

    page = Page.objects.filter(pk=page_id).first()
    if page is None:
        return None
    page = page.get_latest_revision_as_object() if page.has_unpublished_changes else page.specific
    for _, stream in _stream_values(page):
        for child in stream:
            if child.block_type == "personalised" and child.value["slot"] == slot:
                return child.value
    return None


def page_slots(page_id: int) -> list[str]:
    """Slot names of the personalised blocks of a page (its latest revision)."""
    from wagtail.models import Page

    page = Page.objects.filter(pk=page_id).first()
    if page is None:
        return []
    page = page.get_latest_revision_as_object() if page.has_unpublished_changes else page.specific
    return [
        child.value["slot"] for _, stream in _stream_values(page) for child in stream if child.block_type == "personalised"
    ]


def _stream_values(page):
    from wagtail.fields import StreamField

    for field in page._meta.concrete_fields:
        if isinstance(field, StreamField):
            yield field.name, getattr(page, field.name)
