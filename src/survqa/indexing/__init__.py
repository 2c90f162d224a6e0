"""Building and loading the index folder: sentences and passages, vectors, BM25, the
backend that searches them, and the manifest that says what they were built from."""
