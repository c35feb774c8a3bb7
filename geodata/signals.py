"""Signals of the registry for what is derived from it (the published layers).

`registry_changed` is sent by the bulk writers (imports, the demo loader, reference data),
which bypass the models' own signals, inside their transaction: `organisation_ids`, the
organisations whose records changed, or None when anything may have changed."""

from django.dispatch import Signal

registry_changed = Signal()
