"""The consultation process: a charter's stages and what each one opens."""
