"""All tables, importable from one place (Alembic and the test harness need the full metadata)."""

from twofold.store.models.account_value import AccountValue, ContractValue, RenewalRateFit
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
from twofold.store.models.lists import StaticList, StaticListMember
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
from twofold.store.models.products import BundleComponent, PriceBook, PriceBookEntry, Product
from twofold.store.models.quotes import DealLineItem, Quote, QuoteLine
from twofold.store.models.segments import Segment
from twofold.store.models.sequences import (
    InboundEmail,
    SalesSequence,
    SequenceEnrollment,
    SequenceStepVisit,
)
from twofold.store.models.timeline import TimelineEntry
from twofold.store.models.users import ApiKey, User, WebSession

__all__ = [
    "Account",
    "AccountGroup",
    "AccountHealth",
    "AccountPotential",
    "AccountValue",
    "Activity",
    "ApiKey",
    "Base",
    "BundleComponent",
    "ConfigEntry",
    "ConsentChange",
    "ConsentState",
    "Contract",
    "ContractLine",
    "ContractRenewal",
    "ContractValue",
    "CustomFieldDefinition",
    "Deal",
    "DealForecastMonth",
    "DealLineItem",
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
    "InboundEmail",
    "Lead",
    "LeadAssignmentRule",
    "MarketingSpend",
    "Membership",
    "MessageTemplate",
    "OutboxMessage",
    "Person",
    "Pipeline",
    "PriceBook",
    "PriceBookEntry",
    "Product",
    "Quota",
    "Quote",
    "QuoteLine",
    "RenewalRateFit",
    "SalesSequence",
    "Segment",
    "SequenceEnrollment",
    "SequenceStepVisit",
    "Source",
    "SourceKey",
    "Stage",
    "StaticList",
    "StaticListMember",
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
