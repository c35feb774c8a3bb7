"""The permissions of the field-visit records, registered with django-rules as the registry's
are (governance/rules.py): a central administrator may do anything with them, a provincial
officer with those of the sites (and the plans) of their province but deleting visits, their
files and complaints, nobody else anything. The
lists filter with inspections.selectors, which says the same thing in SQL."""

import rules

from governance.roles import province_id_of
from governance.rules import is_administrator, is_officer
from inspections.models import Attachment, Complaint, Plan, Stop, Visit


def province_of(record):
    """The id of the province a record concerns: its site's, or its plan's (None for a
    national plan, or a record not yet given its site)."""
    if isinstance(record, Plan):
        return record.province_id
    if isinstance(record, Stop):
        return record.plan.province_id
    if isinstance(record, Attachment):
        record = record.visit
    return record.site.province_id if record.site_id else None


@rules.predicate
def concerns_own_province(user, record):
    return record is None or province_of(record) == province_id_of(user)


may_handle = is_administrator | (is_officer & concerns_own_province)

for model in (Complaint, Plan, Stop, Visit, Attachment):
    for action in ("view", "add", "change", "delete"):
        # What was found and what was complained of is a record: only a central administrator
        # deletes it. An officer deletes their province's plans.
        keeps_record = action == "delete" and model is not Plan
        rule = is_administrator if keeps_record else may_handle
        rules.add_perm(f"inspections.{action}_{model._meta.model_name}", rule)
