"""The registry's history in the admin: every version of a record, who made it and how (an edit
in the admin, an import, an approved change request, a restore), what changed, before and after,
and the restore of an earlier version. The versions are written by database triggers
(`registry_history` in geodata.models, django-pghistory); who and how is their context."""

from dataclasses import dataclass, field

import pghistory
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.db.models.fields.files import FieldFile
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pghistory.models import Context

from geodata import models as registry

TRACKED = (
    registry.Organisation,
    registry.Site,
    registry.Credential,
    registry.CredentialEvent,
    registry.ScopeItem,
    registry.Document,
    registry.Authority,
    registry.Scheme,
    registry.Field,
    registry.InstrumentType,
    registry.Guide,
)
LINKS = registry.CredentialSite  # the sites a credential covers: links added and removed
# The records edited on a record's admin page (its inlines), whose changes its history shows.
PARTS = {
    registry.Credential: (
        (registry.CredentialEvent, "credential_id"),
        (registry.ScopeItem, "credential_id"),
        (registry.Document, "credential_id"),
    ),
    registry.Organisation: ((registry.Document, "organisation_id"),),
}
LINKED_BY = {registry.Credential: "credential_id", registry.Site: "site_id"}
HISTORY_PER_PAGE = 50
LABELS = dict(registry.RegistryEvent.Label.choices)
LINK_LABELS = {
    "insert": gettext_lazy("site covered: added"),
    "delete": gettext_lazy("site covered: removed"),
}


def event_model(model):
    """The history table of a tracked model (or of the links)."""
    return model.pgh_event_model


def shown_fields(model) -> list:
    """The fields an official edits, in the order of the model."""
    return [f for f in model._meta.concrete_fields if f.editable and not f.primary_key]


def restored_fields(model) -> list:
    """The fields a restore writes back: all but the key and the date of the last change."""
    return [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and not getattr(f, "auto_now", False)
    ]


def as_record(event, model):
    """The record as the event saw it (unsaved)."""
    return model(**{f.attname: getattr(event, f.attname) for f in model._meta.concrete_fields})


# What each event shows ------------------------------------------------------------------------


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Part:
    """A piece of who or how: a text, with a link when there is a page for it."""

    text: str
    url: str = ""


@dataclass
class Entry:
    event: object
    model: type
    when: object
    what: str
    subject: str = ""  # the record, when the page is another's (a scope line, a link)
    subject_url: str = ""
    who: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    changes: list = field(default_factory=list)
    earlier_unknown: bool = False  # changed, but its version before is not kept
    own: bool = True  # a version of the record whose page it is (not of a part or link)
    restore_url: str = ""

    @property
    def changed_labels(self) -> str:
        return ", ".join(change.label for change in self.changes)


class Lookups:
    """The related records, users, imports and restored versions that events (or records) name,
    each kind fetched once for all those shown."""

    def __init__(self, events):
        wanted = {}
        events = [*events]
        for event in events:
            for f in event._meta.concrete_fields:
                value = getattr(event, f.attname)
                if f.is_relation and value is not None and not f.name.startswith("pgh_"):
                    wanted.setdefault(f.related_model, set()).add(value)
        self.records = {
            model: model._base_manager.in_bulk(ids) for model, ids in wanted.items() if model
        }
        contexts = [(type(e), metadata_of(e)) for e in events]
        user_ids = {m["user"] for _m, m in contexts if isinstance(m.get("user"), int)}
        run_ids = {m["import_run"] for _m, m in contexts if isinstance(m.get("import_run"), int)}
        self.users = get_user_model()._base_manager.in_bulk(user_ids)
        self.runs = registry.ImportRun.objects.in_bulk(run_ids)
        sources = {}
        for model, metadata in contexts:
            if isinstance(metadata.get("restored_from"), int):
                sources.setdefault(model, set()).add(metadata["restored_from"])
        self.restored = {
            model: dict(
                model.objects.filter(pgh_id__in=ids).values_list("pgh_id", "pgh_created_at")
            )
            for model, ids in sources.items()
        }

    def record(self, model, pk) -> str:
        found = self.records.get(model, {}).get(pk)
        if found is None:
            return _("%(record)s #%(id)s (deleted)") % {
                "record": model._meta.verbose_name,
                "id": pk,
            }
        return str(found)


def metadata_of(event) -> dict:
    """What the event's context says of who and how (nothing for a record)."""
    if getattr(event, "pgh_context_id", None) is None:
        return {}
    return event.pgh_context.metadata


def shown_value(f, value, lookups: Lookups) -> str:
    """A stored value as an official reads it."""
    if value is None or value == "" or value == []:
        return "—"
    if f.is_relation:
        return lookups.record(f.related_model, value)
    if isinstance(value, GEOSGeometry):
        return _("longitude %(lon).6f, latitude %(lat).6f") % {"lon": value.x, "lat": value.y}
    if isinstance(value, FieldFile):
        return value.name or "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        choices = dict(getattr(f, "base_field", f).flatchoices)
        return ", ".join(str(choices.get(item, item)) for item in value)
    if f.flatchoices:
        return str(dict(f.flatchoices).get(value, value))
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def changes_between(model, before, after, lookups: Lookups) -> list[Change]:
    """The fields whose value differs from one version to the next (`before` None: all filled
    fields of a new record)."""
    changes = []
    for f in shown_fields(model):
        new = getattr(after, f.attname)
        old = getattr(before, f.attname) if before is not None else None
        if new in (None, "", []) if before is None else _stored(old) == _stored(new):
            continue
        changes.append(
            Change(
                str(capfirst(f.verbose_name)),
                shown_value(f, old, lookups) if before is not None else "",
                shown_value(f, new, lookups),
            )
        )
    return changes


def _stored(value):
    if isinstance(value, GEOSGeometry):
        return value.ewkt
    if isinstance(value, FieldFile):
        return value.name
    return value


def who_and_how(event, lookups: Lookups) -> tuple[list[Part], list[Part]]:
    """Who made the change (a user, an import, the command line) and notes on how (an approved
    change request, a restore, the address of the request)."""
    metadata = metadata_of(event)
    who, notes = [], []
    user_id = metadata.get("user")
    if user_id is not None:
        user = lookups.users.get(user_id)
        name = (user.get_full_name() or user.get_username()) if user else None
        who.append(Part(name or _("user #%(id)s (deleted)") % {"id": user_id}))
    run_id = metadata.get("import_run")
    if run_id is not None:
        run = lookups.runs.get(run_id)
        text = _("import %(file)s (#%(id)s)") % {
            "file": run.file_name if run else "?",
            "id": run_id,
        }
        who.append(Part(text, _admin_url("admin:geodata_importrun_change", run_id)))
        performed_by = metadata.get("performed_by") or (run.performed_by if run else "")
        if user_id is None and performed_by:
            who.append(Part(_("command line: %(name)s") % {"name": performed_by}))
    if not who:
        who.append(Part(_("not recorded (a change outside the admin and the imports)")))
    if (request_id := metadata.get("change_request")) is not None:
        text = _("approved change request #%(id)s") % {"id": request_id}
        notes.append(Part(text, _admin_url("admin:governance_changerequest_change", request_id)))
    if (source := metadata.get("restored_from")) is not None:
        when = lookups.restored.get(type(event), {}).get(source)
        text = (
            _("restored the version of %(when)s") % {"when": _local(when)}
            if when
            else _("restored version #%(id)s") % {"id": source}
        )
        notes.append(Part(text))
    if metadata.get("url") and run_id is None:
        notes.append(Part(metadata["url"]))
    return who, notes


def _admin_url(name, pk) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:  # that admin is not installed
        return ""


def _local(moment) -> str:
    return f"{timezone.localtime(moment):%d/%m/%Y %H:%M}"


def describe(events, lookups: Lookups, previous: dict) -> list[Entry]:
    """An entry for each event; `previous` maps an event to the version before it, when kept."""
    entries = []
    for event in events:
        model = event.pgh_tracked_model
        if model is LINKS:
            entry = Entry(event, model, event.pgh_created_at, str(LINK_LABELS[event.pgh_label]))
            entry.subject = _("credential %(credential)s – site %(site)s") % {
                "credential": lookups.record(registry.Credential, event.credential_id),
                "site": lookups.record(registry.Site, event.site_id),
            }
            entry.subject_url = history_url(registry.Credential, event.credential_id)
        else:
            entry = Entry(event, model, event.pgh_created_at, str(LABELS[event.pgh_label]))
            entry.subject = f"{capfirst(model._meta.verbose_name)} “{as_record(event, model)}”"
            entry.subject_url = subject_history_url(model, event)
            before = previous.get(event)
            if event.pgh_label == "insert":
                entry.changes = changes_between(model, None, event, lookups)
            elif event.pgh_label == "update":
                entry.changes = changes_between(model, before, event, lookups)
                entry.earlier_unknown = before is None
        entry.who, entry.notes = who_and_how(event, lookups)
        entries.append(entry)
    return entries


def history_url(model, pk) -> str:
    return _admin_url(f"admin:geodata_{model._meta.model_name}_history", pk)


def subject_history_url(model, event) -> str:
    """The history page that shows the event: the record's, or for a part without a page of
    its own (a scope line, a status event) its credential's."""
    if url := history_url(model, event.pgh_obj_id):
        return url
    for owner, parts in PARTS.items():
        for part, column in parts:
            if part is model:
                return history_url(owner, getattr(event, column))
    return ""


def versions_before(events) -> dict:
    """Each event of a list holding every event of its records, mapped to the version before."""
    previous, last = {}, {}
    for event in sorted(events, key=lambda e: e.pgh_id):
        if getattr(event, "pgh_obj_id", None) is None:
            continue  # a link: added or removed, no version before
        key = (type(event), event.pgh_obj_id)
        if key in last:
            previous[event] = last[key]
        last[key] = event
    return previous


# The admin -------------------------------------------------------------------------------------


class HistoryAdminMixin:
    """A record's history page (instead of Django's log of admin actions): its versions newest
    first, with what changed, who changed it and how; the changes to its parts (inlines) and
    links; a button to restore each earlier version. A deleted record's history stays here."""

    history_template = "geodata/admin/history.html"
    restore_template = "geodata/admin/history_restore.html"

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_restore"
        view = self.admin_site.admin_view(self.restore_view)
        restore = path("<path:object_id>/history/<int:event_id>/restore/", view, name=name)
        return [restore, *super().get_urls()]

    def has_restore_permission(self, request, obj, deleted: bool) -> bool:
        """Restoring writes the record: the right to change it directly (proposing is not
        enough), and to add it back when it was deleted."""
        name = f"{self.opts.app_label}.%s_{self.opts.model_name}"
        return request.user.has_perm(name % "change", obj) and (
            not deleted or request.user.has_perm(name % "add", obj)
        )

    def history_view(self, request, object_id, extra_context=None):
        record, deleted = self._record_of_history(request, object_id)
        if record is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, record):
            raise PermissionDenied
        events = self._events(record.pk)
        lookups = Lookups(events)
        entries = describe(events, lookups, versions_before(events))
        entries.reverse()
        may_restore = self.has_restore_permission(request, record, deleted)
        own = event_model(self.model)
        latest = max((e.pgh_id for e in events if type(e) is own), default=None)
        for entry in entries:
            entry.own = type(entry.event) is own
            earlier = deleted or entry.event.pgh_id != latest
            if may_restore and entry.own and earlier:
                entry.restore_url = reverse(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_restore",
                    args=[record.pk, entry.event.pgh_id],
                )
        page = Paginator(entries, HISTORY_PER_PAGE).get_page(request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("History: %(record)s") % {"record": record},
            "opts": self.opts,
            "object": record,
            "deleted": deleted,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.history_template, context)

    def restore_view(self, request, object_id, event_id):
        record, deleted = self._record_of_history(request, object_id)
        # Refused alike whether the record is out of the user's sight or does not exist.
        if record is None or not self.has_restore_permission(request, record, deleted):
            raise PermissionDenied
        versions = event_model(self.model).objects.filter(pgh_obj_id=record.pk)
        version = get_object_or_404(versions.select_related("pgh_context"), pgh_id=event_id)
        restored = self._restored(record, version, deleted)
        lookups = Lookups([version, record])
        changes = changes_between(self.model, None if deleted else record, restored, lookups)
        errors = []
        if request.method == "POST" and changes:
            try:
                self._restore(restored, version)
            except ValidationError as error:
                errors = error.messages
            else:
                messages.success(
                    request,
                    _("The version of %(when)s was restored.")
                    % {"when": _local(version.pgh_created_at)},
                )
                return redirect(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_history", record.pk
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Restore an earlier version"),
            "opts": self.opts,
            "object": record,
            "deleted": deleted,
            "version": version,
            "changes": changes,
            "errors": errors,
        }
        return TemplateResponse(request, self.restore_template, context)

    def _record_of_history(self, request, object_id):
        """The record (or, when deleted, its last version) and whether it was deleted; None when
        the user may not see it or it never was."""
        record = self.get_object(request, unquote(object_id))
        if record is not None:
            return record, False
        try:
            pk = self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            return None, False
        if self.model._base_manager.filter(pk=pk).exists():
            return None, False  # outside what the user may see: as if it did not exist
        last = event_model(self.model).objects.filter(pgh_obj_id=pk).order_by("-pgh_id").first()
        return (as_record(last, self.model), True) if last else (None, False)

    def _events(self, pk) -> list:
        """The record's events, those of its parts and of its links."""
        wanted = [(self.model, "pgh_obj_id")]
        wanted += PARTS.get(self.model, ())
        if self.model in LINKED_BY:
            wanted.append((LINKS, LINKED_BY[self.model]))
        events = []
        for model, column in wanted:
            found = event_model(model).objects.filter(**{column: pk})
            events += found.select_related("pgh_context")
        return sorted(events, key=lambda e: (e.pgh_created_at, e.pgh_id))

    def _restored(self, record, version, deleted):
        """The record with the version's values (unsaved)."""
        if deleted:
            return as_record(version, self.model)
        restored = self.model._base_manager.get(pk=record.pk)
        for f in restored_fields(self.model):
            setattr(restored, f.attname, getattr(version, f.attname))
        return restored

    @staticmethod
    def _restore(restored, version):
        """Writes the version back through the model (validation, save, signals), as a change
        of its own that names the version restored."""
        restored.full_clean()
        with transaction.atomic(), pghistory.context(restored_from=version.pgh_id):
            restored.save()


# The listing of all changes -------------------------------------------------------------------


class RecordKindFilter(admin.SimpleListFilter):
    title = gettext_lazy("kind of record")
    parameter_name = "model"

    def lookups(self, request, model_admin):
        return [
            (m._meta.model_name, capfirst(m._meta.verbose_name_plural)) for m in (*TRACKED, LINKS)
        ]

    def queryset(self, request, queryset):
        return queryset.filter(model=self.value()) if self.value() else queryset


class UserFilter(admin.SimpleListFilter):
    title = gettext_lazy("user")
    parameter_name = "user"

    def lookups(self, request, model_admin):
        ids = Context.objects.filter(metadata__has_key="user").values_list("metadata__user")
        users = get_user_model()._base_manager.filter(pk__in=[i for (i,) in ids.distinct()])
        return [(user.pk, user.get_full_name() or user.get_username()) for user in users]

    def queryset(self, request, queryset):
        if not (self.value() or "").isdecimal():
            return queryset
        return queryset.filter(context__metadata__user=int(self.value()))


class ImportRunFilter(admin.SimpleListFilter):
    title = gettext_lazy("import")
    parameter_name = "import_run"
    shown = 30

    def lookups(self, request, model_admin):
        runs = registry.ImportRun.objects.filter(outcome=registry.ImportRun.Outcome.IMPORTED)
        return [(run.pk, f"#{run.pk} {run}") for run in runs[: self.shown]]

    def queryset(self, request, queryset):
        if not (self.value() or "").isdecimal():
            return queryset
        return queryset.filter(context__metadata__import_run=int(self.value()))


class RegistryHistoryChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        attach_entries(self.result_list)


def attach_entries(rows):
    """Each listed row's entry: its event, the version before it, who and what changed."""
    by_model = {}
    for row in rows:
        by_model.setdefault(row.model, []).append(row.event_id)
    models_by_name = {m._meta.model_name: m for m in (*TRACKED, LINKS)}
    events, previous = {}, {}
    for name, ids in by_model.items():
        history = event_model(models_by_name[name])
        found = history.objects.filter(pgh_id__in=ids).select_related("pgh_context")
        if name != LINKS._meta.model_name:
            earlier = history.objects.filter(
                pgh_obj_id=OuterRef("pgh_obj_id"), pgh_id__lt=OuterRef("pgh_id")
            ).order_by("-pgh_id")
            found = found.annotate(previous_id=Subquery(earlier.values("pgh_id")[:1]))
        found = list(found)
        earlier_ids = [e.previous_id for e in found if getattr(e, "previous_id", None)]
        before = history.objects.select_related("pgh_context").in_bulk(earlier_ids)
        for event in found:
            events[(name, event.pgh_id)] = event
            if getattr(event, "previous_id", None) in before:
                previous[event] = before[event.previous_id]
    listed = [
        events[(row.model, row.event_id)] for row in rows if (row.model, row.event_id) in events
    ]
    entries = describe(listed, Lookups([*listed, *previous.values()]), previous)
    by_event = {(e.model._meta.model_name, e.event.pgh_id): e for e in entries}
    for row in rows:
        row.entry = by_event.get((row.model, row.event_id))


@admin.register(registry.RegistryEvent)
class RegistryHistoryAdmin(admin.ModelAdmin):
    """Every change to the registry, newest first, deleted records included: read only."""

    list_display = ["when", "record", "what", "who", "changed_fields"]
    list_filter = [RecordKindFilter, "label", UserFilter, ImportRunFilter, "created_at"]
    list_display_links = None
    list_per_page = 50
    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return RegistryHistoryChangeList

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("when"), ordering="created_at")
    def when(self, row):
        return _local(row.created_at)

    @admin.display(description=gettext_lazy("record"))
    def record(self, row):
        entry = getattr(row, "entry", None)
        if entry is None:
            return "—"
        return _linked(entry.subject, entry.subject_url)

    @admin.display(description=gettext_lazy("what"))
    def what(self, row):
        return row.entry.what if getattr(row, "entry", None) else row.get_label_display()

    @admin.display(description=gettext_lazy("who"))
    def who(self, row):
        entry = getattr(row, "entry", None)
        if entry is None:
            return "—"
        parts = [_linked(part.text, part.url) for part in [*entry.who, *entry.notes]]
        return _joined(parts)

    @admin.display(description=gettext_lazy("fields changed"))
    def changed_fields(self, row):
        entry = getattr(row, "entry", None)
        if entry is None or entry.event.pgh_label != "update":
            return "—"
        return entry.changed_labels or "—"


def _linked(text, url):
    return format_html('<a href="{}">{}</a>', url, text) if url else text


def _joined(parts):
    return format_html_join(" · ", "{}", ((part,) for part in parts))
