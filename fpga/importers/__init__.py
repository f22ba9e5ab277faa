"""Importers: each turns one source format into :class:`fpga.Record` s.

Every importer has the signature ``(path, label_source, skip) -> Iterator[Record]`` where
``skip(reason, where)`` records a skipped record; importers never raise on one bad record.
"""
