// The only module reading the phone's position: once, at arrival, with its accuracy, and the
// distance from the customer's address (the order's coordinates). A failure says why.
const REASONS = { 1: "denied", 2: "unavailable", 3: "timeout" };

/** {lat, lng, accuracy_m, at} or {error: "denied" | "unavailable" | "timeout" | "unsupported"}. */
export function positionOnce({ timeoutMs = 10_000 } = {}) {
  if (!navigator.geolocation) return Promise.resolve({ error: "unsupported" });
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lng: p.coords.longitude,
        accuracy_m: Math.round(p.coords.accuracy), at: new Date(p.timestamp).toISOString() }),
      (e) => resolve({ error: REASONS[e.code] || "unavailable" }),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 0 });
  });
}

/** Great-circle distance in metres (haversine, mean Earth radius). */
export function distanceM(a, b) {
  const rad = (d) => (d * Math.PI) / 180;
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return Math.round(2 * 6_371_000 * Math.asin(Math.sqrt(s)));
}

/** What the arrival event records about where the phone was, against the address and radius. */
export function arrivalEvidence(position, location, radiusM) {
  if (position.error) return { position: null, position_error: position.error };
  const evidence = { position, position_error: null };
  if (location && Number.isFinite(location.lat) && Number.isFinite(location.lng)) {
    evidence.distance_m = distanceM(position, location);
    evidence.radius_m = radiusM;
    evidence.far_from_address = evidence.distance_m > radiusM;
  } else {
    evidence.distance_m = null;
  }
  return evidence;
}
