"""Consultation: guiding questions and themes (answers and comments come later)."""
