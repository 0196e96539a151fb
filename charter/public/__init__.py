"""The reading pages: charters, versions, comparisons, section histories."""
