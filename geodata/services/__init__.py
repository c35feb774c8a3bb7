"""Writes to the registry: each public function is one transaction."""

from geodata.services.reference import load_reference_data
from geodata.services.registry_import import ImportOptions, confirm_import, import_registry

__all__ = ["ImportOptions", "confirm_import", "import_registry", "load_reference_data"]
