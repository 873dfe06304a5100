"""Object reads beside the tables: the watch-invalidated object cache, relations computed from
projected rows, Helm release decoding and Secret value decoding."""
