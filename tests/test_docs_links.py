"""The documents hold together: every relative link in README.md and docs/*.md points to
a file of the repository (and, with an anchor, to a heading of that file), and the
README stays a short first page."""

import re
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
DOCUMENTS = [BASE_DIR / "README.md", *sorted((BASE_DIR / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", flags=re.MULTILINE | re.DOTALL)


def links_of(document: Path) -> list[str]:
    text = FENCE.sub("", document.read_text())
    return [target for target in LINK.findall(text) if not re.match(r"[a-z]+:", target)]


def anchors_of(document: Path) -> set[str]:
    """The anchors GitHub gives a document's headings: lower case, punctuation dropped,
    spaces as hyphens."""
    text = FENCE.sub("", document.read_text())
    anchors = set()
    for heading in re.findall(r"^#{1,6} (.+)$", text, flags=re.MULTILINE):
        anchors.add(re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-"))
    return anchors


def test_the_documents_are_found():
    names = {document.name for document in DOCUMENTS}
    assert {
        "README.md",
        "api.md",
        "architecture.md",
        "operations.md",
        "testing.md",
        "handleiding.md",
    } <= names


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda document: document.name)
def test_every_relative_link_resolves(document):
    broken = []
    for target in links_of(document):
        path, _, anchor = target.partition("#")
        file = (document.parent / path).resolve() if path else document
        if not file.exists() or BASE_DIR not in (file, *file.parents):
            broken.append(target)
        elif anchor and file.suffix == ".md" and anchor not in anchors_of(file):
            broken.append(target)
    assert broken == []


def test_the_control_finds_a_broken_link(tmp_path):
    document = tmp_path / "x.md"
    document.write_text(
        "# A title\n[fine](#a-title) [gone](nowhere.md) `[code](no.md)`\n```\n[fenced](no.md)\n```\n"
    )
    assert links_of(document) == ["#a-title", "nowhere.md", "no.md"]
    assert anchors_of(document) == {"a-title"}


def test_the_readme_stays_short():
    assert len((BASE_DIR / "README.md").read_text().splitlines()) < 170
