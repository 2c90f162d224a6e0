"""Web and PDF furniture of the seeds that cleaning must remove: none of these strings may
appear in a cleaned paragraph (tests/test_corpus.py) or a passage (tests/test_chunking.py)."""

BOILERPLATE = [
    "Publicité",
    "EN CONTINU",
    "l'édition du jour",
    "Newsletter",
    "![]()",
    "Wikimedia |",
    "mra/liu/tq/rhl",
    "Image d'illustration",
    "Darko Vojinovic",
    "► Pour en savoir plus",
    "Pour en savoir plus",
    "De notre correspondant",
    "fournir leur niveau de",
    "Un vaste dispositif de surveillance, des incitations et des évaluations",
    " |",
    "►",
    "Wikimedia",
]
