"""The store's leadership queries and writes: a part of Store (mixed in), using its _query and _transaction.

SQL here follows store.py's rules: parameters, never formatted values; polars frames out; writes guarded.
"""

from __future__ import annotations


class LeadershipQueries:
    """Mixed into Store."""
