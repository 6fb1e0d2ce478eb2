/**
 * Which way an alert's traffic crossed the site's edge, as ECS
 * `network.direction` names it: from outside to a host inside (inbound),
 * from inside out (outbound), between two hosts inside (internal) or
 * between two outside (external). "Inside" is the site's own reading
 * (`SiteNetworks.isInternal`: configured networks, private, loopback,
 * link-local, CGNAT, multicast, ULA). Without both addresses there is no
 * direction.
 */

/** ECS `network.direction` values Picket writes. */
export type NetworkDirection = 'inbound' | 'outbound' | 'internal' | 'external';

export function networkDirection(isInternal: (ip: string) => boolean, src: string | undefined, dst: string | undefined): NetworkDirection | undefined {
  if (src === undefined || dst === undefined || src === '' || dst === '') return undefined;
  const fromInside = isInternal(src);
  const toInside = isInternal(dst);
  if (fromInside) return toInside ? 'internal' : 'outbound';
  return toInside ? 'inbound' : 'external';
}
