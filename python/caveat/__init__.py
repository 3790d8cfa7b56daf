"""The conditions suppliers attach to the use of weapons, made machine-checkable.

A pack (the embedded default pack, or your own .cav files) holds the rules: who supplied a
weapon, what it is, where the target is, what it is and does, why it is engaged, and when. Ask
it one question, or decide every row of a DataFrame at the library's speed:

    >>> import caveat
    >>> pack = caveat.Pack.default()
    >>> d = pack.decide(weapon="HIMARS", lat=50.6, lon=36.59, kind="forces",
    ...                 purpose="counterfire", role="attacking", date="2024-06-10")
    >>> d.verdict
    'permitted'

Verdicts are ``permitted``, ``prohibited``, ``indeterminate`` (the facts given do not settle it:
the decision says which field or which zone edge would) and ``unknown`` (the record is silent).

The calls:

- ``Pack.default()``, ``Pack.load(paths)``: packs; ``pack.id``, ``pack.catalog()``.
- ``pack.decide(...)`` -> ``Decision`` (``.verdict``, ``.parties``, ``.rules``, ``.valid``,
  ``.explanation()``, ``.to_dict()``); a bad query raises ``QueryError`` naming the field.
- ``pack.decide_frame(df, columns={...})`` -> the frame with decision columns added (pandas or
  geopandas points), multi-threaded in C; a bad row gets an ``error`` value, never an exception.
- ``pack.zones(...)``, ``pack.timeline()``, ``pack.diff(d1, d2)``, ``pack.where(lat, lon)``,
  ``pack.sources()``: maps as GeoJSON or GeoDataFrames, histories as DataFrames;
  ``pack.sample(rows)``: a synthetic event log to try things on.
- ``caveat.dask.decide(ddf, pack, ...)``: the same over a Dask DataFrame, on a cluster.

docs/python.md in the repository documents every call with its real output. The package is a C
extension on libcaveat, built by the repository's CMake for Debian's /usr/bin/python3.
"""

from __future__ import annotations

import datetime as _dt
import difflib as _difflib
import json as _json
import math as _math
import os as _os
import re as _re
import tempfile as _tempfile
import threading as _threading
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _caveat

__all__ = [
    "Pack",
    "Decision",
    "CaveatError",
    "PolicyError",
    "QueryError",
    "VERDICTS",
    "FIELDS",
    "OUTPUT_COLUMNS",
    "DEFAULT_OUTPUT",
    "AUDIT_OUTPUT",
    "__version__",
]

__version__ = _caveat.library_version

#: The four verdicts, in the library's order.
VERDICTS = ("permitted", "prohibited", "indeterminate", "unknown")


class CaveatError(Exception):
    """Base class of the errors caveat raises."""


class PolicyError(CaveatError):
    """A pack that could not be loaded: every diagnostic of its files.

    ``str(e)`` is the diagnostics as ``caveat lint`` prints them (file:line:col, the line, a
    caret, a hint); ``e.diagnostics`` is a list of dicts with severity, file, line, col, message,
    hint and code.
    """

    def __init__(self, message: str, diagnostics: Sequence[Mapping[str, Any]] = ()):
        super().__init__(message)
        self.diagnostics: List[Dict[str, Any]] = [dict(d) for d in diagnostics]


class QueryError(CaveatError, ValueError):
    """A query that cannot be evaluated, with every problem named.

    ``e.field`` is the field of the first problem ("target.lat"), ``e.problems`` a list of
    (field, message) pairs, ``str(e)`` all of them as "field: message; field: message".
    """

    def __init__(self, message: str, problems: Sequence[Tuple[str, str]] = (), more: int = 0):
        super().__init__(message)
        self.problems: List[Tuple[str, str]] = [tuple(p) for p in problems]  # type: ignore
        self.more = more
        self.field: Optional[str] = (self.problems[0][0] or None) if self.problems else None


_caveat._set_exceptions(PolicyError, QueryError)

# ---- query fields ---------------------------------------------------------------------------

#: The query fields by their names in queries and CSV headers ("target.lat"), in the library's
#: order.
FIELDS = tuple(name for name, _required in _caveat.qfields())
_FIELD_ID = {name: i for i, name in enumerate(FIELDS)}
_REQUIRED = tuple(name for name, required in _caveat.qfields() if required)

# The keyword names of Pack.decide and of decide_frame's `columns`, for the fields whose query
# names are dotted.
_KEYWORDS = {
    "date": "date",
    "weapon": "weapon",
    "supplier": "supplier",
    "lat": "target.lat",
    "lon": "target.lon",
    "uncertainty_m": "target.uncertainty_m",
    "kind": "target.kind",
    "state": "target.state",
    "role": "target.role",
    "purpose": "purpose",
    "launch_lat": "launch.lat",
    "launch_lon": "launch.lon",
    "launch_uncertainty_m": "launch.uncertainty_m",
}
_NUMERIC = {"target.lat", "target.lon", "target.uncertainty_m", "launch.lat", "launch.lon",
            "launch.uncertainty_m"}


def _field(name: str) -> str:
    """The query field a keyword or a field name stands for; TypeError for neither."""
    if name in _KEYWORDS:
        return _KEYWORDS[name]
    f = _caveat.qfield_find(name)
    if f >= 0:
        return FIELDS[f]
    names = list(dict.fromkeys(list(_KEYWORDS) + list(FIELDS)))
    near = _difflib.get_close_matches(name, names, n=3)
    hint = f" (did you mean {', '.join(near)}?)" if near else ""
    raise TypeError(f"unknown query field '{name}'{hint}")


def _date_text(value: Any) -> Any:
    """A date value as the library reads it: YYYY-MM-DD, or an RFC 3339 timestamp."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if hasattr(value, "isoformat"):  # numpy and pandas scalars
        return _date_text(value.to_pydatetime() if hasattr(value, "to_pydatetime") else value)
    raise TypeError(f"date: a str, date or datetime is needed, not {type(value).__name__}")


def _field_value(field: str, value: Any) -> Any:
    if value is None:
        return None
    if field == "date":
        return _date_text(value)
    if field in _NUMERIC:
        if isinstance(value, bool):
            raise TypeError(f"{field}: a number is needed, not bool")
        if isinstance(value, (int, float)):
            try:
                return float(value)
            except OverflowError:  # an int past a double: the setter says "must be a finite number"
                return _math.inf if value > 0 else -_math.inf
        if isinstance(value, str):
            return value
        try:
            return float(value)  # numpy scalars
        except (TypeError, ValueError):
            raise TypeError(f"{field}: a number is needed, not {type(value).__name__}") from None
    if isinstance(value, str):
        return value
    raise TypeError(f"{field}: a name (str) is needed, not {type(value).__name__}")


def _bind(fields: Mapping[str, Any]) -> Dict[int, Any]:
    """The fields given, by field number; a keyword that is no field is a TypeError even with the
    value None, and a field whose value is None is not given."""
    out: Dict[int, Any] = {}
    for key, value in fields.items():
        field = _field(key)
        if value is None:
            continue
        if _FIELD_ID[field] in out:
            raise TypeError(f"{field} given twice")
        out[_FIELD_ID[field]] = _field_value(field, value)
    return out


# ---- decisions ------------------------------------------------------------------------------


def _date_or_none(text: Optional[str]) -> Optional[_dt.date]:
    return _dt.date.fromisoformat(text) if text else None


class Decision:
    """The decision on one use: its verdict, each party's decision, the rules that decided it, the
    dates between which it holds, and an explanation.

    Attributes: ``verdict`` (one of VERDICTS), ``date`` (the date decided for), ``parties`` (a
    list of dicts, one per party whose consent the use needs: party, decision, rule or rules,
    since, until, sources, and for an undetermined party what was missing), ``rules`` (the rules
    that decided the use: those of the parties whose verdict is the use's, with default-deny or
    silent for a party that decided so), ``valid`` (a (from, until) pair of dates, None for an
    open end), ``assumptions``, ``disputed`` and ``pack`` (the pack's id).
    """

    __slots__ = ("_decided", "_dict", "verdict", "date", "parties", "rules", "valid",
                 "assumptions", "disputed", "pack")

    def __init__(self, decided: Any):
        self._decided = decided
        self._dict: Dict[str, Any] = _json.loads(decided.json(None, 0))
        d = self._dict
        self.verdict: str = d["decision"]
        self.date: _dt.date = _dt.date.fromisoformat(d["date"])
        self.parties: List[Dict[str, Any]] = d["parties"]
        self.rules: List[str] = decided.rules()
        valid = d.get("valid") or {}
        self.valid: Tuple[Optional[_dt.date], Optional[_dt.date]] = (
            _date_or_none(valid.get("from")), _date_or_none(valid.get("until")))
        self.assumptions: List[str] = d.get("assumptions", [])
        self.disputed: bool = bool(d.get("disputed", False))
        self.pack: str = d["pack"]

    def explanation(self, explain: bool = False) -> str:
        """The explanation in English; with explain=True also each deciding rule's words and
        quote, and for a use not permitted the nearest rules that would permit it and how they
        fail (the CLI's --explain)."""
        return self._decided.column(_COLUMN_ID["explanation"], _caveat.EXPLAIN if explain else 0)

    def why(self) -> str:
        """The short form: each party's verdict and the rules that decided it."""
        return self._decided.column(_COLUMN_ID["why"], 0)

    def to_dict(self, explain: bool = False, id: Any = None) -> Dict[str, Any]:
        """The decision as `caveat check` writes it (docs/semantics.md), as a dict."""
        return _json.loads(self.to_json(explain=explain, id=id))

    def to_json(self, explain: bool = False, id: Any = None) -> str:
        """The decision as one line of JSON, byte for byte what `caveat check` writes."""
        flags = _caveat.EXPLAIN if explain else 0
        return self._decided.json(None if id is None else _json.dumps(id), flags)

    def __str__(self) -> str:
        return self._decided.text(0)

    def __repr__(self) -> str:
        return f"<Decision {self.verdict} by {';'.join(self.rules)} ({self.pack})>"


# ---- packs ----------------------------------------------------------------------------------

_CATALOGS = ("party", "class", "kind", "purpose", "weapon", "source", "zone", "rule", "note",
             "state", "role")
_CATALOG_PLURALS = {"party": "parties", "class": "classes"}
_COLUMN_ID = {name: i for i, name in enumerate(_caveat.columns())}

#: Every output column decide_frame and caveat.dask.decide can add (the audit's --columns).
OUTPUT_COLUMNS = ("date", "decision", "parties", "rule", "valid_from", "valid_until",
                  "explanation", "why", "error")
#: decide_frame's columns by default: what a large frame needs, at the batch engine's speed
#: (valid_from and valid_until cost about as much again: ask for them by name).
DEFAULT_OUTPUT = ("decision", "rule", "error")
#: The columns `caveat audit` writes by default, in its order.
AUDIT_OUTPUT = ("decision", "parties", "rule", "valid_from", "valid_until", "explanation", "error")

_GEOJSON_REF = _re.compile(r'geojson\s*\(\s*"((?:[^"\\]|\\.)*)"')
# Packs by id in this process: what an unpickled pack resolves to (Dask workers keep theirs).
_PACKS: Dict[str, "Pack"] = {}
_PACKS_LOCK = _threading.Lock()
_DEFAULT: Optional["Pack"] = None


def _pack_files(paths: Sequence[str]) -> List[Tuple[str, Optional[str]]]:
    """The .cav files the library reads for paths, in its order: ('@default', None) or
    (path, None); a directory stands for its *.cav files in name order."""
    files: List[Tuple[str, Optional[str]]] = []
    for p in paths:
        if p == "@default":
            files.append(("@default", None))
        elif _os.path.isdir(p):
            names = sorted(n for n in _os.listdir(p) if n.endswith(".cav") and len(n) > 4
                           and not n.startswith("."))
            files.extend((_os.path.join(p, n), None) for n in names)
        else:
            files.append((p, None))
    return files


class Pack:
    """A loaded pack: immutable, shared by every thread and call (the library's cav_pack).

    Make one with ``Pack.default()`` (the embedded default pack) or ``Pack.load(paths)``.
    A pack pickles by content (its source files and id) so it can travel to Dask workers, which
    load it once and keep it by id.
    """

    __slots__ = ("_p", "_source")

    def __init__(self, _handle: Any, _source: Tuple[Any, ...]):
        self._p = _handle
        self._source = _source

    # -- making packs --

    @classmethod
    def default(cls) -> "Pack":
        """The default pack embedded in the library (the 2024 regime): loaded once per process."""
        global _DEFAULT
        if _DEFAULT is None:
            pack = cls(_caveat.load_default(), ("default",))
            with _PACKS_LOCK:
                _DEFAULT = _PACKS.setdefault(pack.id, pack)
        return _DEFAULT

    @classmethod
    def load(cls, paths: Union[str, "_os.PathLike[str]", Sequence[Union[str, "_os.PathLike[str]"]]]
             ) -> "Pack":
        """A pack from .cav files or directories (every *.cav inside, in name order); the path
        "@default" stands for the default pack's files, so your rules can add to it. A pack with
        any error raises PolicyError with every diagnostic."""
        if isinstance(paths, (str, _os.PathLike)):
            paths = [paths]
        plist = [_os.fspath(p) for p in paths]
        # the content, for pickling: every .cav file and the GeoJSON files they name
        contents: List[Tuple[str, bytes]] = []
        order: List[str] = []
        for path, _ in _pack_files(plist):
            if path == "@default":
                order.append("@default")
                continue
            with open(path, "rb") as f:
                data = f.read()
            full = _os.path.abspath(path)
            contents.append((full, data))
            order.append(full)
            base = _os.path.dirname(full)
            for ref in _GEOJSON_REF.findall(data.decode("utf-8", "replace")):
                ref_path = ref if _os.path.isabs(ref) else _os.path.join(base, ref)
                if _os.path.isfile(ref_path):
                    with open(ref_path, "rb") as f:
                        contents.append((_os.path.abspath(ref_path), f.read()))
        handle = _caveat.load(plist)
        pack = cls(handle, ("files", tuple(order), tuple(contents)))
        with _PACKS_LOCK:
            _PACKS.setdefault(pack.id, pack)
        return pack

    def __reduce__(self):
        return (_unpickle_pack, (self.id, self._source))

    # -- identity --

    @property
    def id(self) -> str:
        """NAME@ and the first 12 hex digits of the SHA-256 of the compiled content: the same
        files give the same id on any machine."""
        return self._p.id

    @property
    def hash(self) -> str:
        """The full SHA-256 of the compiled content, in hex."""
        return self._p.hash

    @property
    def name(self) -> str:
        """The pack's name (its `pack` statement; "default" for the embedded pack)."""
        return self._p.name

    @property
    def timezone(self) -> str:
        """The IANA time zone in which timestamps become dates ("Europe/Kyiv")."""
        return self._p.timezone

    def __repr__(self) -> str:
        return f"<caveat.Pack {self.id}>"

    # -- catalogs and reports --

    def catalog(self, name: Optional[str] = None) -> Any:
        """The pack's catalogs as `caveat catalog --format json` writes them: a dict of lists
        (weapons, parties, kinds, purposes, zones, rules, ...), or one of them by name
        ("weapons" or "weapon")."""
        cats = _json.loads(self._p.catalog_json())
        if name is None:
            return cats
        key = name if name in cats else _CATALOG_PLURALS.get(name, name + "s")
        if key not in cats:
            raise KeyError(f"no catalog '{name}' (catalogs: {', '.join(cats)})")
        return cats[key]

    def names(self, catalog: str) -> List[str]:
        """The identifiers of one catalog in the pack's order ("weapon" -> ["gmlrs", ...])."""
        singular = {v: k for k, v in _CATALOG_PLURALS.items()}.get(catalog, catalog)
        if singular.endswith("s") and singular[:-1] in _CATALOGS:
            singular = singular[:-1]
        if singular not in _CATALOGS:
            raise KeyError(f"no catalog '{catalog}' (catalogs: {', '.join(_CATALOGS)})")
        return self._p.names(_CATALOGS.index(singular))

    def sources(self) -> List[Dict[str, Any]]:
        """Every source with its outlet, date, address and the rules, notes and zones citing it."""
        return _json.loads(self._p.sources_json())

    def where(self, lat: float, lon: float, uncertainty_m: float = 0.0) -> Dict[str, Any]:
        """The countries, regions and zones of the pack that contain a point, and the zone edges
        nearer to it than its position is known (`caveat where`)."""
        return _json.loads(self._p.where(float(lat), float(lon), float(uncertainty_m)))

    def sample(self, rows: int = 1000, seed: int = 1, bad_rate: float = 0.0):
        """A synthetic event log over the pack's catalog (`caveat sample`), as a DataFrame of
        text cells, as pandas reads a log with dtype=str, keep_default_na=False: dates 2022-2025,
        targets over Ukraine, the border near Kharkiv, western Russia and Belarus; bad_rate is
        the share of rows with one mistake each (latitude 95, a misspelt weapon, ...). The same
        arguments give the same rows."""
        import pandas as pd

        if rows < 0 or not 0 <= bad_rate <= 1:
            raise ValueError("rows must be >= 0 and bad_rate within 0 to 1")
        with _tempfile.TemporaryFile() as f:
            self._p.sample(int(rows), int(seed), float(bad_rate), f.fileno())
            f.seek(0)
            return pd.read_csv(f, dtype=str, keep_default_na=False)

    def timeline(self, party: Optional[str] = None, weapon: Optional[str] = None):
        """The history of the conditions as a DataFrame, one change a row in date order (rules
        taking effect and ending, dated notes), optionally for one party and/or one weapon."""
        import pandas as pd

        rows = _json.loads(self._p.timeline(party, weapon, "json"))
        return _report_frame(pd, rows)

    def diff(self, d1: Any, d2: Any, party: Optional[str] = None,
             weapon: Optional[str] = None):
        """The rules in force on d2 and not on d1 ("+ permit", "+ forbid") and the reverse
        ("- ..."), as a DataFrame."""
        import pandas as pd

        rows = _json.loads(self._p.diff(_date_text(d1), _date_text(d2), party, weapon, "json"))
        return _report_frame(pd, rows)

    def zones(self, weapon: Optional[str] = None, date: Any = None, *, frame: Optional[bool] = None,
              **use: Any):
        """Without a weapon: the pack's zones. With one (and a date, a kind and any other field
        of a use but the target point): where that use is permitted on that date, the band where
        it is indeterminate, disputed permissions and assumed zones, as `caveat zones` draws them.

        Returns a GeoDataFrame when geopandas is installed (frame=None or True), else the
        GeoJSON as a dict (frame=False)."""
        fields = None
        if weapon is not None:
            fields = _bind(dict(use, weapon=weapon, date=date))
        elif use or date is not None:
            _bind(use)  # a keyword that is no field is a TypeError, before "needs a weapon"
            raise TypeError("zones: a use needs a weapon")
        geojson = _json.loads(self._p.map(fields, "geojson"))
        if frame is False:
            return geojson
        try:
            import geopandas as gpd
        except ImportError:
            if frame:
                raise
            return geojson
        gdf = gpd.GeoDataFrame.from_features(geojson["features"], crs="EPSG:4326")
        gdf.attrs.update({k: v for k, v in geojson.items() if k not in ("type", "features")})
        return gdf

    # -- decisions --

    def decide(self, weapon: Optional[str] = None, lat: Optional[float] = None,
               lon: Optional[float] = None, kind: Optional[str] = None, date: Any = None,
               **optional: Any) -> Decision:
        """Decides one use. Required: weapon, lat, lon (of the target), kind (of the target),
        date (YYYY-MM-DD, a date, or a timestamp, taken in the pack's time zone). Optional:
        purpose, supplier, state (ground, airborne), role (attacking, supporting, none),
        uncertainty_m, launch_lat, launch_lon, launch_uncertainty_m (or the dotted field names
        as keywords: ``**{"target.role": "attacking"}``).

        Names are the pack's: case-insensitive, aliases accepted ("HIMARS" is gmlrs, "UK" is GB).
        Raises QueryError naming every problem (e.field is the first field)."""
        fields = _bind(dict(optional, weapon=weapon, lat=lat, lon=lon, kind=kind, date=date))
        return Decision(self._p.decide(fields))

    def decide_frame(self, df, columns: Optional[Mapping[str, str]] = None, *,
                     output: Sequence[str] = DEFAULT_OUTPUT, explain: bool = False,
                     threads: int = 0):
        """Decides every row of a pandas DataFrame (or a geopandas GeoDataFrame of points) and
        returns a new frame: the input's columns, then the output columns.

        columns maps query fields to the frame's columns, {"weapon": "system", "lat": "y"};
        a field not mapped is taken from a column named like it (weapon, target.lat, target_lat,
        lat, ...); a GeoDataFrame's point geometry gives lat and lon (in EPSG:4326).
        output chooses the added columns among OUTPUT_COLUMNS (AUDIT_OUTPUT: the audit's).
        A row that cannot be evaluated gets its problems in `error` (as `caveat audit` words
        them) and empty decision columns; it never raises. threads: 0 for one per core.
        See docs/python.md for the types each column may have."""
        from . import _frame

        return _frame.decide_frame(self, df, columns, output, explain, threads)


def _report_frame(pd, rows: List[Dict[str, Any]]):
    df = pd.DataFrame(rows)
    if "date" in df.columns:
        df["date"] = pd.to_datetime(df["date"]).dt.date
    return df


def _materialise(root: str, order: Sequence[str], contents: Sequence[Tuple[str, bytes]]
                 ) -> List[str]:
    """Writes a pack's files under root with their layout (so relative geojson() paths still
    resolve); returns the paths to load, in order."""
    paths = [p for p, _ in contents]
    common = _os.path.dirname(paths[0]) if len(paths) == 1 else _os.path.commonpath(paths or [root])
    where = {}
    for path, data in contents:
        dest = _os.path.join(root, _os.path.relpath(path, common))
        _os.makedirs(_os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as f:
            f.write(data)
        where[path] = dest
    return [p if p == "@default" else where[p] for p in order]


def _unpickle_pack(pack_id: str, source: Tuple[Any, ...]) -> Pack:
    """A pickled pack in this process: the one already loaded with that id, else loaded from the
    pickled content (which must give the same id)."""
    with _PACKS_LOCK:
        known = _PACKS.get(pack_id)
    if known is not None:
        return known
    if source[0] == "default":
        pack = Pack.default()
    else:
        _kind, order, contents = source
        with _tempfile.TemporaryDirectory(prefix="caveat-pack-") as root:
            handle = _caveat.load(_materialise(root, order, contents))
        pack = Pack(handle, source)
    if pack.id != pack_id:
        raise CaveatError(f"the pack pickled as {pack_id} loads here as {pack.id} (another "
                          f"caveat version, or other default files?)")
    with _PACKS_LOCK:
        return _PACKS.setdefault(pack_id, pack)
