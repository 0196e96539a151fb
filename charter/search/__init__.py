"""Full-text search over what the viewer may see: sections, amendments, answers, comments."""
