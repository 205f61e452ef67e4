"""Errors of the NLP layer that the command line turns into one clear line (importable without spaCy)."""


class PipelineError(RuntimeError):
    """A model that cannot be loaded, or a worker process that died while analysing."""
