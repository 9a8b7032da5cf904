"""Rasa 3.6 NLU components for Devanagari Hindi, Hinglish and English (see docs/nlu.md)."""
