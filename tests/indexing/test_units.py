from survqa.indexing.units import (
    BYLINE,
    CAPTION,
    CREDIT,
    FRAGMENT,
    REFERENCE,
    SHARE,
    Unit,
    classify_units,
    is_citation,
)


def _doc(paragraphs: list[str]) -> tuple[str, list[Unit]]:
    text, units, pos = "", [], 0
    for k, para in enumerate(paragraphs):
        units.append(Unit(pos, pos + len(para), k))
        text += para + "\n\n"
        pos = len(text)
    return text, units


BODY = "La Chine compte environ 700 millions de caméras, selon plusieurs estimations."


def test_reference_section_and_entries() -> None:
    text, units = _doc(
        [
            "Titre de l'article sur la surveillance",
            BODY,
            "Sources",
            "1. Paul Bischoff, « Surveillance camera statistics », Comparitech, 25 juin 2025.",
            "2. Erik Green et Meia Nouwens, The Global Security Initiative, IISS, octobre 2024.",
        ]
    )
    assert classify_units(text, units) == [None, None, REFERENCE, REFERENCE, REFERENCE]


def test_citation_needs_a_date_and_commas() -> None:
    assert is_citation("Charles Rollet, « Uniview Revealed », IPVM, 16 novembre 2020.")
    assert is_citation("Voir https://example.org/rapport")
    assert not is_citation(
        "Un million de personnes auraient été envoyées dans ces camps depuis 2017."
    )


def test_credit_share_fragment() -> None:
    text, units = _doc(
        [
            BODY,
            "Dans un café de Belgrade. (Image d'illustration) AP - Darko Vojinovic",
            "La skyline de Shenzhen, février 2021. Wikimedia |",
            "NewsletterRecevez toute l'actualité internationale directement dans votre boite mail",
            "- Publicité -",
            "mra/liu/tq/rhl",
            BODY,
        ]
    )
    labels = classify_units(text, units)
    assert labels[1:6] == [CREDIT, CREDIT, SHARE, SHARE, FRAGMENT]
    assert labels[0] is None and labels[6] is None


def test_closing_byline_and_caption_after_it() -> None:
    text, units = _doc(
        [
            BODY,
            BODY,
            BODY,
            "Patrice Lefort-Lavauzelle",
            "La vie deviendra-t-elle un concours ?",
        ]
    )
    assert classify_units(text, units)[3:] == [BYLINE, CAPTION]


def test_quote_attribution_is_not_a_byline() -> None:
    text, units = _doc(
        [
            "« Le sentiment de sécurité est le meilleur cadeau »",
            "Li Meng, vice-ministre",
            BODY,
            BODY,
        ]
    )
    assert classify_units(text, units)[1] is None


def test_spaced_stop_caption() -> None:
    text, units = _doc(
        [BODY, "Le système pourrait nuire à la solidarité sociale .", BODY, BODY, BODY]
    )
    assert classify_units(text, units)[1] == CAPTION
