"""Churn models trained in the hub, and each customer's current risk with its reasons."""

from django.db import models

from .profiles import VisitorProfile


class ChurnModel(models.Model):
    """One trained model (`churn_model train`): JSON coefficients and scaler, never a pickle.

    The highest version scores; older ones stay for comparison and audit.
    """

    version = models.PositiveIntegerField(unique=True)
    trained_at = models.DateTimeField()
    label = models.CharField(max_length=120, help_text="What it learned from: trait:<name> or inactivity:<days>.")
    features = models.JSONField(default=list, help_text="Input columns, in order.")
    model = models.JSONField(help_text="Feature spec, means, scales, coefficients and intercept.")
    customers = models.PositiveIntegerField(default=0)
    positives = models.PositiveIntegerField(default=0, help_text="Customers labelled as leaving.")
    auc = models.FloatField(null=True, blank=True, help_text="5-fold cross-validated ROC AUC.")
    baseline_auc = models.FloatField(null=True, blank=True, help_text="Same, for the best single feature.")
    baseline_feature = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Churn model v{self.version} ({self.label})"


class ChurnScore(models.Model):
    """A customer's latest churn risk (also their computed trait `churn_risk`) and why."""

    profile = models.OneToOneField(VisitorProfile, on_delete=models.CASCADE, related_name="churn_score")
    risk = models.FloatField()
    reasons = models.JSONField(default=list, help_text="[{factor, text, contribution, direction}], largest first.")
    model_version = models.PositiveIntegerField()
    scored_at = models.DateTimeField()
    high_since = models.DateTimeField(null=True, blank=True, help_text="When the risk last crossed into high.")

    class Meta:
        indexes = [
            models.Index(fields=["-risk"], name="churn_score_risk_idx"),
            models.Index(fields=["high_since"], name="churn_score_high_since_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.profile_id}: {self.risk:.2f}"
