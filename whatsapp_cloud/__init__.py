"""WhatsApp, knowing neither Rasa nor the 311 service.

Shared by both transports (Cloud API and Twilio): `inbound` (the channel-neutral message), `store` (exactly-once
delivery, the numbered choices offered), `messages`' text rules (`split_text`, `numbered_text`, `Choice`) and
`retries` (the one retry loop). Meta's Cloud API only: `webhook`, `signature`, `settings`, `graph_api`, the
interactive bodies of `messages`, `media` (photos kept on our side) and `rate_limit` (used by its channel).
"""
