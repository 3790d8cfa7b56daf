"""decide_frame: a pandas frame as the library's columns, decided in one batch, and back.

Each query field becomes one numpy column without a Python loop over rows: names and dates are
bound once per distinct value (a Categorical's categories, or pd.factorize's uniques) through the
library's setters, numbers are taken as float64 (text through the setters too, one call a row in
C). The batch (cav_eval_batch) runs on all cores with the GIL released. A value the setters
refuse marks its row; rows the batch or the setters refuse get their error text from the
library's binding of the row's own values, so it reads as `caveat audit` writes it. Text columns
(parties, explanation, why) are rendered in C, interned, and come back as Categoricals.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import pandas as pd

from . import (
    _FIELD_ID,
    _KEYWORDS,
    _NUMERIC,
    _REQUIRED,
    FIELDS,
    OUTPUT_COLUMNS,
    VERDICTS,
    _caveat,
    _COLUMN_ID,
    _date_text,
    _field,
)

_INT64_NAT = np.iinfo(np.int64).min
_NS_PER_DAY = 86_400 * 1_000_000_000
_DAY_MIN = int(np.datetime64("1900-01-01", "D").astype(np.int64))
_DAY_MAX = int(np.datetime64("2100-12-31", "D").astype(np.int64))
_GEOMETRY = object()  # the frame's point geometry gives lat and lon

# A column: its values for the batch, the rows whose values the setters refused, and how to
# give the original values to the error path (called only when some row is refused).
Column = Tuple[np.ndarray, Optional[np.ndarray], Callable[[], Tuple[Any, ...]]]


def _columns_of(df, columns: Optional[Mapping[str, str]]) -> Dict[str, Any]:
    """The frame column of each query field: as mapped, else by its name."""
    mapping: Dict[str, Any] = {}
    for key, col in (columns or {}).items():
        field = _field(key)
        if field in mapping:
            raise TypeError(f"columns: {field} is mapped twice")
        if col not in df.columns:
            raise KeyError(f"columns: the frame has no column {col!r} (for {field})")
        mapping[field] = col
    taken = set(mapping.values())
    for col in df.columns:
        if not isinstance(col, str) or col in taken:
            continue
        field = _KEYWORDS.get(col)
        if field is None:
            f = _caveat.qfield_find(col)
            field = FIELDS[f] if f >= 0 else None
        if field is None or field in mapping:
            continue
        mapping[field] = col
    geometry = getattr(df, "_geometry_column_name", None)
    if geometry is not None and geometry in df.columns and "target.lat" not in mapping \
            and "target.lon" not in mapping:
        mapping["target.lat"] = mapping["target.lon"] = _GEOMETRY
    missing = [f for f in _REQUIRED if f not in mapping]
    if missing:
        raise KeyError("; ".join(
            f"no column gives {f}, which is required (a column named "
            f"{_keyword_of(f)}, or columns={{{_keyword_of(f)!r}: COLUMN}})" for f in missing))
    return mapping


def _keyword_of(field: str) -> str:
    for k, f in _KEYWORDS.items():
        if f == field:
            return k
    return field


def _trimmed(v: Any) -> Any:
    if isinstance(v, str):
        v = v.strip(" \t")
        return v if v else None
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT or v is pd.NA:
        return None
    return v


def _strings(values: Sequence[Any], what: str, date: bool = False) -> List[Any]:
    """Values as the setters take them: str trimmed of spaces and tabs, None for none."""
    out = []
    for v in values:
        v = _trimmed(v)
        if v is not None and not isinstance(v, str):
            v = _date_text(v) if date else str(v)
        out.append(v)
    return out


def _bind_values(pack, field: str, values: List[Any]) -> Tuple[np.ndarray, np.ndarray]:
    numeric = field in _NUMERIC
    out = np.empty(len(values), dtype=np.float64 if numeric else np.int32)
    bad = pack._p.bind_values(_FIELD_ID[field], values, out)
    return out, np.asarray(bad, dtype=np.int64)


def _by_codes(pack, field: str, codes: np.ndarray, uniques: Sequence[Any]) -> Column:
    """A column given as codes into distinct values (-1: none): each value bound once."""
    values = _strings(uniques, field, date=field == "date")
    lut, bad_values = _bind_values(pack, field, values)
    none = np.float64(np.nan) if field in _NUMERIC else (
        _caveat.NO_DATE if field == "date" else -1)
    lut = np.append(lut, np.asarray([none], dtype=lut.dtype))  # code -1 takes the last one
    arr = lut.take(codes)
    bad = np.flatnonzero(np.isin(codes, bad_values)) if len(bad_values) else None
    return arr, bad, lambda: ("coded", codes.astype(np.int32, copy=False), values)


def _numeric(pack, field: str, s: pd.Series) -> Column:
    kind = s.dtype.kind
    if kind in "iuf" and not pd.api.types.is_bool_dtype(s.dtype):
        if s.dtype == np.float64:
            arr = s.to_numpy()  # no copy
        else:
            arr = s.to_numpy(dtype=np.float64, na_value=np.nan)
        return arr, None, lambda: ("num", arr)
    if kind == "O" or pd.api.types.is_string_dtype(s.dtype) or \
            isinstance(s.dtype, pd.CategoricalDtype):
        values = s.to_numpy(dtype=object)
        if isinstance(s.dtype, pd.CategoricalDtype) or s.hasnans:
            values = np.where(pd.isna(values), None, values)
        values = [v if isinstance(v, (float, int)) and not isinstance(v, bool) else v
                  for v in values]
        texts = [_trimmed(v) for v in values]
        texts = [str(v) if v is not None and not isinstance(v, (str, float, int)) else v
                 for v in texts]
        strs = [None if v is None else (v if isinstance(v, str) else repr(float(v)))
                for v in texts]
        arr, bad = _bind_values(pack, field, strs)
        return arr, (bad if len(bad) else None), lambda: ("rows", texts)
    raise TypeError(f"{field}: a column of numbers is needed, not {s.dtype}")


def _names(pack, field: str, s: pd.Series) -> Column:
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy()
        return _by_codes(pack, field, codes, list(s.cat.categories))
    if s.dtype.kind in "iufb" and s.isna().all():
        return np.full(len(s), -1, np.int32), None, lambda: None
    if s.dtype.kind in "iufb":
        raise TypeError(f"{field}: a column of names is needed, not {s.dtype}")
    codes, uniques = pd.factorize(s)
    return _by_codes(pack, field, codes, list(uniques))


def _dates(pack, field: str, s: pd.Series) -> Column:
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        if getattr(s.dtype, "tz", None) is not None:
            s = s.dt.tz_convert(pack.timezone).dt.tz_localize(None)
        ns = np.ascontiguousarray(s.to_numpy(dtype="datetime64[ns]").view(np.int64))
        days = np.empty(len(ns), np.int32)
        bad = None
        if _caveat.days_of(ns, days):  # years the library does not read: refused rows
            bad = np.flatnonzero((days != _caveat.NO_DATE) &
                                 ((days < _DAY_MIN) | (days > _DAY_MAX)))
        # the error path binds a date as its text, out of range or not (datetime64[ns] fits)
        return days, bad, lambda: ("days", days)
    if isinstance(s.dtype, pd.CategoricalDtype):
        return _by_codes(pack, field, s.cat.codes.to_numpy(), list(s.cat.categories))
    if s.dtype.kind in "iufb" and s.isna().all():
        return np.full(len(s), _caveat.NO_DATE, np.int32), None, lambda: None
    if s.dtype.kind in "iufb":
        raise TypeError(f"date: a column of dates is needed, not {s.dtype}")
    codes, uniques = pd.factorize(s)
    return _by_codes(pack, field, codes, list(uniques))


def _geometry(df) -> Tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude of a GeoDataFrame's points (NaN where a row has no point)."""
    geom = df.geometry
    if geom.crs is not None and not geom.crs.equals("EPSG:4326"):
        geom = geom.to_crs("EPSG:4326")
    types = geom.geom_type.to_numpy()
    points = types == "Point"
    lat = np.full(len(df), np.nan)
    lon = np.full(len(df), np.nan)
    if points.all():
        lat, lon = geom.y.to_numpy(dtype=np.float64), geom.x.to_numpy(dtype=np.float64)
    elif points.any():
        sub = geom[points]
        lat[points] = sub.y.to_numpy(dtype=np.float64)
        lon[points] = sub.x.to_numpy(dtype=np.float64)
    return lat, lon


def _to_dates(days: np.ndarray, open_end: int, verdict: np.ndarray) -> np.ndarray:
    """Days as datetime64[ns] (pandas' unit), NaT for an open end and a row not evaluated."""
    ns = np.empty(len(days), np.int64)
    _caveat.ns_of(np.ascontiguousarray(days, dtype=np.int32), open_end, verdict, ns)
    return ns.view("datetime64[ns]")


def decide_frame(pack, df, columns, output, explain: bool, threads: int):
    output = tuple(output)
    for name in output:
        if name not in OUTPUT_COLUMNS:
            raise ValueError(f"output: no column '{name}' (columns: {', '.join(OUTPUT_COLUMNS)})")
    if len(set(output)) != len(output):
        raise ValueError("output: a column is named twice")
    mapping = _columns_of(df, columns)
    n = len(df)
    cols: Dict[int, np.ndarray] = {}
    originals: Dict[int, Callable[[], Tuple[Any, ...]]] = {}
    bad_parts: List[np.ndarray] = []
    geometry = None
    for field, col in mapping.items():
        if col is _GEOMETRY:
            if geometry is None:
                geometry = _geometry(df)
            arr = geometry[0] if field == "target.lat" else geometry[1]
            column: Column = (arr, None, lambda a=arr: ("num", a))
        elif field in _NUMERIC:
            column = _numeric(pack, field, df[col])
        elif field == "date":
            column = _dates(pack, field, df[col])
        else:
            column = _names(pack, field, df[col])
        arr, bad, original = column
        cols[_FIELD_ID[field]] = np.ascontiguousarray(arr)
        originals[_FIELD_ID[field]] = original
        if bad is not None and len(bad):
            bad_parts.append(bad)

    verdict = np.empty(n, np.uint8)
    results: Dict[str, np.ndarray] = {"verdict": verdict}
    if "rule" in output:
        results["rule"] = np.empty(n, np.int32)
        results["nrules"] = np.empty(n, np.uint8)
    for name in ("valid_from", "valid_until"):
        if name in output:
            results[name] = np.empty(n, np.int32)
    pack._p.decide_batch(cols, n, results, int(threads))
    if bad_parts:
        bad = np.unique(np.concatenate(bad_parts))
        verdict[bad] = _caveat.BATCH_ERROR
        if "rule" in results:
            results["rule"][bad] = -1
            results["nrules"][bad] = 0
    failed = verdict == _caveat.BATCH_ERROR

    # the text columns, rendered in C and interned (one pass for all of them)
    texts: Dict[str, pd.Categorical] = {}
    wanted = [c for c in ("parties", "explanation", "why") if c in output]
    multi = None
    if "rule" in output:
        multi = np.flatnonzero(results["nrules"] > 1)
        if wanted:
            wanted.append("rule")  # the whole column in the same pass
    if wanted:
        codes = [np.empty(n, np.int32) for _ in wanted]
        flags = _caveat.EXPLAIN if explain else 0
        distinct = pack._p.render(cols, n, None, [_COLUMN_ID[c] for c in wanted], codes, flags,
                                  int(threads))
        for name, code, cats in zip(wanted, codes, distinct):
            code[failed] = -1
            texts[name] = pd.Categorical.from_codes(code, categories=cats)
    elif multi is not None and len(multi):
        code = np.empty(len(multi), np.int32)
        (cats,) = pack._p.render(cols, n, multi.astype(np.int64), [_COLUMN_ID["rule"]], [code],
                                 0, int(threads))
        results["multi"] = code
        results["multi_texts"] = cats

    out: Dict[str, Any] = {}
    for name in output:
        if name == "decision":
            out[name] = pd.Categorical.from_codes(verdict.view(np.int8), categories=VERDICTS)
        elif name == "rule" and "rule" in texts:
            out[name] = texts["rule"]
        elif name == "rule":
            out[name] = _rule_column(pack, results)
        elif name in texts:
            out[name] = texts[name]
        elif name in ("valid_from", "valid_until"):
            open_end = np.iinfo(np.int32).min if name == "valid_from" else _caveat.DATE_OPEN
            out[name] = _to_dates(results[name], open_end, verdict)
        elif name == "date":
            days = cols.get(_FIELD_ID["date"], np.full(n, _caveat.NO_DATE, np.int32))
            out[name] = _to_dates(days, _caveat.NO_DATE, verdict)
        elif name == "error":
            out[name] = _errors(pack, originals, failed, n)

    result = df.copy(deep=False)
    clashes = {c: f"input.{c}" for c in result.columns if c in out}
    if clashes:
        result = result.rename(columns=clashes)
    for name, values in out.items():
        result[name] = values
    return result


def _rule_column(pack, results) -> pd.Categorical:
    names = pack._p.names(7)  # CAV_CAT_RULE
    nr = len(names)
    rule = results["rule"]
    codes = np.where(rule < -1, nr - 2 - rule, rule).astype(np.int32)
    cats = list(names) + ["default-deny", "silent"]
    if "multi" in results:
        multi = np.flatnonzero(results["nrules"] > 1)
        codes[multi] = nr + 2 + results["multi"]
        cats += list(results["multi_texts"])
    return pd.Categorical.from_codes(codes, categories=cats)


def _errors(pack, originals, failed: np.ndarray, n: int) -> pd.Categorical:
    """The error column: for each refused row, its problems as `caveat audit` words them."""
    codes = np.full(n, -1, np.int32)
    rows = np.flatnonzero(failed)
    texts: List[str] = []
    if len(rows):
        sources = []
        for f, get in originals.items():
            src = get()
            if src is not None:
                sources.append((f,) + src)
        mine = np.empty(len(rows), np.int32)
        texts = pack._p.errors(n, rows.astype(np.int64), sources, mine)
        codes[rows] = mine
    return pd.Categorical.from_codes(codes, categories=texts)
