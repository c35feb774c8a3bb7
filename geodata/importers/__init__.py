"""Reading the registry spreadsheets that exist today: files, columns, values, coordinates and
geocoding, as pure functions; the writes are in geodata.services."""
