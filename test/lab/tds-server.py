#!/usr/bin/env python3
"""
A SQL Server login endpoint for the lab's mssql scenario (Microsoft SQL
Server does not ship in Debian): TDS 7.4 (MS-TDS) as far as a login goes.
It answers PRELOGIN saying it does not support encryption, so clients send
their LOGIN7 record in clear; it takes the password out of its obfuscation
and answers LOGINACK for USER/PASSWORD, else error 18456 "Login failed for
user" and closes, as SQL Server does. After a login, SQL batches get an
empty DONE. A pre-TDS 7 login record is refused the same way.

usage: tds-server.py ADDRESS PORT USER PASSWORD CONNECTIONS SECONDS
Bounded: it serves CONNECTIONS connections or stops after SECONDS.
"""
import struct
import sys

from bounded_server import serve_bounded

SERVER_NAME = 'LAB-SQL'


def packet(kind, payload, status=0x01):
    return struct.pack('>BBHHBB', kind, status, 8 + len(payload), 0, 1, 0) + payload


def read_exact(conn, n):
    data = b''
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError('closed')
        data += chunk
    return data


def read_message(conn):
    """One TDS message: its type and its packets' payloads joined."""
    kind, body = None, b''
    while True:
        head = read_exact(conn, 8)
        k, status, length = head[0], head[1], struct.unpack('>H', head[2:4])[0]
        kind = k if kind is None else kind
        body += read_exact(conn, length - 8)
        if status & 0x01:
            return kind, body


def prelogin_answer():
    options = [(0x00, bytes([15, 0, 0x07, 0xd0, 0, 0])), (0x01, b'\x02'), (0x02, b'\x00'), (0x03, b'')]
    at = 5 * len(options) + 1
    head, data = b'', b''
    for token, value in options:
        head += struct.pack('>BHH', token, at + len(data), len(value))
        data += value
    return head + b'\xff' + data


def b_varchar(text):
    raw = text.encode('utf-16le')
    return bytes([len(text)]) + raw


def done(status=0):
    return b'\xfd' + struct.pack('<HHQ', status, 0, 0)


def login_ack():
    env = b'\x01' + b_varchar('master') + b_varchar('master')
    ack = b'\x01' + bytes([0x74, 0, 0, 4]) + b_varchar('Microsoft SQL Server') + bytes([15, 0, 0x07, 0xd0])
    return (b'\xe3' + struct.pack('<H', len(env)) + env
            + b'\xad' + struct.pack('<H', len(ack)) + ack + done())


def login_failed(user):
    text = f"Login failed for user '{user}'."
    body = (struct.pack('<IBB', 18456, 1, 14) + struct.pack('<H', len(text)) + text.encode('utf-16le')
            + b_varchar(SERVER_NAME) + b_varchar('') + struct.pack('<I', 1))
    return b'\xaa' + struct.pack('<H', len(body)) + body + done(0x0002)


def login7_credentials(body):
    """User and password of a LOGIN7 record (the password's nibbles swapped and XORed with 0xA5 on the wire)."""
    ib_user, cch_user, ib_pass, cch_pass = struct.unpack('<HHHH', body[40:48])
    user = body[ib_user:ib_user + 2 * cch_user].decode('utf-16le')
    raw = bytes((((b ^ 0xa5) << 4) & 0xf0) | ((b ^ 0xa5) >> 4) for b in body[ib_pass:ib_pass + 2 * cch_pass])
    return user, raw.decode('utf-16le')


def tds4_credentials(body):
    user = body[31:31 + min(body[61], 30)].decode('latin-1')
    password = body[62:62 + min(body[92], 30)].decode('latin-1')
    return user, password


def serve(conn, user, password):
    while True:
        kind, body = read_message(conn)
        if kind == 0x12:
            conn.sendall(packet(0x04, prelogin_answer()))
        elif kind in (0x10, 0x02):
            got_user, got_pass = login7_credentials(body) if kind == 0x10 else tds4_credentials(body)
            if got_user == user and got_pass == password:
                conn.sendall(packet(0x04, login_ack()))
            else:
                conn.sendall(packet(0x04, login_failed(got_user)))
                return
        elif kind == 0x01:
            conn.sendall(packet(0x04, done()))
        else:
            return


def main():
    address, port, user, password, connections, seconds = sys.argv[1:7]
    serve_bounded(address, port, connections, seconds, lambda conn: serve(conn, user, password), errors=(UnicodeDecodeError, struct.error))


if __name__ == '__main__':
    main()
