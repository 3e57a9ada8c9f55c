"""A template rendered for a chosen person, as they would get it (nothing is queued or sent):
the same context as a real message — their name, traits, recommendations from the running
model, the message's variables — through the same sandboxed rendering."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from twofold.core.settings import Settings
from twofold.events.store import EventStore
from twofold.messaging import templates
from twofold.messaging.compose import LinkSettings, context_for
from twofold.messaging.suppressions import ensure_can_manage_audience
from twofold.messaging.templates import Rendered
from twofold.recommendations.catalogue import records_catalogue
from twofold.recommendations.serving import ItemToItemProvider
from twofold.store.models import MessageTemplate, OutboxMessage, Person, User


def preview_for_person(
    session: Session,
    store: EventStore,
    *,
    actor: User,
    template: MessageTemplate,
    person: Person,
    settings: Settings,
    variables: dict[str, Any],
) -> Rendered:
    """``template`` rendered for ``person`` with ``variables`` (links not yet tracked)."""
    ensure_can_manage_audience(actor)
    draft = OutboxMessage(
        id=0,
        person_id=person.id,
        channel=template.channel,
        purpose="marketing",
        variables=variables,
    )
    links = LinkSettings(
        base=settings.link_base, secret_key=settings.secret_key, email_from=settings.email_from
    )
    catalogue = records_catalogue(session, base_currency=settings.base_currency)
    provider = ItemToItemProvider(store, catalogue=lambda: catalogue)
    context = context_for(person, draft, links=links, recommendations=provider)
    return templates.render(template, context)
