"""Word lists for companies, job titles, deals and activities in the demo company."""

from __future__ import annotations

from twofold.core.enums import ActivityKind


def _split(text: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in text.split(",") if word.strip())


BRAND_STARTS = _split(
    "North, South, East, West, Blue, Green, Red, Silver, Golden, Bright, Clear, Swift, Summit, "
    "Pine, Oak, Cedar, Maple, River, Lake, Harbor, Stone, Iron, Copper, Crystal, Star, Sun, "
    "Moon, Cloud, Sky, Ocean, Coral, Amber, Arc, Nova, Vertex, Apex, Zenith, True, Prime, Bold, "
    "Quantum, Pixel, Data, Core, Meridian, Atlas, Orion, Polar, Terra, Aqua, Vista, Crest, "
    "Ridge, Falcon, Eagle, Hawk, Fox, Wolf, Bear, Lion, Tiger, Otter, Lynx, Raven, Birch, "
    "Willow, Granite, Cobalt, Indigo, Scarlet"
)
BRAND_ENDS = _split(
    "wind, wave, field, stone, bridge, gate, point, line, works, forge, mark, path, way, light, "
    "spark, leaf, brook, peak, ridge, crest, port, view, dale, ford, haven, shore, rock, wood, "
    "vale, tech, soft, logic, ware, labs, scape, sphere, grid, stream, flow, hub"
)

# Industry, then the nouns that fit in its company names.
INDUSTRIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Software", _split("Software, Systems, Labs, Technologies, Digital, Cloud")),
    ("IT services", _split("IT, Solutions, Consulting, Integration, Services")),
    ("Manufacturing", _split("Manufacturing, Industries, Engineering, Components, Machines")),
    ("Logistics", _split("Logistics, Freight, Shipping, Transport, Cargo")),
    ("Retail", _split("Retail, Stores, Outfitters, Market, Goods")),
    ("Financial services", _split("Capital, Financial, Partners, Investments, Bank")),
    ("Insurance", _split("Insurance, Assurance, Mutual, Underwriters")),
    ("Healthcare", _split("Health, Medical, Clinics, Care, Diagnostics")),
    ("Pharmaceuticals", _split("Pharma, Therapeutics, Biosciences, Laboratories")),
    ("Energy", _split("Energy, Power, Renewables, Utilities, Solar")),
    ("Telecommunications", _split("Telecom, Networks, Communications, Connect")),
    ("Media", _split("Media, Studios, Publishing, Broadcasting")),
    ("Education", _split("Learning, Academy, Education, Institute")),
    ("Construction", _split("Construction, Builders, Contractors, Infrastructure")),
    ("Real estate", _split("Properties, Realty, Estates, Developments")),
    ("Hospitality", _split("Hotels, Hospitality, Resorts, Travel")),
    ("Food and beverage", _split("Foods, Brewing, Kitchens, Beverages, Bakeries")),
    ("Automotive", _split("Motors, Automotive, Mobility, Parts")),
    ("Aerospace", _split("Aerospace, Aviation, Dynamics, Avionics")),
    ("Consulting", _split("Consulting, Advisory, Partners, Associates")),
    ("Agriculture", _split("Agri, Farms, Harvest, Seeds")),
    ("Chemicals", _split("Chemicals, Materials, Polymers, Coatings")),
    ("Marketing services", _split("Marketing, Creative, Agency, Communications")),
    ("Security", _split("Security, Defense, Protection, Identity")),
)
PARTNER_INDUSTRIES = ("IT services", "Consulting")
GROUP_WORDS = _split("Group, Holdings, International, Global")

DEPARTMENTS = (
    "Executive",
    "Sales",
    "Marketing",
    "Finance",
    "IT",
    "Engineering",
    "Operations",
    "Procurement",
    "Legal",
)
DEPARTMENT_WEIGHTS = (3, 20, 12, 10, 12, 18, 15, 6, 4)
CEO_TITLES = _split("Chief Executive Officer, CEO, Managing Director, Founder & CEO, President")
# Department → (head titles, manager titles, staff titles).
DEPARTMENT_TITLES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "Executive": (
        _split("Chief Operating Officer, Chief Strategy Officer"),
        _split("Chief of Staff, Executive Assistant to the CEO"),
        _split("Executive Assistant, Strategy Analyst, Board Secretary"),
    ),
    "Sales": (
        _split("Chief Revenue Officer, VP Sales, Head of Sales"),
        _split("Sales Manager, Regional Sales Director, Head of Sales Operations"),
        _split(
            "Account Executive, Sales Development Representative, Key Account Manager, "
            "Sales Operations Analyst"
        ),
    ),
    "Marketing": (
        _split("Chief Marketing Officer, VP Marketing, Head of Marketing"),
        _split("Marketing Manager, Head of Demand Generation, Brand Manager"),
        _split("Marketing Specialist, Content Marketer, Campaign Manager, Marketing Analyst"),
    ),
    "Finance": (
        _split("Chief Financial Officer, VP Finance, Finance Director"),
        _split("Controller, Finance Manager, Head of FP&A"),
        _split("Financial Analyst, Accountant, Accounts Payable Specialist"),
    ),
    "IT": (
        _split("Chief Information Officer, VP IT, Head of IT"),
        _split("IT Manager, Head of Infrastructure, Security Manager"),
        _split("Systems Administrator, IT Analyst, Security Engineer, Service Desk Lead"),
    ),
    "Engineering": (
        _split("Chief Technology Officer, VP Engineering, Head of Engineering"),
        _split("Engineering Manager, Principal Engineer, Head of Product"),
        _split(
            "Software Engineer, Senior Software Engineer, Solutions Architect, "
            "Data Engineer, Product Manager"
        ),
    ),
    "Operations": (
        _split("Chief Operating Officer, VP Operations, Head of Operations"),
        _split("Operations Manager, Plant Manager, Supply Chain Manager"),
        _split("Operations Analyst, Logistics Coordinator, Project Manager"),
    ),
    "Procurement": (
        _split("Chief Procurement Officer, Head of Procurement"),
        _split("Procurement Manager, Category Manager"),
        _split("Buyer, Procurement Specialist, Vendor Manager"),
    ),
    "Legal": (
        _split("General Counsel, Head of Legal"),
        _split("Legal Counsel, Compliance Manager"),
        _split("Paralegal, Contract Manager, Privacy Officer"),
    ),
}
ADVISOR_TITLES = _split("Board Member, Advisor, Non-Executive Director")

OFFERINGS = _split(
    "Platform licence, Enterprise expansion, Pilot, Analytics add-on, Multi-year agreement, "
    "Data migration project, Regional rollout, Premium support, Team plan upgrade, "
    "Integration package, Security module, Onboarding services"
)
CONSUMER_OFFERINGS = _split(
    "Premium membership, Family plan, Annual subscription, Home installation, Lifetime licence"
)
RENEWAL_NAME = "Renewal"
COMPETITORS = _split(
    "Globex, Initech, Umbrella Systems, Hooli, Vandelay Industries, Soylent Analytics, "
    "Stark Solutions, Wayne Data, Cyberdyne Software, Tyrell Cloud, Massive Dynamic, "
    "Oscorp Digital, Wonka Works, Acme Platforms"
)
LOST_REASONS = _split(
    "Price too high, Chose a competitor, No budget, No decision / stalled, Bad timing, "
    "Missing feature, Lost our champion, Built it in-house, Failed security review, "
    "Went silent"
)
COMPETITOR_LOSS = "Chose a competitor"
NEXT_STEPS = _split(
    "Send revised proposal, Schedule security review, Book demo for the IT team, "
    "Confirm budget with finance, Introduce our solutions architect, Share reference customers, "
    "Agree on pilot success criteria, Review contract redlines with legal, "
    "Get sign-off from the economic buyer, Align on implementation timeline, "
    "Send pricing for the multi-year option, Follow up after their board meeting"
)
DEAL_SOURCES = ("inbound", "outbound", "referral", "partner", "event", "web")
DEAL_SOURCE_WEIGHTS = (25, 30, 12, 8, 10, 15)

OBJECTIONS = _split(
    "Too expensive for this year's budget, We already use a competitor, "
    "Implementation looks too long, Not a priority right now, Worried about data migration, "
    "Need approval from headquarters, Security team has concerns, Missing integration with "
    "our ERP, Contract term is too long, We need references in our industry"
)

# Kind → subject templates; ``{name}`` is the account or person the activity is about.
SUBJECTS: dict[str, tuple[str, ...]] = {
    ActivityKind.CALL.value: _split(
        "Discovery call with {name}, Follow-up call with {name}, Pricing questions from {name}, "
        "Check-in call with {name}, Intro call with {name}, Renewal call with {name}"
    ),
    ActivityKind.MEETING.value: _split(
        "Kick-off meeting with {name}, Quarterly business review with {name}, "
        "Stakeholder meeting at {name}, Lunch with the team at {name}, "
        "Executive alignment with {name}"
    ),
    ActivityKind.EMAIL.value: _split(
        "Re: next steps with {name}, Case study for {name}, Meeting recap for {name}, "
        "Pricing overview for {name}, Re: security questionnaire from {name}, "
        "Intro to our team for {name}"
    ),
    ActivityKind.NOTE.value: _split(
        "Org chart notes for {name}, Budget cycle at {name}, Notes from the trade show about "
        "{name}, Champion update at {name}, Competitive notes on {name}"
    ),
    ActivityKind.TASK.value: _split(
        "Send follow-up to {name}, Prepare proposal for {name}, Update forecast for {name}, "
        "Book demo with {name}, Chase signature from {name}, Research {name} before the call"
    ),
    ActivityKind.DEMO.value: _split(
        "Product demo for {name}, Technical deep dive with {name}, Admin console demo for {name}"
    ),
    ActivityKind.PROPOSAL.value: _split(
        "Proposal sent to {name}, Revised proposal for {name}, Final offer to {name}"
    ),
    ActivityKind.SUPPORT.value: _split(
        "Login problems at {name}, Data import failing for {name}, Slow reports at {name}, "
        "Invoice question from {name}, Integration error at {name}"
    ),
}
BODIES: dict[str, tuple[str, ...]] = {
    ActivityKind.CALL.value: (
        "Walked through their current process and where it breaks. Agreed to send a summary.",
        "They asked about volume pricing and the onboarding timeline.",
        "Short call; they are waiting for budget approval next month.",
    ),
    ActivityKind.MEETING.value: (
        "Met the wider team. Operations is enthusiastic, finance wants a clearer ROI case.",
        "Reviewed the rollout plan and the open questions from procurement.",
        "Good energy in the room; the sponsor will present internally next week.",
    ),
    ActivityKind.EMAIL.value: (
        "Thanks for your time today. As promised, here is the summary and the next steps.",
        "Following up on our conversation: attached are the pricing options we discussed.",
        "Sharing two customer stories from your industry, as requested.",
    ),
    ActivityKind.NOTE.value: (
        "The budget cycle starts in October; decisions above 50k need board approval.",
        "New VP joined last month and is reviewing all vendors.",
        "They trialled a competitor last year and were unhappy with support.",
    ),
    ActivityKind.TASK.value: (
        "Include the security whitepaper and the data processing agreement.",
        "Use the multi-year pricing template.",
    ),
    ActivityKind.DEMO.value: (
        "Showed reporting, the admin console and the integrations. Strong interest in reporting.",
        "Technical audience; deep questions on SSO and data residency.",
    ),
    ActivityKind.PROPOSAL.value: (
        "Three-year term with an implementation package and premium support.",
        "Revised scope after procurement feedback; discount within the approved range.",
    ),
    ActivityKind.SUPPORT.value: (
        "Reproduced the problem; engineering has a ticket.",
        "Workaround sent; waiting for the customer to confirm.",
    ),
}
OUTCOMES: dict[str, tuple[str, ...]] = {
    ActivityKind.CALL.value: _split("Connected, Left voicemail, No answer, Call back later"),
    ActivityKind.MEETING.value: _split("Positive, Neutral, Needs follow-up, Rescheduled"),
    ActivityKind.DEMO.value: _split("Went well, Mixed reactions, Requested second demo"),
    ActivityKind.PROPOSAL.value: _split("Sent, Under review, Accepted, Pushed back on price"),
    ActivityKind.EMAIL.value: _split("Replied, No reply yet"),
}
LOYALTY_TIERS = ("bronze", "silver", "gold", "platinum")
