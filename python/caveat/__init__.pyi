# Type hints of the package caveat (python/caveat/__init__.py; docs/python.md).
import datetime
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import pandas

__version__: str
VERDICTS: Tuple[str, str, str, str]
FIELDS: Tuple[str, ...]
OUTPUT_COLUMNS: Tuple[str, ...]
DEFAULT_OUTPUT: Tuple[str, ...]
AUDIT_OUTPUT: Tuple[str, ...]

_Date = Union[str, datetime.date, datetime.datetime]
_Path = Union[str, "os.PathLike[str]"]

class CaveatError(Exception): ...

class PolicyError(CaveatError):
    diagnostics: List[Dict[str, Any]]
    def __init__(self, message: str, diagnostics: Sequence[Mapping[str, Any]] = ...) -> None: ...

class QueryError(CaveatError, ValueError):
    field: Optional[str]
    problems: List[Tuple[str, str]]
    more: int
    def __init__(self, message: str, problems: Sequence[Tuple[str, str]] = ...,
                 more: int = ...) -> None: ...

class Decision:
    verdict: str
    date: datetime.date
    parties: List[Dict[str, Any]]
    rules: List[str]
    valid: Tuple[Optional[datetime.date], Optional[datetime.date]]
    assumptions: List[str]
    disputed: bool
    pack: str
    def explanation(self, explain: bool = ...) -> str: ...
    def why(self) -> str: ...
    def to_dict(self, explain: bool = ..., id: Any = ...) -> Dict[str, Any]: ...
    def to_json(self, explain: bool = ..., id: Any = ...) -> str: ...

class Pack:
    @classmethod
    def default(cls) -> Pack: ...
    @classmethod
    def load(cls, paths: Union[_Path, Sequence[_Path]]) -> Pack: ...
    @property
    def id(self) -> str: ...
    @property
    def hash(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def timezone(self) -> str: ...
    def catalog(self, name: Optional[str] = ...) -> Any: ...
    def names(self, catalog: str) -> List[str]: ...
    def sources(self) -> List[Dict[str, Any]]: ...
    def where(self, lat: float, lon: float, uncertainty_m: float = ...) -> Dict[str, Any]: ...
    def sample(self, rows: int = ..., seed: int = ..., bad_rate: float = ...) -> pandas.DataFrame: ...
    def timeline(self, party: Optional[str] = ..., weapon: Optional[str] = ...) -> pandas.DataFrame: ...
    def diff(self, d1: _Date, d2: _Date, party: Optional[str] = ...,
             weapon: Optional[str] = ...) -> pandas.DataFrame: ...
    def zones(self, weapon: Optional[str] = ..., date: Optional[_Date] = ..., *,
              frame: Optional[bool] = ..., **use: Any) -> Any: ...
    def decide(self, weapon: Optional[str] = ..., lat: Optional[float] = ...,
               lon: Optional[float] = ..., kind: Optional[str] = ..., date: Optional[_Date] = ...,
               *, purpose: Optional[str] = ..., supplier: Optional[str] = ...,
               state: Optional[str] = ..., role: Optional[str] = ...,
               uncertainty_m: Optional[float] = ..., launch_lat: Optional[float] = ...,
               launch_lon: Optional[float] = ..., launch_uncertainty_m: Optional[float] = ...,
               **fields: Any) -> Decision: ...
    def decide_frame(self, df: pandas.DataFrame, columns: Optional[Mapping[str, str]] = ..., *,
                     output: Sequence[str] = ..., explain: bool = ...,
                     threads: int = ...) -> pandas.DataFrame: ...
