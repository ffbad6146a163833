"""What happened to the rows of an upload: counts per reason for using, converting, ignoring or
dropping them, so the page never says more rows were used than the model read."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field


@dataclass
class ValidationReport:
    """What happened to the rows of one file: counts per reason, for the page and the CLI.

    ``rows_used`` counts only rows the model reads (a model variable, inside 0-48 h);
    ``ignored`` holds readable rows the model does not read, ``dropped`` unreadable ones;
    ``set_aside`` holds rows recognised by name and deliberately not read (alarm limits,
    settings, urine pH, a lab's chart copy, components summed into one value, the user's
    choice), which are not a loss of the record.
    """

    rows_in: int = 0
    rows_used: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    ignored: dict[str, int] = field(default_factory=dict)
    converted: dict[str, int] = field(default_factory=dict)
    fixed: dict[str, int] = field(default_factory=dict)
    set_aside: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def drop(self, reason: str, n: int) -> None:
        if n:
            self.dropped[reason] = self.dropped.get(reason, 0) + int(n)

    def ignore(self, reason: str, n: int) -> None:
        if n:
            self.ignored[reason] = self.ignored.get(reason, 0) + int(n)

    def put_aside(self, reason: str, n: int) -> None:
        if n:
            self.set_aside[reason] = self.set_aside.get(reason, 0) + int(n)

    @property
    def rows_lost(self) -> int:
        """Rows that did not reach the model without a stated reason to leave them out:
        unreadable, names not recognised, units not known, proposals not accepted."""
        return sum(self.dropped.values()) + sum(
            n for why, n in self.ignored.items() if not why.startswith("outside the first"))

    def convert(self, reason: str, n: int) -> None:
        if n:
            self.converted[reason] = self.converted.get(reason, 0) + int(n)

    def fix(self, reason: str, n: int) -> None:
        if n:
            self.fixed[reason] = self.fixed.get(reason, 0) + int(n)

    @property
    def share_used(self) -> float:
        return self.rows_used / self.rows_in if self.rows_in else 0.0

    def copy(self) -> ValidationReport:
        return copy.deepcopy(self)

    def lines(self) -> list[str]:
        """Human-readable summary, one line per reason."""
        out = [f"{self.rows_used:,} of {self.rows_in:,} rows used by the model."]
        out += [f"Converted {n:,} rows: {why}." for why, n in self.converted.items()]
        out += [f"Not used {n:,} rows: {why}." for why, n in self.ignored.items()]
        out += [f"Set aside {n:,} rows: {why}." for why, n in self.set_aside.items()]
        out += [f"Dropped {n:,} rows: {why}." for why, n in self.dropped.items()]
        out += [f"Fixed {n:,} rows: {why}." for why, n in self.fixed.items()]
        return out + self.notes

    def as_dict(self) -> dict:
        return {"rows_in": self.rows_in, "rows_used": self.rows_used, "dropped": self.dropped,
                "ignored": self.ignored, "converted": self.converted, "fixed": self.fixed,
                "set_aside": self.set_aside,
                "notes": list(self.notes)}
