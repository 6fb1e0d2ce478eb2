#!/usr/bin/env python3
"""
A mailbox server for the lab's mail-fetch scenario (no POP3 server in
Debian runs without a mail system behind it): RFC 1939 with USER/PASS,
CAPA, STAT, LIST, UIDL, TOP, RETR, DELE, NOOP, RSET and QUIT, over one
mailbox of two messages: a note, and an invoice with PROGRAM attached
(base64, as mail clients send it). Lines that begin with a dot are
dot-stuffed, as the protocol wants.

usage: pop3-server.py ADDRESS PORT USER PASSWORD PROGRAM CONNECTIONS SECONDS
Bounded: it serves CONNECTIONS connections or stops after SECONDS.
"""
import sys
from email.message import EmailMessage

from bounded_server import serve_bounded


def messages(program):
    note = EmailMessage()
    note['From'] = 'it@lab.example'
    note['To'] = 'jdoe@lab.example'
    note['Subject'] = 'Mailbox quota'
    note.set_content('Your mailbox is almost full.\n.Please clean it up.\n')
    invoice = EmailMessage()
    invoice['From'] = 'billing@invoices.example'
    invoice['To'] = 'jdoe@lab.example'
    invoice['Subject'] = 'Invoice 4471 overdue'
    invoice.set_content('Please find the invoice attached.\n')
    with open(program, 'rb') as f:
        invoice.add_attachment(f.read(), maintype='application', subtype='octet-stream', filename='invoice.exe')
    out = []
    for m in (note, invoice):
        raw = m.as_bytes().replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
        out.append(raw if raw.endswith(b'\r\n') else raw + b'\r\n')
    return out


def stuffed(raw):
    return b''.join((b'.' + line if line.startswith(b'.') else line) for line in raw.splitlines(keepends=True))


def serve(conn, user, password, mailbox):
    f = conn.makefile('rb')
    send = conn.sendall
    send(b'+OK lab POP3 ready\r\n')
    authed = False
    who = None
    for line in f:
        words = line.decode('latin-1').strip().split(' ')
        cmd = words[0].upper()
        arg = words[1] if len(words) > 1 else None
        if cmd == 'CAPA':
            send(b'+OK Capability list follows\r\nUSER\r\nTOP\r\nUIDL\r\n.\r\n')
        elif cmd == 'USER':
            who = arg
            send(b'+OK\r\n')
        elif cmd == 'PASS':
            if who == user and ' '.join(words[1:]) == password:
                authed = True
                send(b'+OK mailbox locked and ready\r\n')
            else:
                send(b'-ERR [AUTH] Authentication failed.\r\n')
        elif cmd == 'QUIT':
            send(b'+OK bye\r\n')
            return
        elif not authed:
            send(b'-ERR not signed in\r\n')
        elif cmd == 'STAT':
            send(b'+OK %d %d\r\n' % (len(mailbox), sum(len(m) for m in mailbox)))
        elif cmd in ('LIST', 'UIDL') and arg is None:
            body = b''.join(b'%d %s\r\n' % (i + 1, (b'%d' % len(m)) if cmd == 'LIST' else b'lab-%d' % (i + 1)) for i, m in enumerate(mailbox))
            send(b'+OK\r\n' + body + b'.\r\n')
        elif cmd in ('RETR', 'TOP', 'LIST', 'UIDL', 'DELE'):
            try:
                m = mailbox[int(arg) - 1]
            except (TypeError, ValueError, IndexError):
                send(b'-ERR no such message\r\n')
                continue
            if cmd == 'RETR':
                send(b'+OK %d octets\r\n' % len(m) + stuffed(m) + b'.\r\n')
            elif cmd == 'TOP':
                head = m.split(b'\r\n\r\n', 1)[0] + b'\r\n\r\n'
                send(b'+OK\r\n' + stuffed(head) + b'.\r\n')
            elif cmd == 'DELE':
                send(b'+OK deleted\r\n')
            else:
                send(b'+OK %s %d\r\n' % (arg.encode(), len(m)))
        else:
            send(b'+OK\r\n')


def main():
    address, port, user, password, program, connections, seconds = sys.argv[1:8]
    mailbox = messages(program)
    serve_bounded(address, port, connections, seconds, lambda conn: serve(conn, user, password, mailbox))


if __name__ == '__main__':
    main()
