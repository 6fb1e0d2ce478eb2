#!/usr/bin/env python3
"""
A minimal TCP-over-WebSocket tunnel for the lab's ws-tunnel scenario,
shaped like chisel's: the client offers the "chisel-v3" subprotocol, and
after the upgrade every byte of the tunnelled TCP stream travels in binary
frames (the client's masked, as RFC 6455 requires). Standard library only.

usage: ws-tunnel.py server LISTEN_ADDR PORT TARGET_ADDR TARGET_PORT MAX_CONNS SECONDS
       ws-tunnel.py client SERVER_ADDR PORT      (stdin/stdout: an ssh ProxyCommand)
Runs inside lab namespaces; bounded in connections, bytes and time.
"""
import base64
import hashlib
import os
import select
import socket
import struct
import sys
import time

GUID = b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
SUBPROTOCOL = b'chisel-v3'
MAX_BYTES = 4 * 1024 * 1024
IDLE_SECONDS = 10


def frame(payload, mask):
    """One final binary frame carrying payload, masked when mask is set."""
    head = bytearray([0x82])
    bit = 0x80 if mask else 0
    n = len(payload)
    if n < 126:
        head.append(bit | n)
    elif n < 65536:
        head += bytes([bit | 126]) + struct.pack('!H', n)
    else:
        head += bytes([bit | 127]) + struct.pack('!Q', n)
    if not mask:
        return bytes(head) + payload
    key = os.urandom(4)
    body = bytes(b ^ key[i & 3] for i, b in enumerate(payload))
    return bytes(head) + key + body


class FrameReader:
    """Reads frames from a byte stream; returns the payload of data frames."""

    def __init__(self):
        self.buf = b''
        self.closed = False

    def feed(self, data):
        self.buf += data
        out = b''
        while len(self.buf) >= 2:
            b0, b1 = self.buf[0], self.buf[1]
            n = b1 & 0x7F
            at = 2
            if n == 126:
                if len(self.buf) < 4:
                    break
                n = struct.unpack('!H', self.buf[2:4])[0]
                at = 4
            elif n == 127:
                if len(self.buf) < 10:
                    break
                n = struct.unpack('!Q', self.buf[2:10])[0]
                at = 10
            key = None
            if b1 & 0x80:
                key = self.buf[at:at + 4]
                at += 4
            if len(self.buf) < at + n:
                break
            body = self.buf[at:at + n]
            self.buf = self.buf[at + n:]
            if key:
                body = bytes(b ^ key[i & 3] for i, b in enumerate(body))
            opcode = b0 & 0x0F
            if opcode == 0x8:
                self.closed = True
            elif opcode in (0x0, 0x1, 0x2):
                out += body
        return out


def read_head(sock):
    """The HTTP head (through the blank line) and what came after it."""
    data = b''
    while b'\r\n\r\n' not in data and len(data) < 16384:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b'\r\n\r\n')
    return head, rest


def pump(ws, other_in, other_out, mask, deadline):
    """Relays between the WebSocket and a plain stream until either side ends."""
    reader = FrameReader()
    moved = 0
    while time.time() < deadline and moved < MAX_BYTES and not reader.closed:
        ready, _, _ = select.select([ws, other_in], [], [], IDLE_SECONDS)
        if not ready:
            break
        if ws in ready:
            data = ws.recv(65536)
            if not data:
                break
            payload = reader.feed(data)
            if payload:
                other_out(payload)
                moved += len(payload)
        if other_in in ready:
            data = os.read(other_in.fileno(), 65536)
            if not data:
                break
            ws.sendall(frame(data, mask))
            moved += len(data)


def server(listen, port, target, target_port, max_conns, seconds):
    deadline = time.time() + seconds
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((listen, port))
    lsock.listen(4)
    lsock.settimeout(1)
    served = 0
    while served < max_conns and time.time() < deadline:
        try:
            conn, _ = lsock.accept()
        except socket.timeout:
            continue
        served += 1
        conn.settimeout(IDLE_SECONDS)
        head, rest = read_head(conn)
        key = b''
        for line in head.split(b'\r\n')[1:]:
            name, _, value = line.partition(b':')
            if name.strip().lower() == b'sec-websocket-key':
                key = value.strip()
        accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
        conn.sendall(b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
                     b'Sec-WebSocket-Accept: ' + accept + b'\r\nSec-WebSocket-Protocol: ' + SUBPROTOCOL + b'\r\n\r\n')
        up = socket.create_connection((target, target_port), timeout=IDLE_SECONDS)
        if rest:
            payload = FrameReader().feed(rest)
            if payload:
                up.sendall(payload)
        pump(conn, up, up.sendall, False, deadline)
        up.close()
        conn.close()
    lsock.close()


def client(addr, port):
    ws = socket.create_connection((addr, port), timeout=IDLE_SECONDS)
    key = base64.b64encode(os.urandom(16))
    ws.sendall(b'GET /ws HTTP/1.1\r\nHost: ' + ('%s:%d' % (addr, port)).encode() + b'\r\n'
               b'User-Agent: Go-http-client/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n'
               b'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ' + key + b'\r\n'
               b'Sec-WebSocket-Protocol: ' + SUBPROTOCOL + b'\r\n\r\n')
    head, rest = read_head(ws)
    if not head.startswith(b'HTTP/1.1 101'):
        sys.exit('ws-tunnel: upgrade refused: %r' % head[:80])
    out = sys.stdout.buffer

    def write(data):
        out.write(data)
        out.flush()

    if rest:
        write(FrameReader().feed(rest))
    pump(ws, sys.stdin.buffer, write, True, time.time() + 60)
    ws.close()


if __name__ == '__main__':
    if len(sys.argv) == 8 and sys.argv[1] == 'server':
        server(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7]))
    elif len(sys.argv) == 4 and sys.argv[1] == 'client':
        client(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)
