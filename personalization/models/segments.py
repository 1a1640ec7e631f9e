"""Segments and trait definitions: marketers' rules, governed like content.

A segment is a Wagtail snippet with drafts, revisions (diff and rollback), an
optional approval workflow, scheduled go-live and expiry, locking and audit log.
Only its live version takes part in decisions; the rules engine never sees a draft.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.models import DraftStateMixin, LockableMixin, RevisionMixin, WorkflowMixin
from wagtail.search import index


class TraitType(models.TextChoices):
    STRING = "string", "Text"
    NUMBER = "number", "Number"
    BOOLEAN = "boolean", "Yes / no"
    DATE = "date", "Date"
    CHOICE = "choice", "One of a list"


class TraitCategory(models.TextChoices):
    """The consent a trait's data falls under (the visitor's consent categories)."""

    CRM = "crm", "CRM data"
    BEHAVIOUR = "behaviour", "Behaviour"


class TraitDefinition(models.Model):
    """A CRM trait that rules may use, with its type (so the rule builder offers the right operators)."""

    name = models.SlugField(max_length=64, unique=True, help_text="As it appears in rules: trait.<name>.")
    type = models.CharField(max_length=16, choices=TraitType.choices)
    description = models.TextField(blank=True)
    choices = models.JSONField(default=list, blank=True, help_text="For 'one of a list': the allowed values.")
    category = models.CharField(
        max_length=16, choices=TraitCategory.choices, default=TraitCategory.CRM,
        help_text="The consent its data needs.",
    )
    retention_days = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="Values older than this many days (since set or last changed) are removed. Blank: kept.",
    )
    computed = models.BooleanField(
        default=False, help_text="Written by the hub itself (e.g. a score): imports and the CRM API cannot set it.",
    )

    panels = [
        FieldPanel("name"), FieldPanel("type"), FieldPanel("description"), FieldPanel("choices"),
        FieldPanel("category"), FieldPanel("retention_days"), FieldPanel("computed"),
    ]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_type_display()})"

    def clean(self) -> None:
        from personalization.dependants import segments_broken_by_trait_change

        if self.pk and (broken := segments_broken_by_trait_change(self)):
            # they would be left out of every decision from this save on
            names = ", ".join(f"'{segment.name}'" for segment in broken)
            raise ValidationError(
                f"Live segments would no longer work with this change: {names}. Change them first."
            )


class Segment(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, index.Indexed, models.Model):
    """A named audience defined by rules over the visitor context."""

    key = models.SlugField(max_length=64, unique=True, help_text="Stable identifier used in explanations and exports.")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    priority = models.PositiveIntegerField(
        default=100, help_text="Lower numbers win when several segments match a visitor."
    )
    enabled = models.BooleanField(default=True)
    definition = models.JSONField(
        default=dict, help_text="Conditions: all / any / not over {attribute, operator, value}."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="segment",
        for_concrete_model=False,
    )
    revisions = GenericRelation(
        "wagtailcore.Revision",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="segment",
        for_concrete_model=False,
    )

    search_fields = [index.SearchField("name"), index.SearchField("description"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["priority", "key"]
        permissions = [("replace_segment", "Can delete or unpublish a segment in use by replacing it")]

    def __str__(self) -> str:
        return self.name

    # Live settings of a published segment, changed from the priority list (with its own
    # audit entries) rather than by publishing a revision: like Wagtail's ``live`` or
    # ``locked``, they belong to the segment as a whole, not to one revision.
    LIVE_SETTINGS = ("priority", "enabled")

    def with_content_json(self, content):
        """A revision's content as an object; a live segment keeps its own priority and on/off
        switch, so publishing an older draft (or reverting) never undoes a reorder and
        stored revisions are never rewritten."""
        obj = super().with_content_json(content)
        if self.live:
            for name in self.LIVE_SETTINGS:
                setattr(obj, name, getattr(self, name))
        return obj

    def clean(self) -> None:
        from personalization.dependants import segments_using_segment
        from personalization.specs import segment_definition_errors

        errors: dict[str, list[str]] = {}
        if definition_errors := segment_definition_errors(self, check_trait_lists=True):
            errors["definition"] = definition_errors
        stored = Segment.objects.filter(pk=self.pk).values_list("key", flat=True).first() if self.pk else None
        renamed = stored is not None and stored != self.key
        if renamed and (users := segments_using_segment(stored, exclude_pk=self.pk)):
            # member_of refers to the key: renaming it would leave those segments out of every decision
            names = ", ".join(f"'{user.name}'" for user in users)
            errors["key"] = [f"Live segments use '{stored}' (member_of): {names}. Change them first."]
        if errors:
            raise ValidationError(errors)
