"""Hall files (TOML) -> a frozen, validated HallConfig.

The types in `model` are what the rest of hall uses; `load_hall` / `load_halls` (`loading`)
build them from TOML, with `hours` (seasons, sessions), `people` (staff, services, windows)
and `fields` (the generic checks and parsers); `load_district` reads the district file
beside them (`district`).
"""

from hall.config.district import District, Supervisor, load_district
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
    "District",
    "HallConfig",
    "Holidays",
    "Role",
    "Rules",
    "Season",
    "Service",
    "Session",
    "Staff",
    "Supervisor",
    "Table",
    "Window",
    "default_hall_path",
    "load_district",
    "load_hall",
    "load_halls",
    "parse_duration",
    "parse_time",
]
