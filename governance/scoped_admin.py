"""Admin classes that ask the rules (governance/rules.py) for every permission and show each
user only the records of their role: mixed into the registry's admin in geodata/admin.py."""

import csv

from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from geodata.models import Organisation
from governance import scopes, services
from governance.roles import Role, organisation_id_of, province_id_of, role_of

OUTSIDE_SCOPE = _(
    "You may not save this record: it would lie outside the province you answer for. Choose a "
    "site, organisation or credential of your province, or ask a central administrator."
)
PROPOSAL_SENT = _(
    "Your proposal was sent to the provincial officer for approval (change request %(id)s). "
    "Nothing is published before it is approved."
)


def _perm(opts, action):
    return f"{opts.app_label}.{action}_{opts.model_name}"


def _cell(record, field) -> str:
    if field.is_relation:
        return str(getattr(record, field.name) or "")
    return field.value_to_string(record)


class RulesAdminMixin:
    """Every admin permission answered by the rules, with or without an object."""

    def has_module_permission(self, request):
        return request.user.is_staff and role_of(request.user) != Role.PUBLIC

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(_perm(self.opts, "view"), obj) or self.has_change_permission(
            request, obj
        )

    def has_add_permission(self, request, *args):
        return request.user.has_perm(_perm(self.opts, "add"))

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(_perm(self.opts, "change"), obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm(_perm(self.opts, "delete"), obj)


class RegistryInlineMixin(RulesAdminMixin):
    """An inline's rows are judged by the record they belong to (`obj` is the parent)."""

    def get_queryset(self, request):
        return scopes.visible(request.user, super().get_queryset(request))

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm(_perm(self.opts, "change"), obj)


class RegistryAdminMixin(RulesAdminMixin):
    """A registry list filtered to what the user may see; choices limited to what they may use;
    a representative's save becomes a change request instead of a change; the export of a
    list holds what the list shows, no more."""

    actions = ["export_csv"]

    def get_queryset(self, request):
        return scopes.visible(request.user, super().get_queryset(request))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) or self._proposes(request, obj)

    def has_add_permission(self, request, *args):
        # A representative proposes new sites and documents of their organisation, not new
        # organisations.
        proposes_new = self.model is not Organisation and self._proposes(request, None)
        return super().has_add_permission(request) or proposes_new

    @admin.action(description=_("Export the selected records (CSV)"), permissions=["view"])
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.opts.model_name}s.csv"'
        response.write("\ufeff")  # a byte-order mark: spreadsheets then read the file as UTF-8
        fields = [f for f in self.opts.concrete_fields if f.name != "file"]
        writer = csv.writer(response)
        writer.writerow([str(f.verbose_name) for f in fields])
        for record in queryset:
            writer.writerow([_cell(record, f) for f in fields])
        return response

    @staticmethod
    def _represents(request):
        return role_of(request.user) == Role.REPRESENTATIVE

    def _proposes(self, request, obj):
        name = f"geodata.propose_{self.opts.model_name}"
        return self._represents(request) and request.user.has_perm(name, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if self._proposes(request, obj):
            target = services.target_of(self.model())
            proposable = services.PROPOSABLE[target] + ["file"]
            readonly += [f.name for f in self.opts.fields if f.name not in proposable]
        return readonly

    def get_inlines(self, request, obj):
        return [] if self._proposes(request, obj) else super().get_inlines(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        user, perm = request.user, _perm(self.opts, "change")
        checked = not self._represents(request)

        class ScopedForm(form):
            def _post_clean(self):
                super()._post_clean()
                if checked and not user.has_perm(perm, self.instance):
                    self.add_error(None, OUTSIDE_SCOPE)
                if not checked and not self._proposes_something():
                    self.add_error(None, services.NOTHING_PROPOSED)

            def _proposes_something(self):
                stored = self.instance.pk and type(self.instance).objects.get(pk=self.instance.pk)
                return self.files.get("file") or services.differences(self.instance, stored)[0]

        return ScopedForm

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        model = db_field.related_model
        if field is not None and model in scopes.REGISTRY_MODELS:
            field.queryset = scopes.visible(request.user, field.queryset)
        elif field is not None and db_field.name == "province" and province_id_of(request.user):
            field.queryset = field.queryset.filter(pk=province_id_of(request.user))
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and db_field.related_model in scopes.REGISTRY_MODELS:
            field.queryset = scopes.changeable(request.user, field.queryset)
        return field

    def save_model(self, request, obj, form, change):
        if self._represents(request):  # never saved: proposed, or refused by services.propose
            if obj.pk is None and not isinstance(obj, Organisation):
                obj.organisation_id = organisation_id_of(request.user)
            request.proposal = services.propose(request.user, obj, form.files.get("file"))
            return
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if not hasattr(request, "proposal"):
            super().save_related(request, form, formsets, change)

    def log_addition(self, request, obj, message):
        if not hasattr(request, "proposal"):
            super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        if not hasattr(request, "proposal"):
            super().log_change(request, obj, message)

    def response_add(self, request, obj, post_url_continue=None):
        return self._proposal_sent(request) or super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        return self._proposal_sent(request) or super().response_change(request, obj)

    def _proposal_sent(self, request):
        if not hasattr(request, "proposal"):
            return None
        messages.success(request, PROPOSAL_SENT % {"id": request.proposal.pk})
        return redirect("admin:governance_changerequest_change", request.proposal.pk)
