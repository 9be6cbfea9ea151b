"""Lesson Markdown: rendered once per version with markdown-it-py, sanitised with nh3.

``scan`` finds what the sanitiser would remove, so the content check can name it before
anything is loaded; ``render`` produces the HTML that is stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = {
    "h2", "h3", "h4", "p", "br", "hr", "ul", "ol", "li", "strong", "em", "a", "img",
    "table", "thead", "tbody", "tr", "th", "td", "blockquote", "figure", "figcaption",
    "code", "pre", "abbr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"scope", "style"},
    "td": {"style"},
    "abbr": {"title"},
    "ol": {"start"},
}
# Tables written in Markdown align columns with an inline style; nothing else may be styled.
ALLOWED_STYLES = {"text-align"}
TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>")
ATTRIBUTE = re.compile(r"([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*(?:=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?")


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True, "typographer": False}).enable("table")


@dataclass(frozen=True)
class Finding:
    line: int
    kind: str  # "html", "heading", "image", "link"
    detail: str
    target: str = ""


def _walk(tokens: list[Token], line: int = 1) -> Iterator[tuple[Token, int]]:
    for token in tokens:
        here = token.map[0] + 1 if token.map else line
        yield token, here
        if token.children:
            yield from _walk(token.children, here)


def scan(source: str) -> list[Finding]:
    """Everything in ``source`` the checker must look at: HTML, headings, images, links."""
    findings: list[Finding] = []
    for token, line in _walk(_parser().parse(source)):
        if token.type in ("html_block", "html_inline"):
            for closing, tag, attributes in TAG.findall(token.content):
                name = tag.lower()
                if closing:
                    continue  # the opening tag is reported
                if name not in ALLOWED_TAGS:
                    findings.append(Finding(line, "html", f"<{name}>"))
                    continue
                for attribute in ATTRIBUTE.findall(attributes):
                    if attribute.lower() not in ALLOWED_ATTRIBUTES.get(name, set()):
                        findings.append(Finding(line, "html", f'<{name} {attribute}="…">'))
            if not TAG.search(token.content) and token.content.strip().startswith("<!--"):
                findings.append(Finding(line, "html", "<!-- -->"))
        elif token.type == "heading_open" and token.tag == "h1":
            findings.append(Finding(line, "heading", "# "))
        elif token.type == "image":
            alt = "".join(child.content for child in token.children or []).strip()
            findings.append(Finding(line, "image", alt, str(token.attrGet("src") or "")))
        elif token.type == "link_open":
            findings.append(Finding(line, "link", "", str(token.attrGet("href") or "")))
    return findings


def is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc)


def render(source: str, rewrite_url: Callable[[str, str], str]) -> str:
    """Markdown to safe HTML. ``rewrite_url(kind, url)`` maps lesson links and image
    paths (``kind`` is "link" or "image") to the URLs the site serves them at."""
    tokens = _parser().parse(source)
    for token, _line in _walk(tokens):
        if token.type == "image":
            token.attrSet("src", rewrite_url("image", str(token.attrGet("src") or "")))
            token.attrSet("loading", "lazy")
        elif token.type == "link_open":
            token.attrSet("href", rewrite_url("link", str(token.attrGet("href") or "")))
    html = _parser().renderer.render(tokens, _parser().options, {})
    return sanitise(html)


def sanitise(html: str) -> str:
    attributes = {tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()}
    attributes["img"] = attributes["img"] | {"loading"}
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=attributes,
        filter_style_properties=ALLOWED_STYLES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
