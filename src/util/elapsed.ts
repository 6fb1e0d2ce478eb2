/**
 * Seconds between two packet times, rounded to the nanosecond. Packet
 * times are float seconds since the epoch, so a plain difference carries
 * float noise in its last digits (0.0002560615539550781 for 256 µs); no
 * capture clock is finer than a nanosecond, so rounding there loses nothing
 * and logs show the short number (and write it faster).
 */
export function elapsedSeconds(from: number, to: number): number {
  return Math.round((to - from) * 1e9) / 1e9;
}
