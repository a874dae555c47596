"""Spelo harness: runs the Spelo voice widget through real browsers in the situations its
visitors meet (permissions, insecure origins, iframes, devices) and shows the evidence."""

__version__ = "0.1.0"
