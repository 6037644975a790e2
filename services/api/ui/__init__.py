"""`/ui`: server-rendered pages over the read API's own queries (Jinja2, no scripts)."""
