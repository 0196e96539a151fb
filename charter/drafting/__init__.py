"""Drafting: charters and their chain of immutable versions."""
