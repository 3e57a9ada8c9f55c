"""Next-best products per person from co-purchase (item-to-item) similarity, with business
rules, a holdout evaluation and the messaging provider (decision 0021)."""
