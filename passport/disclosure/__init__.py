"""Who may see what: access tiers, the restrictions declared on the schema or by the issuer,
who each reader is, and the view of a document a tier may see."""
