"""Command groups of the ``fusebound`` CLI; each module exposes ``register(subparsers)``."""
