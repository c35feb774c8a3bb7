"""Which registry records a user may see and change, as database filters (for every list) and
as checks of one record (for every object). The two must always agree: tests/governance checks it
with hypothesis.

The rule for a provincial officer of province P: a record "lies" in the provinces of its sites:
a site in its province, an organisation in those of its sites, a credential in those of the sites
it covers (or of its holder when it covers none), its events, scope and documents with it. The
officer sees a record that touches P and changes one that lies wholly in P. A record that lies in
no province yet (an organisation whose first site is still to be added) is open to every officer.
A representative sees the records of their own organisation and changes them only by proposing.
"""

from django.db.models import Exists, OuterRef, Q

from geodata.models import Credential, CredentialEvent, Document, Organisation, ScopeItem, Site
from governance.roles import Role, organisation_id_of, province_id_of, role_of

REGISTRY_MODELS = (Organisation, Site, Credential, CredentialEvent, ScopeItem, Document)
NOTHING = Q(pk__in=[])
EVERYTHING = Q()


# Database filters ------------------------------------------------------------------------------


def _sites_of_organisation(path):
    return Site.objects.filter(organisation_id=OuterRef(f"{path}id"))


def _covered_sites(path):
    return Credential.sites.through.objects.filter(credential_id=OuterRef(f"{path}id"))


def _organisation_q(path, province, wholly):
    sites = _sites_of_organisation(path)
    if wholly:
        return ~Exists(sites.exclude(province_id=province))
    return Exists(sites.filter(province_id=province)) | ~Exists(sites)


def _credential_q(path, province, wholly):
    covered = _covered_sites(path)
    by_holder = _organisation_q(f"{path}organisation__", province, wholly)
    if wholly:
        return ~Exists(covered.exclude(site__province_id=province)) & (Exists(covered) | by_holder)
    return Exists(covered.filter(site__province_id=province)) | (~Exists(covered) & by_holder)


def _officer_q(model, province, wholly):
    if model is Site:
        return Q(province_id=province)
    if model is Organisation:
        return _organisation_q("", province, wholly)
    if model is Credential:
        return _credential_q("", province, wholly)
    if model in (CredentialEvent, ScopeItem):
        return _credential_q("credential__", province, wholly)
    with_credential = Q(credential__isnull=False) & _credential_q("credential__", province, wholly)
    by_holder = Q(credential__isnull=True) & _organisation_q("organisation__", province, wholly)
    return with_credential | by_holder


def _organisation_field(model):
    if model is Organisation:
        return "id"
    if model in (CredentialEvent, ScopeItem):
        return "credential__organisation_id"
    return "organisation_id"


def visible_q(user, model) -> Q:
    """The records of `model` the user may see in the registry (published or not)."""
    role = role_of(user)
    if role == Role.ADMINISTRATOR:
        return EVERYTHING
    if role == Role.PROVINCIAL_OFFICER:
        return _officer_q(model, province_id_of(user), wholly=False)
    if role == Role.REPRESENTATIVE:
        return Q(**{_organisation_field(model): organisation_id_of(user)})
    return NOTHING


def changeable_q(user, model) -> Q:
    """The records of `model` the user may change or delete directly."""
    role = role_of(user)
    if role == Role.ADMINISTRATOR:
        return EVERYTHING
    if role == Role.PROVINCIAL_OFFICER:
        return _officer_q(model, province_id_of(user), wholly=True)
    return NOTHING


def change_requests_q(user) -> Q:
    """The change requests the user may see: those their province decides, or their
    organisation's own."""
    role = role_of(user)
    if role == Role.ADMINISTRATOR:
        return EVERYTHING
    if role == Role.PROVINCIAL_OFFICER:
        return Q(provinces__contains=[province_id_of(user)])
    if role == Role.REPRESENTATIVE:
        return Q(organisation_id=organisation_id_of(user))
    return NOTHING


def visible(user, queryset):
    return queryset.filter(visible_q(user, queryset.model))


def changeable(user, queryset):
    return queryset.filter(changeable_q(user, queryset.model))


# One record ------------------------------------------------------------------------------------


def provinces_of(record) -> set:
    """The ids of the provinces a record lies in (see the module's docstring)."""
    if isinstance(record, Site):
        return {record.province_id}
    if isinstance(record, Organisation):
        if record.pk is None:
            return set()
        return set(record.sites.values_list("province_id", flat=True))
    if isinstance(record, Credential):
        covered = set(record.sites.values_list("province_id", flat=True)) if record.pk else set()
        return covered or provinces_of(record.organisation)
    if isinstance(record, CredentialEvent | ScopeItem):
        return provinces_of(record.credential)
    if isinstance(record, Document):
        return provinces_of(record.credential or record.organisation)
    raise TypeError(f"not a registry record: {record!r}")


def organisation_id_of_record(record):
    if isinstance(record, Organisation):
        return record.pk
    if isinstance(record, CredentialEvent | ScopeItem):
        return record.credential.organisation_id
    return record.organisation_id


def officer_sees(province, record) -> bool:
    provinces = provinces_of(record)
    return province in provinces or not provinces


def officer_holds(province, record) -> bool:
    return provinces_of(record) <= {province}
