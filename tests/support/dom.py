"""A small model of a live page, for tests that follow a view socket without a browser: the
whole view as a tree of elements, and each later frame applied as htmx's ws extension (2.0)
applies it, then the page's own rule for live lists.

- Each top-level element of a frame is swapped out of band: `hx-swap-oob` `true` (the
  default on a websocket) replaces the element with its id; `delete` removes it;
  `afterbegin:#x` / `beforeend:#x` put the element's children first / last in `#x`. An
  element with no target is an error (htmx logs one to the console).
- After each frame, a list with `data-keep` keeps its first that many children (the wall's
  script does this for its recent calls).

Only what the views send is supported: well-formed HTML, selectors by id."""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"})


@dataclass(eq=False)  # an element is itself: two alike are still two
class Element:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)

    @property
    def id(self) -> str | None:
        return self.attrs.get("id")

    def html(self) -> str:
        attrs = "".join(
            f" {k}" if v is None else f' {k}="{escape(v, quote=True)}"'
            for k, v in self.attrs.items()
        )
        if self.tag in VOID:
            return f"<{self.tag}{attrs}>"
        inner = "".join(c if isinstance(c, str) else c.html() for c in self.children)
        return f"<{self.tag}{attrs}>{inner}</{self.tag}>"

    def elements(self) -> list[Element]:
        return [c for c in self.children if isinstance(c, Element)]

    def find(self, element_id: str) -> list[tuple[Element, Element]]:
        """(parent, element) of every element with that id, in document order."""
        found = []
        for child in self.elements():
            if child.id == element_id:
                found.append((self, child))
            found += child.find(element_id)
        return found


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if len(self.stack) < 2 or self.stack[-1].tag != tag:
            raise ValueError(f"</{tag}> closes <{self.stack[-1].tag}>")
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(escape(data, quote=False))


def parse(html: str) -> list[Element | str]:
    """The top-level nodes of an HTML fragment (text kept escaped, as it is serialized)."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    if len(parser.stack) != 1:
        raise ValueError(f"<{parser.stack[-1].tag}> is not closed")
    return parser.root.children


class Page:
    """A live page: its whole view (as swapped in: without `hx-swap-oob`), then its frames."""

    def __init__(self, whole: str) -> None:
        self.root = Element("body", children=parse(whole))
        for element in self.root.elements():
            element.attrs.pop("hx-swap-oob", None)

    def ids(self) -> list[str]:
        """The ids of the top-level elements (a view's parts), in page order."""
        return [e.id for e in self.root.elements() if e.id]

    def parts(self) -> dict[str, str]:
        """Top-level element id -> its HTML."""
        return {e.id: e.html() for e in self.root.elements() if e.id}

    def part(self, element_id: str) -> str:
        (found,) = self.root.find(element_id)
        return found[1].html()

    def apply(self, frame: str) -> None:
        for node in parse(frame):
            if isinstance(node, Element):
                self._swap(node)
        self._trim(self.root)

    def _swap(self, element: Element) -> None:
        value = element.attrs.pop("hx-swap-oob", None) or "true"
        style, _, selector = value.partition(":")
        if not selector:
            style, selector = ("outerHTML" if style == "true" else style), f"#{element.id}"
        if not selector.startswith("#"):
            raise ValueError(f"only id selectors are modelled: {value!r}")
        targets = self.root.find(selector[1:])
        if not targets:
            raise LookupError(f"htmx:oobErrorNoTarget: {selector} for {element.html()[:80]}")
        for parent, target in targets:
            at = next(i for i, c in enumerate(parent.children) if c is target)
            if style == "outerHTML":
                parent.children[at] = deepcopy(element)
            elif style == "delete":
                del parent.children[at]
            elif style == "afterbegin":
                target.children[:0] = deepcopy(element.children)
            elif style == "beforeend":
                target.children += deepcopy(element.children)
            else:
                raise ValueError(f"swap style {style!r} is not modelled")

    def _trim(self, element: Element) -> None:
        keep = element.attrs.get("data-keep")
        if keep:
            extra = element.elements()[int(keep) :]
            element.children = [c for c in element.children if all(c is not e for e in extra)]
        for child in element.elements():
            self._trim(child)
