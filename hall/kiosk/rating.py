"""好差评 at the counter and on the resident's phone: whether a finished ticket may be rated
now, the five levels and the reasons of a low rating, and the rating pad's screen (who
serves here; after a finish, the levels)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from hall.config import HallConfig
from hall.core.model import LOW_SCORES, RATING_REASONS, Finished
from hall.i18n import error_catalog
from hall.kiosk.counter import Server, counter_state, who_serves, window_of
from hall.kiosk.labels import Labeller
from hall.kiosk.page import PageInfo, Part, page_info, plain
from hall.kiosk.times import epoch_ms

Chance = Literal["none", "open", "rated", "late"]
LEVELS = (5, 4, 3, 2, 1)  # 非常满意 … 非常不满意, best first


@dataclass(frozen=True, slots=True)
class RatingChance:
    """Whether a finished ticket may be rated: `open` until `until_ms`, or already `rated`,
    or too `late` (past `rating_within`); `none`: nothing finished to rate."""

    state: Chance
    ticket: str = ""
    window: int = 0
    until_ms: int | None = None


def rating_chance(hall: HallConfig, done: Finished | None, now: datetime) -> RatingChance:
    """`done`: the finished ticket in question, as the core keeps it (`State.finished`; a
    ticket finished more than an hour ago is no longer kept: None, i.e. `none`)."""
    if done is None:
        return RatingChance("none")
    until = done.at + hall.rules.rating_within
    state: Chance = "rated" if done.rated else "late" if now > until else "open"
    return RatingChance(state, done.ticket.number, done.window, epoch_ms(until))


def last_finished(finished: Sequence[Finished], *, window: int) -> Finished | None:
    """The ticket finished last at `window`: the one its rating pad rates."""
    for f in reversed(finished):
        if f.window == window:
            return f
    return None


def finished_ticket(finished: Sequence[Finished], number: str) -> Finished | None:
    for f in reversed(finished):
        if f.ticket.number == number:
            return f
    return None


@dataclass(frozen=True, slots=True)
class Level:
    score: int
    label: str  # 非常满意
    low: bool  # asks why before it is sent


@dataclass(frozen=True, slots=True)
class Reason:
    code: str  # a RATING_REASONS code, what `rating.give` carries
    label: str


def levels(labels: Labeller) -> tuple[Level, ...]:
    return tuple(Level(s, labels(f"rating.level.{s}"), s in LOW_SCORES) for s in LEVELS)


def reasons(labels: Labeller) -> tuple[Reason, ...]:
    return tuple(Reason(code, labels(f"rating.reason.{code}")) for code in RATING_REASONS)


def _script_strings(labels: Labeller) -> dict[str, str]:
    """Why a rating was refused (the toast), and the thanks."""
    errors = {f"error.{k}": v for k, v in error_catalog(labels.lang).items()}
    return {**errors, "rating.thanks": labels("rating.thanks")}


# -- the rating pad ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PadClerk:
    """The pad at rest: this window and who serves here."""

    state: str  # open | away | covered | closed (`hall.kiosk.counter.counter_state`)
    window_label: str
    name: str
    server: Server | None
    notice: str  # 暂停服务 / 暂离，请稍候 / B岗顶岗中; none when the A-post serves
    heading: str  # 为您服务


@dataclass(frozen=True, slots=True)
class PadOffer:
    """After a finish at this window: the five levels, until `until_ms` or a rating."""

    open: bool
    ticket: str
    ticket_label: str  # A003 号
    until_ms: int | None
    ask: str
    hint: str  # shown at rest: rate here once your business is done
    levels: tuple[Level, ...]


@dataclass(frozen=True, slots=True)
class RatingContext:
    page: PageInfo
    labels: Labeller
    hall_name: str  # in the page's language
    window: int
    clerk: PadClerk
    offer: PadOffer
    reasons: tuple[Reason, ...]  # the low rating's picker (page level, not live)

    def parts(self) -> tuple[Part, ...]:
        return (
            Part("pad-clerk", "partials/pad_clerk.html", {"clerk": self.clerk}),
            Part("pad-offer", "partials/pad_offer.html", {"offer": self.offer}),
        )


def rating_context(
    hall: HallConfig,
    state: Mapping[str, Any],
    window: int,
    lang: str,
    now: datetime,
    *,
    finished: Sequence[Finished] = (),
) -> RatingContext:
    """Window `window`'s rating pad (KeyError for a window the hall lacks). `finished`: the
    core's lately finished tickets (`State.finished`): the pad offers the last one finished
    here while it may be rated."""
    cfg = hall.window(window)
    if cfg is None:
        raise KeyError(f"no window {window} in hall {hall.id}")
    data = plain(state)
    labels = Labeller(lang)
    entry = window_of(data, window)
    who = counter_state(entry)
    chance = rating_chance(hall, last_finished(finished, window=window), now)
    opened = chance.state == "open"
    return RatingContext(
        page=page_info(
            hall,
            lang,
            now,
            title=labels("page.rating.title", number=window, hall=hall.label(labels.lang)),
            view="rating",
            ws_view=f"rating-{window}",
            strings=_script_strings(labels),
        ),
        labels=labels,
        hall_name=hall.label(labels.lang),
        window=window,
        clerk=PadClerk(
            state=who,
            window_label=labels("window.label", number=window),
            name=cfg.label(labels.lang),
            server=who_serves(hall, entry, labels, who),
            notice=labels(f"desk.{who}") if who != "open" else "",
            heading=labels("pad.serving_you"),
        ),
        offer=PadOffer(
            open=opened,
            ticket=chance.ticket if opened else "",
            ticket_label=labels("pad.ticket", number=chance.ticket) if opened else "",
            until_ms=chance.until_ms if opened else None,
            ask=labels("pad.ask"),
            hint=labels("pad.hint"),
            levels=levels(labels),
        ),
        reasons=reasons(labels),
    )
