// A per-cluster accent colour: a stable hash of the cluster id picks a hue, so "prod" has the
// same colour in every tab and session without anything stored. Saturation and lightness are
// fixed and chosen to read on both the light and the dark background.

/** FNV-1a, 32 bit: tiny, stable, and spreads short similar ids (dev, dev2) apart. */
export function hashString(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i += 1) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export function clusterHue(cluster: string): number {
  return hashString(cluster) % 360;
}

/** CSS colour of a cluster's accent ("" for no cluster: the theme's own accent applies). */
export function clusterAccent(cluster: string): string {
  return cluster ? `hsl(${clusterHue(cluster)} 70% 48%)` : "";
}
