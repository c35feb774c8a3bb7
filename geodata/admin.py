"""The registry in the admin, for officials: diacritics-insensitive search, filters by province,
service and status (computed for today), inlines, and a map to place or move a site."""

from django.contrib import admin
from django.contrib.gis.db.models import PointField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geodata import status
from geodata.models import (
    AdministrativeUnit,
    Authority,
    Credential,
    CredentialEvent,
    Document,
    Field,
    InstrumentType,
    Organisation,
    Scheme,
    ScopeItem,
    ServiceKind,
    Site,
)
from geodata.widgets import MapPointWidget

STATUS_LABELS = {
    status.VALID: _("valid"),
    status.EXPIRING: _("expiring within 90 days"),
    status.SUSPENDED: _("suspended"),
    status.EXPIRED: _("expired"),
    status.WITHDRAWN: _("withdrawn"),
    status.NOT_YET_VALID: _("not yet in force"),
}


def folded(*fields):
    """Admin search fields that match with and without diacritics ("kiem dinh" finds "kiểm
    định") through PostgreSQL's unaccent."""
    return [f"{name}__unaccent__icontains" for name in fields]


class StatusFilter(admin.SimpleListFilter):
    title = _("status today")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return list(STATUS_LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


class ServiceKindFilter(admin.SimpleListFilter):
    title = _("service")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return ServiceKind.choices

    def queryset(self, request, queryset):
        return queryset.filter(kinds__contains=[self.value()]) if self.value() else queryset


class StatusTodayMixin:
    """Lists annotated with the status computed in the database for today."""

    def get_queryset(self, request):
        return super().get_queryset(request).with_status(timezone.localdate())

    @admin.display(description=_("status today"), ordering="status")
    def status_today(self, obj):
        return STATUS_LABELS.get(obj.status, "—")


class CredentialEventInline(admin.TabularInline):
    model = CredentialEvent
    extra = 0


class ScopeItemInline(admin.TabularInline):
    model = ScopeItem
    extra = 0
    fields = ["field", "product", "test", "method", "method_reference", "range", "instrument_type"]
    readonly_fields = ["method_reference"]
    autocomplete_fields = ["field", "instrument_type"]


class DocumentInline(admin.TabularInline):
    model = Document
    extra = 0
    fields = ["kind", "number", "title", "issued_on", "file", "public", "sha256"]
    readonly_fields = ["sha256"]


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0
    fields = ["name", "kinds", "address", "province", "published"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj):
        return False


class CredentialInline(StatusTodayMixin, admin.TabularInline):
    model = Credential
    extra = 0
    fields = ["scheme", "number", "issuer", "issued_on", "valid_until", "status_today"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj):
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name_vi", "short_name", "tax_code", "parent", "updated_at"]
    search_fields = [*folded("name_vi", "name_en", "short_name"), "tax_code"]
    autocomplete_fields = ["parent"]
    inlines = [SiteInline, CredentialInline, DocumentInline]


@admin.register(Site)
class SiteAdmin(StatusTodayMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "organisation",
        "kind_labels",
        "province",
        "commune",
        "status_today",
        "published",
    ]
    list_filter = [
        ServiceKindFilter,
        StatusFilter,
        ("province", admin.RelatedOnlyFieldListFilter),
        "location_method",
        "published",
    ]
    search_fields = folded("name", "address", "organisation__name_vi", "commune__name")
    autocomplete_fields = ["organisation", "province", "commune"]
    list_select_related = ["organisation", "province", "commune"]
    formfield_overrides = {
        PointField: {
            "widget": MapPointWidget,
            "error_messages": {
                "invalid_geom": _(
                    "Type the longitude and latitude in decimal degrees (e.g. 105.8 and 21.04), "
                    "or click the map."
                )
            },
        }
    }
    fieldsets = [
        (None, {"fields": ["organisation", "name", "kinds", "published"]}),
        (
            _("Address"),
            {
                "fields": [
                    "address",
                    "province",
                    "commune",
                    "legacy_commune_name",
                    "legacy_district_name",
                    "legacy_province_name",
                ]
            },
        ),
        (_("Location"), {"fields": ["location", "location_method", "location_accuracy_m"]}),
        (_("Contact"), {"fields": ["phone", "email", "opening_hours"]}),
    ]

    @admin.display(description=_("services"))
    def kind_labels(self, site):
        return ", ".join(str(ServiceKind(kind).label) for kind in site.kinds)


@admin.register(Credential)
class CredentialAdmin(StatusTodayMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "scheme",
        "organisation",
        "issuer",
        "issued_on",
        "valid_until",
        "status_today",
    ]
    list_filter = [
        StatusFilter,
        "scheme",
        "standard",
        "issuer__kind",
        ("sites__province", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = folded(
        "number",
        "organisation__name_vi",
        "scope__product",
        "scope__test",
        "scope__method_reference",
    )
    autocomplete_fields = ["organisation", "issuer", "sites"]
    list_select_related = ["scheme", "organisation", "issuer"]
    date_hierarchy = "issued_on"
    inlines = [CredentialEventInline, ScopeItemInline, DocumentInline]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "number", "organisation", "issued_on", "public", "size_bytes"]
    list_filter = ["kind", "public"]
    search_fields = folded("title", "number", "organisation__name_vi")
    autocomplete_fields = ["organisation", "credential", "issuer"]
    readonly_fields = ["sha256", "size_bytes"]


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["name_vi", "short_name", "kind", "province", "superseded_by", "active_until"]
    list_filter = ["kind", "country"]
    search_fields = folded("name_vi", "name_en", "short_name")
    autocomplete_fields = ["province", "superseded_by"]


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "credential_kind", "legal_basis"]
    list_filter = ["credential_kind"]
    search_fields = folded("code", "name_vi", "name_en")


class VocabularyAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en"]
    search_fields = folded("code", "name_vi", "name_en")


admin.site.register(Field, VocabularyAdmin)


@admin.register(InstrumentType)
class InstrumentTypeAdmin(VocabularyAdmin):
    list_display = [*VocabularyAdmin.list_display, "group_2", "verification_interval_months"]
    list_filter = ["group_2"]


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    """Reference data, loaded from files: shown, not edited."""

    list_display = ["code", "full_name", "level", "current", "parent"]
    list_filter = ["level", "current"]
    search_fields = [*folded("name", "full_name"), "code"]
    list_select_related = ["parent"]
    readonly_fields = [
        "level",
        "current",
        "code",
        "name",
        "full_name",
        "unit_type",
        "parent",
        "point_method",
        "successor_list",
    ]
    exclude = ["boundary", "point", "successors"]

    @admin.display(description=_("became"))
    def successor_list(self, unit):
        return ", ".join(str(u) for u in unit.successors.all()) or "—"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
