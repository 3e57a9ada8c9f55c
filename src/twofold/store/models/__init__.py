"""All tables, importable from one place (Alembic and the test harness need the full metadata)."""

from twofold.store.models.accounts import Account, Membership
from twofold.store.models.activities import (
    Activity,
    activity_accounts,
    activity_deals,
    activity_persons,
)
from twofold.store.models.base import Base
from twofold.store.models.contracts import Contract, ContractLine, ContractRenewal
from twofold.store.models.customfields import CustomFieldDefinition
from twofold.store.models.deals import Deal, DealPartner, DealStageVisit, DealStakeholder
from twofold.store.models.duplicates import DuplicateCandidate
from twofold.store.models.economics import MarketingSpend
from twofold.store.models.flows import Flow, FlowRun, FlowStepVisit
from twofold.store.models.forecasting import (
    DealForecastMonth,
    ExchangeRate,
    ForecastSubmission,
    Quota,
)
from twofold.store.models.ingestion import (
    AccountGroup,
    IdentityConflict,
    IdentityMapping,
    Source,
    SourceKey,
)
from twofold.store.models.intelligence import (
    AccountHealth,
    AccountPotential,
    ConfigEntry,
    HealthSnapshot,
)
from twofold.store.models.leads import FormSubmission, Lead, LeadAssignmentRule, WebForm
from twofold.store.models.messaging import (
    ConsentChange,
    ConsentState,
    FeedCursor,
    MessageTemplate,
    OutboxMessage,
    Suppression,
    WebhookDelivery,
    WebhookSubscription,
)
from twofold.store.models.persons import Person
from twofold.store.models.pipelines import Pipeline, Stage
from twofold.store.models.segments import Segment
from twofold.store.models.timeline import TimelineEntry
from twofold.store.models.users import ApiKey, User, WebSession

__all__ = [
    "Account",
    "AccountGroup",
    "AccountHealth",
    "AccountPotential",
    "Activity",
    "ApiKey",
    "Base",
    "ConfigEntry",
    "ConsentChange",
    "ConsentState",
    "Contract",
    "ContractLine",
    "ContractRenewal",
    "CustomFieldDefinition",
    "Deal",
    "DealForecastMonth",
    "DealPartner",
    "DealStageVisit",
    "DealStakeholder",
    "DuplicateCandidate",
    "ExchangeRate",
    "FeedCursor",
    "Flow",
    "FlowRun",
    "FlowStepVisit",
    "ForecastSubmission",
    "FormSubmission",
    "HealthSnapshot",
    "IdentityConflict",
    "IdentityMapping",
    "Lead",
    "LeadAssignmentRule",
    "MarketingSpend",
    "Membership",
    "MessageTemplate",
    "OutboxMessage",
    "Person",
    "Pipeline",
    "Quota",
    "Segment",
    "Source",
    "SourceKey",
    "Stage",
    "Suppression",
    "TimelineEntry",
    "User",
    "WebForm",
    "WebSession",
    "WebhookDelivery",
    "WebhookSubscription",
    "activity_accounts",
    "activity_deals",
    "activity_persons",
]
