"""The language the field catalogue is written in: column kinds and their metadata, the kinds of value rule, how a typed value is read."""
