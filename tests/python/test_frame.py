"""Pack.decide_frame: frames as the library's columns, the same decisions and errors as
`caveat audit` and `caveat check`, typed columns, geopandas points, bad rows as values."""
import io

import numpy as np
import pandas as pd
import pytest

import caveat


def read_log(path):
    # cells as text, as they are in the file: the audit binds them as written
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_same_output_as_caveat_audit(pack, sample_log):
    log, audited = sample_log
    out = pack.decide_frame(read_log(log), output=caveat.AUDIT_OUTPUT)
    buf = io.StringIO()
    out.to_csv(buf, index=False)
    with open(audited, newline="") as f:
        assert buf.getvalue() == f.read()
    assert out["error"].notna().sum() > 100  # the 2% bad rows, each with its problems


def test_typed_columns_decide_alike(pack, sample_log):
    log, _ = sample_log
    output = ("decision", "rule", "valid_from", "valid_until", "error")
    text = pack.decide_frame(read_log(log), output=output)
    typed = pd.read_csv(log, keep_default_na=True)
    typed["date"] = pd.to_datetime(typed["date"], errors="coerce", format="%Y-%m-%d")
    for c in ("weapon", "target.kind", "supplier", "purpose"):
        typed[c] = typed[c].astype("category")
    for c in ("target.lat", "target.lon"):
        typed[c] = pd.to_numeric(typed[c], errors="coerce")
    got = pack.decide_frame(typed, output=output)
    ok = text["error"].isna() & got["error"].isna()
    assert ok.sum() > 0.95 * len(text)
    for c in ("decision", "rule", "valid_from", "valid_until"):
        assert (got.loc[ok, c].astype(object) == text.loc[ok, c].astype(object))[
            got.loc[ok, c].notna()].all(), c
    # a row the text binding refused is refused here too (or not bound at all: coerced to NaN)
    assert got.loc[text["error"].notna(), "decision"].isna().all()


def test_threads_do_not_change_answers(pack, sample_log):
    log, _ = sample_log
    df = read_log(log)
    one = pack.decide_frame(df, output=caveat.OUTPUT_COLUMNS, threads=1)
    many = pack.decide_frame(df, output=caveat.OUTPUT_COLUMNS, threads=3)
    pd.testing.assert_frame_equal(one.astype(str), many.astype(str))


def frame(**cols):
    n = max(len(v) for v in cols.values())
    return pd.DataFrame({k: v if len(v) == n else v * n for k, v in cols.items()})


def test_bad_rows_are_values(pack):
    df = frame(weapon=["HIMARS", "HIMARZ", "gmlrs", "f-16", "gmlrs", "gmlrs"],
               lat=[50.6, 50.6, 95.0, 50.6, 50.6, 50.6],
               lon=[36.59], kind=["forces"], purpose=["counterfire"], role=["attacking"],
               date=["2024-06-10", "2024-06-10", "2024-06-10", "2024-06-10", "2024-06-31",
                     "2024-06-10"],
               launch_lat=[np.nan, np.nan, np.nan, np.nan, np.nan, 50.0])
    out = pack.decide_frame(df)
    assert list(out["decision"].astype(object).fillna("-")) == [
        "permitted", "-", "-", "-", "-", "-"]
    errors = list(out["error"].astype(object))
    assert errors[0] is np.nan or errors[0] is None or pd.isna(errors[0])
    assert errors[1] == "weapon: unknown weapon 'HIMARZ' (did you mean HIMARS, that is gmlrs?)"
    assert errors[2] == "target.lat: 95 is out of range (-90 to 90 degrees)"
    assert errors[3].startswith("supplier: missing; weapon 'f-16' has several suppliers")
    assert errors[4] == "date: 2024-06-31 is no calendar date"
    assert errors[5] == "launch.lon: missing; a launch point needs lat and lon"
    # each message is the one decide() raises for the same values
    with pytest.raises(caveat.QueryError) as e:
        pack.decide(weapon="gmlrs", lat=50.6, lon=36.59, kind="forces", date="2024-06-10",
                    launch_lat=50.0)
    assert str(e.value) == errors[5]


def test_numbers_as_text(pack):
    df = frame(weapon=["gmlrs"], lat=["50.6", " +50.6 ", "abc", "", None], lon=["36.59"],
               kind=["forces"], purpose=["counterfire"], role=["attacking"], date=["2024-06-10"])
    out = pack.decide_frame(df)
    assert list(out["decision"].astype(object)[:2]) == ["permitted", "permitted"]
    assert out["error"][2] == "target.lat: 'abc' is not a number of degrees"
    assert out["error"][3] == out["error"][4] == "target.lat: missing; it is required"


def test_dates_and_timestamps(pack):
    utc = pd.to_datetime(["2024-06-09T23:30:00Z", "2024-05-29T20:00:00Z"], utc=True)
    df = frame(weapon=["gmlrs"], lat=[50.6], lon=[36.59], kind=["forces"],
               purpose=["counterfire"], role=["attacking"], date=list(utc))
    df["date"] = utc
    out = pack.decide_frame(df, output=("date", "decision"))
    # in Kyiv these are 2024-06-10 (permitted) and 2024-05-29 (before the permit)
    assert [str(d.date()) for d in out["date"]] == ["2024-06-10", "2024-05-29"]
    assert list(out["decision"].astype(object)) == ["permitted", "prohibited"]
    old = frame(weapon=["gmlrs"], lat=[50.6], lon=[36.59], kind=["forces"],
                date=[pd.Timestamp("1850-01-01")])
    err = pack.decide_frame(old)["error"][0]
    assert err.startswith("date: ")


def test_geodataframe_points(pack):
    gpd = pytest.importorskip("geopandas")
    df = frame(weapon=["gmlrs"], lat=[50.6, 48.0], lon=[36.59, 37.8], kind=["forces"],
               purpose=["counterfire"], role=["attacking"], date=["2024-06-10"])
    plain = pack.decide_frame(df)
    g = gpd.GeoDataFrame(df.drop(columns=["lat", "lon"]),
                         geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")
    got = pack.decide_frame(g)
    assert isinstance(got, gpd.GeoDataFrame)
    assert list(got["decision"]) == list(plain["decision"])
    # another CRS is taken to EPSG:4326 first
    projected = pack.decide_frame(g.to_crs("EPSG:3857"))
    assert list(projected["decision"]) == list(plain["decision"])


def test_columns_mapping_and_clashes(pack):
    df = pd.DataFrame({"system": ["HIMARS"], "y": [50.6], "x": [36.59], "type": ["forces"],
                       "mission": ["counterfire"], "role": ["attacking"],
                       "when": ["2024-06-10"], "decision": ["ours"]})
    out = pack.decide_frame(df, columns={"weapon": "system", "lat": "y", "lon": "x",
                                         "kind": "type", "purpose": "mission", "date": "when"})
    assert out["decision"][0] == "permitted" and out["input.decision"][0] == "ours"
    with pytest.raises(KeyError, match="no column gives target.kind"):
        pack.decide_frame(df.drop(columns=["type"]), columns={"weapon": "system", "lat": "y",
                                                              "lon": "x", "date": "when"})
    with pytest.raises(ValueError, match="no column 'verdict'"):
        pack.decide_frame(df, output=("verdict",))


def test_empty_frame_and_explain(pack):
    empty = pd.DataFrame({"weapon": [], "lat": [], "lon": [], "kind": [], "date": []})
    out = pack.decide_frame(empty, output=caveat.OUTPUT_COLUMNS)
    assert len(out) == 0 and set(caveat.OUTPUT_COLUMNS) <= set(out.columns)
    df = frame(weapon=["gmlrs"], lat=[50.6], lon=[36.59], kind=["ammunition-depot"],
               purpose=["strike"], date=["2024-06-10"])
    out = pack.decide_frame(df, output=("explanation",), explain=True)
    d = pack.decide(weapon="gmlrs", lat=50.6, lon=36.59, kind="ammunition-depot",
                    purpose="strike", date="2024-06-10")
    assert out["explanation"][0] == d.explanation(explain=True)
    assert "quotes" in out["explanation"][0]


def test_filtered_frames_and_string_dtype(pack):
    log = pack.sample(1000, seed=3)
    full = pack.decide_frame(log)
    sub = log[log["weapon"].str.lower() == "gmlrs"]  # an index with gaps
    out = pack.decide_frame(sub)
    assert list(out.index) == list(sub.index)
    assert (out["decision"].astype(str) == full.loc[sub.index, "decision"].astype(str)).all()
    typed = log.astype({"weapon": "string", "target.kind": "string"})
    assert (pack.decide_frame(typed)["decision"].astype(str) ==
            full["decision"].astype(str)).all()
