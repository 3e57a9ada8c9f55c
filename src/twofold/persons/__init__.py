"""Persons: leads, contacts and consumers in one record."""
