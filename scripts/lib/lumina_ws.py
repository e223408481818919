"""Helpers for luminad's measurement scripts: a minimal WebSocket client
(RFC 6455, text frames, client-side masking) and the status endpoint."""
import base64
import json
import os
import socket
import struct
import urllib.request


class Ws:
    """A minimal WebSocket client (RFC 6455) for this script's few requests."""
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall(f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                       f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.s.recv(1)
        self.buf = b""
    def send(self, obj):
        data = json.dumps(obj).encode()
        mask = os.urandom(4)
        hdr = bytes([0x81]) + (bytes([0x80 | len(data)]) if len(data) < 126 else bytes([0x80 | 126]) + struct.pack(">H", len(data)))
        self.s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
    def _read(self, n):
        while len(self.buf) < n:
            self.buf += self.s.recv(65536)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out
    def recv(self):
        b0, b1 = self._read(2)
        n = b1 & 0x7F
        if n == 126: n = struct.unpack(">H", self._read(2))[0]
        elif n == 127: n = struct.unpack(">Q", self._read(8))[0]
        return json.loads(self._read(n)) if b0 & 0x0F == 1 else None
    def request(self, type_, payload=None, req=[0]):
        req[0] += 1
        self.send({"type": type_, "payload": payload or {}, "reqId": req[0]})
        while True:
            m = self.recv()
            if m and m.get("reqId") == req[0]:
                return m



def status(port):
    """GET /api/status as a dict."""
    return json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=5))
