"""Who a channel reaches with a notice, whom its message @-mentions, and where it links.

A channel with `staff = [x]` takes the notices concerning x (the B-post told to cover; the
A- and B-posts of a stranded window or of the windows an overdue ticket waits for); a
channel with `roles` takes every notice of the hall. A group robot @-mentions (by mobile)
the people concerned that the channel is for: those it names, those of its roles who are
concerned, and every director when it is for directors.
"""

from __future__ import annotations

from dataclasses import dataclass

from hall.config import HallConfig
from hall.config.model import NotifyChannel
from hall.notify.notices import Notice


@dataclass(frozen=True, slots=True)
class Reach:
    people: tuple[str, ...]  # staff ids the message is for, in the hall file's order
    mentions: tuple[str, ...]  # their mobiles, where given
    path: str  # the page the message links to: the person's duty page, or the director's


def reach(hall: HallConfig, channel: NotifyChannel, notice: Notice) -> Reach | None:
    """How `channel` carries `notice`, or None when the notice is not for it."""
    if notice.kind not in channel.events:
        return None
    concerned = set(notice.staff)
    named = [s for s in channel.staff if s in concerned]
    if not named and not channel.roles:
        return None
    people: list[str] = []
    for person in hall.staff:
        for_role = person.role in channel.roles and (
            person.role == "director" or person.id in concerned
        )
        if person.id in named or for_role:
            people.append(person.id)
    mentions = tuple(p.mobile for s in people if (p := hall.person(s)) is not None and p.mobile)
    director_only = not named and "director" in channel.roles
    path = f"/halls/{hall.id}/director" if director_only else "/me"
    return Reach(tuple(people), mentions, path)
