"""Small SVG charts drawn by the gateway itself (no script, no CDN): bars and a line.

Colours are SVG attributes, not style, so the console's Content-Security-Policy holds; every
chart has a title and a text description for screen readers, and the numbers are also in a
table next to it.
"""

from __future__ import annotations

from html import escape

WIDTH, BAR_HEIGHT, GAP, LABEL = 640, 22, 6, 190
COLOURS = ("#1f5f8b", "#a40000", "#2e7d32", "#8a5a00", "#5e35b1", "#00695c", "#6d4c41")


def bars(title: str, values: list[tuple[str, float]], unit: str = "") -> str:
    """A horizontal bar per label, longest value the full width."""
    top = max((value for _, value in values), default=0) or 1
    height = len(values) * (BAR_HEIGHT + GAP) + GAP
    parts = [_open(title, ", ".join(f"{k}: {_n(v)}{unit}" for k, v in values), height)]
    for row, (label, value) in enumerate(values):
        y = GAP + row * (BAR_HEIGHT + GAP)
        length = (WIDTH - LABEL - 60) * value / top
        parts.append(
            f'<text x="{LABEL - 6}" y="{y + 16}" text-anchor="end" font-size="13" '
            f'fill="#1a1a1a">{escape(label)}</text>'
            f'<rect x="{LABEL}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{COLOURS[0]}"/>'
            f'<text x="{LABEL + length + 6:.1f}" y="{y + 16}" font-size="13" '
            f'fill="#1a1a1a">{_n(value)}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line(title: str, points: list[tuple[str, float]], unit: str = "") -> str:
    """A line over the labels in order (weeks), from zero to the largest value."""
    height, left, bottom = 200, 50, 40
    top = max((value for _, value in points), default=0) or 1
    step = (WIDTH - left - 20) / max(len(points) - 1, 1)
    xy = [
        (left + i * step, height - bottom - (height - bottom - 20) * value / top)
        for i, (_, value) in enumerate(points)
    ]
    description = ", ".join(f"{k}: {_n(v)}{unit}" for k, v in points)
    parts = [
        _open(title, description, height),
        f'<line x1="{left}" y1="{height - bottom}" x2="{WIDTH - 10}" y2="{height - bottom}" '
        'stroke="#767676"/>',
        f'<text x="{left - 6}" y="24" text-anchor="end" font-size="12" fill="#1a1a1a">'
        f"{_n(top)}{escape(unit)}</text>",
    ]
    if len(xy) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{COLOURS[1]}" stroke-width="2"/>'
        )
    for (label, value), (x, y) in zip(points, xy, strict=True):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{COLOURS[1]}">'
            f"<title>{escape(label)}: {_n(value)}{escape(unit)}</title></circle>"
            f'<text x="{x:.1f}" y="{height - bottom + 18}" text-anchor="middle" font-size="11" '
            f'fill="#1a1a1a">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _open(title: str, description: str, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}: {escape(description)}" class="chart">'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"
    )


def _n(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
