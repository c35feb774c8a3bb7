"""Field visits in the admin, scoped as the pages are: an officer sees and changes the complaints,
visits and plans of their province's sites, a central administrator all, anyone else nothing
(the rules in inspections/rules.py answer every permission)."""

from django import forms
from django.contrib import admin, messages
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from geodata.admin import folded
from geodata.documents import DownloadFileWidget, DownloadLink
from governance.scoped_admin import RulesAdminMixin
from inspections import attachments
from inspections.models import Attachment, Complaint, Plan, Visit
from inspections.selectors import complaints_for, plans_for, sites_for, visits_for


class SiteScopedAdmin(RulesAdminMixin, admin.ModelAdmin):
    """A site is chosen among those of the user's scope, by name."""

    autocomplete_fields = ["site"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "site":
            field.queryset = sites_for(request.user)
        return field


class OpenFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("open")), ("closed", _("closed"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(closed_on__isnull=True)
        if self.value() == "closed":
            return queryset.filter(closed_on__isnull=False)
        return queryset


@admin.register(Complaint)
class ComplaintAdmin(SiteScopedAdmin):
    list_display = ["site", "received_on", "summary", "source", "closed_on"]
    list_filter = [OpenFilter, ("site__province", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["site"]
    search_fields = folded("site__name", "summary", "source")
    date_hierarchy = "received_on"
    fields = ["site", "received_on", "source", "summary", "closed_on"]
    actions = ["close"]

    def get_queryset(self, request):
        return complaints_for(request.user)

    @admin.action(description=_("Close the selected complaints (today)"), permissions=["change"])
    def close(self, request, queryset):
        closed = queryset.filter(closed_on__isnull=True).update(closed_on=timezone.localdate())
        self.message_user(
            request,
            ngettext("%(count)s complaint closed.", "%(count)s complaints closed.", closed)
            % {"count": closed},
            messages.SUCCESS,
        )


class AttachmentFileWidget(DownloadFileWidget):
    accept = attachments.ACCEPT

    def link(self, attachment):
        return DownloadLink(
            reverse("inspections:attachment", args=[attachment.pk]), attachment.name
        )


class AttachmentForm(forms.ModelForm):
    """A new file is examined as the visit page examines it (inspections.attachments); its name,
    type and size are taken from what it is."""

    class Meta:
        model = Attachment
        fields = ["file"]
        widgets = {"file": AttachmentFileWidget}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if isinstance(upload, UploadedFile):
            checked = attachments.examine(upload)
            upload.name = checked.name
            self.instance.name, self.instance.content_type = checked.name, checked.content_type
            self.instance.size_bytes = upload.size
        return upload


class AttachmentInline(RulesAdminMixin, admin.TabularInline):
    """The rows are judged by the visit they belong to (`obj` is the visit)."""

    model = Attachment
    form = AttachmentForm
    extra = 0
    fields = ["file", "content_type", "size_bytes", "created_at"]
    readonly_fields = ["content_type", "size_bytes", "created_at"]

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("inspections.change_visit", obj)


@admin.register(Visit)
class VisitAdmin(SiteScopedAdmin):
    list_display = ["visited_on", "site", "outcome", "inspector", "follow_up_on"]
    list_filter = [
        "outcome",
        "follow_up_on",
        ("site__province", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["site"]
    search_fields = folded("site__name", "inspector", "notes")
    date_hierarchy = "visited_on"
    fields = [
        "site",
        "visited_on",
        "inspector",
        "outcome",
        "notes",
        "follow_up_on",
        "stop",
        "recorded_by",
        "created_at",
    ]
    readonly_fields = ["stop", "recorded_by", "created_at"]
    inlines = [AttachmentInline]

    def get_queryset(self, request):
        return visits_for(request.user)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Plan)
class PlanAdmin(RulesAdminMixin, admin.ModelAdmin):
    """Plans are made and changed on their page; the admin lists them, shows them and deletes
    them."""

    list_display = ["title", "province", "first_day", "last_day", "visits", "created_by", "page"]
    list_filter = [("province", admin.RelatedOnlyFieldListFilter), "first_day"]
    list_select_related = ["province", "created_by"]
    search_fields = folded("title")
    date_hierarchy = "first_day"
    exclude = ["visit_minutes"]

    def get_queryset(self, request):
        return plans_for(request.user).annotate(stop_count=Count("stops"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("visits"), ordering="stop_count")
    def visits(self, plan):
        return plan.stop_count

    @admin.display(description=_("page"))
    def page(self, plan):
        url = reverse("inspections:plan_detail", args=[plan.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open the plan"))
