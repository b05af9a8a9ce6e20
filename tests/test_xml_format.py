"""The API's XML renderer: root ``response`` by default, a document's own root when it
names one, and the rules for empty, absent and repeated elements."""

import io
from xml.etree import ElementTree

from uitpas_site.xml_format import XML_DECLARATION, SafeXMLParser, UitpasXMLRenderer, XMLDocument

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns"


def rendered(data) -> str:
    return UitpasXMLRenderer().render(data).decode()


def test_a_plain_dict_renders_inside_response():
    assert rendered({"code": "UNKNOWN_CARD", "message": "Nee", "requiredPermission": None}) == (
        f"{XML_DECLARATION}\n<response>\n\t<code>UNKNOWN_CARD</code>\n\t<message>Nee</message>\n</response>"
    )


def test_a_document_renders_under_its_own_root_with_its_namespaces():
    document = XMLDocument(
        root="passHolder",
        namespaces={"rdf": RDF},
        children=[
            {"cardSystemSpecific": {"kansenStatuut": True}},
            {"cardSystemSpecific": {"kansenStatuut": False}},
            {"email": None},
            {"memberships": []},
            {"uitIdUser": {"rdf:id": "8d80e3b6", "optInPreferences": {}}},
        ],
    )
    text = rendered(document)
    assert text == (
        f'{XML_DECLARATION}\n<passHolder xmlns:rdf="{RDF}">\n'
        "\t<cardSystemSpecific>\n\t\t<kansenStatuut>true</kansenStatuut>\n\t</cardSystemSpecific>\n"
        "\t<cardSystemSpecific>\n\t\t<kansenStatuut>false</kansenStatuut>\n\t</cardSystemSpecific>\n"
        "\t<memberships/>\n"
        "\t<uitIdUser>\n\t\t<rdf:id>8d80e3b6</rdf:id>\n\t\t<optInPreferences/>\n\t</uitIdUser>\n"
        "</passHolder>"
    )
    root = ElementTree.fromstring(text)
    assert root.findtext(f"uitIdUser/{{{RDF}}}id") == "8d80e3b6"


def test_a_document_without_namespaces_declares_none():
    assert (
        rendered(XMLDocument(root="passHolder", children={"name": "Maes"})).splitlines()[1] == "<passHolder>"
    )


def test_plain_values_in_a_list_render_as_list_items_that_the_parser_reads_back():
    text = rendered({"parses": ["application/xml", "multipart/form-data"]})
    assert "\t<parses>\n\t\t<list-item>application/xml</list-item>\n" in text
    parsed = SafeXMLParser().parse(io.BytesIO(text.encode()))
    assert parsed == {"parses": ["application/xml", "multipart/form-data"]}
