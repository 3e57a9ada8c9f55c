"""Messaging: consent, suppressions, templates, the outbox and its senders (email over SMTP,
SMS and push through HTTP providers), smart sending, tracking, and outgoing webhooks.

See docs/decisions/0017-messaging.md.
"""
