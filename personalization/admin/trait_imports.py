"""The marketer's import of a CRM export: upload → map columns to traits → preview → dry run → apply.

Not django-import-export: its import reads the whole file into a tablib Dataset in memory
and maps one row to one model instance, where an import here streams a file of millions
of rows and merges values into a JSON field of an existing profile.

The upload is kept under MEDIA_ROOT/private (never served) until it is applied; dry run
and apply run in the background (an outbox job) and this page shows their progress.
"""

import io
from itertools import islice

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.permission_policies import ModelPermissionPolicy

from personalization.models import TraitDefinition, TraitImport, TraitType
from personalization.traits import check_row, read_rows, sniff_format
from personalization.traits.reader import FileProblem
from personalization.traitsync.imports import ImportProblem, build_plan, infer_columns, trait_name_for
from personalization.traitsync.jobs import trait_import_enqueue

permissions = ModelPermissionPolicy(TraitImport)
SAMPLE_ROWS = 200  # read at upload to infer types
PREVIEW_ROWS = 10
MAX_UPLOAD_BYTES = getattr(settings, "TRAIT_IMPORT_MAX_BYTES", 500 * 1024 * 1024)
LEAVE_OUT, NEW = "", "new"


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV or JSON Lines file"), help_text=gettext_lazy("A CRM export with a header row (CSV) or one JSON object per line."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than %(n)s MB.") % {"n": MAX_UPLOAD_BYTES // (1024 * 1024)})
        if not upload.name.lower().endswith((".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".json")):
            raise forms.ValidationError(_("Upload a .csv or .jsonl file."))
        return upload


def _sample(trait_import: TraitImport, rows: int):
    """The columns and the first `rows` rows of the stored upload."""
    with trait_import.file.open("rb") as raw:
        stream = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        columns, iterator = read_rows(stream, trait_import.format)
        return columns, list(islice(iterator, rows))


class _Base(WagtailAdminTemplateMixin, View):
    header_icon = "upload"
    permission = "view"

    def dispatch(self, request, *args, **kwargs):
        if not permissions.user_has_permission(request.user, self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": reverse("personalization_trait_imports"), "label": _("Import traits")}, {"url": "", "label": self.get_page_title()}]


class ImportIndexView(_Base):
    """Recent imports and the upload form."""

    template_name = "personalization/admin/trait_import_index.html"
    page_title = gettext_lazy("Import traits")

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get(self, request, form=None):
        imports = TraitImport.objects.select_related("created_by")[:20]
        return self.render_to_response(self.get_context_data(form=form or UploadForm(), imports=imports, can_add=permissions.user_has_permission(request.user, "add")))

    def post(self, request):
        if not permissions.user_has_permission(request.user, "add"):
            raise PermissionDenied
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.get(request, form)
        upload = form.cleaned_data["file"]
        head = upload.read(64).decode("utf-8", errors="ignore")
        upload.seek(0)
        trait_import = TraitImport(filename=upload.name[:255], format=sniff_format(upload.name, head), created_by=request.user)
        trait_import.file.save(upload.name, upload, save=False)
        try:
            columns, rows = _sample(trait_import, SAMPLE_ROWS)
        except (FileProblem, UnicodeDecodeError) as exc:
            trait_import.file.delete(save=False)
            form.add_error("file", str(exc) if isinstance(exc, FileProblem) else _("The file is not UTF-8 text."))
            return self.get(request, form)
        trait_import.columns = columns
        trait_import.inferred = infer_columns(rows, columns)
        trait_import.id_column = _guess_id_column(columns)
        trait_import.save()
        return HttpResponseRedirect(reverse("personalization_trait_import", args=[trait_import.pk]))


def _guess_id_column(columns: list[str]) -> str:
    for column in columns:
        if any(word in column.lower() for word in ("visitor", "customer id", "customer_id", "id")):
            return column
    return columns[0]


class MappingForm(forms.Form):
    """The identity column, and per column: leave out, an existing trait, or a new trait of a confirmed type."""

    def __init__(self, *args, trait_import: TraitImport, **kwargs):
        super().__init__(*args, **kwargs)
        self.trait_import = trait_import
        columns = trait_import.columns
        self.fields["id_column"] = forms.ChoiceField(label=_("Identity column (visitor id)"), choices=[(c, c) for c in columns], initial=trait_import.id_column)
        traits = list(TraitDefinition.objects.order_by("name"))
        existing = {trait.name for trait in traits}
        self.rows = []
        for index, column in enumerate(columns):
            name = trait_name_for(column)
            inferred = trait_import.inferred.get(column, {"type": "string", "choices": []})
            choices = [(LEAVE_OUT, _("Leave out")), (NEW, _("New trait"))] + [
                (f"trait:{trait.name}", f"{trait.name} ({trait.get_type_display()})") for trait in traits if not trait.computed
            ]
            mapped = _mapped_choice(trait_import, column, name, existing)
            self.fields[f"map_{index}"] = forms.ChoiceField(label=column, choices=choices, initial=mapped, required=False)
            self.fields[f"name_{index}"] = forms.SlugField(label=_("New trait name"), initial=_new_name(trait_import, column, name), required=False, max_length=64)
            self.fields[f"type_{index}"] = forms.ChoiceField(label=_("Type"), choices=TraitType.choices, initial=_new_type(trait_import, column, inferred), required=False)
            self.rows.append({
                "column": column, "inferred": inferred,
                "map": self[f"map_{index}"], "name": self[f"name_{index}"], "type": self[f"type_{index}"],
            })

    def clean(self):
        data = super().clean()
        id_column = data.get("id_column")
        mapping, new_traits = {}, {}
        existing = set(TraitDefinition.objects.values_list("name", flat=True))
        for index, column in enumerate(self.trait_import.columns):
            choice = data.get(f"map_{index}") or LEAVE_OUT
            if column == id_column or choice == LEAVE_OUT:
                continue
            if choice == NEW:
                name = data.get(f"name_{index}") or trait_name_for(column)
                name = name.replace("-", "_")
                if name in existing or name in new_traits:
                    self.add_error(f"name_{index}", _("A trait '%(name)s' exists already: map the column to it.") % {"name": name})
                    continue
                kind = data.get(f"type_{index}") or "string"
                inferred = self.trait_import.inferred.get(column, {})
                choices = inferred.get("choices", []) if kind == "choice" and inferred.get("type") == "choice" else []
                if kind == "choice" and not choices:
                    self.add_error(f"type_{index}", _("Create 'one of a list' traits in the Traits catalogue first."))
                    continue
                new_traits[name] = {"type": kind, "choices": choices}
            else:
                name = choice.removeprefix("trait:")
            mapping[column] = name
        if not mapping:
            raise forms.ValidationError(_("Map at least one column to a trait."))
        data["mapping"], data["new_traits"] = mapping, new_traits
        return data


def _mapped_choice(trait_import, column, name, existing) -> str:
    if trait_import.mapping:  # as the marketer left it
        trait = trait_import.mapping.get(column)
        if trait is None:
            return LEAVE_OUT
        return NEW if trait in trait_import.new_traits else f"trait:{trait}"
    return f"trait:{name}" if name in existing else NEW


def _new_name(trait_import, column, name) -> str:
    return trait_import.mapping.get(column, name) if trait_import.mapping else name


def _new_type(trait_import, column, inferred) -> str:
    trait = trait_import.mapping.get(column)
    return trait_import.new_traits[trait]["type"] if trait in trait_import.new_traits else inferred["type"]


class ImportDetailView(_Base):
    """Mapping and preview until applied; then progress, the summary and the rejects report."""

    template_name = "personalization/admin/trait_import_detail.html"
    page_title = gettext_lazy("Import traits")

    def get_page_title(self):
        return self.trait_import.filename

    def dispatch(self, request, pk):
        self.trait_import = get_object_or_404(TraitImport, pk=pk)
        return super().dispatch(request, pk)

    def get(self, request, pk, form=None):
        trait_import = self.trait_import
        busy = trait_import.status in (TraitImport.Status.QUEUED, TraitImport.Status.RUNNING)
        editable = bool(trait_import.file) and not busy and trait_import.status != TraitImport.Status.APPLIED
        form = form or (MappingForm(trait_import=trait_import) if editable else None)
        preview = self._preview() if editable and trait_import.mapping else None
        return self.render_to_response(self.get_context_data(
            trait_import=trait_import, form=form, preview=preview, busy=busy, editable=editable,
            can_apply=permissions.user_has_permission(request.user, "change"), summary=trait_import.summary,
        ))

    def post(self, request, pk):
        trait_import = self.trait_import
        if not permissions.user_has_permission(request.user, "change"):
            raise PermissionDenied
        if not trait_import.file or trait_import.status in (TraitImport.Status.QUEUED, TraitImport.Status.RUNNING, TraitImport.Status.APPLIED):
            messages.error(request, _("This import cannot be changed now."))
            return HttpResponseRedirect(request.path)
        action = request.POST.get("action", "preview")
        if action == "apply":
            if trait_import.status != TraitImport.Status.CHECKED:
                messages.error(request, _("Run a dry run first."))
                return HttpResponseRedirect(request.path)
            if trait_import.new_traits and not request.user.has_perm("personalization.add_traitdefinition"):
                raise PermissionDenied
            trait_import_enqueue(trait_import, dry_run=False)
            messages.success(request, _("Import started."))
            return HttpResponseRedirect(request.path)
        form = MappingForm(request.POST, trait_import=trait_import)
        if not form.is_valid():
            return self.get(request, pk, form)
        trait_import.id_column = form.cleaned_data["id_column"]
        trait_import.mapping = form.cleaned_data["mapping"]
        trait_import.new_traits = form.cleaned_data["new_traits"]
        trait_import.status, trait_import.summary = TraitImport.Status.UPLOADED, {}  # a new mapping needs a new dry run
        trait_import.save()
        if action == "dry_run":
            trait_import_enqueue(trait_import, dry_run=True)
        return HttpResponseRedirect(request.path)

    def _preview(self) -> dict:
        """The first rows as they will be stored (or why they will be rejected)."""
        trait_import = self.trait_import
        try:
            columns, rows = _sample(trait_import, PREVIEW_ROWS)
            plan, ignored = build_plan(columns, id_column=trait_import.id_column, mapping=trait_import.mapping, new_traits=trait_import.new_traits)
        except (ImportProblem, FileProblem) as exc:
            return {"error": str(exc)}
        traits = list(dict.fromkeys(spec.name for spec in plan.columns.values()))
        shown = []
        for number, row, problem in rows:
            if row is None:
                shown.append({"number": number, "problems": [("", problem)]})
                continue
            checked = check_row(plan, number, row)
            shown.append({"number": number, "visitor_id": checked.visitor_id, "values": [checked.values.get(name, "") for name in traits], "problems": checked.problems})
        return {"traits": traits, "rows": shown, "ignored": [c for c in ignored if c not in trait_import.mapping]}


def rejects_download(request, pk):
    """The rejects report of an import's last run (row, column, reason)."""
    if not permissions.user_has_permission(request.user, "view"):
        raise PermissionDenied
    trait_import = get_object_or_404(TraitImport, pk=pk)
    if not trait_import.rejects:
        raise Http404
    name = f"{trait_import.filename.rsplit('.', 1)[0]}-rejects.csv"
    return FileResponse(trait_import.rejects.open("rb"), as_attachment=True, filename=name, content_type="text/csv")


def urls():
    return [
        path("personalization/trait-imports/", ImportIndexView.as_view(), name="personalization_trait_imports"),
        path("personalization/trait-imports/<int:pk>/", ImportDetailView.as_view(), name="personalization_trait_import"),
        path("personalization/trait-imports/<int:pk>/rejects.csv", rejects_download, name="personalization_trait_import_rejects"),
    ]
