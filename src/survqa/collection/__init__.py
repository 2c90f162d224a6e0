"""The collection: the documents of the seeds and the library, with an index kept current."""
