# Type hints of caveat.dask (python/caveat/dask.py).
from typing import Any, Mapping, Optional, Sequence

from . import Pack

def decide(ddf: Any, pack: Pack, columns: Optional[Mapping[str, str]] = ..., *,
           output: Sequence[str] = ..., explain: bool = ..., threads: int = ...) -> Any: ...
