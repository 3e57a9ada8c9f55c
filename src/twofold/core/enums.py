"""The lower-case enumerations of the data model (product.md's glossary)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a user may do."""

    ADMIN = "admin"
    MANAGER = "manager"
    REP = "rep"
    MARKETER = "marketer"
    VIEWER = "viewer"


class LifecycleStage(StrEnum):
    """Where a person stands in the funnel."""

    SUBSCRIBER = "subscriber"
    LEAD = "lead"
    MQL = "mql"
    SQL = "sql"
    OPPORTUNITY = "opportunity"
    CUSTOMER = "customer"
    EVANGELIST = "evangelist"
    OTHER = "other"


class AccountLifecycle(StrEnum):
    """The relationship with an organisation."""

    PROSPECT = "prospect"
    CUSTOMER = "customer"
    FORMER_CUSTOMER = "former_customer"
    PARTNER = "partner"
    COMPETITOR = "competitor"
    OTHER = "other"


class AccountTier(StrEnum):
    """How much attention an account gets."""

    STRATEGIC = "strategic"
    ENTERPRISE = "enterprise"
    MID_MARKET = "mid_market"
    SMB = "smb"


class BuyingRole(StrEnum):
    """A person's part in a buying decision (a superset of Salesforce's and SuiteCRM's)."""

    DECISION_MAKER = "decision_maker"
    ECONOMIC_BUYER = "economic_buyer"
    TECHNICAL_EVALUATOR = "technical_evaluator"
    BUSINESS_USER = "business_user"
    APPROVER = "approver"
    SPECIFIER = "specifier"
    INFLUENCER = "influencer"
    REVIEWER = "reviewer"
    CHAMPION = "champion"
    BLOCKER = "blocker"
    EXECUTIVE_SPONSOR = "executive_sponsor"
    PROCUREMENT = "procurement"
    OTHER = "other"


class Sentiment(StrEnum):
    """How a stakeholder feels about the deal."""

    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"
    UNKNOWN = "unknown"


class PartnerRole(StrEnum):
    """What a channel partner does on a deal."""

    RESELLER = "reseller"
    VAR = "var"
    INSTALLER = "installer"
    REFERRER = "referrer"
    DISTRIBUTOR = "distributor"


class StageKind(StrEnum):
    """Whether a stage is still open or closes the deal."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"


class ForecastCategory(StrEnum):
    """Forecast categories, as in the forecast API."""

    PIPELINE = "pipeline"
    BEST_CASE = "best_case"
    COMMIT = "commit"
    OMITTED = "omitted"
    CLOSED = "closed"


class ActivityKind(StrEnum):
    """What kind of interaction an activity records."""

    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    NOTE = "note"
    TASK = "task"
    DEMO = "demo"
    PROPOSAL = "proposal"
    # A customer's support issue: open until ``done_at`` is set (account health reads it).
    SUPPORT = "support"


class RecordType(StrEnum):
    """Records that have a timeline."""

    ACCOUNT = "account"
    PERSON = "person"
    DEAL = "deal"
    ACTIVITY = "activity"
    USER = "user"
    PIPELINE = "pipeline"
    EXCHANGE_RATE = "exchange_rate"
    CONTRACT = "contract"
    QUOTE = "quote"
    PRODUCT = "product"
    LEAD = "lead"
    FORM = "form"


class CustomFieldType(StrEnum):
    """The types an admin can give a custom field."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"
    BOOLEAN = "boolean"


class ContractStatus(StrEnum):
    """Where a contract stands; only drafts carry no revenue."""

    DRAFT = "draft"
    ACTIVE = "active"
    ENDED = "ended"
    CANCELLED = "cancelled"


class BillingPeriod(StrEnum):
    """How often a contract is invoiced (the MRR is the same whatever the period)."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"
    ONE_TIME = "one_time"


class AbmStatus(StrEnum):
    """Where an account stands for account-based marketing."""

    CUSTOMER = "customer"
    IN_PIPELINE = "in_pipeline"
    NURTURE = "nurture"
    COLD = "cold"


class QuoteStatus(StrEnum):
    """Where a quote stands: draft → (pending_approval → approved →) sent → a decision."""

    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"


class LeadStatus(StrEnum):
    """Where a lead stands in qualification; ``converted`` is final."""

    NEW = "new"
    WORKING = "working"
    QUALIFIED = "qualified"
    DISQUALIFIED = "disqualified"
    CONVERTED = "converted"


class SpendPurpose(StrEnum):
    """What marketing spend was for: winning new customers (CAC) or keeping them."""

    ACQUISITION = "acquisition"
    RETENTION = "retention"
