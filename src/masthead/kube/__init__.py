"""Talking to Kubernetes: kubeconfig and credentials, transport, discovery, reflectors.

Data flows from a `Reflector` (list + watch of one source) into a `Sink`; everything else
here serves it. All intervals and caps come from one `Tuning` object passed down explicitly.
"""
