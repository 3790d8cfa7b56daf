"""Auditing an event log with caveat, notebook style.

Each `# %%` cell runs on its own in Jupyter, VS Code or Spyder; the whole file runs as a script
(and as a test, `ctest -R python/example`). It needs Debian's python3 with python3-pandas,
python3-geopandas and python3-matplotlib, and the package built (PYTHONPATH=build/python):

    PYTHONPATH=build/python /usr/bin/python3 examples/python/audit_log.py --out /tmp/audit

It writes verdicts-by-month.png and prohibited-gmlrs.png into --out.
"""

# %% Set-up: the default pack (the 2024 regime), and where the figures go
import argparse
import os

import matplotlib

matplotlib.use("Agg")  # files, no window: remove in a notebook
import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

import caveat  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", default=".", help="directory for the figures")
parser.add_argument("--rows", type=int, default=50_000)
args, _ = parser.parse_known_args()
os.makedirs(args.out, exist_ok=True)

pack = caveat.Pack.default()
print(pack)

# %% The log. A real one: pd.read_csv("events.csv", dtype=str, keep_default_na=False), so cells
# stay as written (the library reads names, dates and numbers itself). Here: a synthetic log over
# the pack's catalog, 1% of its rows with a mistake.
log = pack.sample(rows=args.rows, seed=2024, bad_rate=0.01)
print(log.head(3).to_string())

# %% Decide every row: the columns `caveat audit` writes, in one multi-threaded call
decided = pack.decide_frame(log, output=caveat.AUDIT_OUTPUT)
print(decided["decision"].value_counts(dropna=False).to_string())

# %% Rows that could not be evaluated keep their place, with every problem named
errors = decided[decided["error"].notna()]
print(f"{len(errors)} rows with errors, e.g.:")
print(errors[["id", "weapon", "target.lat", "date", "error"]].head(5).to_string())

# %% The rules that decided most uses
print(decided["rule"].value_counts().head(8).to_string())

# %% Verdicts by month
month = pd.to_datetime(decided["date"], errors="coerce", format="%Y-%m-%d").dt.to_period("M")
by_month = decided.groupby([month, "decision"]).size().unstack(fill_value=0)
by_month = by_month[[v for v in caveat.VERDICTS if v in by_month.columns]]
colours = {"permitted": "#2e7d32", "prohibited": "#c62828", "indeterminate": "#f9a825",
           "unknown": "#9e9e9e"}
ax = by_month.plot.bar(stacked=True, figsize=(12, 5), width=0.9,
                       color=[colours[c] for c in by_month.columns])
ax.set_xlabel("month")
ax.set_ylabel("events")
ax.set_title(f"Verdicts by month ({pack.id})")
ax.set_xticks(range(0, len(by_month), 3))
ax.set_xticklabels([str(p) for p in by_month.index[::3]], rotation=45, ha="right")
plt.tight_layout()
plt.savefig(os.path.join(args.out, "verdicts-by-month.png"), dpi=100)
plt.close()

# %% Where GMLRS counterfire against attacking forces was permitted on 2024-06-10, and the GMLRS
# events of June 2024 that were prohibited (of any kind and purpose: inside the area, a strike on
# a depot is still prohibited), on a map
area = pack.zones("gmlrs", "2024-06-10", kind="forces", purpose="counterfire",
                  role="attacking")
events = gpd.GeoDataFrame(
    decided,
    geometry=gpd.points_from_xy(pd.to_numeric(decided["target.lon"], errors="coerce"),
                                pd.to_numeric(decided["target.lat"], errors="coerce")),
    crs="EPSG:4326")
gmlrs = events["weapon"].str.lower().isin(["gmlrs", "himars", "m142", "m270"])
june = events["date"].str.startswith("2024-06")
prohibited = events[gmlrs & june & (events["decision"] == "prohibited")]
print(f"{len(prohibited)} prohibited GMLRS events in June 2024")

# the permitted area is two features, inside Ukraine and across its border; the others are the
# indeterminate band, the disputed part and the zones the rules test
permitted = area["id"].isin(["permitted-ukraine", "permitted-abroad"])
assert not area[permitted].geometry.is_empty.all(), "the permitted area is empty"
zones = area[~area["id"].isin(["permitted-ukraine", "permitted-abroad", "indeterminate",
                               "disputed"])]
assert len(zones) > 0, "no zone drawn"
fig, ax = plt.subplots(figsize=(10, 8))
area[permitted].plot(ax=ax, color="#a5d6a7", edgecolor="#2e7d32")
zones.boundary.plot(ax=ax, color="#555555", linewidth=0.8, linestyle="--")
prohibited.plot(ax=ax, color="#c62828", markersize=6)
ax.set_xlim(21, 43)
ax.set_ylim(43.5, 56.5)
ax.set_title("GMLRS counterfire: permitted area on 2024-06-10 (green), assumed zones "
             "(dashed);\nprohibited GMLRS events of June 2024, any kind and purpose (red)")
plt.savefig(os.path.join(args.out, "prohibited-gmlrs.png"), dpi=100)
plt.close()

# %% The figures exist (the test's check)
for name in ("verdicts-by-month.png", "prohibited-gmlrs.png"):
    path = os.path.join(args.out, name)
    assert os.path.getsize(path) > 10_000, path
    print("wrote", path)
