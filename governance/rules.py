"""The permissions of the four roles, registered with django-rules: `user.has_perm(name, obj)`
everywhere (admin, API, imports, exports), never a check written in a view. Without an object a
permission answers "may this user do it to some record"; with one, "to this record". The lists
filter with governance.scopes, which says the same thing in SQL."""

import rules

from governance import scopes
from governance.roles import Role, organisation_id_of, province_id_of, role_of


@rules.predicate
def is_administrator(user):
    return role_of(user) == Role.ADMINISTRATOR


@rules.predicate
def is_officer(user):
    return role_of(user) == Role.PROVINCIAL_OFFICER


@rules.predicate
def is_representative(user):
    return role_of(user) == Role.REPRESENTATIVE


@rules.predicate
def sees_in_own_province(user, record):
    return record is None or scopes.officer_sees(province_id_of(user), record)


@rules.predicate
def lies_in_own_province(user, record):
    return record is None or scopes.officer_holds(province_id_of(user), record)


@rules.predicate
def of_own_organisation(user, record):
    return record is None or scopes.organisation_id_of_record(record) == organisation_id_of(user)


@rules.predicate
def decided_in_own_province(user, change_request):
    return change_request is None or province_id_of(user) in change_request.provinces


@rules.predicate
def proposed_for_own_organisation(user, change_request):
    return change_request is None or change_request.organisation_id == organisation_id_of(user)


@rules.predicate
def owns_token(user, token):
    return token is None or token.user_id == user.pk


may_view = (
    is_administrator
    | (is_officer & sees_in_own_province)
    | (is_representative & of_own_organisation)
)
may_change = is_administrator | (is_officer & lies_in_own_province)

for model in scopes.REGISTRY_MODELS:
    name = f"geodata.%s_{model._meta.model_name}"
    rules.add_perm(name % "view", may_view)
    rules.add_perm(name % "add", may_change)
    rules.add_perm(name % "change", may_change)
    rules.add_perm(name % "delete", may_change)

# A representative changes their organisation's organisation, sites and documents by proposal.
for model_name in ("organisation", "site", "document"):
    rules.add_perm(f"geodata.propose_{model_name}", is_representative & of_own_organisation)

may_decide = is_administrator | (is_officer & decided_in_own_province)
rules.add_perm(
    "governance.view_changerequest",
    may_decide | (is_representative & proposed_for_own_organisation),
)
rules.add_perm("governance.decide_changerequest", may_decide)

may_hold_tokens = is_administrator | is_officer | is_representative
rules.add_perm("governance.view_apitoken", is_administrator | (may_hold_tokens & owns_token))
rules.add_perm("governance.add_apitoken", may_hold_tokens)
rules.add_perm("governance.revoke_apitoken", is_administrator | (may_hold_tokens & owns_token))

# Reference data (authorities, schemes, vocabularies, administrative units): every role of the
# registry reads it (the forms choose from it); central administrators keep it.
is_registry_user = is_administrator | is_officer | is_representative
for model_name in (
    "authority", "scheme", "field", "instrumenttype", "administrativeunit", "unitsuccession",
):  # fmt: skip
    rules.add_perm(f"geodata.view_{model_name}", is_registry_user)
    for action in ("add", "change", "delete"):
        rules.add_perm(f"geodata.{action}_{model_name}", is_administrator)
for action in ("view", "add", "change", "delete"):
    rules.add_perm(f"geodata.{action}_guide", is_administrator)


@rules.predicate
def imported_for_own_province(user, run):
    return run is None or run.province_id == province_id_of(user)


# Bulk imports: an officer imports for their own province only (the rows elsewhere are errors).
rules.add_perm(
    "geodata.view_importrun", is_administrator | (is_officer & imported_for_own_province)
)
rules.add_perm("geodata.add_importrun", is_administrator | is_officer)

# The registry-wide history listing spans every province: central administrators only (each
# record's own History page follows the record's rules).
rules.add_perm("geodata.view_registryevent", is_administrator)
