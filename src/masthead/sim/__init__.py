"""The Kubernetes API simulator: demo cluster, test target, benchmark load and fault injector."""
