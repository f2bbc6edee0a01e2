"""The clinic's own settings (clinic.yml): name, phone, hours, prices, urgent-care advice."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class ClinicConfigError(ValueError):
    """clinic.yml is missing a required field or has the wrong shape."""


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
