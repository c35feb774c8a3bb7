"""Rows of a registry file merged into the registry by natural key, in bulk.

Natural keys: an organisation by its tax code, else by its name (folded words); a site by its
organisation and its address (folded words); a credential by its scheme and number. Rows are
applied in file order to records held in memory; then new records are inserted and changed ones
updated, a few statements per model. An empty cell never erases a stored value; a point is
never replaced by a less precise one; links and scope lines are added, never removed (removal is
an official's decision, in the admin).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from geodata.importers.report import CREATED, UPDATED, WARNING, Problem
from geodata.importers.rows import RowRecord
from geodata.models import (
    AdministrativeUnit,
    Credential,
    LocationMethod,
    Organisation,
    ScopeItem,
    Site,
)
from geodata.text import normalise_standard_reference, words

MESSAGES = {
    "duplicate_row": _(
        "This row repeats row %(row)s: same organisation, address and credential number."
    ),
    "conflicting_value": _(
        "The %(field)s differs from that of row %(row)s (“%(first)s”), which is kept."
    ),
    "credential_of_another_organisation": _(
        "%(number)s belongs to %(holder)s in the registry, not to the organisation of this row."
    ),
    "outside_import_province": _(
        "“%(name)s” lies in other provinces too, and this import may change only records of its "
        "own province: leave its cells as they are in the registry, or ask a central "
        "administrator to make the change."
    ),
}
NEAR_DUPLICATE_METRES = 200
PRECISION = list(LocationMethod.values)  # most precise first
ORGANISATION_FIELDS = (
    "name_vi",
    "name_en",
    "short_name",
    "tax_code",
    "head_office_address",
    "website",
)
SITE_FIELDS = (
    "name",
    "kinds",
    "address",
    "province",
    "commune",
    "legacy_commune_name",
    "legacy_district_name",
    "legacy_province_name",
    "phone",
    "email",
    "opening_hours",
    "published",
)
CREDENTIAL_FIELDS = ("standard", "issuer", "issued_on", "valid_until")
FOREIGN_KEYS = {"province", "commune", "issuer", "scheme"}
SCOPE_KEY = ("credential_id", "field_id", "instrument_type_id", "product", "method")
BATCH = 2000


class RowConflict(Problem):
    messages = MESSAGES


@dataclass
class Entry:
    """A record as the file leaves it: new or stored, and what the file changed in it."""

    instance: object
    created_by: int | None = None  # the row that created it
    owner: "Entry | None" = None  # the organisation entry of a site or credential
    changed: set[str] = field(default_factory=set)  # attributes to update, for stored records
    given: dict[str, tuple[object, int]] = field(default_factory=dict)  # name -> (value, row)
    scope: set[tuple] = field(default_factory=set)  # a credential's scope lines


class RegistryUpsert:
    def __init__(self, records: list[RowRecord], province_id: int | None = None):
        """`province_id`: an import for one province (a provincial officer's) changes no stored
        record that lies in another province too (governance/scopes.py)."""
        self.records = records
        self.province_id = province_id
        self.organisations: dict[tuple, Entry] = {}
        self.sites: dict[tuple, Entry] = {}
        self.credentials: dict[tuple, Entry] = {}
        self.new_links: dict[tuple[int, int], tuple[Entry, Entry]] = {}
        self.new_scope: list[tuple[Entry, dict]] = []
        self.row_keys: dict[tuple, int] = {}
        self.row_entries: dict[int, tuple[Entry, ...]] = {}

    def apply(self):
        """Read what is stored and apply the rows without errors to it, in memory; rows may
        gain errors (a repeated row, a credential of another holder)."""
        self._load()
        for record in self.records:
            if not record.result.failed:
                self._apply(record)

    def write(self) -> list[int]:
        """Write what the rows changed; the ids of the sites created."""
        self._write()
        for record in self.records:
            entries = self.row_entries.get(record.number, ())
            names = ("organisation", "site", "credential")
            record.result.records = {n: e.instance.pk for n, e in zip(names, entries, strict=False)}
        return [e.instance.pk for e in self.sites.values() if e.created_by is not None]

    def organisation_ids(self) -> list[int]:
        """The organisations the rows touched, once written."""
        return [entry.instance.pk for entry in self.organisations.values()]

    def forget_new_ids(self):
        """After a rollback, the ids of the records a check created mean nothing."""
        for record in self.records:
            entries = self.row_entries.get(record.number, ())
            for name, entry in zip(("organisation", "site", "credential"), entries, strict=False):
                if entry.created_by:
                    record.result.records[name] = None

    # Reading what is stored

    def _load(self):
        self._units = {
            (level, code): pk
            for level, code, pk in AdministrativeUnit.objects.filter(current=True).values_list(
                "level", "code", "pk"
            )
        }
        self._stored_organisations = {}
        for organisation in Organisation.objects.only("pk", *ORGANISATION_FIELDS):
            key = ("name", words(organisation.name_vi))
            self._stored_organisations.setdefault(key, organisation)
            if organisation.tax_code:
                self._stored_organisations["tax", organisation.tax_code] = organisation
        organisation_ids = {o.pk for o in self._stored_organisations.values()}
        self._stored_sites = {
            (site.organisation_id, words(site.address)): site
            for site in Site.objects.filter(organisation_id__in=organisation_ids)
        }
        numbers = {r.credential["number"] for r in self.records if r.credential}
        credentials = Credential.objects.annotate(upper_number=Upper("number"))
        self._stored_credentials = {
            (c.scheme_id, c.upper_number): c
            for c in credentials.filter(upper_number__in=numbers).select_related("organisation")
        }
        ids = [c.pk for c in self._stored_credentials.values()]
        links = Credential.sites.through.objects.filter(credential_id__in=ids)
        self._stored_links = set(links.values_list("credential_id", "site_id"))
        self._stored_scope = defaultdict(set)
        for item in ScopeItem.objects.filter(credential_id__in=ids).values(*SCOPE_KEY):
            self._stored_scope[item.pop("credential_id")].add(_scope_key(item))
        self._held_elsewhere = self._records_elsewhere() if self.province_id else {}

    def _records_elsewhere(self) -> dict:
        """The stored records that lie (also) outside the import's province."""
        sites = Site.objects.exclude(province_id=self.province_id)
        links = Credential.sites.through.objects.exclude(site__province_id=self.province_id)
        return {
            Site: set(sites.values_list("pk", flat=True)),
            Organisation: set(sites.values_list("organisation_id", flat=True)),
            Credential: set(links.values_list("credential_id", flat=True)),
        }

    # Applying one row

    def _apply(self, record: RowRecord):
        organisation_key = _organisation_key(record.organisation)
        site_key = (organisation_key, words(record.site["address"]))
        credential = record.credential
        credential_key = (credential["scheme"].pk, credential["number"]) if credential else None
        if (site_key, credential_key) in self.row_keys:
            repeated = RowConflict("duplicate_row", row=self.row_keys[site_key, credential_key])
            record.problem(repeated)
            return
        organisation = self._organisation_entry(organisation_key, record)
        if credential and not self._may_hold(organisation, credential_key, record):
            return
        if self.province_id and not self._within_province(organisation, site_key, record):
            return
        self.row_keys[site_key, credential_key] = record.number
        self._merge(organisation, record.organisation, record, Organisation)
        site = self._site_entry(site_key, organisation, record)
        self._merge(site, self._site_values(record), record, Site)
        self._merge_location(site, record)
        entries = (organisation, site)
        if credential:
            entry = self._credential_entry(credential_key, organisation, record)
            values = {name: credential[name] for name in CREDENTIAL_FIELDS}
            self._merge(entry, values, record, Credential)
            self._link(entry, site, record)
            self._add_scope(entry, record)
            entries += (entry,)
        self.row_entries[record.number] = entries
        if any(entry.created_by == record.number for entry in entries):
            record.result.outcome = CREATED
        elif record.result.changes:
            record.result.outcome = UPDATED

    def _organisation_entry(self, key: tuple, record: RowRecord) -> Entry:
        if key not in self.organisations:
            stored = self._stored_organisations.get(key)
            if stored is None and key[0] == "tax":  # stored without a tax code, under its name
                name = ("name", words(record.organisation["name_vi"]))
                by_name = self._stored_organisations.get(name)
                stored = by_name if by_name and not by_name.tax_code else None
            self.organisations[key] = (
                Entry(stored) if stored else Entry(Organisation(), record.number)
            )
        return self.organisations[key]

    def _may_hold(self, organisation: Entry, credential_key: tuple, record: RowRecord) -> bool:
        stored = self._stored_credentials.get(credential_key)
        if stored is None or stored.organisation_id == organisation.instance.pk:
            return True
        conflict = RowConflict(
            "credential_of_another_organisation",
            number=stored.number,
            holder=stored.organisation.name_vi,
        )
        record.problem(conflict)
        return False

    def _within_province(self, organisation: Entry, site_key: tuple, record: RowRecord) -> bool:
        """Whether the row leaves alone every stored record that lies outside the province."""
        site = self._stored_sites.get((organisation.instance.pk, site_key[1]))
        touched = [(organisation, record.organisation), (site and Entry(site), {})]
        if record.credential:
            key = (record.credential["scheme"].pk, record.credential["number"])
            credential = self._stored_credentials.get(key)
            values = {name: record.credential[name] for name in CREDENTIAL_FIELDS}
            touched.append((Entry(credential) if credential else None, values))
        for entry, values in touched:
            stored = entry and entry.created_by is None and entry.instance
            elsewhere = stored and stored.pk in self._held_elsewhere[type(stored)]
            if elsewhere and (isinstance(stored, Site) or _differs(stored, values)):
                name = getattr(stored, "name_vi", None) or str(stored)
                record.problem(RowConflict("outside_import_province", name=name))
                return False
        return True

    def _site_entry(self, key: tuple, organisation: Entry, record: RowRecord) -> Entry:
        if key not in self.sites:
            stored = self._stored_sites.get((organisation.instance.pk, key[1]))
            entry = Entry(stored) if stored else Entry(Site(published=True), record.number)
            entry.owner = organisation
            self.sites[key] = entry
        return self.sites[key]

    def _credential_entry(self, key: tuple, organisation: Entry, record: RowRecord) -> Entry:
        if key not in self.credentials:
            stored = self._stored_credentials.get(key)
            if stored:
                entry = Entry(stored, scope=self._stored_scope[stored.pk])
            else:
                written = record.credential
                new = Credential(scheme=written["scheme"], number=written["number"])
                entry = Entry(new, record.number)
            entry.owner = organisation
            self.credentials[key] = entry
        return self.credentials[key]

    def _site_values(self, record: RowRecord) -> dict:
        values = {name: record.site[name] for name in SITE_FIELDS if name in record.site}
        for level in ("province", "commune"):
            code = values.get(level)
            values[level] = self._units[level, code] if code else None
        return values

    def _merge(self, entry: Entry, values: dict, record: RowRecord, model):
        """Set the values the row gives; a value another row already gave differently is kept
        and the difference reported."""
        for name, given in values.items():
            if given in ("", None, []):
                continue
            value = getattr(given, "pk", given)
            label = model._meta.get_field(name).verbose_name
            if name in entry.given and entry.given[name][0] != value:
                first, row = entry.given[name]
                conflict = RowConflict("conflicting_value", field=label, row=row, first=first)
                record.problem(conflict, None, WARNING)
                continue
            entry.given[name] = (value, record.number)
            attribute = f"{name}_id" if name in FOREIGN_KEYS else name
            before = getattr(entry.instance, attribute)
            if before != value:
                setattr(entry.instance, attribute, value)
                self._changed(entry, record, f"{model._meta.model_name}.{name}", before, value)
                entry.changed.add(attribute)

    def _changed(self, entry: Entry, record: RowRecord, name: str, before, after):
        if entry.created_by != record.number:
            record.result.changes[name] = [_plain(before), _plain(after)]

    def _merge_location(self, entry: Entry, record: RowRecord):
        point, site = record.point, entry.instance
        if point is None:
            return
        if site.location and PRECISION.index(site.location_method) < PRECISION.index(point.method):
            return  # the stored point is more precise than this one
        new = Point(round(point.lon, 7), round(point.lat, 7), srid=4326)
        if "location" in entry.given and entry.given["location"][0] != new.coords:
            first, row = entry.given["location"]
            label = Site._meta.get_field("location").verbose_name
            conflict = RowConflict("conflicting_value", field=label, row=row, first=first)
            record.problem(conflict, None, WARNING)
            return
        entry.given["location"] = (new.coords, record.number)
        values = {"location_method": point.method, "location_accuracy_m": point.accuracy_m}
        moved = site.location is None or site.location.distance(new) > 1e-7
        if not moved and all(getattr(site, k) == v for k, v in values.items()):
            return
        before = f"{site.location.y:.6f}, {site.location.x:.6f}" if site.location else ""
        self._changed(entry, record, "site.location", before, f"{new.y:.6f}, {new.x:.6f}")
        site.location = new
        for name, value in values.items():
            setattr(site, name, value)
        entry.changed |= {"location", *values}

    def _link(self, credential: Entry, site: Entry, record: RowRecord):
        pair = (credential.instance.pk, site.instance.pk)
        if (id(credential), id(site)) in self.new_links or pair in self._stored_links:
            return
        self.new_links[id(credential), id(site)] = (credential, site)
        self._changed(credential, record, "credential.sites", "", site.instance.name)

    def _add_scope(self, credential: Entry, record: RowRecord):
        for item in record.scope:
            key = _scope_key(item)
            if key not in credential.scope:
                credential.scope.add(key)
                self.new_scope.append((credential, item))
                self._changed(credential, record, "credential.scope", "", len(credential.scope))

    # Writing

    def _write(self):
        _save(Organisation, self.organisations.values())
        _save(Site, self._owned(self.sites))
        _save(Credential, self._owned(self.credentials))
        links = [
            Credential.sites.through(credential_id=c.instance.pk, site_id=s.instance.pk)
            for c, s in self.new_links.values()
        ]
        Credential.sites.through.objects.bulk_create(links, batch_size=BATCH)
        lines = [
            ScopeItem(
                credential_id=entry.instance.pk,
                method_reference=normalise_standard_reference(item.get("method", "")),
                **item,
            )
            for entry, item in self.new_scope
        ]
        ScopeItem.objects.bulk_create(lines, batch_size=BATCH)

    @staticmethod
    def _owned(entries: dict) -> list[Entry]:
        for entry in entries.values():
            entry.instance.organisation_id = entry.owner.instance.pk
        return list(entries.values())


def _save(model, entries):
    """Insert the new records, update the changed fields of the stored ones."""
    entries = list(entries)
    model.objects.bulk_create([e.instance for e in entries if e.created_by], batch_size=BATCH)
    changed = [e for e in entries if not e.created_by and e.changed]
    if changed:
        fields = sorted(set().union(*(e.changed for e in changed)) | {"updated_at"})
        model.objects.bulk_update([e.instance for e in changed], fields, batch_size=BATCH // 2)


def _differs(stored, values: dict) -> bool:
    """Whether a row's values would change a stored record (empty cells change nothing)."""
    for name, given in values.items():
        if given in ("", None, []):
            continue
        attribute = f"{name}_id" if name in FOREIGN_KEYS else name
        if getattr(stored, attribute) != getattr(given, "pk", given):
            return True
    return False


def near_duplicates(site_ids: list[int]) -> list[dict]:
    """Pairs of a new site and another site with the same name (case, diacritics, spaces and
    punctuation aside) within NEAR_DUPLICATE_METRES: reported for review, never merged."""
    if not site_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT new.id, new.name, other.id, other.name,
                   round(ST_Distance(new.location::geography, other.location::geography))
            FROM geodata_site new
            JOIN geodata_site other
              ON other.id <> new.id
             AND ST_DWithin(new.location, other.location, %(degrees)s)
             AND ST_DWithin(new.location::geography, other.location::geography, %(metres)s)
             AND regexp_replace(lower(unaccent(new.name)), '[^a-z0-9]+', '', 'g')
               = regexp_replace(lower(unaccent(other.name)), '[^a-z0-9]+', '', 'g')
            WHERE new.id = ANY(%(ids)s) AND (other.id > new.id OR NOT other.id = ANY(%(ids)s))
            ORDER BY new.id, other.id
            """,
            {
                "ids": site_ids,
                "metres": NEAR_DUPLICATE_METRES,
                "degrees": NEAR_DUPLICATE_METRES / 90_000,
            },
        )
        return [
            {"site": a, "name": a_name, "other_site": b, "other_name": b_name, "distance_m": int(d)}
            for a, a_name, b, b_name, d in cursor.fetchall()
        ]


def _organisation_key(values: dict) -> tuple:
    if values["tax_code"]:
        return ("tax", values["tax_code"])
    return ("name", words(values["name_vi"]))


def _scope_key(item: dict) -> tuple:
    """A scope line from the database (ids) or from a row (vocabulary records)."""
    return (
        item.get("field_id") or getattr(item.get("field"), "pk", None),
        item.get("instrument_type_id") or getattr(item.get("instrument_type"), "pk", None),
        item.get("product", ""),
        item.get("method", ""),
    )


def _plain(value):
    return value if isinstance(value, str | int | float | bool | list | type(None)) else str(value)
