"""Rasa input/output channels of our own: WhatsApp Cloud API, and Twilio's WhatsApp made safe."""
