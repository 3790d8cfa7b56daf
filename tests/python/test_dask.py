"""caveat.dask.decide on a distributed.LocalCluster of 2 worker processes: the output equals
`caveat audit`'s for the same partitioned log, and packs travel to the workers by content and
are kept there by id."""
import csv
import subprocess

import pytest

import caveat

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
import caveat.dask  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0")
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def partitioned(tmp_path_factory, sample_log, caveat_bin):
    """The sample log cut into 4 files (a partitioned log), and `caveat audit` of all of them."""
    log, _ = sample_log
    d = tmp_path_factory.mktemp("parts")
    with open(log, newline="") as f:
        records = list(csv.reader(f))  # a note may hold a line break
    header, rows = records[0], records[1:]
    parts = []
    for i in range(4):
        p = d / f"part-{i}.csv"
        with open(p, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows[i * len(rows) // 4:(i + 1) * len(rows) // 4])
        parts.append(str(p))
    audited = d / "audited.csv"
    rc = subprocess.run([caveat_bin, "audit", "-q", "-o", str(audited)] + parts).returncode
    assert rc in (0, 1)
    return d, audited


def test_dask_equals_caveat_audit(client, partitioned, pack, tmp_path):
    d, audited = partitioned
    events = dd.read_csv(str(d / "part-*.csv"), dtype=str, keep_default_na=False,
                         blocksize=None)
    assert events.npartitions == 4
    decided = caveat.dask.decide(events, pack, output=caveat.AUDIT_OUTPUT)
    out = tmp_path / "decided.csv"
    decided.to_csv(str(out), single_file=True, index=False)
    assert out.read_text() == audited.read_text()
    # the workers hold the pack by id
    held = client.run(lambda: sorted(caveat._PACKS))
    assert len(held) == 2 and all(pack.id in ids for ids in held.values())


def test_file_pack_travels_by_content(client, tmp_path):
    extra = tmp_path / "extra.cav"
    extra.write_text('source my-note outlet "notes" date 2024-06-01\n'
                     'zone my-box "A box" = box(50 36, 51 37)\n'
                     'forbid my-ban party US from 2024-06-01 source my-note says "no box"\n'
                     '  when target in my-box\n')
    mine = caveat.Pack.load(["@default", str(extra)])
    import pandas as pd

    df = pd.DataFrame({"weapon": ["gmlrs"] * 4, "lat": [50.6, 50.6, 48.0, 48.0],
                       "lon": [36.59, 36.59, 37.8, 37.8], "kind": ["forces"] * 4,
                       "purpose": ["counterfire"] * 4, "role": ["attacking"] * 4,
                       "date": ["2024-06-10", "2024-05-01", "2024-06-10", "2024-05-01"]})
    local = mine.decide_frame(df, output=("decision", "rule"))
    remote = caveat.dask.decide(dd.from_pandas(df, npartitions=2), mine,
                                output=("decision", "rule")).compute()
    assert list(remote["rule"].astype(str)) == list(local["rule"].astype(str))
    assert "my-ban" in set(local["rule"].astype(str))
    held = client.run(lambda: sorted(caveat._PACKS))
    assert any(mine.id in ids for ids in held.values())
