"""The Sentiment page: trends with charts, "what is behind this drop", the scorer and its training;
labelling feedback for the domain model, and a file upload for marketers."""

from datetime import date, datetime, time, timedelta, timezone

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone as django_timezone
from wagtail.models import Page

from cms.models import Channel
from personalization.models import Segment

from .explain import drop_explain
from .imports import feedback_import, feedback_rows, file_format, text_lines
from .models import Feedback, FeedbackSource, SentimentLabel, SentimentModel, SentimentTraining
from .scoring import active_scorer
from .training import training_start
from .trends import Slice, sentiment_trend

VIEW_PERMISSION = "insight.view_feedback"
LABEL_PERMISSION = "insight.change_feedback"
TRAIN_PERMISSION = "insight.add_sentimenttraining"
UPLOAD_PERMISSION = "insight.add_feedback"
RANGES = [("30", "Last 30 days"), ("90", "Last 90 days"), ("180", "Last 180 days")]
BY = [("", "All feedback"), ("source", "Source"), ("channel", "Channel"), ("page", "Page"), ("segment", "Segment")]
LABEL_BATCH = 20
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


class SliceForm(forms.Form):
    """The slice and periods every view of the page takes; a bad value is a form error, never a 500."""

    range = forms.ChoiceField(choices=RANGES, required=False, label="Date range")
    period = forms.ChoiceField(choices=[("day", "Per day"), ("week", "Per week")], required=False)
    by = forms.ChoiceField(choices=BY, required=False, label="Split by")
    segment = forms.ChoiceField(required=False)
    channel = forms.ModelChoiceField(Channel.objects.order_by("name"), required=False, empty_label="Every channel")
    page = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    source = forms.ChoiceField(choices=[("", "Every source"), *FeedbackSource.choices], required=False)
    # The drop: the current period ends on `until` (included) and lasts `days`; the earlier one precedes it.
    until = forms.DateField(required=False, label="Drop: period ending", widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.TypedChoiceField(choices=[("7", "7 days"), ("14", "14 days"), ("28", "28 days")], coerce=int,
                                  required=False, empty_value=7, label="Drop: compare")

    def __init__(self, data, *, today: date):
        super().__init__(data)
        self.today = today
        self.fields["segment"].choices = [("", "Everyone"), *Segment.objects.order_by("name").values_list("key", "name")]
        self.fields["page"].choices = [("", "Every page"), *Page.objects.filter(depth__gt=1).order_by("path").values_list("pk", "title")]

    def clean(self):
        data = super().clean()
        data["range"] = int(data.get("range") or 30)
        data["period"] = data.get("period") or "day"
        data["until"] = data.get("until") or self.today
        data["days"] = data.get("days") or 7
        if data["until"] > self.today:
            self.add_error("until", "The period cannot end after today (UTC).")
        return data

    def slice(self) -> Slice:
        data = self.cleaned_data
        return Slice(segment=data.get("segment") or "", channel=data["channel"].pk if data.get("channel") else None,
                     page=data.get("page"), source=data.get("source") or "")

    def periods(self) -> tuple[tuple[datetime, datetime], tuple[datetime, datetime]]:
        end = midnight(self.cleaned_data["until"] + timedelta(days=1))
        length = timedelta(days=self.cleaned_data["days"])
        return (end - length, end), (end - 2 * length, end - length)


def _form(request) -> SliceForm:
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    return SliceForm(request.GET or {}, today=django_timezone.now().date())


def _render(request, template: str, form, title: str, **context) -> TemplateResponse:
    return TemplateResponse(
        request, f"insight/admin/{template}",
        {"form": form, "page_title": title, "header_title": title, "header_icon": "comment", **context},
        status=200 if form is None or form.is_valid() else 400,
    )


def _key_names(by: str, keys: set[str]) -> dict[str, str]:
    if by == "page":
        return {str(pk): title for pk, title in Page.objects.filter(pk__in=[int(k) for k in keys if k.isdigit()]).values_list("pk", "title")}
    if by == "channel":
        return {str(pk): name for pk, name in Channel.objects.filter(pk__in=[int(k) for k in keys if k.isdigit()]).values_list("pk", "name")}
    if by == "segment":
        return dict(Segment.objects.filter(key__in=keys).values_list("key", "name"))
    if by == "source":
        return dict(FeedbackSource.choices)
    return {"all": "All feedback"}


def sentiment_dashboard(request):
    """Trends of mean sentiment, negative share and volume for a slice, split as chosen."""
    form = _form(request)
    if not form.is_valid():
        return _render(request, "sentiment.html", form, "Sentiment")
    data = form.cleaned_data
    until = midnight(django_timezone.now().date() + timedelta(days=1))
    points = sentiment_trend(since=until - timedelta(days=data["range"]), until=until, period=data["period"],
                             by=data.get("by") or None, where=form.slice())
    names = _key_names(data.get("by") or "", {point.key for point in points})
    buckets = sorted({point.bucket for point in points})
    keys = sorted({point.key for point in points}, key=lambda key: names.get(key, key))
    lookup = {(point.bucket, point.key): point for point in points}

    def series(attribute):
        return [{"label": names.get(key, key), "values": [getattr(lookup[(bucket, key)], attribute) if (bucket, key) in lookup else None
                                                        for bucket in buckets]} for key in keys]

    charts = {"labels": [bucket.isoformat() for bucket in buckets], "mean": series("mean"),
              "negative": series("negative_share"), "volume": series("volume")}
    rows = [(point.bucket, names.get(point.key, point.key), point.volume, f"{point.mean:+.2f}", f"{point.negative_share:.0%}") for point in points]
    live = SentimentModel.objects.filter(live=True).select_related("training").order_by("-pk").first()
    return _render(
        request, "sentiment.html", form, "Sentiment", charts=charts, rows=rows, query=request.GET.urlencode(),
        scorer=active_scorer().version, live_model=live, trainings=SentimentTraining.objects.all()[:3],
        labelled=Feedback.objects.exclude(human_label="").count(), total=Feedback.objects.count(),
        can_train=request.user.has_perm(TRAIN_PERMISSION), can_label=request.user.has_perm(LABEL_PERMISSION),
        can_upload=request.user.has_perm(UPLOAD_PERMISSION),
    )


def sentiment_explain(request):
    """What is behind a drop: terms and pages whose share of negative feedback rose most, with quotes."""
    form = _form(request)
    if not form.is_valid():
        return _render(request, "explain.html", form, "What is behind this drop")
    current, earlier = form.periods()
    explained = drop_explain(where=form.slice(), current=current, earlier=earlier)
    return _render(request, "explain.html", form, "What is behind this drop", explained=explained,
                   current_last=current[1] - timedelta(days=1), earlier_last=earlier[1] - timedelta(days=1),
                   query=request.GET.urlencode())


class LabelForm(forms.Form):
    """One choice per shown item: positive, neutral, negative, or skip."""

    def __init__(self, items, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Skip"), *SentimentLabel.choices]
        for item in items:
            self.fields[f"item-{item.pk}"] = forms.ChoiceField(choices=choices, required=False, widget=forms.RadioSelect, label=item.text)


def sentiment_label(request):
    """Marketers read items and say what they mean: the labels the domain model learns from."""
    if not request.user.has_perm(LABEL_PERMISSION):
        raise PermissionDenied
    items = list(Feedback.objects.filter(human_label="").order_by("-occurred_at")[:LABEL_BATCH])
    form = LabelForm(items, request.POST or None)
    if request.method == "POST" and form.is_valid():
        chosen = {int(name.split("-")[1]): value for name, value in form.cleaned_data.items() if value}
        with transaction.atomic():
            for item in Feedback.objects.filter(pk__in=chosen):
                item.human_label, item.labelled_by = chosen[item.pk], request.user
                item.save(update_fields=["human_label", "labelled_by"])
        messages.success(request, f"{len(chosen)} item(s) labelled.")
        return redirect("insight_sentiment_label")
    return _render(request, "label.html", None, "Label feedback", label_form=form, items=items,
                   labelled=Feedback.objects.exclude(human_label="").count())


def sentiment_train(request):
    """Queue a training on today's labels (POST only); its progress shows on the Sentiment page."""
    if not request.user.has_perm(TRAIN_PERMISSION):
        raise PermissionDenied
    if request.method == "POST":
        training_start(request.user)
        messages.success(request, "Training queued: its accuracy appears here when it is done.")
    return redirect("insight_sentiment")


class UploadForm(forms.Form):
    file = forms.FileField(help_text="CSV (header row with the API's field names) or JSON Lines, up to 20 MB.")
    channel = forms.ModelChoiceField(Channel.objects.order_by("name"), required=False, empty_label="No channel")
    consent = forms.MultipleChoiceField(
        choices=[("behaviour", "Behaviour"), ("crm", "CRM")], required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Consent the source recorded for these customers; without it, ids are kept only where profiles consent.",
    )
    dry_run = forms.BooleanField(required=False, label="Only check the file")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 20 MB: use `manage.py import_feedback`.")
        try:
            self.cleaned_data["format"] = file_format(upload.name)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload


def feedback_upload(request):
    """A marketer's file of survey answers or reviews, imported as the command does."""
    if not request.user.has_perm(UPLOAD_PERMISSION):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        consent = ",".join(data["consent"]) if data["consent"] else None
        report = feedback_import(feedback_rows(text_lines(data["file"].file), data["format"]),
                                 channel_id=data["channel"].pk if data["channel"] else None, consent=consent,
                                 dry_run=data["dry_run"])
    first_line = 2 if form.is_bound and form.cleaned_data.get("format") == "csv" else 1
    return TemplateResponse(
        request, "insight/admin/upload.html",
        {"upload_form": form, "report": report, "first_line": first_line, "page_title": "Upload feedback",
         "header_title": "Upload feedback", "header_icon": "upload", "back": reverse("insight_sentiment")},
        status=400 if request.method == "POST" and not form.is_valid() else 200,
    )
