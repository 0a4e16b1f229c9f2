"""A local stand-in for Slack's Socket Mode WebSocket endpoint.

``FakeSocketMode(slack)`` makes the fake Web API answer ``apps.connections.open`` with a
``ws://127.0.0.1:PORT/`` URL served here: the WebSocket handshake (RFC 6455), a ``hello``
message, pongs for the client's pings, and a close answered in kind. ``connected`` counts the
connections open now; ``send(envelope)`` pushes a Socket Mode envelope to every client and
``acks`` collects what they answered.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
from types import TracebackType
from typing import Any

from tests.fakes.slack_api import FakeSlack

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class FakeSocketMode:
    """A threaded WebSocket server speaking just enough of Socket Mode for a client to stay up."""

    def __init__(self, slack: FakeSlack) -> None:
        self._slack = slack
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._clients: list[socket.socket] = []
        self.acks: list[dict[str, Any]] = []
        self.closed_by_client = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="fake-socket-mode", daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link/?ticket=fake"

    @property
    def connected(self) -> int:
        with self._lock:
            return len(self._clients)

    def start(self) -> FakeSocketMode:
        self._slack.on("apps.connections.open", {"ok": True, "url": self.url})
        self._thread.start()
        return self

    def send(self, message: dict[str, Any]) -> None:
        """Push a text message (a Socket Mode envelope) to every connected client."""
        data = json.dumps(message).encode()
        with self._lock:
            for client in self._clients:
                _send_frame(client, 0x1, data)

    def stop(self) -> None:
        self._stopping.set()
        self._listener.close()
        with self._lock:
            for client in self._clients:
                client.close()
            self._clients.clear()

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = client.recv(4096)
                if not chunk:
                    return
                request += chunk
            headers = dict(
                line.split(": ", 1) for line in request.decode().split("\r\n")[1:] if ": " in line
            )
            key = headers.get("Sec-WebSocket-Key", "")
            accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
            client.sendall(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n".encode()
            )
            with self._lock:
                self._clients.append(client)
            _send_frame(client, 0x1, json.dumps({"type": "hello", "num_connections": 1}).encode())
            while True:
                frame = _read_frame(client)
                if frame is None:
                    return
                opcode, payload = frame
                if opcode == 0x9:  # ping
                    _send_frame(client, 0xA, payload)
                elif opcode == 0x8:  # close
                    self.closed_by_client += 1
                    _send_frame(client, 0x8, payload[:2])
                    return
                elif opcode == 0x1:
                    self.acks.append(json.loads(payload))
        except OSError:
            return
        finally:
            with self._lock:
                if client in self._clients:
                    self._clients.remove(client)
            client.close()


def _recv_exactly(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _read_frame(sock: socket.socket) -> tuple[int, bytes] | None:
    head = _recv_exactly(sock, 2)
    if head is None:
        return None
    opcode, length = head[0] & 0x0F, head[1] & 0x7F
    if length == 126:
        extended = _recv_exactly(sock, 2)
        if extended is None:
            return None
        length = struct.unpack("!H", extended)[0]
    elif length == 127:
        extended = _recv_exactly(sock, 8)
        if extended is None:
            return None
        length = struct.unpack("!Q", extended)[0]
    mask = _recv_exactly(sock, 4) if head[1] & 0x80 else b"\0\0\0\0"
    payload = _recv_exactly(sock, length) if length else b""
    if mask is None or payload is None:
        return None
    return opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def _send_frame(sock: socket.socket, opcode: int, payload: bytes) -> None:
    """A server frame: final, unmasked."""
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", 0x80 | opcode, length)
    elif length < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 126, length)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, length)
    sock.sendall(header + payload)
