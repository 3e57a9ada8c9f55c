"""Custom fields that admins define on accounts, persons and deals."""
