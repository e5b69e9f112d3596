#!/usr/bin/env node
/**
 * Generates examples/nyc311-sample.csv (5,000 NYC-311-shaped service requests plus a few exact
 * duplicates and deliberately dirty rows) and examples/nyc311.schema.json (its Iceberg schema).
 * Deterministic: a seeded PRNG, no clock, so re-running reproduces the same bytes.
 *
 *   node scripts/make-nyc311-sample.mjs [rows] [out.csv]
 *
 * The benchmark reuses it for large inputs: `node scripts/make-nyc311-sample.mjs 1000000 /tmp/big.csv`.
 */
import { createWriteStream, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import process from 'node:process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rows = Number(process.argv[2] ?? 5000);
const out = process.argv[3] ?? join(root, 'examples', 'nyc311-sample.csv');
const withDirt = process.argv[3] === undefined || process.env.DIRTY === '1';

// mulberry32: tiny, fast, and the same sequence on every platform.
let seed = 311;
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

const AGENCIES = [
  [
    'NYPD',
    'New York City Police Department',
    [
      ['Noise - Residential', ['Loud Music/Party', 'Banging/Pounding', 'Loud Talking']],
      [
        'Illegal Parking',
        ['Blocked Hydrant', 'Double Parked Blocking Traffic', 'Posted Parking Sign Violation'],
      ],
      ['Blocked Driveway', ['No Access', 'Partial Access']],
      ['Noise - Street/Sidewalk', ['Loud Music/Party', 'Loud Talking']],
    ],
  ],
  [
    'HPD',
    'Department of Housing Preservation and Development',
    [
      ['HEAT/HOT WATER', ['ENTIRE BUILDING', 'APARTMENT ONLY']],
      ['PLUMBING', ['WATER SUPPLY', 'LEAKY FAUCET']],
      ['PAINT/PLASTER', ['WALL', 'CEILING']],
    ],
  ],
  [
    'DSNY',
    'Department of Sanitation',
    [
      ['Dirty Condition', ['Trash', 'Litter']],
      ['Missed Collection', ['Recycling - Paper', 'Trash']],
    ],
  ],
  [
    'DOT',
    'Department of Transportation',
    [
      ['Street Condition', ['Pothole', 'Cave-in']],
      ['Street Light Condition', ['Street Light Out', 'Lamppost Damaged']],
    ],
  ],
  [
    'DEP',
    'Department of Environmental Protection',
    [
      ['Water System', ['Hydrant Running (WC3)', 'Leak (Use Comments) (WA2)']],
      ['Noise', ['Noise: Construction Before/After Hours (NM1)', 'Noise, Barking Dog (NR5)']],
    ],
  ],
];
const LOCATION_TYPES = [
  'Street/Sidewalk',
  'Residential Building/House',
  'RESIDENTIAL BUILDING',
  'Store/Commercial',
  'Park',
  'Club/Bar/Restaurant',
];
const BOROUGHS = [
  [
    'MANHATTAN',
    'NEW YORK',
    ['10001', '10002', '10003', '10009', '10011', '10025', '10027', '10031', '10128'],
    40.78,
    -73.97,
  ],
  [
    'BROOKLYN',
    'BROOKLYN',
    ['11201', '11206', '11211', '11215', '11221', '11226', '11230', '11235'],
    40.65,
    -73.95,
  ],
  ['QUEENS', 'JAMAICA', ['11354', '11368', '11373', '11385', '11432', '11434', '11691'], 40.72, -73.82],
  ['BRONX', 'BRONX', ['10451', '10453', '10456', '10458', '10462', '10467', '10469'], 40.85, -73.88],
  ['STATEN ISLAND', 'STATEN ISLAND', ['10301', '10304', '10306', '10314'], 40.58, -74.15],
];
const STREETS = [
  'BROADWAY',
  'AMSTERDAM AVENUE',
  'FLATBUSH AVENUE',
  'GRAND CONCOURSE',
  'QUEENS BOULEVARD',
  'ATLANTIC AVENUE',
  'WEST 72 STREET',
  'EAST 14 STREET',
  'VICTORY BOULEVARD',
  'JAMAICA AVENUE',
  'OCEAN PARKWAY',
];

const HEADER = [
  'unique_key',
  'created_date',
  'closed_date',
  'agency',
  'agency_name',
  'complaint_type',
  'descriptor',
  'location_type',
  'incident_zip',
  'incident_address',
  'city',
  'status',
  'borough',
  'latitude',
  'longitude',
];

function csvField(v) {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const pad = (n, w = 2) => String(n).padStart(w, '0');
// Socrata's floating timestamps: local New York wall-clock, no offset.
function iso(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.000`;
}

const START = Date.UTC(2024, 2, 1); // 2024-03-01
const SPAN_MS = 14 * 86_400_000; // two weeks -> 14 day partitions

function makeRow(i) {
  const [agency, agencyName, complaints] = pick(AGENCIES);
  const [complaint, descriptors] = pick(complaints);
  const [borough, city, zips, lat, lon] = pick(BOROUGHS);
  const created = START + Math.floor((i / rows) * SPAN_MS) + Math.floor(rand() * 3_600_000);
  const closed = rand() < 0.8 ? iso(created + Math.floor(rand() * 3 * 86_400_000)) : '';
  let address = `${1 + Math.floor(rand() * 2500)} ${pick(STREETS)}`;
  if (rand() < 0.03) address += `, APT ${1 + Math.floor(rand() * 20)}${pick(['A', 'B', 'C'])}`; // needs CSV quoting
  let descriptor = pick(descriptors);
  if (rand() < 0.01) descriptor += ' "per caller"'; // embedded quotes
  return [
    60_000_000 + i,
    iso(created),
    closed,
    agency,
    agencyName,
    complaint,
    descriptor,
    pick(LOCATION_TYPES),
    rand() < 0.02 ? '' : pick(zips),
    rand() < 0.02 ? '' : address,
    city,
    closed ? 'Closed' : pick(['Open', 'In Progress', 'Assigned']),
    borough,
    rand() < 0.015 ? '' : (lat + (rand() - 0.5) * 0.1).toFixed(8),
    rand() < 0.015 ? '' : (lon + (rand() - 0.5) * 0.1).toFixed(8),
  ];
}

// Dirty rows, one per kind of mistake the loader must reject with a reason.
function dirty(kind, i) {
  const r = makeRow(i);
  switch (kind) {
    case 0:
      r[13] = 'abc';
      break; // latitude not a double
    case 1:
      r[1] = 'yesterday';
      break; // created_date not a timestamp
    case 2:
      r[0] = 'N/A';
      break; // unique_key not a long
    case 3:
      r[0] = '';
      break; // required unique_key missing
    case 4:
      return r.slice(0, 12); // too few fields
    case 5:
      r[14] = '-73.9O';
      break; // letter O for zero
    case 6:
      r[1] = '2024-02-30T10:00:00.000';
      break; // no such date
    case 7:
      return [...r, 'extra']; // too many fields
    // Rows that decode but break the example table's rules (examples/nyc311.rules.json):
    case 8:
      r[12] = 'NOWHERE';
      break; // borough not in the whitelist
    case 9:
      r[13] = '39.2';
      break; // latitude below 40
    case 10:
      r[14] = '-75.1';
      break; // longitude below -74.3
    case 11:
      r[2] = '2024-01-01T00:00:00.000';
      break; // closed before created
    case 12:
      r[12] = ` ${r[12].toLowerCase()} `;
      break; // not dirty once cleaned: trimmed and upper-cased by the rules, then kept
  }
  return r;
}

const DIRTY_KINDS = 13;

mkdirSync(dirname(out), { recursive: true });
const stream = createWriteStream(out);
const put = async (fields) => {
  if (!stream.write(fields.map(csvField).join(',') + '\n')) await once(stream, 'drain');
};
await put(HEADER);
const dupEvery = withDirt ? Math.floor(rows / 15) : 0;
const dirtEvery = withDirt ? Math.floor(rows / DIRTY_KINDS) : 0;
for (let i = 0; i < rows; i++) {
  const row = makeRow(i);
  await put(row);
  if (dupEvery && i % dupEvery === dupEvery - 1) await put(row); // an exact duplicate (a producer retry)
  if (dirtEvery && i % dirtEvery === Math.floor(dirtEvery / 2))
    await put(dirty(Math.floor(i / dirtEvery) % DIRTY_KINDS, rows + i));
}
stream.end();
await once(stream, 'finish');

const schema = {
  type: 'struct',
  'schema-id': 0,
  'identifier-field-ids': [1],
  fields: [
    { id: 1, name: 'unique_key', required: true, type: 'long' },
    {
      id: 2,
      name: 'created_date',
      required: true,
      type: 'timestamp',
      doc: 'local New York time, as published',
    },
    { id: 3, name: 'closed_date', required: false, type: 'timestamp' },
    { id: 4, name: 'agency', required: false, type: 'string' },
    { id: 5, name: 'agency_name', required: false, type: 'string' },
    { id: 6, name: 'complaint_type', required: false, type: 'string' },
    { id: 7, name: 'descriptor', required: false, type: 'string' },
    { id: 8, name: 'location_type', required: false, type: 'string' },
    { id: 9, name: 'incident_zip', required: false, type: 'string' },
    { id: 10, name: 'incident_address', required: false, type: 'string' },
    { id: 11, name: 'city', required: false, type: 'string' },
    { id: 12, name: 'status', required: false, type: 'string' },
    { id: 13, name: 'borough', required: false, type: 'string' },
    { id: 14, name: 'latitude', required: false, type: 'double' },
    { id: 15, name: 'longitude', required: false, type: 'double' },
  ],
};
// JSON.stringify's layout, but number arrays on one line, as the repository's prettier writes them.
function prettyJson(value) {
  const text = JSON.stringify(value, null, 2).replace(
    /\[\s+([\d,\s]+?)\s+\]/g,
    (_m, nums) => `[${nums.split(/,\s*/).join(', ')}]`,
  );
  return text + '\n';
}
if (process.argv[3] === undefined) {
  writeFileSync(join(root, 'examples', 'nyc311.schema.json'), prettyJson(schema));
}
process.stderr.write(`wrote ${out}\n`);
