"""bench_python.py — the Python package measured side by side in one run (bench/RESULTS-python.md).

  1. decide_frame on ROWS rows from numpy columns (Categorical names, float64 coordinates,
     datetime64 dates), on every core: rows/s wall, and CPU time per row;
  2. the same classification the way an analyst would write it without caveat: a geopandas
     sjoin of the points against the pack's permitted areas (one area per use, exported from the
     pack) plus pandas conditions for the rest, against decide_frame on the same rows: the ratio,
     and whether the verdicts are identical;
  3. caveat.dask.decide on a LocalCluster of 2 worker processes against 1, on the same
     partitions (a partitioned CSV log, read, decided with the audit's columns and written per
     partition), and whether the output is byte for byte `caveat audit`'s.

Run from the repository root after building (Debian's python3):
  PYTHONPATH=build/python /usr/bin/python3 bench/bench_python.py [--rows 10000000] [--repeat 3]
The machine is shared: each figure is the median of --repeat runs, and ratios are taken within
one run, side by side.
"""

import argparse
import glob
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

import caveat


def clock():
    """Wall time and this process's CPU time (threads included)."""
    return time.perf_counter(), time.process_time()


def typed_frame(pack, rows, seed):
    """ROWS rows with the sample log's distribution as numpy-backed columns: a 200,000-row sample
    (`caveat sample`, every row valid) made typed, then drawn with replacement."""
    base = pack.sample(rows=200_000, seed=seed)
    typed = pd.DataFrame({
        "date": pd.to_datetime(base["date"], format="%Y-%m-%d"),
        "target.lat": pd.to_numeric(base["target.lat"]),
        "target.lon": pd.to_numeric(base["target.lon"]),
        "launch.lat": pd.to_numeric(base["launch.lat"].replace("", np.nan)),
        "launch.lon": pd.to_numeric(base["launch.lon"].replace("", np.nan)),
    })
    for c in ("weapon", "supplier", "target.kind", "target.state", "purpose"):
        typed[c] = base[c].replace("", np.nan).astype("category")
    pick = np.random.default_rng(seed).integers(0, len(typed), rows)
    return typed.iloc[pick].reset_index(drop=True)


def bench_decide_frame(pack, rows, repeat):
    df = typed_frame(pack, rows, 1)
    print(f"\n## 1. decide_frame, {rows:,} rows from numpy columns, {os.cpu_count()} cores")
    result = {}
    for output in (caveat.DEFAULT_OUTPUT, caveat.DEFAULT_OUTPUT + ("valid_from", "valid_until")):
        walls, cpus = [], []
        for _ in range(repeat):
            w0, c0 = clock()
            out = pack.decide_frame(df, output=output)
            w1, c1 = clock()
            walls.append(w1 - w0)
            cpus.append(c1 - c0)
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        counts = out["decision"].value_counts(dropna=False).to_dict()
        print(f"output {','.join(output)}: {rows / wall / 1e6:.2f} M rows/s (median of {repeat}: "
              f"{wall:.2f} s wall; runs {', '.join(f'{w:.2f}' for w in walls)} s), "
              f"{cpu / rows * 1e9:.0f} ns CPU per row")
        result[output] = (rows / wall, cpu / rows)
    print(f"verdicts: {counts}")
    return result


# ---- 2. the analyst's way --------------------------------------------------------------------

USES = [  # (kind, purpose): GMLRS with the role attacking, on two dates
    ("forces", "counterfire"), ("ammunition-depot", "counterfire"), ("forces", "strike"),
    ("civilian-object", "strike")]
DATES = ["2024-05-20", "2024-06-10"]


def analyst_frame(rows, seed):
    """Points over Ukraine, the Kharkiv border and western Russia, each with one of the uses."""
    rng = np.random.default_rng(seed)
    use = rng.integers(0, len(USES), rows)
    return pd.DataFrame({
        "weapon": "gmlrs",
        "lat": rng.uniform(44.0, 56.0, rows),
        "lon": rng.uniform(22.0, 42.0, rows),
        "kind": np.array([k for k, _ in USES])[use],
        "purpose": np.array([p for _, p in USES])[use],
        "role": "attacking",
        "date": np.array(DATES)[rng.integers(0, len(DATES), rows)],
    })


def analyst_verdicts(gpd, df, areas):
    """Without caveat: a point-in-polygon join against the permitted area of each use (as exported
    from the pack), pandas conditions to pick the area (date, kind, purpose), and everything
    outside the area prohibited."""
    points = gpd.GeoDataFrame(df[["date", "kind", "purpose"]],
                              geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")
    verdict = pd.Series("prohibited", index=df.index)
    for (date, kind, purpose), area in areas.items():
        group = points[(points["date"] == date) & (points["kind"] == kind) &
                       (points["purpose"] == purpose)]
        if area is None or group.empty:
            continue
        inside = gpd.sjoin(group, area, how="inner", predicate="within")
        verdict.loc[inside.index.unique()] = "permitted"
    return verdict


def bench_analyst(pack, rows, repeat):
    import geopandas as gpd

    print(f"\n## 2. the analyst's way (geopandas {gpd.__version__} sjoin + pandas) vs "
          f"decide_frame, {rows:,} rows")
    df = analyst_frame(rows, 2)
    areas = {}
    for date in DATES:
        for kind, purpose in USES:
            z = pack.zones("gmlrs", date, kind=kind, purpose=purpose, role="attacking")
            # the permitted area is two features, inside Ukraine and across its border
            permitted = z["id"].isin(["permitted-ukraine", "permitted-abroad"])
            area = z[permitted & ~z.geometry.is_empty & z.geometry.notna()][["geometry"]]
            areas[(date, kind, purpose)] = area if len(area) else None
    t_caveat, t_analyst = [], []
    for _ in range(repeat):  # interleaved, so both see the same machine
        w0, _ = clock()
        ours = pack.decide_frame(df, output=("decision",))["decision"].astype(str)
        w1, _ = clock()
        theirs = analyst_verdicts(gpd, df, areas)
        w2, _ = clock()
        t_caveat.append(w1 - w0)
        t_analyst.append(w2 - w1)
    a, c = statistics.median(t_analyst), statistics.median(t_caveat)
    differ = ours != theirs
    print(f"caveat decide_frame: {c:.2f} s ({rows / c / 1e6:.2f} M rows/s); analyst: {a:.2f} s "
          f"({rows / a / 1e6:.3f} M rows/s); ratio {a / c:.1f}x (runs: caveat "
          f"{', '.join(f'{t:.2f}' for t in t_caveat)} s, analyst "
          f"{', '.join(f'{t:.2f}' for t in t_analyst)} s)")
    print(f"verdicts identical on {rows - differ.sum():,} of {rows:,} rows; the "
          f"{differ.sum():,} others: caveat "
          f"{ours[differ].value_counts().to_dict()}, analyst "
          f"{theirs[differ].value_counts().to_dict()}")
    if differ.any():
        # every difference should be a point caveat calls indeterminate because it lies nearer a
        # decisive border than the boundary data's stated precision: a plain sjoin cannot say so
        sub = df[differ].head(2000)
        near = 0
        for _, r in sub.iterrows():
            w = pack.where(r["lat"], r["lon"])
            near += any(place.get("near_edge") for place in w["places"])
        print(f"of the first {len(sub)} differing rows, {near} are near a zone edge "
              f"(`caveat where` lists the edge)")
    return a / c, int(differ.sum())


# ---- 3. Dask ----------------------------------------------------------------------------------

CONTROL = """
import sys, io, pandas as pd, caveat
df = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
caveat.Pack.default().decide_frame(df, output=caveat.AUDIT_OUTPUT, threads=1).to_csv(
    io.StringIO(), index=False)
"""

def bench_dask(pack, caveat_bin, rows, parts, repeat, work):
    import dask.dataframe as dd
    import distributed

    import caveat.dask

    print(f"\n## 3. caveat.dask.decide, {rows:,} rows in {parts} partitions, LocalCluster 2 "
          f"worker processes vs 1 (1 thread each)")
    log = os.path.join(work, "log.csv")
    with open(log, "wb") as f:
        subprocess.run([caveat_bin, "sample", "--rows", str(rows), "--seed", "3", "--bad-rate",
                        "0.01"], stdout=f, check=True)
    frame = pd.read_csv(log, dtype=str, keep_default_na=False)
    names = []
    for i in range(parts):
        name = os.path.join(work, f"part-{i:02d}.csv")
        frame.iloc[i * rows // parts:(i + 1) * rows // parts].to_csv(name, index=False)
        names.append(name)
    audited = os.path.join(work, "audited.csv")
    subprocess.run([caveat_bin, "audit", "-q", "-o", audited] + names)

    # the control: one partition's work in 1 process, then in 2 processes at once, no Dask. When
    # two processes take twice as long as one, the machine has no second core to give.
    job = [sys.executable, "-c", CONTROL, names[0]]
    w0 = time.perf_counter()
    subprocess.run(job, check=True)
    alone = time.perf_counter() - w0
    w0 = time.perf_counter()
    procs = [subprocess.Popen(job) for _ in range(2)]
    for proc in procs:
        proc.wait()
    both = time.perf_counter() - w0
    print(f"control without Dask: one partition in 1 process {alone:.2f} s, in 2 processes at "
          f"once {both:.2f} s: the machine gives {2 * alone / both:.2f}x for 2 processes")

    def run(workers):
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1,
                                           processes=True, dashboard_address=":0")
        client = distributed.Client(cluster)
        try:
            client.run(lambda: None)  # the workers are up before the clock starts
            out = os.path.join(work, f"out-{workers}")
            shutil.rmtree(out, ignore_errors=True)
            w0, _ = clock()
            events = dd.read_csv(os.path.join(work, "part-*.csv"), dtype=str,
                                 keep_default_na=False, blocksize=None)
            decided = caveat.dask.decide(events, pack, output=caveat.AUDIT_OUTPUT)
            decided.to_csv(os.path.join(out, "*.csv"), index=False)
            elapsed = time.perf_counter() - w0
        finally:
            client.close()
            cluster.close()
        return elapsed, out

    t1, t2 = [], []
    for _ in range(repeat):  # alternate, so both see the same machine
        a, _out1 = run(1)
        b, out2 = run(2)
        t1.append(a)
        t2.append(b)
    one, two = statistics.median(t1), statistics.median(t2)
    print(f"1 worker: {one:.2f} s ({rows / one / 1e6:.2f} M rows/s); 2 workers: {two:.2f} s "
          f"({rows / two / 1e6:.2f} M rows/s); speed-up {one / two:.2f}x (runs: 1 worker "
          f"{', '.join(f'{t:.2f}' for t in t1)} s; 2 workers {', '.join(f'{t:.2f}' for t in t2)}"
          f" s)")
    # the partitions' files, headers after the first dropped, against caveat audit's output
    pieces = sorted(glob.glob(os.path.join(out2, "*.csv")), key=lambda p: int(
        os.path.basename(p).split(".")[0]))
    joined = []
    for i, p in enumerate(pieces):
        with open(p, newline="") as f:
            text = f.read()
        joined.append(text if i == 0 else text.split("\n", 1)[1])
    with open(audited, newline="") as f:
        same = "".join(joined) == f.read()
    print(f"output identical to `caveat audit`: {'yes' if same else 'NO'}")
    return one / two, same


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--analyst-rows", type=int, default=1_000_000)
    ap.add_argument("--dask-rows", type=int, default=1_000_000)
    ap.add_argument("--parts", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--caveat", default="build/caveat")
    ap.add_argument("--sections", default="1,2,3", help="which parts to run, e.g. 3")
    args = ap.parse_args()
    sections = set(args.sections.split(","))
    pack = caveat.Pack.default()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    print(f"# bench_python: commit {commit}, {pack.id}, Python {platform.python_version()} "
          f"({sys.executable}), numpy {np.__version__}, pandas {pd.__version__}; "
          f"load average at start {os.getloadavg()[0]:.2f}")
    if "1" in sections:
        bench_decide_frame(pack, args.rows, args.repeat)
    if "2" in sections:
        bench_analyst(pack, args.analyst_rows, args.repeat)
    if "3" in sections:
        work = tempfile.mkdtemp(prefix="cav-py-bench-")
        try:
            bench_dask(pack, args.caveat, args.dask_rows, args.parts, args.repeat, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process {peak:.0f} MiB; load average at end "
          f"{os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
