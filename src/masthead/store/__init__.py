"""Projected rows held per (cluster, kind): indexed tables and the query engine that pages them."""
