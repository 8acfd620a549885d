"""Moving a passport between registries (issue 14, point 5): ``moving`` (out), ``arriving``
(in, from the old registry's proof bundle), ``tables`` (the rows their leaves commit to)."""
