"""The store's driver-diagram writes: a part of Store (mixed in), using its _query and _transaction.

SQL here follows store.py's rules: parameters, never formatted values; polars frames out; writes guarded
(``@guarded``) and audited in the same transaction as the change.
"""

from __future__ import annotations


class DiagramQueries:
    """Mixed into Store: driver diagrams created and published as new versions."""
