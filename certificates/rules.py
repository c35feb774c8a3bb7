"""Who may register, see and revoke issued certificates, registered with django-rules as the
registry's permissions are (governance/rules.py): a representative for the sites of their own
organisation, a provincial officer for the sites of their province, a central administrator for
all. A record here is a site or a certificate (judged by its issuing site). `sites_q` says the
same in SQL, for lists."""

import rules
from django.db.models import Q

from geodata.models import Site
from governance.roles import Role, organisation_id_of, province_id_of, role_of
from governance.rules import is_administrator, is_officer, is_representative
from governance.scopes import EVERYTHING, NOTHING


def _site_of(record):
    return record if isinstance(record, Site) else record.site


@rules.predicate
def site_in_own_province(user, record):
    return record is None or _site_of(record).province_id == province_id_of(user)


@rules.predicate
def site_of_own_organisation(user, record):
    return record is None or _site_of(record).organisation_id == organisation_id_of(user)


may_issue = (
    is_administrator
    | (is_officer & site_in_own_province)
    | (is_representative & site_of_own_organisation)
)
rules.add_perm("certificates.view_certificate", may_issue)
rules.add_perm("certificates.add_certificate", may_issue)
rules.add_perm("certificates.revoke_certificate", may_issue)
# A signed certificate is never edited nor deleted: it is revoked. Keys and the log are
# written by the application only; every role of the registry may read them.
is_registry_user = is_administrator | is_officer | is_representative
for model_name in ("signingkey", "logentry", "checkpoint"):
    rules.add_perm(f"certificates.view_{model_name}", is_registry_user)


def sites_q(user, path="") -> Q:
    """The sites (at `path`: "site__" for certificates) the user may issue for."""
    role = role_of(user)
    if role == Role.ADMINISTRATOR:
        return EVERYTHING
    if role == Role.PROVINCIAL_OFFICER:
        return Q(**{f"{path}province_id": province_id_of(user)})
    if role == Role.REPRESENTATIVE:
        return Q(**{f"{path}organisation_id": organisation_id_of(user)})
    return NOTHING
