"""From the names and units in a user's file to the model's variables, units and conversions.

Why tables: the vocabulary (names, abbreviations and LOINC codes, each with its source), the
model's units with their plausible ranges, and the unit conversions live in ``data/*.csv`` so a
clinician can read and extend them without reading code. This module only looks them up.

A mapping is a list of :class:`Entry`, one per (name, unit) pair found in a file. It is proposed
here, shown on the page for the user to correct, saved as JSON (``--mapping FILE`` on the CLI) and
applied by :func:`medcore.history.io.to_history`. Names that are close to a model variable but not
the same quantity (SpO2 for SaO2) are proposed with ``use=False``: only the user turns them on.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from pathlib import Path

from medcore.errors import SchemaError
from medcore.history import variables as V

DATA = Path(__file__).parent / "data"
FORMAT = "medcore-history-mapping"


@dataclass(frozen=True)
class Variable:
    """One model variable: its unit, what it is, and the range a real value falls in."""

    name: str
    unit: str
    description: str
    low: float
    high: float
    note: str = ""


@dataclass
class Entry:
    """How one (name, unit) pair of a file reaches the model.

    ``read_as`` is the unit the values are read in ('' = the model's own unit); ``use`` says
    whether the rows go to the model; ``note`` says why, in plain words, when they do not or
    when something was assumed.
    """

    source: str
    unit: str = ""
    variable: str = ""
    read_as: str = ""
    use: bool = False
    status: str = "unknown"  # matched | proposed | unknown | check unit | user | set aside
    rows: int = 0
    median: float | None = None
    note: str = ""
    outside: int = field(default=0, compare=False)  # values outside the plausible range
    kind: str = field(default="measure", compare=False)  # measure | component | presence

    @property
    def label(self) -> str:
        """The name as written, with the model variable beside a code ('8867-4 (HR)')."""
        if self.variable and self.variable != self.source and _CODE.fullmatch(self.source):
            return f"{self.source} ({self.variable})"
        return self.source

    @property
    def conversion(self) -> str:
        """'degF -> degC' style text, or '' when the values are already in the model's unit."""
        var = VARIABLES().get(self.variable)
        if var is None or not self.read_as or factor(self.variable, self.read_as) == (1.0, 0.0):
            return ""
        return f"{self.read_as} -> {var.unit}"


@cache
def _read(name: str) -> tuple[dict[str, str], ...]:
    """The rows of one table, read once per process (the page asks on every rerun)."""
    with open(DATA / name, newline="", encoding="utf-8") as f:
        return tuple(csv.DictReader(f))


@cache
def VARIABLES() -> dict[str, Variable]:  # noqa: N802 - a constant read once from data
    return {r["variable"]: Variable(r["variable"], r["unit"], r["description"],
                                    float(r["plausible_low"]), float(r["plausible_high"]),
                                    r["note"]) for r in _read("variables.csv")}


_CODE = re.compile(r"\d{1,7}-\d")  # a LOINC code
# Fluids other than blood: a lab measured in one of them is not the blood value the model reads.
_FLUIDS = ("urine", "dipstick", "csf", "pleural", "ascites", "peritoneal", "stool", "joint fluid",
           "other body fluid", "fluid", "bronchial", "drain")
_FLUID_NAME = re.compile(r"^(.+?)\s*[\(\[,]\s*(" + "|".join(_FLUIDS) + r")\s*[\)\]]?$", re.I)
_FLUID_FIRST = re.compile(r"^(" + "|".join(_FLUIDS) + r")\s+(.+)$", re.I)
# Alarm limits and device settings carry the measurement's name ("Heart rate Alarm - High",
# "Respiratory Rate (Set)"): recognised by name and set aside, never read as the measurement.
_NOT_MEASURED = re.compile(r"\balarm\b|\blimits?\b|[\(\[]\s*set\s*[\)\]]|\bset\s*$|"
                           r"\bsetting\b|\btarget\b|\bgoal\b", re.I)
BLOOD_FLUIDS = frozenset({"", "blood", "serum", "plasma", "whole blood", "blood gas", "arterial",
                    "arterial blood", "ser/plas", "serum/plasma", "venous blood"})


@dataclass(frozen=True)
class Term:
    """What a name in a file is: its variable, how it is read, and why (from the tables)."""

    variable: str
    status: str  # matched | proposed | set aside | unknown
    note: str = ""
    kind: str = "measure"  # measure | component | presence | care unit
    unit: str = ""  # the unit the source writes it in, when the name says it (ehr_items.csv)
    source: str = ""  # where the term comes from


@cache
def ehr_items() -> tuple[dict[str, str], ...]:
    """Items of a real hospital EHR's dictionaries (MIMIC-IV demo) with their model variable."""
    return _read("ehr_items.csv")


def _ehr_terms() -> dict[str, Term]:
    out: dict[str, Term] = {}
    for r in ehr_items():
        status = {"set aside": "set aside", "proposed": "proposed"}.get(r["kind"], "matched")
        kind = r["kind"] if r["kind"] in ("component", "presence") else "measure"
        said = split_suffix(r["label"])[1]  # 'Admission Weight (lbs.)' says its unit
        known = r["variable"] in VARIABLES() and factor(r["variable"], said) is not None
        unit = ("" if norm_unit(r["unit"]) == "" else r["unit"]) or (said if known else "")
        t = Term(r["variable"], status, r["note"], kind, unit,
                 f"{r['dictionary']} itemid {r['itemid']}")
        names = [r["label"]] if r["fluid"].lower() in BLOOD_FLUIDS else [
            f"{r['label']} ({r['fluid']})", f"{r['fluid']} {r['label']}"]
        if r["abbreviation"] and r["abbreviation"] != r["label"] and r["kind"] != "set aside":
            names.append(r["abbreviation"])
        for n in names:
            out.setdefault(norm_term(n), t)
    return out


@cache
def _terms() -> dict[str, Term]:
    """Every name the reader knows: the vocabulary first, then the EHR dictionaries' labels."""
    out: dict[str, Term] = {}
    for r in _read("vocabulary.csv"):
        status = {"proposed": "proposed", "set aside": "set aside",
                  "care unit": "set aside"}.get(r["kind"], "matched")
        kind = r["kind"] if r["kind"] in ("component", "presence", "care unit") else "measure"
        out.setdefault(norm_term(r["term"]), Term(r["variable"], status, r["note"], kind,
                                                  source=r["source"]))
    for k, t in _ehr_terms().items():
        out.setdefault(k, t)
    return out


def term(source: str) -> Term:
    """What a name (or LOINC code) as written in a file is, by the tables and by its words."""
    exact = V.canonical(source)
    if exact:
        return Term(exact, "matched")
    found = _terms().get(norm_term(source))
    if found is not None:
        return found
    fluid = _FLUID_NAME.match(str(source).strip()) or _FLUID_FIRST.match(str(source).strip())
    if fluid:
        what, where = ((fluid.group(1), fluid.group(2)) if fluid.re is _FLUID_NAME
                       else (fluid.group(2), fluid.group(1)))
        base = term(what)
        if base.variable:
            return Term(base.variable, "set aside",
                        f"measured in {where.lower()}, not blood: not the model's {base.variable}")
    if _NOT_MEASURED.search(str(source)):
        return Term("", "set aside", "an alarm limit, target or device setting, not a "
                                     "measurement")
    return Term("", "unknown", "Not a variable the models read.")


def resolve(name: str) -> tuple[str, str]:
    """(source name, unit the name gives): a name the tables know whole ('Height (cm)',
    'pH (Urine)') stays whole; otherwise a unit suffix is split off ('Creatinine (mg/dL)')."""
    t = _terms().get(norm_term(name))
    if t is not None:
        return str(name).strip(), t.unit
    return split_suffix(name)


@cache
def _units() -> dict[tuple[str, str], tuple[float, float]]:
    out = {}
    for r in _read("units.csv"):
        for u in r["unit"].split("|"):
            out[(r["variable"], norm_unit(u))] = (float(r["factor"]), float(r["offset"]))
    return out


@cache
def _unit_names() -> dict[str, list[str]]:
    """Per variable, the first (display) spelling of each unit it can be read in."""
    out: dict[str, list[str]] = {}
    for r in _read("units.csv"):
        out.setdefault(r["variable"], []).append(r["unit"].split("|")[0])
    return out


def vocabulary() -> list[dict[str, str]]:
    """Every term the reader recognises, with its variable, kind and source (for the page)."""
    return [dict(r) for r in _read("vocabulary.csv")]


def norm_term(name: str) -> str:
    return re.sub(r"[\s_]+", " ", str(name).strip().strip('"').lower())


def norm_unit(unit: str) -> str:
    """One spelling per unit: lower case, no spaces or brackets, micro as u, degree as deg."""
    u = str(unit).strip().lower().replace("µ", "u").replace("μ", "u").replace("°", "deg")
    u = re.sub(r"[\s\[\]]", "", u)
    return "" if u in NO_UNIT else u


# Written where a system has no unit: read as no unit ('None' is how MIMIC's dictionary says it).
NO_UNIT = frozenset({"", "deg", "none", "nan", "null", "n/a", "na", "-"})

_SUFFIX = re.compile(r"^(.*?)\s*[\(\[]\s*([^()\[\]]+?)\s*[\)\]]\s*$")


def split_suffix(name: str) -> tuple[str, str]:
    """'Creatinine (mg/dL)' -> ('Creatinine', 'mg/dL'); a name without a suffix keeps ''."""
    m = _SUFFIX.match(str(name).strip())
    return (m.group(1), m.group(2)) if m and m.group(1) else (str(name).strip(), "")


def factor(variable: str, unit: str) -> tuple[float, float] | None:
    """(factor, offset) taking ``unit`` to the model's unit, or None if the unit is unknown."""
    u = norm_unit(unit)
    if u == "" or u == norm_unit(VARIABLES()[variable].unit):
        return (1.0, 0.0)
    return _units().get((variable, u))


def known_units(variable: str) -> list[str]:
    """One spelling per unit ``variable`` can be read in (first: the model's own)."""
    own = VARIABLES()[variable].unit
    return [own] + [u for u in _unit_names().get(variable, []) if norm_unit(u) != norm_unit(own)]


def lookup(source: str) -> tuple[str, str, str]:
    """(variable, status, note) for a name or LOINC code as written in a file."""
    t = term(source)
    return t.variable, t.status, t.note


def _plausible(variable: str, value: float | None, unit: str) -> bool:
    if value is None:
        return True
    f = factor(variable, unit)
    var = VARIABLES()[variable]
    return f is not None and var.low <= value * f[0] + f[1] <= var.high


def check_unit(e: Entry) -> Entry:
    """Decide the unit the values are read in; withhold the rows when it cannot be right."""
    if not e.variable or e.status == "set aside":
        return replace(e, use=False)
    if e.kind in ("component", "presence"):  # read as parts or as presence, not as values
        return replace(e, read_as="")
    var = VARIABLES()[e.variable]
    read_as = e.read_as or e.unit
    if factor(e.variable, read_as) is None:
        return replace(e, use=False, status="check unit",
                       note=f"Unit '{read_as}' is not known for {e.variable} (the model reads "
                            f"{var.unit}; accepted: {', '.join(known_units(e.variable))}).")
    if _plausible(e.variable, e.median, read_as):
        return replace(e, read_as=read_as)
    fits = [u for u in known_units(e.variable)[1:] if _plausible(e.variable, e.median, u)]
    where = (f"{e.variable} values (median {e.median:g}) are implausible in "
             f"{read_as or var.unit} (expected {var.low:g}-{var.high:g} {var.unit})")
    if not read_as and len(fits) == 1:  # no unit given and one reading fits: say and convert
        return replace(e, read_as=fits[0], note=f"No unit given; {where}, so they were read "
                                                f"as {fits[0]}. Change the unit if wrong.")
    hint = (f"; as {' or '.join(fits)} they fit: choose that unit" if fits
            else "; check the column and its unit")
    return replace(e, read_as=read_as, use=False, status="check unit", note=where + hint + ".")


def propose(pairs: list[tuple[str, str, int, float | None]]) -> list[Entry]:
    """One entry per (source name, unit, rows, median value), matched against the vocabulary."""
    out = []
    for source, unit, rows, median in pairs:
        t = term(source)
        note = t.note if t.status != "set aside" else f"Set aside: {t.note}."
        variable = t.variable if t.variable in VARIABLES() and t.status != "set aside" else ""
        e = Entry(source, unit, variable, "",
                  t.status == "matched", t.status, rows, median, note, kind=t.kind)
        out.append(check_unit(e))
    return out


def _unit(e: Entry) -> str:
    """The unit an entry's values are read in, '' and the model's own spelling alike."""
    return norm_unit(e.read_as or e.unit or VARIABLES()[e.variable].unit)


def merge(proposed: list[Entry], user: list[Entry] | None) -> list[Entry]:
    """The user's choices (same source and unit) over the proposal; checked again."""
    if not user:
        return proposed
    chosen = {(u.source, u.unit): u for u in user}
    out = []
    for e in proposed:
        u = chosen.get((e.source, e.unit))
        if u is None:
            out.append(e)
            continue
        if not u.variable or u.variable not in VARIABLES():
            out.append(replace(e, variable="", use=False, status="user",
                               note="Not used (set in the mapping)."))
            continue
        same = u.variable == e.variable and bool(e.variable) and _unit(u) == _unit(e)
        picked = replace(e, variable=u.variable, read_as=u.read_as, status="user",
                         note=e.note if same else "Set in the mapping.")
        checked = check_unit(picked)
        if u.use and checked.status == "check unit" and factor(u.variable, u.read_as):
            # the user chose this unit knowing the values: use it, keep the warning
            checked = replace(checked, use=True, status="user")
        else:
            checked.use = bool(u.use) and checked.status != "check unit"
        out.append(checked)
    return out


def edits(before: list[dict], after: list[dict]) -> list[Entry]:
    """The rows a user changed in the mapping editor, as entries to merge over the proposal.

    Picking a variable (without touching *use*) uses it, and clearing it stops using it: a
    pick that changed nothing until *use* was also ticked read as a bug to users.
    """
    def key(r: dict) -> tuple[str, str, bool]:
        return (str(r.get("variable") or ""), str(r.get("read_as") or ""), bool(r.get("use")))

    out = []
    for b, a in zip(before, after, strict=True):
        if key(a) == key(b):
            continue
        variable, read_as, use = key(a)
        if variable != key(b)[0] and use == key(b)[2]:
            use = bool(variable)
        out.append(Entry(str(a["source"]), str(a["unit"]), variable, read_as, use))
    return out


def to_json(entries: list[Entry], columns: dict[str, str] | None = None) -> bytes:
    """The mapping file: each name's choice and, when given, the column read for each role."""
    keep = ("source", "unit", "variable", "read_as", "use")
    obj: dict = {"format": FORMAT, "version": 2 if columns else 1,
                 "entries": [{k: asdict(e)[k] for k in keep} for e in entries]}
    if columns:
        obj["columns"] = {role: str(h or "") for role, h in columns.items()
                          if role in V.COLUMN_ROLES}
    return json.dumps(obj, indent=1).encode()


def _load(data: bytes | str, name: str) -> dict:
    try:
        obj = json.loads(data)
        if not isinstance(obj, dict) or obj.get("format") != FORMAT:
            raise ValueError
        return obj
    except (ValueError, TypeError):
        raise _not_a_mapping(name) from None


def _not_a_mapping(name: str) -> SchemaError:
    return SchemaError(f"{name} is not a medcore history mapping file.",
                       "Download the mapping from the Patient history page (or write JSON "
                       f"with format '{FORMAT}' and entries of source, unit, variable, "
                       "read_as, use; optionally columns of patient_id, time, variable, "
                       "value, unit, fluid).")


def from_json(data: bytes | str, name: str = "mapping") -> list[Entry]:
    """Read a mapping file written by :func:`to_json` (the page's download)."""
    obj = _load(data, name)
    try:
        return [Entry(str(e["source"]), str(e.get("unit", "")), str(e.get("variable") or ""),
                      str(e.get("read_as", "")), bool(e.get("use", False)))
                for e in obj.get("entries", [])]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise _not_a_mapping(name) from None


def columns_from_json(data: bytes | str, name: str = "mapping") -> dict[str, str] | None:
    """The columns picked for each role in a mapping file, or None when it names none."""
    cols = _load(data, name).get("columns")
    if cols is None:
        return None
    if not isinstance(cols, dict) or not all(isinstance(v, str) for v in cols.values()):
        raise _not_a_mapping(name)
    return {k: v for k, v in cols.items() if k in V.COLUMN_ROLES}


def read_file(path: Path | str | None) -> tuple[list[Entry] | None, dict[str, str] | None]:
    """The entries and columns of a mapping file named on the command line (None, None
    without one); read with the upload size guard."""
    if not path:
        return None, None
    from medcore.uploads import read_path

    path = Path(path)
    text = read_path(path)
    return from_json(text, path.name), columns_from_json(text, path.name)


def cli_option(value: str) -> dict:
    """``--mapping FILE`` of ``predict`` and ``score``: the file is read and checked before any
    model loads (a bad file fails here, with its fix); the models read it by path."""
    from medcore.errors import InputError

    path = Path(value)
    if not path.is_file():
        raise InputError(f"Mapping file {path} not found.",
                         "Download the mapping from the Patient history page.")
    read_file(path)
    return {"mapping_file": str(path)}


def variable_table() -> list[dict[str, str]]:
    """Every model variable with its unit and meaning (for cards and the page)."""
    return [{"variable": v.name, "unit": v.unit, "description": v.description}
            for v in VARIABLES().values()]
