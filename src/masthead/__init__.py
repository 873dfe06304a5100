"""masthead: a Kubernetes dashboard that stays fast, live and truthful on big clusters."""

__version__ = "0.1.0"
