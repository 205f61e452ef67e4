"""spaCy components registered by chipwatch (importing this package registers them)."""

from nlp.components.entities import Gazetteer, Linker  # noqa: F401
