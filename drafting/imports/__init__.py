"""Importing Word and Markdown drafts: file -> AST (reader), tracked changes (changes),
structure (structure), data and Markdown (schema). Writing is drafting.actions.imports."""
