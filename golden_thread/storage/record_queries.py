"""The store's writes of the thread's records (objectives, aims, projects, measures): a part of Store (mixed in).

SQL here follows store.py's rules: parameters, never formatted values; polars frames out; writes guarded and
audited in the same transaction as the change.
"""

from __future__ import annotations


class RecordQueries:
    """Mixed into Store: the thread's records created, edited and retired."""
