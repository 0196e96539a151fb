"""Pure text machinery: Markdown, sections, diffs and hashes."""
