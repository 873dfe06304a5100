"""Views: named recipes over a cluster's sources (architecture §2.5).

`catalogue` says which views exist (sources, columns, default sort, filters), `query` turns
request parameters into a normalised `ViewQuery`, `sources` wires a cluster's reflectors into
observed projected tables, and `page` builds one window of a view with its freshness.
"""
