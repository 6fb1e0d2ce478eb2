#!/usr/bin/env python3
"""
The Stratum exchanges of the lab's crypto-mining scenario. No miner ships in
Debian, so both ends are scripted, message for message as the protocol has
them: a Monero pool login as XMRig sends it (method "login" with wallet,
agent and algorithms; the pool answers with a session and a job, then
accepts one share), and a Bitcoin-style Stratum V1 sign-in
(mining.subscribe, mining.authorize). No hashing is done; the job and share
values are placeholders.

usage: stratum-pool.py pool PORT CONNECTIONS SECONDS
       stratum-pool.py miner HOST PORT monero|bitcoin
Bounded: the pool serves CONNECTIONS connections or stops after SECONDS.
"""
import json
import socket
import sys
import time

from bounded_server import serve_bounded

WALLET = '48LabExampleWalletNotARealAddressForTheStratumScenario000000000000000000000000000000000'
XMRIG_AGENT = 'XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/12.2.0'
CGMINER_AGENT = 'cgminer/4.12.0'


def send(sock, obj):
    sock.sendall((json.dumps(obj, separators=(',', ':')) + '\n').encode())


def lines(sock):
    buf = b''
    while True:
        data = sock.recv(4096)
        if not data:
            return
        buf += data
        while b'\n' in buf:
            line, buf = buf.split(b'\n', 1)
            if line.strip():
                yield json.loads(line)


def pool(port, connections, seconds):
    serve_bounded('0.0.0.0', port, connections, seconds, answer, timeout=5, errors=(ValueError,))


def answer(conn):
    for msg in lines(conn):
        method, mid = msg.get('method'), msg.get('id')
        if method == 'login':
            job = {'blob': '0' * 152, 'job_id': 'lab-job-1', 'target': 'b88d0600', 'algo': 'rx/0', 'height': 3000000, 'seed_hash': '0' * 64}
            send(conn, {'id': mid, 'jsonrpc': '2.0', 'error': None, 'result': {'id': 'lab-session-1', 'job': job, 'extensions': ['algo', 'keepalive'], 'status': 'OK'}})
        elif method == 'submit':
            send(conn, {'id': mid, 'jsonrpc': '2.0', 'error': None, 'result': {'status': 'OK'}})
        elif method == 'mining.subscribe':
            send(conn, {'id': mid, 'result': [[['mining.notify', 'lab-sub-1']], '08000002', 4], 'error': None})
        elif method == 'mining.authorize':
            send(conn, {'id': mid, 'result': True, 'error': None})
            send(conn, {'id': None, 'method': 'mining.set_difficulty', 'params': [1024]})
        elif method == 'mining.submit':
            send(conn, {'id': mid, 'result': True, 'error': None})


def miner(host, port, kind):
    sock = socket.create_connection((host, port), timeout=5)
    replies = lines(sock)
    if kind == 'monero':
        send(sock, {'id': 1, 'jsonrpc': '2.0', 'method': 'login',
                    'params': {'login': WALLET, 'pass': 'x', 'agent': XMRIG_AGENT, 'algo': ['rx/0', 'cn/2', 'cn/r', 'rx/wow']}})
        next(replies)
        time.sleep(0.5)
        send(sock, {'id': 2, 'jsonrpc': '2.0', 'method': 'submit',
                    'params': {'id': 'lab-session-1', 'job_id': 'lab-job-1', 'nonce': '00000000', 'result': '0' * 64}})
        next(replies)
    else:
        send(sock, {'id': 1, 'method': 'mining.subscribe', 'params': [CGMINER_AGENT]})
        next(replies)
        send(sock, {'id': 2, 'method': 'mining.authorize', 'params': ['labworker.rig1', 'x']})
        next(replies)
        next(replies)
    sock.close()


if __name__ == '__main__':
    if len(sys.argv) == 5 and sys.argv[1] == 'pool':
        pool(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    elif len(sys.argv) == 5 and sys.argv[1] == 'miner':
        miner(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        sys.exit(__doc__)
