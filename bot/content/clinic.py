"""The clinic's own settings (clinic.yml): name, phone, hours, prices, urgent-care advice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml


class ClinicConfigError(ValueError):
    """clinic.yml is missing a required field or has the wrong shape."""


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class OnCall:
    """Who staff can reach outside opening hours."""

    name: str
    phone: str


@dataclass(frozen=True)
class OpeningHours:
    """When the clinic answers the phone: per weekday one (open, close) in its time zone."""

    timezone: str
    days: dict[str, tuple[time, time]]

    def is_open(self, moment: datetime) -> bool:
        """True when the clinic is open at that moment."""
        local = moment.astimezone(ZoneInfo(self.timezone))
        span = self.days.get(DAYS[local.weekday()])
        return span is not None and span[0] <= local.time() < span[1]


def _opening(raw: dict[str, Any]) -> OpeningHours:
    zone = str(raw.get("timezone") or "UTC")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ClinicConfigError(f"clinic.yml: unknown timezone {zone!r}") from None
    days: dict[str, tuple[time, time]] = {}
    for day, span in (raw.get("opening_hours") or {}).items():
        if day not in DAYS:
            raise ClinicConfigError(f"clinic.yml: opening_hours: {day!r} is not one of {DAYS}")
        try:
            start, end = (time.fromisoformat(part.strip()) for part in str(span).split("-"))
        except ValueError:
            raise ClinicConfigError(f"clinic.yml: opening_hours.{day}: use HH:MM-HH:MM") from None
        days[day] = (start, end)
    return OpeningHours(zone, days)


def _on_call(raw: object) -> OnCall | None:
    if not raw:
        return None
    if not isinstance(raw, dict) or not raw.get("name") or not raw.get("phone"):
        raise ClinicConfigError("clinic.yml: on_call needs a name and a phone")
    return OnCall(str(raw["name"]).strip(), str(raw["phone"]).strip())


@dataclass(frozen=True)
class Clinic:
    """One clinic's settings; optional fields are None when the clinic left them empty."""

    name: str
    phone: str
    hours: str
    urgent_care_advice: str
    booking_url: str | None = None
    price_per_session: str | None = None
    languages: tuple[str, ...] = ("en",)
    colors: dict[str, str] = field(default_factory=dict)
    # Sites allowed to embed the widget from another origin (CORS), e.g. https://clinic.example
    widget_origins: tuple[str, ...] = ()
    opening: OpeningHours = field(default_factory=lambda: OpeningHours("UTC", {}))
    on_call: OnCall | None = None
    red_flag_alert_minutes: int = 10
    retention_days: int | None = None

    def template_values(self) -> dict[str, Any]:
        """Values answers may use as {placeholders}; fields left empty are absent."""
        values = {
            "clinic_name": self.name,
            "phone": self.phone,
            "hours": self.hours,
            "urgent_care_advice": self.urgent_care_advice,
            "booking_url": self.booking_url,
            "price_per_session": self.price_per_session,
        }
        return {key: value for key, value in values.items() if value}


def parse_clinic(raw: object) -> Clinic:
    """Validate the parsed YAML of clinic.yml."""
    if not isinstance(raw, dict):
        raise ClinicConfigError("clinic.yml must be a mapping of settings")
    missing = [k for k in ("name", "phone", "hours", "urgent_care_advice") if not raw.get(k)]
    if missing:
        raise ClinicConfigError(f"clinic.yml is missing: {', '.join(missing)}")

    def optional(key: str) -> str | None:
        value = raw.get(key)
        return str(value).strip() if value not in (None, "") else None

    return Clinic(
        name=str(raw["name"]).strip(),
        phone=str(raw["phone"]).strip(),
        hours=str(raw["hours"]).strip(),
        urgent_care_advice=" ".join(str(raw["urgent_care_advice"]).split()),
        booking_url=optional("booking_url"),
        price_per_session=optional("price_per_session"),
        languages=tuple(raw.get("languages") or ("en",)),
        colors={str(k): str(v) for k, v in (raw.get("colors") or {}).items()},
        widget_origins=_origins(raw.get("widget_origins") or ()),
        opening=_opening(raw),
        on_call=_on_call(raw.get("on_call")),
        red_flag_alert_minutes=int(raw.get("red_flag_alert_minutes") or 10),
        retention_days=int(raw["retention_days"]) if raw.get("retention_days") else None,
    )


def _origins(raw: object) -> tuple[str, ...]:
    """Origins as browsers send them: scheme://host[:port], no path, no trailing slash."""
    if not isinstance(raw, list | tuple):
        raise ClinicConfigError("clinic.yml: widget_origins must be a list of origins")
    origins = []
    for value in raw:
        origin = str(value).strip().rstrip("/")
        scheme, _, rest = origin.partition("://")
        if scheme not in ("http", "https") or not rest or "/" in rest:
            raise ClinicConfigError(f"clinic.yml: widget_origins: {value!r} is not an origin")
        origins.append(origin)
    return tuple(origins)


def load_clinic(path: Path) -> Clinic:
    """Read and validate clinic.yml."""
    with path.open(encoding="utf-8") as handle:
        return parse_clinic(yaml.safe_load(handle))
