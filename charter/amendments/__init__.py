"""Amendments: proposed changes to a charter, their review and co-signatures."""
