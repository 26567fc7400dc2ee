"""Hall files (TOML) -> a frozen, validated HallConfig.

The types in `model` are what the rest of hall uses; `load_hall` / `load_halls` (`loading`)
build them from TOML, with `hours` (seasons, sessions), `people` (staff, services, windows)
and `fields` (the generic checks and parsers).
"""

from hall.config.fields import Table, parse_duration, parse_time
from hall.config.loading import default_hall_path, load_hall, load_halls
from hall.config.model import (
    RATING_WITHIN_MAX,
    ConfigError,
    HallConfig,
    Holidays,
    Role,
    Rules,
    Season,
    Service,
    Session,
    Staff,
    Window,
)

__all__ = [
    "RATING_WITHIN_MAX",
    "ConfigError",
    "HallConfig",
    "Holidays",
    "Role",
    "Rules",
    "Season",
    "Service",
    "Session",
    "Staff",
    "Table",
    "Window",
    "default_hall_path",
    "load_hall",
    "load_halls",
    "parse_duration",
    "parse_time",
]
