"""[[staff]], [[services]] and [[windows]]: who works, what is served, and at which window."""

from __future__ import annotations

import re

from hall.config.fields import (
    _check_unique,
    _ident,
    _int,
    _Invalid,
    _list,
    _name,
    _non_empty_list,
    _only,
    _required,
    _str,
    _table,
)
from hall.config.model import Notice, Role, Service, Staff, Window

_CODE = re.compile(r"[A-Z]")
_ROLES: dict[str, Role] = {"clerk": "clerk", "director": "director"}
_SERVICE_KEYS = ("code", "name", "name_en", "covers", "covers_en", "notices")
_NOTICE_KEYS: tuple[str, ...] = ("item", "basis", "conditions", "materials", "procedure")
_NOTICE_KEYS += ("time_limit", "fee", "contact")
_WINDOW_KEYS = ("number", "name", "services", "a", "b", "name_en")
_STAFF_KEYS = ("id", "name", "title", "role", "number", "mobile")
_MOBILE = re.compile(r"\+?[0-9]{5,20}")


def _text(table: dict[str, object], key: str, field: str) -> str:
    """An optional string member ("" when absent)."""
    return _str(table.get(key, ""), f"{field}.{key}")


def _all_staff(value: object) -> tuple[Staff, ...]:
    items = _non_empty_list(value, "staff")
    staff: list[Staff] = []
    for i, item in enumerate(items):
        field = f"staff[{i}]"
        table = _table(item, field)
        _only(table, _STAFF_KEYS, field)
        staff_id = _ident(_required(table, "id", field), f"{field}.id")
        _check_unique([s.id for s in staff], staff_id, f"{field}.id", f"staff id {staff_id!r}")
        role_text = _str(table.get("role", "clerk"), f"{field}.role")
        role = _ROLES.get(role_text)
        if role is None:
            raise _Invalid(f"{field}.role", f"{role_text!r} is not one of {', '.join(_ROLES)}")
        mobile = _text(table, "mobile", field)
        if mobile and not _MOBILE.fullmatch(mobile):
            raise _Invalid(f"{field}.mobile", f"{mobile!r} is not a phone number (digits)")
        person = Staff(
            id=staff_id,
            name=_name(_required(table, "name", field), f"{field}.name"),
            title=_text(table, "title", field),
            role=role,
            number=_text(table, "number", field),
            mobile=mobile,
        )
        staff.append(person)
    return tuple(staff)


def _services(value: object) -> tuple[Service, ...]:
    items = _non_empty_list(value, "services")
    services: list[Service] = []
    for i, item in enumerate(items):
        field = f"services[{i}]"
        table = _table(item, field)
        _only(table, _SERVICE_KEYS, field)
        code = _str(_required(table, "code", field), f"{field}.code")
        if not _CODE.fullmatch(code):
            raise _Invalid(f"{field}.code", f"{code!r} is not one capital letter A-Z")
        _check_unique([s.code for s in services], code, f"{field}.code", f"service {code!r}")
        service = Service(
            code,
            _name(_required(table, "name", field), f"{field}.name"),
            name_en=_text(table, "name_en", field),
            covers=_text(table, "covers", field),
            covers_en=_text(table, "covers_en", field),
            notices=_notices(table.get("notices", []), f"{field}.notices"),
        )
        services.append(service)
    return tuple(services)


def _notices(value: object, field: str) -> tuple[Notice, ...]:
    notices: list[Notice] = []
    for i, item in enumerate(_list(value, field)):
        at = f"{field}[{i}]"
        table = _table(item, at)
        _only(table, _NOTICE_KEYS, at)
        materials = tuple(
            _name(m, f"{at}.materials[{j}]")
            for j, m in enumerate(_list(table.get("materials", []), f"{at}.materials"))
        )
        notices.append(
            Notice(
                item=_name(_required(table, "item", at), f"{at}.item"),
                basis=_text(table, "basis", at),
                conditions=_text(table, "conditions", at),
                materials=materials,
                procedure=_text(table, "procedure", at),
                time_limit=_text(table, "time_limit", at),
                fee=_text(table, "fee", at),
                contact=_text(table, "contact", at),
            )
        )
    return tuple(notices)


def _windows(
    value: object, services: tuple[Service, ...], staff: tuple[Staff, ...]
) -> tuple[Window, ...]:
    items = _non_empty_list(value, "windows")
    windows: list[Window] = []
    for i, item in enumerate(items):
        field = f"windows[{i}]"
        table = _table(item, field)
        _only(table, _WINDOW_KEYS, field)
        number = _int(_required(table, "number", field), f"{field}.number", minimum=1, maximum=999)
        _check_unique(
            [w.number for w in windows], number, f"{field}.number", f"window number {number}"
        )
        window = Window(
            number=number,
            name=_name(_required(table, "name", field), f"{field}.name"),
            services=_window_services(_required(table, "services", field), field, services),
            a=_staff_ref(_required(table, "a", field), f"{field}.a", staff),
            b=_staff_ref(_required(table, "b", field), f"{field}.b", staff),
            name_en=_text(table, "name_en", field),
        )
        if window.a == window.b:
            raise _Invalid(f"{field}.b", f"{window.b!r} cannot be both A-post and B-post")
        windows.append(window)
    return tuple(windows)


def _window_services(value: object, window: str, known: tuple[Service, ...]) -> tuple[str, ...]:
    field = f"{window}.services"
    codes: list[str] = []
    for i, item in enumerate(_non_empty_list(value, field)):
        code = _str(item, f"{field}[{i}]")
        if all(s.code != code for s in known):
            raise _Invalid(f"{field}[{i}]", f"unknown service code {code!r} (not in [[services]])")
        _check_unique(codes, code, f"{field}[{i}]", f"service {code!r}")
        codes.append(code)
    return tuple(codes)


def _staff_ref(value: object, field: str, staff: tuple[Staff, ...]) -> str:
    staff_id = _str(value, field)
    if all(s.id != staff_id for s in staff):
        raise _Invalid(field, f"unknown staff id {staff_id!r} (not in [[staff]])")
    return staff_id


def _check_all_served(services: tuple[Service, ...], windows: tuple[Window, ...]) -> None:
    for i, service in enumerate(services):
        if all(service.code not in w.services for w in windows):
            raise _Invalid(
                f"services[{i}]", f"service {service.code!r} ({service.name}) has no window"
            )
