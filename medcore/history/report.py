"""What happened to the rows of an upload: counts per reason for dropping or fixing them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ValidationReport:
    """What happened to the rows of one file: counts per reason, for the page and the CLI."""

    rows_in: int = 0
    rows_used: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    fixed: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def drop(self, reason: str, n: int) -> None:
        if n:
            self.dropped[reason] = self.dropped.get(reason, 0) + int(n)

    def fix(self, reason: str, n: int) -> None:
        if n:
            self.fixed[reason] = self.fixed.get(reason, 0) + int(n)

    def lines(self) -> list[str]:
        """Human-readable summary, one line per reason."""
        out = [f"{self.rows_used:,} of {self.rows_in:,} rows used."]
        out += [f"Dropped {n:,} rows: {why}." for why, n in self.dropped.items()]
        out += [f"Fixed {n:,} rows: {why}." for why, n in self.fixed.items()]
        return out + self.notes

    def as_dict(self) -> dict:
        return {"rows_in": self.rows_in, "rows_used": self.rows_used, "dropped": self.dropped,
                "fixed": self.fixed, "notes": list(self.notes)}
