"""
The accept loop the lab's scripted servers share (pop3-server.py,
stratum-pool.py, tds-server.py): one connection at a time, each handed to
`handle(conn)` with a read timeout, and bounded: at most CONNECTIONS
connections, and nothing accepted after SECONDS. A connection's network
errors end that connection, not the server.
"""
import socket
import time


def serve_bounded(address, port, connections, seconds, handle, timeout=10, errors=()):
    deadline = time.monotonic() + float(seconds)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((address, int(port)))
    srv.listen(16)
    served = 0
    try:
        while served < int(connections) and time.monotonic() < deadline:
            srv.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                conn, _ = srv.accept()
            except socket.timeout:
                break
            served += 1
            with conn:
                conn.settimeout(timeout)
                try:
                    handle(conn)
                except (OSError, socket.timeout, ConnectionError) + tuple(errors):
                    pass
    finally:
        srv.close()
