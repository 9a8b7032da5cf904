"""Indore facts the whole project shares: tracking numbers, wards, places and complaint statuses.

The data lives in the YAML files beside these modules; the modules read it and know nothing of Rasa.
"""
