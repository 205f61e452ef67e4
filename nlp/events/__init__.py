"""Typed chip / export-control / sanction events: rules (lexicon), models, arguments, training.

The event types and mechanisms themselves are chipwatch's vocabulary (core/vocab.py), shared by
every stage that stores, filters or checks them.
"""
