"""The district file: `district.toml` beside the hall files of a folder names the district
that supervises those halls (the seed's Art. 16: the discipline committee and efficiency
office; Art. 4: the street centre guides the community ones) and its supervisors, each
with the halls they may watch, read-only. One file, kept by the district office: a hall
file says nothing about who supervises it.

```toml
id = "licheng"                      # [a-z0-9-]+, not a hall's id: supervisors sign in here
name = "鲤城区"
name_en = "Licheng District"        # optional
[[supervisors]]
id = "lin-jian"                     # [a-z0-9-]+, unique in the district
name = "林检"
title = "区效能办"                   # optional
halls = ["kaiyuan", "haibin"]       # ids of halls in this folder, not empty, no repeats
```
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import msgspec

from hall.config.fields import (
    _check_unique,
    _ident,
    _Invalid,
    _name,
    _non_empty_list,
    _only,
    _required,
    _str,
    _table,
)
from hall.config.loading import DISTRICT_FILE, read_toml
from hall.config.model import ConfigError, HallConfig

_DISTRICT_KEYS = ("id", "name", "name_en", "supervisors")
_SUPERVISOR_KEYS = ("id", "name", "title", "halls")


class Supervisor(msgspec.Struct, frozen=True):
    """Someone above the halls (纪工委, 效能办): sees the halls of `halls` live, acts on none."""

    id: str
    name: str
    halls: tuple[str, ...]
    title: str = ""


class District(msgspec.Struct, frozen=True):
    id: str
    name: str
    supervisors: tuple[Supervisor, ...]
    name_en: str = ""
    source: str = ""  # the file it came from, for messages

    def label(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name

    def supervisor(self, staff_id: str) -> Supervisor | None:
        for s in self.supervisors:
            if s.id == staff_id:
                return s
        return None


def load_district(path: Path, halls: Mapping[str, HallConfig]) -> District | None:
    """The district file of the folder `path`, checked against its `halls`; None when `path`
    is a single hall file or the folder has no district file."""
    file = path / DISTRICT_FILE
    if not path.is_dir() or not file.is_file():
        return None
    source = str(file)
    data = read_toml(file)
    try:
        return _district(data, source, halls)
    except _Invalid as e:
        raise ConfigError(source, e.field, e.problem) from None


def _district(data: dict[str, object], source: str, halls: Mapping[str, HallConfig]) -> District:
    _only(data, _DISTRICT_KEYS, "")
    district_id = _ident(_required(data, "id"), "id")
    if district_id in halls:
        raise _Invalid(
            "id",
            f"{district_id!r} is also the id of the hall in {halls[district_id].source}: "
            "supervisors sign in at the district's id, so it must be no hall's",
        )
    supervisors: list[Supervisor] = []
    for i, item in enumerate(_non_empty_list(_required(data, "supervisors"), "supervisors")):
        field = f"supervisors[{i}]"
        table = _table(item, field)
        _only(table, _SUPERVISOR_KEYS, field)
        staff_id = _ident(_required(table, "id", field), f"{field}.id")
        seen = [s.id for s in supervisors]
        _check_unique(seen, staff_id, f"{field}.id", f"supervisor id {staff_id!r}")
        supervisors.append(
            Supervisor(
                id=staff_id,
                name=_name(_required(table, "name", field), f"{field}.name"),
                halls=_halls(_required(table, "halls", field), f"{field}.halls", halls),
                title=_str(table.get("title", ""), f"{field}.title"),
            )
        )
    return District(
        id=district_id,
        name=_name(_required(data, "name"), "name"),
        supervisors=tuple(supervisors),
        name_en=_str(data.get("name_en", ""), "name_en"),
        source=source,
    )


def _halls(value: object, field: str, known: Mapping[str, HallConfig]) -> tuple[str, ...]:
    ids: list[str] = []
    for i, item in enumerate(_non_empty_list(value, field)):
        hall_id = _str(item, f"{field}[{i}]")
        if hall_id not in known:
            raise _Invalid(
                f"{field}[{i}]", f"unknown hall id {hall_id!r} (no hall file of this folder has it)"
            )
        _check_unique(ids, hall_id, f"{field}[{i}]", f"hall {hall_id!r}")
        ids.append(hall_id)
    return tuple(ids)
