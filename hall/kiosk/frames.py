"""What a live frame carries after a render: each fragment whose HTML changed, whole; of a
live list (`Part.items`), only what changed in it, item by item.

htmx's ws extension swaps each top-level element of a frame out of band: by its id
(`outerHTML`), or as its `hx-swap-oob` says. A list's changes use three of those swaps, in
this order: `delete` the items that moved or left, replace the changed items that stay by
their ids, and add the new and moved ones on top in one `afterbegin:#<list>` wrapper
(htmx inserts the wrapper's children). Items can only be added on top, so the items that
stay are the longest tail of the new list found in order in the old one.

The page drops whatever follows the first `keep` items after each frame (a backlog of
frames comes as one message, dropped after it). So an item that fell off the end of a full
list needs no `delete`: the page drops it. A shorter list (a new day) is sent whole, as is
a list whose changes would not be smaller than the whole."""

from __future__ import annotations

from markupsafe import escape

from hall.kiosk.render import LiveList, Rendered


def changes(before: Rendered, after: Rendered) -> str:
    """The frame that turns a page showing `before` into one showing `after`; "" if the
    two look the same."""
    out: list[str] = []
    for key, html in after.fragments.items():
        if before.fragments.get(key) == html:
            continue
        old, new = before.lists.get(key), after.lists.get(key)
        step = list_changes(key, old, new) if old is not None and new is not None else None
        out.append(step if step is not None and len(step) < len(html) else html)
    return "".join(out)


def list_changes(list_id: str, old: LiveList, new: LiveList) -> str | None:
    """The swaps that turn the page's list `old` into `new`; None when only the whole
    list will do (its container changed, or it got shorter)."""
    if old.shell != new.shell or len(new.items) < len(old.items):
        return None
    before = {item_id: (i, html) for i, (item_id, html) in enumerate(old.items)}
    top = len(new.items)  # new.items[:top] are added on top, the rest stay where they are
    at = len(old.items) - 1
    while top > 0 and at >= 0:
        item_id = new.items[top - 1][0]
        while at >= 0 and old.items[at][0] != item_id:
            at -= 1
        if at >= 0:
            top, at = top - 1, at - 1
    added, stay = new.items[:top], new.items[top:]
    moved = {item_id for item_id, _ in added if item_id in before}
    listed = {item_id for item_id, _ in new.items}
    # What follows the last item that stays is dropped by the page once the list is full.
    last = before[stay[-1][0]][0] if stay else -1
    full = len(new.items) == new.keep
    out = [
        _delete(item_id, html)
        for i, (item_id, html) in enumerate(old.items)
        if item_id in moved or (item_id not in listed and not (full and i > last))
    ]
    out += [html for item_id, html in stay if before[item_id][1] != html]
    if added:
        tag = _tag(new.shell)
        inner = "".join(html for _, html in added)
        out.append(f'<{tag} hx-swap-oob="afterbegin:#{escape(list_id)}">{inner}</{tag}>')
    return "".join(out)


def _delete(item_id: str, html: str) -> str:
    tag = _tag(html)
    return f'<{tag} id="{escape(item_id)}" hx-swap-oob="delete"></{tag}>'


def _tag(html: str) -> str:
    """The root element's name: `<ol id=...` -> ol."""
    end = min((i for i in (html.find(" "), html.find(">")) if i > 0), default=len(html))
    return html[1:end]
