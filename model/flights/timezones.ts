/**
 * Standard UTC offsets and DST observance of US airports as of 2001 (the data's year),
 * by state, with per-airport exceptions for states split across zones. Used to align the
 * destination's local hours with the origin's (see src/pipelines/flights/features.ts).
 */
export interface Zone {
  /** Standard-time offset from UTC in hours. */
  utc_offset: number;
  /** Observes US daylight saving time. */
  dst: boolean;
}

const EASTERN: Zone = { utc_offset: -5, dst: true };
const CENTRAL: Zone = { utc_offset: -6, dst: true };
const MOUNTAIN: Zone = { utc_offset: -7, dst: true };
const PACIFIC: Zone = { utc_offset: -8, dst: true };

const BY_STATE: Record<string, Zone> = {
  CT: EASTERN,
  DC: EASTERN,
  DE: EASTERN,
  FL: EASTERN,
  GA: EASTERN,
  KY: EASTERN,
  MA: EASTERN,
  MD: EASTERN,
  ME: EASTERN,
  MI: EASTERN,
  NC: EASTERN,
  NH: EASTERN,
  NJ: EASTERN,
  NY: EASTERN,
  OH: EASTERN,
  PA: EASTERN,
  RI: EASTERN,
  SC: EASTERN,
  VA: EASTERN,
  VT: EASTERN,
  WV: EASTERN,
  AL: CENTRAL,
  AR: CENTRAL,
  IA: CENTRAL,
  IL: CENTRAL,
  KS: CENTRAL,
  LA: CENTRAL,
  MN: CENTRAL,
  MO: CENTRAL,
  MS: CENTRAL,
  ND: CENTRAL,
  NE: CENTRAL,
  OK: CENTRAL,
  SD: CENTRAL,
  TN: CENTRAL,
  TX: CENTRAL,
  WI: CENTRAL,
  CO: MOUNTAIN,
  ID: MOUNTAIN,
  MT: MOUNTAIN,
  NM: MOUNTAIN,
  UT: MOUNTAIN,
  WY: MOUNTAIN,
  AZ: { utc_offset: -7, dst: false },
  CA: PACIFIC,
  NV: PACIFIC,
  OR: PACIFIC,
  WA: PACIFIC,
  AK: { utc_offset: -9, dst: true },
  HI: { utc_offset: -10, dst: false },
  PR: { utc_offset: -4, dst: false },
  VI: { utc_offset: -4, dst: false },
  // Indiana (2001): most of the state kept Eastern Standard Time all year.
  IN: { utc_offset: -5, dst: false },
};

/** Airports whose zone differs from their state's (or whose state is unknown in airports.csv). */
const BY_AIRPORT: Record<string, Zone> = {
  PNS: CENTRAL, // Florida panhandle
  VPS: CENTRAL,
  ELP: MOUNTAIN, // El Paso
  RAP: MOUNTAIN, // western South Dakota
  EVV: CENTRAL, // south-west Indiana kept Central with DST
  TRI: EASTERN, // east Tennessee
  TYS: EASTERN,
  CHA: EASTERN,
  MQT: EASTERN, // Marquette, MI (state missing in airports.csv)
};

export function zoneOf(code: string, state: string): Zone {
  const zone = BY_AIRPORT[code] ?? BY_STATE[state];
  if (!zone) throw new Error(`timezones: no zone for airport ${code} (state ${JSON.stringify(state)}); add it`);
  return zone;
}
