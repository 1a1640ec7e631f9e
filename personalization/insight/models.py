"""Feedback items, marketers' labels on them, and the governed choice of sentiment scorer."""

from datetime import timezone

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.models import DraftStateMixin, LockableMixin, RevisionMixin, WorkflowMixin

from .sentiment.labels import NEGATIVE, NEUTRAL, POSITIVE


class FeedbackSource(models.TextChoices):
    SURVEY = "survey", "Survey"
    SUPPORT = "support", "Support ticket"
    SOCIAL = "social", "Social post"
    APP_REVIEW = "app_review", "App review"
    EMAIL = "email", "Email"
    OTHER = "other", "Other"


class RatingScale(models.TextChoices):
    FIVE = "1-5", "1 to 5"
    TEN = "0-10", "0 to 10"


class SentimentLabel(models.TextChoices):
    POSITIVE = POSITIVE, "Positive"
    NEUTRAL = NEUTRAL, "Neutral"
    NEGATIVE = NEGATIVE, "Negative"


class FeedbackQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.fill_day()
        return super().bulk_create(objs, *args, **kwargs)


class Feedback(models.Model):
    """Something a customer wrote, with where it came from and its sentiment.

    Without the visitor's consent (`behaviour` or `crm`) the text is kept and the visitor and
    customer ids are not: it still counts in trends, never towards a person.
    """

    text = models.TextField()
    source = models.CharField(max_length=16, choices=FeedbackSource.choices)
    channel = models.ForeignKey("cms.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    visitor_id = models.CharField(max_length=128, blank=True, db_index=True)
    customer_id = models.CharField(max_length=128, blank=True, db_index=True)
    page = models.ForeignKey("wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rating = models.SmallIntegerField(null=True, blank=True)
    rating_scale = models.CharField(max_length=8, choices=RatingScale.choices, blank=True)
    language = models.CharField(max_length=16, blank=True)
    occurred_at = models.DateTimeField()
    # occurred_at's UTC day, stored: trends group by a plain column (SQLite would call a Python
    # function per row to truncate a datetime; 100,000 items took 1.7 s that way).
    day = models.DateField(editable=False)
    received_at = models.DateTimeField(auto_now_add=True)
    external_id = models.CharField(max_length=128, blank=True, help_text="The source's own id: a repeat is not stored twice.")
    segments = models.JSONField(default=list, blank=True, help_text="Segment keys the customer was in.")
    score = models.FloatField(null=True, blank=True, help_text="Sentiment in [-1, 1].")
    label = models.CharField(max_length=8, choices=SentimentLabel.choices, blank=True)
    scored_by = models.CharField(max_length=64, blank=True, help_text="The scorer's version.")
    # A marketer's own reading of the item: what the domain model learns from.
    human_label = models.CharField(max_length=8, choices=SentimentLabel.choices, blank=True)
    labelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name_plural = "feedback"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], condition=~models.Q(external_id=""), name="feedback_source_external_id_uniq"
            )
        ]
        indexes = [
            models.Index(fields=["occurred_at"], name="feedback_occurred_idx"),
            models.Index(fields=["day", "label"], name="feedback_day_idx"),
            models.Index(fields=["page", "day"], name="feedback_page_day_idx"),
            models.Index(fields=["channel", "day"], name="feedback_channel_day_idx"),
            models.Index(fields=["source", "day"], name="feedback_source_day_idx"),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    def fill_day(self) -> None:
        """Set `day` from `occurred_at` (UTC)."""
        if self.occurred_at is not None:
            self.day = self.occurred_at.astimezone(timezone.utc).date()

    def save(self, *args, **kwargs):
        self.fill_day()
        super().save(*args, **kwargs)


class FeedbackSegment(models.Model):
    """One segment a feedback item's customer was in: a row each, so trends group by segment in SQL."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="segment_rows")
    segment_key = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()
    day = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["segment_key", "day"], name="feedback_segment_idx")]


class SentimentTraining(models.Model):
    """One fitting of the domain model on the labels of its day, with its held-out accuracy.

    Immutable once done; the governed SentimentModel points at one. The fitted model is stored
    here as bytes, never downloaded.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    detail = models.TextField(blank=True)
    labels = models.PositiveIntegerField(default=0)
    held_out = models.PositiveIntegerField(default=0)
    accuracy = models.FloatField(null=True, blank=True, help_text="The domain model's accuracy on held-out labels.")
    lexicon_accuracy = models.FloatField(null=True, blank=True, help_text="The lexicon's on the same labels.")
    model = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        if self.accuracy is None:
            return f"Training #{self.pk} ({self.get_status_display()})"
        return f"Training #{self.pk}: {self.accuracy:.0%} vs lexicon {self.lexicon_accuracy:.0%} on {self.held_out} held-out labels"

    @property
    def version(self) -> str:
        return f"trained:{self.pk}"


class SentimentBackend(models.TextChoices):
    LEXICON = "lexicon", "Lexicon (VADER, no training)"
    TRAINED = "trained", "Domain model (trained on your labels)"


class SentimentModel(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, models.Model):
    """Which scorer the hub uses: governed like a segment (drafts, revisions, approval workflow).

    Only a live version decides; publishing one rescores recent feedback in the background.
    """

    name = models.CharField(max_length=120, default="Sentiment scorer")
    backend = models.CharField(max_length=16, choices=SentimentBackend.choices, default=SentimentBackend.LEXICON)
    training = models.ForeignKey(
        SentimentTraining, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="For the domain model: the training to use (its accuracy is shown beside the lexicon's).",
    )
    notes = models.TextField(blank=True)
    rescore_progress = models.PositiveSmallIntegerField(default=100, editable=False)

    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState", content_type_field="base_content_type", object_id_field="object_id",
        related_query_name="sentiment_model", for_concrete_model=False,
    )
    revisions = GenericRelation(
        "wagtailcore.Revision", content_type_field="base_content_type", object_id_field="object_id",
        related_query_name="sentiment_model", for_concrete_model=False,
    )

    panels = [FieldPanel("name"), FieldPanel("backend"), FieldPanel("training"), FieldPanel("notes")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.backend == SentimentBackend.TRAINED and (self.training is None or self.training.status != SentimentTraining.Status.DONE):
            raise ValidationError({"training": "Choose a finished training for the domain model."})
