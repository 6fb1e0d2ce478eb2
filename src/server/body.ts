/**
 * JSON request bodies, plain or gzip-compressed (Content-Encoding: gzip,
 * which agents use for every batch over 1 KiB). Fastify reads at most
 * `maxBodyBytes` from the wire (413 past it); gunzip stops at
 * `maxDecompressedBytes` so a decompression bomb is refused with 413 instead
 * of filling memory. Parsing then goes through fastify's own JSON parser
 * (which refuses `__proto__`/`constructor` poisoning). Any other Content-Type
 * (text/plain included) is refused with 415 PKT_ERR_SERVER_MEDIA_TYPE.
 */
import zlib from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { ApiError, badRequest, tooLarge } from './api-error.js';

export interface BodyLimits {
  maxBodyBytes: number;
  maxDecompressedBytes: number;
}

/** Counters of refused bodies, by reason (read by the status route). */
export interface BodyStats {
  gzip_bodies: number;
  plain_bodies: number;
  refused_bomb: number;
  refused_bad_gzip: number;
  refused_encoding: number;
}

function gunzip(buf: Buffer, maxOutputLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zlib.gunzip(buf, { maxOutputLength }, (err, out) => (err === null ? resolve(out) : reject(err)));
  });
}

export function registerJsonBodies(app: FastifyInstance, limits: BodyLimits): BodyStats {
  const stats: BodyStats = { gzip_bodies: 0, plain_bodies: 0, refused_bomb: 0, refused_bad_gzip: 0, refused_encoding: 0 };
  const parseJson = app.getDefaultJsonParser('error', 'remove');
  // JSON is the only body type: fastify's text/plain parser would hand a route a string, answered 400
  // "body must be object" instead of 415 for the wrong Content-Type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: limits.maxBodyBytes }, (req, raw, done) => {
    const buf = raw as Buffer;
    const enc = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    const parse = (bytes: Buffer): void => {
      if (bytes.length > limits.maxDecompressedBytes) {
        stats.refused_bomb++;
        done(tooLarge(`body larger than ${limits.maxDecompressedBytes} bytes`), undefined);
        return;
      }
      parseJson(req, bytes.toString('utf8'), done);
    };
    if (enc === 'identity' || enc === '') {
      stats.plain_bodies++;
      parse(buf);
      return;
    }
    if (enc !== 'gzip' && enc !== 'x-gzip') {
      stats.refused_encoding++;
      done(new ApiError(415, 'PKT_ERR_SERVER_ENCODING', `Content-Encoding "${enc}" is not supported (use gzip)`), undefined);
      return;
    }
    stats.gzip_bodies++;
    gunzip(buf, limits.maxDecompressedBytes).then(parse, (err: NodeJS.ErrnoException) => {
      if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        stats.refused_bomb++;
        done(tooLarge(`body larger than ${limits.maxDecompressedBytes} bytes once decompressed`), undefined);
      } else {
        stats.refused_bad_gzip++;
        done(badRequest('body is not valid gzip'), undefined);
      }
    });
  });
  return stats;
}
