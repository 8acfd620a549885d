"""GS1 identifiers: syntax, check digits, Digital Link structure and a product's identity."""
