"""The store's refusal, in its own module so the access rules and the store can both raise it."""


class StoreError(ValueError):
    """A write the store refused, in words a user can act on."""
