"""The UiTPAS API's XML format: renderer, parser and content negotiation.

Kept apart from the views' helpers because DRF imports these classes from its settings
while it is still loading its own views.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from xml.etree.ElementTree import TreeBuilder
from xml.sax.saxutils import escape, quoteattr

from defusedxml import ElementTree as defused
from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework_xml.parsers import XMLParser
from rest_framework_xml.renderers import XMLRenderer

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
# Characters XML 1.0 cannot carry; an echoed client value may contain them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class XMLDocument:
    """A document with a root of its own instead of ``response`` (the v3 passholder is
    ``<passHolder xmlns:rdf="…">``): the root's name, the namespace prefixes it declares,
    and its children as the renderer takes them. Anything else a view or the exception
    handler returns, errors included, renders inside ``<response>``."""

    root: str
    children: Mapping | list
    namespaces: Mapping[str, str] = field(default_factory=dict)


class UitpasXMLRenderer(XMLRenderer):
    """The UiTPAS API's XML: the standalone declaration, root ``response`` (or an
    :class:`XMLDocument`'s own), one element per line indented with tabs (as in the
    seed's example response).

    A dict renders as child elements in order; a list renders its items (one-key dicts)
    one after another, so repeated elements (``<counter>…</counter><counter>…``) keep
    their own tag, and any other item as a ``<list-item>`` (djangorestframework-xml's
    convention, which its parser reads back as a list: DRF's answer to OPTIONS lists
    media types so); None leaves the element out; an empty dict or list is an empty
    element; booleans are ``true``/``false``.
    """

    root_tag_name = "response"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        if isinstance(data, XMLDocument):
            root, children = data.root, data.children
            declarations = "".join(
                f" xmlns:{prefix}={quoteattr(uri)}" for prefix, uri in data.namespaces.items()
            )
        else:
            root, children, declarations = self.root_tag_name, data, ""
        lines = [XML_DECLARATION, f"<{root}{declarations}>"]
        _append_elements(lines, children, depth=1)
        lines.append(f"</{root}>")
        return "\n".join(lines).encode("utf-8")


def _append_elements(lines: list[str], data: Mapping | Iterable, depth: int) -> None:
    items: Iterable[tuple[Any, Any]]
    if isinstance(data, Mapping):
        items = data.items()
    else:
        items = (
            pair
            for item in data
            for pair in (item.items() if isinstance(item, Mapping) else [("list-item", item)])
        )
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


# The API's documents are two elements deep (``<request><uid>…</uid></request>``).
# Deeper ones are refused while they are parsed: the conversion to Python that follows
# recurses once per level, and a thousand levels (7 KB) exhausted the stack.
MAX_XML_DEPTH = 32


class SafeXMLParser(XMLParser):
    """djangorestframework-xml's parser with defusedxml refusing any DTD (so no entity
    expansion and no external entities), documents nested deeper than
    ``MAX_XML_DEPTH`` and more parameters than a form may have
    (``DATA_UPLOAD_MAX_NUMBER_FIELDS``); every value stays the string the client sent:
    a UiTPAS number must keep its leading zero."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        parser = defused.DefusedXMLParser(target=_BoundedTreeBuilder(), encoding=encoding, forbid_dtd=True)
        try:
            root = defused.parse(stream, parser=parser).getroot()
        except (defused.ParseError, ValueError) as exc:  # defusedxml's refusals are ValueErrors
            raise exceptions.ParseError(f"XML parse error - {exc}") from exc
        return self._xml_convert(root)

    def _type_convert(self, value):
        return value


class _BoundedTreeBuilder(TreeBuilder):
    """ElementTree's builder, counting levels and the root's children as they open."""

    def __init__(self) -> None:
        super().__init__()
        self._depth = 0
        self._parameters = 0

    def start(self, tag, attrs):
        self._depth += 1
        if self._depth > MAX_XML_DEPTH:
            raise exceptions.ParseError(
                _("The XML document is nested deeper than %(limit)d elements.") % {"limit": MAX_XML_DEPTH}
            )
        if self._depth == 2:
            self._parameters += 1
            if self._parameters > settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:
                # As Django refuses a form with too many fields.
                raise TooManyFieldsSent(
                    "The number of XML parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS."
                )
        return super().start(tag, attrs)

    def end(self, tag):
        self._depth -= 1
        return super().end(tag)


class AlwaysXMLNegotiation(BaseContentNegotiation):
    """The API answers in XML whatever the client accepts, as the UiTPAS API did."""

    def select_parser(self, request, parsers):
        return DefaultContentNegotiation().select_parser(request, parsers)

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
