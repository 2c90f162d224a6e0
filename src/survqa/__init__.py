"""survqa: verbatim, cited answers from a French corpus on mass surveillance in China."""

from survqa.answer import Assistant, ask, default_assistant
from survqa.errors import SurvqaError
from survqa.records import Answer, Citation, Document, Excerpt, Passage
from survqa.settings import Settings

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "Document",
    "Excerpt",
    "Passage",
    "Settings",
    "SurvqaError",
    "ask",
    "default_assistant",
]
__version__ = "0.1.0"
