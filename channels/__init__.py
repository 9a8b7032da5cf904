"""Rasa input/output channels of our own: one WhatsApp core (`whatsapp_core`) with two transports, Meta's Cloud API
(`whatsapp`) and Twilio (`twilio_whatsapp`, Rasa's Twilio channel made safe)."""
