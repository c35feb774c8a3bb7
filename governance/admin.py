"""Roles on the user page, the queue of change requests with their decision, and API tokens."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from governance import scopes, services
from governance.models import ApiToken, ChangeRequest, Profile
from governance.scoped_admin import RulesAdminMixin

User = get_user_model()


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = True
    autocomplete_fields = ["province", "organisation"]


admin.site.unregister(User)


@admin.register(User)
class UserWithRoleAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = [*UserAdmin.list_display, "role"]
    list_select_related = ["profile"]

    @admin.display(description=_("role"))
    def role(self, user):
        profile = getattr(user, "profile", None)
        return profile.get_role_display() if profile else "—"


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("reason (required to reject; sent to the proposer)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "style": "width: 100%; box-sizing: border-box"}),
        max_length=2000,
    )


@admin.register(ChangeRequest)
class ChangeRequestAdmin(RulesAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "organisation",
        "target",
        "object_id",
        "status",
        "proposed_by",
        "proposed_at",
    ]
    list_filter = ["status", "target"]
    list_select_related = ["organisation", "proposed_by"]
    search_fields = ["organisation__name_vi", "proposed_by__username"]
    date_hierarchy = "proposed_at"
    fields = [
        "organisation", "record", "status", "proposed_by", "proposed_at", "decided_by",
        "decided_at", "reason", "file",
    ]  # fmt: skip
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(scopes.change_requests_q(request.user))

    @admin.display(description=_("record"))
    def record(self, change_request):
        if not change_request.object_id:
            return _("a new record")
        url = reverse(
            f"admin:geodata_{change_request.target}_change", args=[change_request.object_id]
        )
        return format_html(
            '<a href="{}">{} #{}</a>',
            url,
            change_request.get_target_display(),
            change_request.object_id,
        )

    def has_add_permission(self, request, *args):
        return False  # proposals come from the registry's own forms and the API

    def has_change_permission(self, request, obj=None):
        return False  # a request is decided, never edited

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view(self.decide_view)
        return [
            path("<int:pk>/decide/", view, name="governance_changerequest_decide"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        change_request = get_object_or_404(self.get_queryset(request), pk=object_id)
        extra_context = {
            **(extra_context or {}),
            "proposed_changes": proposed_changes(change_request),
            "may_decide": change_request.status == ChangeRequest.Status.PENDING
            and request.user.has_perm("governance.decide_changerequest", change_request),
            "decision_form": DecisionForm(),
            "decide_url": reverse("admin:governance_changerequest_decide", args=[object_id]),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request, pk):
        change_request = get_object_or_404(self.get_queryset(request), pk=pk)
        form = DecisionForm(request.POST or None)
        if request.method != "POST" or not form.is_valid():
            raise PermissionDenied
        try:
            if "approve" in request.POST:
                services.approve(request.user, change_request)
                messages.success(request, _("Approved: the change is in the registry."))
            else:
                services.reject(request.user, change_request, form.cleaned_data["reason"])
                messages.success(request, _("Rejected: the proposer is told why."))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        return redirect("admin:governance_changerequest_change", pk)


def proposed_changes(change_request):
    """Rows of (field label, value before, value proposed) for the decision page."""
    model = services.MODELS[change_request.target]
    rows = []
    for name, after in change_request.changes.items():
        field = model._meta.get_field(name)
        before = change_request.before.get(name)
        rows.append((field.verbose_name, _shown(field, before), _shown(field, after)))
    return rows


def _shown(field, text):
    """A stored value as people read it: the name of a related record, the label of a choice."""
    if text is None or not field.is_relation:
        return dict(field.flatchoices).get(text, text)
    related = field.related_model.objects.filter(pk=text).first()
    return str(related) if related else text


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "expires_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(RulesAdminMixin, admin.ModelAdmin):
    form = ApiTokenForm
    list_display = [
        "name",
        "prefix",
        "user",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["prefix", "user", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_queryset(self, request):
        tokens = super().get_queryset(request).select_related("user")
        return tokens if request.user.is_superuser else tokens.filter(user=request.user)

    def has_change_permission(self, request, obj=None):
        return False  # a token is revoked, never edited

    def has_delete_permission(self, request, obj=None):
        return False  # revoked tokens stay, so their use can be traced

    def save_model(self, request, obj, form, change):
        token, key = ApiToken.issue(request.user, obj.name, obj.expires_at)
        obj.pk = token.pk
        messages.warning(
            request,
            _("The key of “%(name)s”, shown this once: %(key)s") % {"name": token.name, "key": key},
        )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, tokens):
        for token in tokens:
            if request.user.has_perm("governance.revoke_apitoken", token):
                token.revoke()
        messages.success(request, _("Revoked."))
