#!/usr/bin/python3
"""
Asks an SMB server's IPC$ for named pipes by name, as a tool that talks
over a pipe does first, for the lab's named-pipe scenario. Impacket's SMB
client (SMB 2/3, guest sign-in); each pipe is opened and closed again, and
whether the server had it is printed.

usage: pipe-open.py SERVER PIPE...
Runs inside a lab namespace; one connection, a fixed list of names.
"""
import sys

from impacket.smbconnection import SMBConnection, SessionError


def main():
    server, pipes = sys.argv[1], sys.argv[2:]
    conn = SMBConnection(server, server, sess_port=445, timeout=10)
    conn.login('', '')
    tid = conn.connectTree('IPC$')
    for name in pipes:
        try:
            fid = conn.openFile(tid, '\\' + name)
            conn.closeFile(tid, fid)
            print(f'{name}: opened')
        except SessionError as e:
            print(f'{name}: {e.getErrorString()[0]}')
    conn.disconnectTree(tid)
    conn.logoff()


if __name__ == '__main__':
    main()
