"""Tickets: numbering, call order, routing services to windows."""
