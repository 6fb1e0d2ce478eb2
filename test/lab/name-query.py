#!/usr/bin/env python3
"""
A workstation's fallback name lookups for the lab's name-poisoning
scenario: one LLMNR query (to 224.0.0.252:5355) or one one-shot mDNS query
(to 224.0.0.251:5353) for an address record, as a Windows or Linux
resolver sends when DNS has no answer; prints the answers that come back
within a second.

usage: name-query.py llmnr|mdns NAME OWN_IPV4
"""
import random
import socket
import struct
import sys
import time

PROTO, NAME, OWN = sys.argv[1], sys.argv[2], sys.argv[3]
GROUP = ('224.0.0.252', 5355) if PROTO == 'llmnr' else ('224.0.0.251', 5353)


def encode(name):
    out = b''
    for label in name.split('.'):
        out += bytes([len(label)]) + label.encode('ascii')
    return out + b'\x00'


tid = random.randrange(1, 65536) if PROTO == 'llmnr' else 0
query = struct.pack('>HHHHHH', tid, 0, 1, 0, 0, 0) + encode(NAME) + struct.pack('>HH', 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(OWN))
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1 if PROTO == 'llmnr' else 255)
s.bind((OWN, 0))
s.sendto(query, GROUP)
stop = time.monotonic() + 1.0
while time.monotonic() < stop:
    s.settimeout(max(0.01, stop - time.monotonic()))
    try:
        msg, peer = s.recvfrom(2048)
    except socket.timeout:
        break
    if len(msg) >= 16:
        print(PROTO, NAME, 'answered by', peer[0], 'with', socket.inet_ntoa(msg[-4:]))
s.close()
