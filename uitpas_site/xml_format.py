"""The UiTPAS API's XML format: renderer, parser and content negotiation.

Kept apart from the views' helpers because DRF imports these classes from its settings
while it is still loading its own views.
"""

import re
from collections.abc import Iterable, Mapping
from datetime import date
from xml.sax.saxutils import escape

from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework_xml.parsers import XMLParser
from rest_framework_xml.renderers import XMLRenderer

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
# Characters XML 1.0 cannot carry; an echoed client value may contain them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class UitpasXMLRenderer(XMLRenderer):
    """The UiTPAS API's XML: the standalone declaration, root ``response``, one element
    per line indented with tabs (as in the seed's example response).

    A dict renders as child elements in order; a list renders its items (one-key dicts)
    one after another, so repeated elements (``<counter>…</counter><counter>…``) keep
    their own tag; None leaves the element out; booleans are ``true``/``false``.
    """

    root_tag_name = "response"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        lines = [XML_DECLARATION, f"<{self.root_tag_name}>"]
        _append_elements(lines, data, depth=1)
        lines.append(f"</{self.root_tag_name}>")
        return "\n".join(lines).encode("utf-8")


def _append_elements(lines: list[str], data: Mapping | Iterable, depth: int) -> None:
    if isinstance(data, Mapping):
        items = data.items()
    else:
        items = (pair for item in data for pair in item.items())
    indent = "\t" * depth
    for tag, value in items:
        if value is None:
            continue
        if isinstance(value, Mapping | list | tuple):
            if not value:
                lines.append(f"{indent}<{tag}/>")
                continue
            lines.append(f"{indent}<{tag}>")
            _append_elements(lines, value, depth + 1)
            lines.append(f"{indent}</{tag}>")
        else:
            lines.append(f"{indent}<{tag}>{_text(value)}</{tag}>")


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return escape(_NOT_XML.sub("\ufffd", str(value)))


class SafeXMLParser(XMLParser):
    """djangorestframework-xml's parser (defusedxml: no DTDs, so no entity expansion and
    no external entities), keeping every value as the string the client sent: a UiTPAS
    number must keep its leading zero."""

    def _type_convert(self, value):
        return value


class AlwaysXMLNegotiation(BaseContentNegotiation):
    """The API answers in XML whatever the client accepts, as the UiTPAS API did."""

    def select_parser(self, request, parsers):
        return DefaultContentNegotiation().select_parser(request, parsers)

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
