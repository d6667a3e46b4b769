"""AMQP publishers and consumers (pika, publisher confirms) for the runbook tests."""

import threading
import time

import pika
import pika.exceptions


class Publisher:
    """Publishes with publisher confirms and counts what the broker confirmed or refused."""

    def __init__(self, server, exchange=""):
        self.connection = server.connection()
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()
        self.exchange = exchange
        self.confirmed = 0
        self.refused = 0

    def publish(self, routing_key, count, body=b"task"):
        """Publish count messages one by one; returns (confirmed, refused) of this call."""
        confirmed = refused = 0
        for _ in range(count):
            try:
                self.channel.basic_publish(self.exchange, routing_key, body, mandatory=True)
                confirmed += 1
            except pika.exceptions.NackError:
                refused += 1
        self.confirmed += confirmed
        self.refused += refused
        return confirmed, refused

    def close(self):
        if self.connection.is_open:
            self.connection.close()


class SlowConsumer(threading.Thread):
    """Consumes a queue in its own connection and acknowledges each message after a delay.

    Bounded: stops when asked, or after max_seconds whatever happens. Messages it has not
    acknowledged go back to the queue when it closes.
    """

    def __init__(self, server, queue, delay=0.0005, prefetch=50, max_seconds=180, hold_after=None):
        """hold_after: acknowledge that many messages, then hold (unacknowledged work in
        flight) until release() - so a test's "work is still in flight" does not depend
        on how fast this machine is."""
        super().__init__(daemon=True)
        self.server, self.queue, self.delay, self.prefetch = server, queue, delay, prefetch
        self.max_seconds = max_seconds
        self.hold_after = hold_after
        self.acked = 0
        self.error = None
        self.stopping = threading.Event()
        self.released = threading.Event()
        self.closed = threading.Event()

    def release(self):
        self.released.set()

    def _hold(self, connection, deadline):
        while (self.hold_after is not None and self.acked >= self.hold_after and not self.released.is_set()
               and not self.stopping.is_set() and time.monotonic() < deadline):
            connection.sleep(0.05)

    def run(self):
        deadline = time.monotonic() + self.max_seconds
        try:
            connection = self.server.connection()
            channel = connection.channel()
            channel.basic_qos(prefetch_count=self.prefetch)
            for method, _properties, _body in channel.consume(self.queue, inactivity_timeout=0.05):
                if self.stopping.is_set() or time.monotonic() > deadline:
                    break
                if method is None:
                    continue
                self._hold(connection, deadline)
                if self.stopping.is_set():
                    break
                if self.delay:
                    time.sleep(self.delay)
                channel.basic_ack(method.delivery_tag)
                self.acked += 1
            channel.cancel()
            connection.close()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            self.error = exc
        finally:
            self.closed.set()

    def stop(self):
        self.stopping.set()
        self.join(timeout=30)
        assert self.closed.is_set(), "the consumer did not stop"
        assert self.error is None, "the consumer failed: %r" % (self.error,)
        return self.acked


def declare(server, name, arguments=None, exchange=None):
    """Declare a durable queue (bound to a direct exchange when given) and return its
    live message count."""
    connection = server.connection()
    try:
        channel = connection.channel()
        channel.queue_declare(name, durable=True, arguments=arguments or {})
        if exchange:
            channel.exchange_declare(exchange, exchange_type="direct", durable=True)
            channel.queue_bind(name, exchange, routing_key=name)
    finally:
        connection.close()


def ready_count(server, name):
    """The queue's ready messages, live from the queue (not the statistics)."""
    connection = server.connection()
    try:
        return connection.channel().queue_declare(name, passive=True).method.message_count
    finally:
        connection.close()


def fill(server, name, count, exchange=""):
    """Preload a queue that nobody consumes: publish without confirms (fast), then wait
    until the queue itself counts every message. Returns count."""
    before = ready_count(server, name)
    connection = server.connection()
    try:
        channel = connection.channel()
        for _ in range(count):
            channel.basic_publish(exchange, name, b"task")
    finally:
        connection.close()
    deadline = time.monotonic() + 60
    while ready_count(server, name) < before + count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ready_count(server, name) == before + count, "the broker did not take every preloaded message"
    return count
