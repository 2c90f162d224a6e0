"""The errors survqa raises; each message says what to do next."""


class SurvqaError(Exception):
    """Base class of every error raised by survqa."""


class CorpusError(SurvqaError):
    """The corpus folder or its catalog is missing or unreadable."""


class IndexMissingError(SurvqaError):
    """No index exists where one was expected."""


class IndexMismatchError(SurvqaError):
    """The index was built with another model, dimension, format or corpus."""


class IndexDamagedError(SurvqaError):
    """A file of the index is missing, truncated or fails its checksum."""


class EmbedderError(SurvqaError):
    """A model (the embedder or the optional reranker) could not be loaded or used."""


class IngestError(SurvqaError):
    """A document could not be added to the corpus."""


class BackendError(SurvqaError):
    """The search engine holding the index (a Milvus server) is unreachable or failing."""
