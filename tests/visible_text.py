"""What a person reads on an admin page, for the language tests: the visible text of the
page, node by node, in document order, each with where it sits, so that the Dutch and
the English rendering of one page can be laid side by side.

Visible: text nodes outside ``<script>``, ``<style>``, ``<template>`` and ``<textarea>``
(what someone typed), the labels of buttons (``value`` of submit inputs), placeholders
and the page title. Text in ``<small>`` is marked: that is where the admin puts codes
(API codes, the rights' API names) for those who look for them.
"""

import difflib
import re
from dataclasses import dataclass
from html.parser import HTMLParser

INVISIBLE = {"script", "style", "template", "textarea"}
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
BUTTON_INPUTS = {"submit", "button", "reset"}


@dataclass(frozen=True)
class TextNode:
    path: str  # the elements it sits in, e.g. "html/body/div#content/table/tbody/tr/td"
    text: str
    small: bool  # inside <small>: small print
    foreign: bool  # inside an element that says its language (lang="…"): a language's own name


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = []  # (tag, its path step)
        self.foreign_depth: list[int] = []  # stack depths of the elements with a lang attribute
        self.nodes: list[TextNode] = []

    def _path(self, extra: str = "") -> str:
        return "/".join(step for _tag, step in self.stack) + extra

    def _inside(self, tags) -> bool:
        return any(tag in tags for tag, _step in self.stack)

    def _add(self, text: str, path: str) -> None:
        text = " ".join(text.split())
        if text and not self._inside(INVISIBLE):
            self.nodes.append(TextNode(path, text, self._inside({"small"}), bool(self.foreign_depth)))

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and (attributes.get("type") or "text") in BUTTON_INPUTS:
            self._add(attributes.get("value") or "", self._path("/input[value]"))
        if attributes.get("placeholder"):
            self._add(attributes["placeholder"], self._path(f"/{tag}[placeholder]"))
        if tag in VOID:
            return
        step = tag + (f"#{attributes['id']}" if attributes.get("id") else "")
        if attributes.get("lang") and tag != "html":
            self.foreign_depth.append(len(self.stack))
        self.stack.append((tag, step))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        # Browsers forgive unclosed elements (<p>, <li>, <option>): close up to the tag.
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                while self.foreign_depth and self.foreign_depth[-1] >= index:
                    self.foreign_depth.pop()
                return

    def handle_data(self, data):
        self._add(data, self._path())


def visible_text(html: str) -> list[TextNode]:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.nodes


def side_by_side(dutch: list[TextNode], english: list[TextNode]) -> list[tuple[TextNode, TextNode]]:
    """The nodes of the two renderings of one page that sit in the same place: the same
    template, so the same elements, whatever the words in them."""
    matcher = difflib.SequenceMatcher(
        a=[node.path for node in dutch], b=[node.path for node in english], autojunk=False
    )
    return [
        (dutch[block.a + offset], english[block.b + offset])
        for block in matcher.get_matching_blocks()
        for offset in range(block.size)
    ]


WORD = re.compile(r"[^\W\d_]+")


def words(text: str) -> set[str]:
    """The words of a text, in lower case: letters only (numbers, codes' digits and
    punctuation are no language)."""
    return {word.lower() for word in WORD.findall(text)}


# An API code: capitals and digits with at least one underscore (MISSING_REQUIRED_FIELDS,
# LOCAL_STOCK, PERMISSION_PASSHOLDER).
API_CODE = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
