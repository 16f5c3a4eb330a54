"""Small statistics and the results table (text and JSON)."""

from __future__ import annotations

import math
import statistics
from typing import Any


def summary(values: list[float]) -> dict[str, float] | None:
    """Median, min and max (and how many) of a sample; None when it is empty."""
    values = [v for v in values if v is not None and math.isfinite(v)]
    if not values:
        return None
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def percentile(values: list[float], p: float) -> float | None:
    """Linear-interpolation percentile (p in 0..100), like numpy's default."""
    values = sorted(values)
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    pos = (len(values) - 1) * p / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def pct_summary(values: list[float], p: float) -> dict[str, float] | None:
    """A percentile as the central value, with the sample's min and max around it."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {
        "median": percentile(values, p),
        "min": min(values),
        "max": max(values),
        "n": len(values),
        "percentile": p,
    }


def ratio(a: dict | None, b: dict | None) -> float | None:
    if not a or not b or not b["median"]:
        return None
    return a["median"] / b["median"]


def judge(value: float | None, op: str, limit: float) -> str:
    if value is None:
        return "n/a"
    ok = value <= limit if op == "<=" else value >= limit
    return "pass" if ok else "FAIL"


# ------------------------------------------------------------------ table
SCALE = {
    "s": (1, "s"),
    "ms": (1000, "ms"),
    "MiB": (1, "MiB"),
    "rows/s": (1, "rows/s"),
    "CPU-s": (1, "CPU-s"),
    "x": (1, "x"),
}


def _num(value: float, unit: str) -> str:
    factor, label = SCALE.get(unit, (1, unit))
    v = value * factor
    if abs(v) >= 100:
        text = f"{v:,.0f}"
    elif abs(v) >= 10:
        text = f"{v:.1f}"
    else:
        text = f"{v:.3g}" if abs(v) < 1 else f"{v:.2f}"
    return f"{text} {label}"


def cell(stat: dict | None, unit: str) -> str:
    if not stat:
        return "—"
    main = _num(stat["median"], unit)
    if stat.get("n", 1) > 1:
        factor, _ = SCALE.get(unit, (1, unit))
        lo, hi = stat["min"] * factor, stat["max"] * factor
        digits = 0 if max(abs(lo), abs(hi)) >= 100 else (1 if max(abs(lo), abs(hi)) >= 10 else 3)
        fmt = f"{{:.{digits}f}}" if digits != 3 else "{:.3g}"
        main += f" [{fmt.format(lo)}–{fmt.format(hi)}]"
    return main


def table(rows: list[dict[str, Any]]) -> str:
    head = ("figure", "warroom", "baseline", "ratio", "target", "pass/fail")
    lines = []
    for row in rows:
        r = row.get("ratio")
        lines.append(
            (
                row["figure"],
                cell(row.get("warroom"), row["unit"]),
                cell(row.get("baseline"), row["unit"]),
                "—" if r is None else f"{r:.2f}",
                row["target"],
                row["status"],
            )
        )
    widths = [max([len(h), *(len(line[i]) for line in lines)]) for i, h in enumerate(head)]

    def fmt(cols) -> str:
        return " | ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip()

    out = [fmt(head), "-+-".join("-" * w for w in widths)]
    out += [fmt(line) for line in lines]
    return "\n".join(out)
