"""Flet views: components that read the screen state and call its methods. No logic lives here."""
