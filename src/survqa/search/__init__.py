"""The question's path, one public stage a module, in order:

1. :func:`survqa.search.query.prepare` — question → :class:`~survqa.search.query.Query`
2. :func:`survqa.search.retrieve.retrieve` — candidate passages (dense + BM25, fused)
3. :func:`survqa.search.rank.rank` — every candidate sentence scored as an answer
4. :func:`survqa.search.select.select` — excerpt windows around the best sentences
5. :func:`survqa.search.calibrate.calibrate` — abstention and confidence labels
6. :func:`survqa.search.assemble.assemble` — verbatim excerpts → :class:`~survqa.records.Answer`
"""
