"""Deployment: the weights blob format and writing it (or firmware) to a device."""
