"""spaCy components registered by chipwatch (importing this package registers them)."""

from nlp.components.entities import Gazetteer, Linker  # noqa: F401
from nlp.components.script_norm import FoldNorm  # noqa: F401
from nlp.components.filters import NameFilter  # noqa: F401
