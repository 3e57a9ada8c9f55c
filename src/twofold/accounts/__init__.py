"""Accounts (organisations and their hierarchies) and memberships (people at accounts)."""
