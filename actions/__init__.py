"""Custom actions of the Indore 311 assistant (rasa-sdk). They reach the 311 service only over Open311."""
