#!/usr/bin/env python3
"""
A minimal data channel over ICMP echo for the lab's icmp-tunnel scenario,
shaped like ptunnel's: the client sends a file in echo requests of up to
1,000 payload bytes, and the server (whose kernel does not echo) answers
each with an echo reply of its own, a 28-byte acknowledgement, as a tunnel
proxy does; nothing is echoed back.

usage: icmp-tunnel.py server OWN_IPV4 MAX_PACKETS SECONDS
       icmp-tunnel.py client SERVER_IPV4 FILE
Runs inside lab namespaces, as root (raw ICMP sockets); bounded in packets and time.
"""
import select
import socket
import struct
import sys
import time

ECHO_REPLY, ECHO_REQUEST = 0, 8
CHUNK = 1000
MAGIC = b'PKLT'


def checksum(data):
    if len(data) % 2:
        data += b'\x00'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def icmp(kind, ident, seq, payload):
    head = struct.pack('!BBHHH', kind, 0, 0, ident, seq)
    return struct.pack('!BBHHH', kind, 0, checksum(head + payload), ident, seq) + payload


def raw():
    return socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)


def server(own, max_packets, seconds):
    s = raw()
    s.bind((own, 0))
    stop = time.monotonic() + seconds
    answered = 0
    while answered < max_packets and time.monotonic() < stop:
        ready, _, _ = select.select([s], [], [], 0.2)
        if not ready:
            continue
        packet, peer = s.recvfrom(65535)
        ihl = (packet[0] & 0x0F) * 4
        kind, _, _, ident, seq = struct.unpack('!BBHHH', packet[ihl:ihl + 8])
        data = packet[ihl + 8:]
        if kind != ECHO_REQUEST or not data.startswith(MAGIC):
            continue
        ack = MAGIC + b'ACK' + struct.pack('!I', seq) + b'\x00' * 17
        s.sendto(icmp(ECHO_REPLY, ident, seq, ack), (peer[0], 0))
        answered += 1
    s.close()


def client(server_ip, path):
    with open(path, 'rb') as f:
        data = f.read()
    s = raw()
    ident = 0x5054
    for seq, off in enumerate(range(0, len(data), CHUNK - len(MAGIC))):
        chunk = MAGIC + data[off:off + CHUNK - len(MAGIC)]
        s.sendto(icmp(ECHO_REQUEST, ident, seq & 0xFFFF, chunk), (server_ip, 0))
        # Wait for the acknowledgement (or give up on it after 0.5 s), as a tunnel's window would.
        stop = time.monotonic() + 0.5
        while time.monotonic() < stop:
            ready, _, _ = select.select([s], [], [], 0.05)
            if ready:
                s.recvfrom(65535)
                break
    s.close()


if __name__ == '__main__':
    if sys.argv[1] == 'server':
        server(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    else:
        client(sys.argv[2], sys.argv[3])
