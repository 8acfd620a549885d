"""The ``kreislauf`` command line: a thin edge over the domain, one module per command family.

``main`` holds the command group and the entry point; ``database`` how a command reaches the
registry's database; ``serving`` sets up and serves a registry (init-db, run, demo);
``organisations`` registers organisations and their people; ``repair_data`` moves ORDS data in
and out; ``labels`` prints label sheets; ``log`` audits and witnesses the transparency log.
"""
