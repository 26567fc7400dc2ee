"""Outgoing notifications: the rules' alerts (cover needed, requested, escalated; residents
stranded or waiting too long) sent to people away from the screens through 企业微信 or 钉钉
group robots or a signed webhook, once across hubs. `notices` (what fires) and `audience`
(who is reached) are pure; `adapters` builds each service's request; `delivery` retries;
`notifier` reads the logs in a consumer group (`hall.store.group`)."""

from hall.notify.delivery import Backoff
from hall.notify.endpoints import Endpoint, NotifyConfigError, resolve
from hall.notify.notifier import Notifier

__all__ = ["Backoff", "Endpoint", "Notifier", "NotifyConfigError", "resolve"]
