"""caveat.dask — decide a Dask DataFrame partition by partition, on one machine or a cluster.

    >>> import dask.dataframe as dd
    >>> from distributed import Client
    >>> import caveat, caveat.dask
    >>> client = Client("tcp://scheduler:8786")          # or LocalCluster(n_workers=2)
    >>> events = dd.read_csv("logs/events-*.csv", dtype=str, keep_default_na=False)
    >>> decided = caveat.dask.decide(events, caveat.Pack.default(), output=caveat.AUDIT_OUTPUT)
    >>> decided.to_csv("decided.csv", single_file=True, index=False)

Each partition goes through Pack.decide_frame (the library's batch engine, the GIL released).
The pack travels to the workers by content: it pickles as its source files and id, and each
worker process loads it once and keeps it by id for every later partition and call.
"""

from __future__ import annotations

from typing import Mapping, Optional, Sequence

from . import DEFAULT_OUTPUT, Pack

__all__ = ["decide"]


def _decide_partition(part, pack: Pack, columns, output, explain, threads):
    return pack.decide_frame(part, columns, output=output, explain=explain, threads=threads)


def decide(ddf, pack: Pack, columns: Optional[Mapping[str, str]] = None, *,
           output: Sequence[str] = DEFAULT_OUTPUT, explain: bool = False, threads: int = 1):
    """The Dask DataFrame ddf with decision columns added to every partition, lazily (as
    Pack.decide_frame on each partition, with the same columns and output).

    threads is each partition's batch threads: 1 suits workers that run one task per core (the
    usual n_workers x threads_per_worker = cores); 0 uses every core for each partition.
    Partitions stay in order, so writing the result with single_file=True gives the rows of the
    input in order, as `caveat audit` writes them."""
    from dask.dataframe.utils import clear_known_categories

    output = tuple(output)
    meta = pack.decide_frame(ddf._meta, columns, output=output, explain=explain, threads=1)
    # the text columns' categories are the texts each partition meets: unknown ahead of time
    texts = [c for c in ("rule", "parties", "explanation", "why", "error") if c in output]
    if texts:
        meta = clear_known_categories(meta, cols=texts)
    return ddf.map_partitions(_decide_partition, pack, columns, output, explain, threads,
                              meta=meta, align_dataframes=False)
