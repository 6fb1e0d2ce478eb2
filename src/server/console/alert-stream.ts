/**
 * GET /api/v1/console/alerts/stream: the alert feed (alert-feed.ts) as
 * server-sent events for the console's live alert list. The response is
 * taken over from fastify (hijacked) and written directly:
 *
 *   retry: 3000                       reconnect hint for EventSource
 *   id/event: alert, data: {row}      one stored alert, the shape of GET /alerts rows
 *   id/event: reset, data: {}         alerts may have been missed: reload the first page
 *   id/event: ready, data: {resumed}  after the replay; resumed=false means reload
 *   : keep-alive                      comment every HEARTBEAT_MS
 *
 * Suppressed alerts (console suppressions in force when the event is sent)
 * are not written. The session is checked again before every alert and
 * heartbeat: a stream of a user who logged out, expired or was removed ends
 * (the reconnect then gets 401). A listener whose unsent output passes
 * MAX_STREAM_BUFFER_BYTES (a client that stopped reading) is cut off; its
 * EventSource reconnects with Last-Event-ID and resumes from the feed's buffer.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StoredAlert } from '../../store/types.js';
import { ApiError } from '../api-error.js';
import type { AlertFeed, FeedEvent, FeedListener } from './alert-feed.js';

/** Milliseconds EventSource waits before reconnecting. */
export const STREAM_RETRY_MS = 3000;
/** Unsent bytes a listener may fall behind by (a few hundred alerts) before it is cut off. */
export const MAX_STREAM_BUFFER_BYTES = 256 * 1024;
/** Longest Last-Event-ID looked at (ours are short; anything longer is not ours). */
const MAX_EVENT_ID_LENGTH = 64;
/** Seconds a client is told to wait when the feed has all the listeners it takes. */
const FULL_RETRY_AFTER_SECONDS = 30;

function frame(e: FeedEvent): string {
  return e.type === 'alert' ? `id: ${e.id}\nevent: alert\ndata: ${JSON.stringify(e.alert)}\n\n` : `id: ${e.id}\nevent: reset\ndata: {}\n\n`;
}

export interface StreamChecks {
  /** Whether an alert may be shown (not suppressed). */
  visible(a: StoredAlert): boolean;
  /** Whether the session that opened the stream is still valid. */
  sessionAlive(): boolean;
}

/** Answers one stream request (the session was checked by the route's onRequest hook). */
export function streamAlerts(req: FastifyRequest, reply: FastifyReply, feed: AlertFeed, checks: StreamChecks): FastifyReply {
  if (feed.full) throw new ApiError(503, 'PKT_ERR_SERVER_BUSY', 'too many open alert streams; the list polls instead', FULL_RETRY_AFTER_SECONDS);
  const h = req.headers['last-event-id'];
  const lastEventId = typeof h === 'string' && h.length > 0 && h.length <= MAX_EVENT_ID_LENGTH ? h : undefined;

  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // Reverse proxies (nginx) would otherwise hold events back in their buffers.
    'x-accel-buffering': 'no',
  });
  res.write(`retry: ${STREAM_RETRY_MS}\n\n`);

  let ended = false;
  let unsubscribe = (): void => undefined;
  const end = (cutOff: boolean): void => {
    if (ended) return;
    ended = true;
    unsubscribe();
    // A listener cut off for being slow holds unsent data: drop it rather than wait for it.
    if (cutOff) res.destroy();
    else res.end();
  };
  const write = (text: string): void => {
    if (ended) return;
    if (res.writableLength > MAX_STREAM_BUFFER_BYTES) {
      feed.stats.cut_off++;
      end(true);
      return;
    }
    res.write(text);
  };
  const listener: FeedListener = {
    event(e) {
      if (!checks.sessionAlive()) return end(false);
      if (e.type === 'alert' && !checks.visible(e.alert)) return;
      write(frame(e));
    },
    heartbeat() {
      if (!checks.sessionAlive()) return end(false);
      write(': keep-alive\n\n');
    },
    close() {
      end(false);
    },
  };
  res.on('close', () => end(false));
  const sub = feed.subscribe(listener, lastEventId);
  if (sub === null) {
    end(false);
    return reply;
  }
  unsubscribe = sub.unsubscribe;
  // The client may have gone while the replay was written.
  if (ended) sub.unsubscribe();
  else write(`id: ${sub.lastId}\nevent: ready\ndata: ${JSON.stringify({ resumed: sub.resumed })}\n\n`);
  return reply;
}
