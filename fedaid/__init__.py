"""fedaid: a federated mutual-aid server for collectives of independent workers."""

__version__ = "0.1.0"
