"""Reading documents: catalogs, the seeds and the library folders, content paragraphs,
and text extraction from the files a user adds."""
