/**
 * Raw better-sqlite3 as the limit of a `$geoNear` in eddydb's storage: each point's document as BSON in a table,
 * its longitude and latitude beside it and in SQLite's R*Tree module. The nearest `n` to a centre are found by growing a box
 * around it, reading the R*Tree's points in the box, measuring each on the sphere (haversine, mongod's radius)
 * and taking the nearest once `n` of them lie within the circle the box holds; the returned documents are decoded
 * and given their distance, as `$geoNear` returns them. The pragmas are those of eddydb's file store (see raw_sqlite.ts).
 */
import { deserialize, serialize } from 'bson';
import type { Doc } from '../subjects/types.js';
import { openBenchDatabase } from './raw_sqlite.js';

const SCHEMA = `
CREATE TABLE points (id INTEGER PRIMARY KEY, lng REAL NOT NULL, lat REAL NOT NULL, body BLOB NOT NULL);
CREATE VIRTUAL TABLE points_box USING rtree(id, min_lng, max_lng, min_lat, max_lat);
`;

const EARTH_RADIUS_METERS = 6378.1 * 1000;
const RAD = Math.PI / 180;

function haversine(lng1: number, lat1: number, lng2: number, lat2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLng = (lng2 - lng1) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLng / 2) ** 2;
  return 2 * Math.asin(Math.sqrt(h)) * EARTH_RADIUS_METERS;
}

export interface RawSqliteGeo {
  /** Stores the points in one transaction; each has an integer `_id` and a GeoJSON point in `loc`. */
  load(docs: Doc[]): void;
  /** The `n` documents nearest to (lng, lat), nearest first, each with its distance in meters at `field`. */
  nearest(lng: number, lat: number, n: number, field: string): Doc[];
  close(): void;
}

export function openRawSqliteGeo(): RawSqliteGeo {
  const db = openBenchDatabase('raw-sqlite-geo');
  db.exec(SCHEMA);
  const insertDoc = db.prepare('INSERT INTO points (id, lng, lat, body) VALUES (?, ?, ?, ?)');
  const insertBox = db.prepare('INSERT INTO points_box (id, min_lng, max_lng, min_lat, max_lat) VALUES (?, ?, ?, ?, ?)');
  // The R*Tree keeps 32-bit floats rounded outwards: it finds the candidates, the table's exact pair measures them.
  const inBox = db.prepare('SELECT p.id, p.lng, p.lat FROM points_box b JOIN points p ON p.id = b.id WHERE b.max_lng >= ? AND b.min_lng <= ? AND b.max_lat >= ? AND b.min_lat <= ?');
  const body = db.prepare('SELECT body FROM points WHERE id = ?').pluck();
  const load = db.transaction((docs: Doc[]) => {
    for (const doc of docs) {
      const [lng, lat] = (doc.loc as { coordinates: number[] }).coordinates as [number, number];
      insertDoc.run(doc._id as number, lng, lat, serialize(doc));
      insertBox.run(doc._id as number, lng, lng, lat, lat);
    }
  });
  return {
    load: (docs) => load(docs),
    nearest(lng, lat, n, field) {
      // Half the box's side in degrees of latitude; the circle inside the box has this radius on the ground.
      for (let half = 0.05; ; half *= 2) {
        const dLng = Math.min(180, half / Math.max(0.01, Math.cos(Math.min(89, Math.abs(lat) + half) * RAD)));
        const rows = inBox.all(lng - dLng, lng + dLng, lat - half, lat + half) as { id: number; lng: number; lat: number }[];
        const reach = half * RAD * EARTH_RADIUS_METERS;
        const measured = rows.map((r) => ({ id: r.id, d: haversine(lng, lat, r.lng, r.lat) })).sort((a, b) => a.d - b.d);
        if (measured.filter((m) => m.d <= reach).length >= n || half >= 180) {
          return measured.slice(0, n).map((m) => {
            const doc = deserialize(body.get(m.id) as Buffer);
            doc[field] = m.d;
            return doc;
          });
        }
      }
    },
    close: () => db.close(),
  };
}
