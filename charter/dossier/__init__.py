"""The session dossier: a version's text with the changes since an earlier one, and the
amendments section by section, as HTML, PDF and Word."""
