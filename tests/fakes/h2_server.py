"""A minimal HTTP/2-only server over TLS (ALPN `h2`), to show a client negotiates HTTP/2 when offered.

Each request is answered 200 with a small JSON body naming the protocol; `served` counts them.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import h2.config
import h2.connection
import h2.events


@dataclass
class H2Server:
    base_url: str = ""
    served: int = 0


def _serve_one(conn: ssl.SSLSocket, server: H2Server) -> None:
    h2conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False))
    h2conn.initiate_connection()
    conn.sendall(h2conn.data_to_send())
    while True:
        data = conn.recv(65535)
        if not data:
            return
        for event in h2conn.receive_data(data):
            if isinstance(event, h2.events.RequestReceived):
                body = json.dumps({"protocol": "h2"}).encode()
                headers = [
                    (":status", "200"),
                    ("content-type", "application/json"),
                    ("content-length", str(len(body))),
                ]
                h2conn.send_headers(event.stream_id, headers)
                h2conn.send_data(event.stream_id, body, end_stream=True)
                server.served += 1
            elif isinstance(event, h2.events.ConnectionTerminated):
                return
        conn.sendall(h2conn.data_to_send())


@contextmanager
def serve_h2(tls: ssl.SSLContext) -> Iterator[H2Server]:
    tls.set_alpn_protocols(["h2"])
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)  # so the loop sees `stop` (closing does not wake a blocked accept)
    server = H2Server(base_url=f"https://127.0.0.1:{listener.getsockname()[1]}")
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                raw, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            raw.settimeout(5)
            try:
                with tls.wrap_socket(raw, server_side=True) as conn:
                    _serve_one(conn, server)
            except (OSError, ssl.SSLError):
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
