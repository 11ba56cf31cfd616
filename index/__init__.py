"""Turn documents into searchable passages: load, clean, chunk, embed, store in Chroma."""
