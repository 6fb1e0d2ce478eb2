/**
 * The files of one finished mail message (MailMessage.finish), whichever
 * protocol carried it (SMTP DATA or BDAT, a POP3 RETR, an IMAP FETCH): a
 * files.jsonl line each, numbered on the connection.
 */
import type { ConnectionFiles, FileAbout } from '../../files/transfer.js';
import type { BodyFile } from '../mime/multipart.js';
import type { MessageHeaders } from './message.js';
import { decodeEncodedWords } from '../mime/params.js';

/** Logs `parts` as files of `source`, at `depth`, sent by the originator when `isOrig`; their fuids in order. */
export function logMessageFiles(files: ConnectionFiles, parts: readonly BodyFile[], source: string, depth: number, isOrig: boolean, about: FileAbout = {}): string[] {
  const fuids: string[] = [];
  for (const f of parts) {
    fuids.push(
      files.ended(
        f.transfer,
        {
          source,
          depth,
          isOrig,
          ...(f.mime !== undefined ? { mime: f.mime } : {}),
          ...(f.fileName !== undefined ? { fileName: f.fileName } : {}),
        },
        f.complete,
        about,
      ),
    );
  }
  return fuids;
}

/**
 * What a message read off a mailbox (POP3 RETR, IMAP FETCH or APPEND) says
 * of itself, for the rules its files reach: its From and Subject (decoded).
 * No envelope: that was SMTP's, when the message was sent.
 */
export function headerAbout(h: MessageHeaders): FileAbout {
  return {
    smtp: {
      rcptto: [],
      ...(h.from !== undefined ? { from: h.from } : {}),
      ...(h.subject !== undefined ? { subject: decodeEncodedWords(h.subject) } : {}),
    },
  };
}
