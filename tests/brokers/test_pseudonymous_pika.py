"""Analytics events leave Rasa through RabbitMQ (the real one on 127.0.0.1:5672) without phone numbers."""
import asyncio
import json
import secrets

import aio_pika
import pytest

from event_brokers.pseudonymous_pika import PseudonymousPikaEventBroker, pseudonym

KEY = "k" * 32


async def consume_all(queue: str, expected: int, timeout: float = 20.0) -> list:
    connection = await aio_pika.connect("amqp://guest:guest@127.0.0.1:5672/")
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, durable=True)
        bodies = []
        async with declared.iterator(timeout=timeout) as messages:
            async for message in messages:
                async with message.process():
                    bodies.append(json.loads(message.body))
                if len(bodies) >= expected:
                    break
        await declared.delete(if_unused=False, if_empty=False)
        return bodies


def test_published_events_carry_a_pseudonym_not_the_phone_number():
    queue = "test_analytics_" + secrets.token_hex(4)
    event = {"event": "user", "sender_id": "919812345678", "text": "mera number 98123 45678 hai, ward 12",
             "metadata": {"whatsapp": {"type": "text", "profile_name": "Ravi Sharma"}, "location": {"latitude": 22.7}}}

    async def publish_and_consume() -> list:
        broker = PseudonymousPikaEventBroker("127.0.0.1", "guest", "guest", pseudonym_key=KEY, queues=[queue],
                                             exchange_name="test_analytics_" + queue, raise_on_failure=True)
        await broker.connect()
        broker.publish(event)
        await asyncio.sleep(0.5)
        await broker.close()
        return await consume_all(queue, 1)

    [published] = asyncio.run(publish_and_consume())

    assert published["sender_id"] == pseudonym("919812345678", KEY) != "919812345678"
    assert "98123" not in json.dumps(published) and "Ravi" not in json.dumps(published)
    assert "ward 12" in published["text"] and published["metadata"]["location"] == {"latitude": 22.7}
    assert event["sender_id"] == "919812345678"  # the tracker's own copy is untouched


def test_the_broker_refuses_to_start_without_a_key():
    with pytest.raises(ValueError):
        PseudonymousPikaEventBroker("127.0.0.1", "guest", "guest", pseudonym_key="")
