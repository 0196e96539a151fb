"""The participation dashboard: contributions to a charter, in aggregate."""
