"""Charter texts in several languages: translations of a version's sections."""
