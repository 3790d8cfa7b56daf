#!/usr/bin/env node
// derive.js — step 1 of the border derivation: the land of every country of the npm package
// world-atlas (Natural Earth 1:10m admin-0 countries, public domain, as quantized TopoJSON), read
// with topojson-client, written as JSON for step 2 (tools/derive-sea/derive.py), which adds the
// territorial sea and writes src/geo/borders_data.c. Run both with tools/derive-borders/derive.sh.
//
// Usage: node derive.js OUT.json
//
// What it does, in order:
//  1. reads every country of world-atlas (255 features; those without an ISO numeric id, such as
//     Kosovo or Baikonur, are keyed by name): the 13 of WANTED are embedded in the library, all of
//     them are the neighbours among which step 2 splits the sea by equidistance;
//  2. applies the internationally recognised borders: world-atlas (Natural Earth's de facto
//     admin-0 layer) puts Crimea, with Sevastopol, in Russia. The Russian polygon that contains
//     Simferopol is removed from Russia and merged into Ukraine with topojson.merge, which drops
//     the arcs they share (Perekop, Chonhar, the Arabat Spit), so Ukraine stays a valid
//     multipolygon. The script fails if that polygon is not found or does not also hold
//     Sevastopol, so a changed upstream cannot silently undo the fix. Natural Earth also lists the
//     Åland Islands (an autonomous region of Finland) as a unit of their own: their islands are
//     added to Finland, so that Finland's territorial sea is drawn around them too;
//  3. repairs the antimeridian: a quantized ring that lies east of 0 but touches x = 0
//     (-180 degrees) gets those vertices moved to +180, and the reverse for western rings;
//  4. writes every ring as the TopoJSON's quantized integers (absolute, delta decoding done), with
//     the transform, so src/geo/borders.c decodes exactly the doubles topojson-client would.
//
// The output is a pure function of the package versions pinned in package-lock.json, which it
// records (with Natural Earth's version) for the generated file's header.
'use strict';

const fs = require('fs');
const path = require('path');
const topojson = require('topojson-client');

const atlasPkg = require('world-atlas/package.json');
const atlasReadme = fs.readFileSync(require.resolve('world-atlas/README.md'), 'utf8');
const neVersion = (/vector data\]\([^)]*\), version ([0-9.]+)/.exec(atlasReadme) || [])[1] || 'unknown';
const topo = require('world-atlas/countries-10m.json');

// ISO alpha-2, ISO numeric (as world-atlas ids it), English name.
const WANTED = [
  ['UA', '804', 'Ukraine'],
  ['RU', '643', 'Russia'],
  ['BY', '112', 'Belarus'],
  ['MD', '498', 'Moldova'],
  ['PL', '616', 'Poland'],
  ['RO', '642', 'Romania'],
  ['SK', '703', 'Slovakia'],
  ['HU', '348', 'Hungary'],
  ['GE', '268', 'Georgia'],
  ['LT', '440', 'Lithuania'],
  ['LV', '428', 'Latvia'],
  ['EE', '233', 'Estonia'],
  ['FI', '246', 'Finland'],
];

const SIMFEROPOL = [34.10, 44.95];
const FINLAND = '246';
const ALAND = '248';
const MARIEHAMN = [19.94, 60.10];
const SEVASTOPOL = [33.52, 44.60];

function die(msg) {
  process.stderr.write('derive-borders: ' + msg + '\n');
  process.exit(1);
}

// Crossing-number test on a decoded ring (lon/lat pairs).
function ringContains(ring, pt) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > pt[1]) !== (yj > pt[1]) && pt[0] < ((xj - xi) * (pt[1] - yi)) / (yj - yi) + xi) {
      inside = !inside;
    }
  }
  return inside;
}

function geometryById(id) {
  const g = topo.objects.countries.geometries.find((x) => x.id === id);
  if (!g) die('world-atlas has no country with id ' + id);
  return g;
}

// Polygons (arrays of rings of quantized points) of a topojson geometry object, decoded with
// the topology's arcs but kept in quantized integers.
// The topology with an identity transform: delta decoding only, so points stay integers.
const IDENTITY = {
  type: topo.type,
  arcs: topo.arcs,
  objects: {},
  transform: { scale: [1, 1], translate: [0, 0] },
};

function quantizedPolygons(geomObj) {
  const q = IDENTITY; // integers
  const gj = topojson.feature(q, geomObj).geometry;
  if (gj.type === 'Polygon') return [gj.coordinates];
  if (gj.type === 'MultiPolygon') return gj.coordinates;
  die('unexpected geometry type ' + gj.type);
  return [];
}

function mergedQuantized(objs) {
  const q = IDENTITY;
  const gj = topojson.merge(q, objs);
  return gj.coordinates; // MultiPolygon
}

function decode(qpt) {
  const [kx, ky] = topo.transform.scale;
  const [dx, dy] = topo.transform.translate;
  return [qpt[0] * kx + dx, qpt[1] * ky + dy];
}

// --- 1 + 2: pick the countries, move Crimea ----------------------------------------------------
const ru = geometryById('643');
const ua = geometryById('804');
if (ru.type !== 'MultiPolygon') die('Russia is not a MultiPolygon');
let crimeaIdx = -1;
ru.arcs.forEach((polyArcs, i) => {
  const polys = quantizedPolygons({ type: 'Polygon', arcs: polyArcs });
  const outer = polys[0][0].map(decode);
  if (ringContains(outer, SIMFEROPOL)) {
    if (crimeaIdx >= 0) die('two Russian polygons contain Simferopol');
    crimeaIdx = i;
  }
});
let crimeaNote;
let alandNote;
const polygonsOf = {};
if (crimeaIdx >= 0) {
  const crimeaArcs = ru.arcs[crimeaIdx];
  const outer = quantizedPolygons({ type: 'Polygon', arcs: crimeaArcs })[0][0].map(decode);
  if (!ringContains(outer, SEVASTOPOL)) die('the Crimean polygon does not contain Sevastopol');
  const uaObjs = [];
  if (ua.type === 'Polygon') uaObjs.push({ type: 'Polygon', arcs: ua.arcs });
  else for (const a of ua.arcs) uaObjs.push({ type: 'Polygon', arcs: a });
  uaObjs.push({ type: 'Polygon', arcs: crimeaArcs });
  polygonsOf['804'] = mergedQuantized(uaObjs);
  polygonsOf['643'] = quantizedPolygons({
    type: 'MultiPolygon',
    arcs: ru.arcs.filter((_, i) => i !== crimeaIdx),
  });
  crimeaNote = 'Crimea (polygon #' + crimeaIdx + ' of Russia in world-atlas, ' + outer.length +
    ' vertices) moved to UA';
} else {
  // Upstream already follows recognised borders: check that Ukraine holds Simferopol.
  const uaPolys = quantizedPolygons(ua);
  if (!uaPolys.some((p) => ringContains(p[0].map(decode), SIMFEROPOL))) {
    die('neither Russia nor Ukraine contains Simferopol');
  }
  crimeaNote = 'Crimea already in UA upstream; nothing moved';
}

// --- 2b: Åland is Finland ------------------------------------------------------------------------
{
  const fi = geometryById(FINLAND);
  const ax = topo.objects.countries.geometries.find((x) => x.id === ALAND);
  if (ax) {
    const axPolys = quantizedPolygons(ax);
    if (!axPolys.some((p) => ringContains(p[0].map(decode), MARIEHAMN))) {
      die('the Åland unit of world-atlas does not contain Mariehamn');
    }
    const objs = [];
    for (const g of [fi, ax]) {
      if (g.type === 'Polygon') objs.push({ type: 'Polygon', arcs: g.arcs });
      else for (const a of g.arcs) objs.push({ type: 'Polygon', arcs: a });
    }
    polygonsOf[FINLAND] = mergedQuantized(objs);
    polygonsOf[ALAND] = [];
    alandNote = 'the Åland Islands (' + axPolys.length + ' polygons, world-atlas id 248) added to FI';
  } else {
    const fiPolys = quantizedPolygons(fi);
    if (!fiPolys.some((p) => ringContains(p[0].map(decode), MARIEHAMN))) {
      die('neither Finland nor an Åland unit contains Mariehamn');
    }
    alandNote = 'the Åland Islands already in FI upstream; nothing moved';
  }
}

// --- 3: antimeridian ---------------------------------------------------------------------------
const QMAX = Math.round(360 / topo.transform.scale[0]); // quantized x of +180
function fixAntimeridian(ring) {
  let east = 0;
  let west = 0;
  for (const [x] of ring) {
    if (x > 0 && x < QMAX) (decode([x, 0])[0] > 0 ? east++ : west++);
  }
  for (const p of ring) {
    if (east > west && p[0] === 0) p[0] = QMAX;
    else if (west > east && p[0] === QMAX) p[0] = 0;
  }
  return ring;
}
if (Math.abs(decode([QMAX, 0])[0] - 180) > 1e-9) die('quantized +180 does not decode to 180');

// --- 4: write ----------------------------------------------------------------------------------
const out = process.argv[2];
if (!out) die('usage: node derive.js OUT.json');

const wantedById = new Map(WANTED.map(([code, id, name]) => [id, { code, name }]));
const countries = [];
for (const g of topo.objects.countries.geometries) {
  const key = g.id !== undefined ? g.id : 'name:' + g.properties.name;
  const polys = (polygonsOf[g.id] || quantizedPolygons(g)).map((p) => p.map(fixAntimeridian));
  if (polys.length === 0) continue; // merged into another country
  const w = wantedById.get(g.id);
  countries.push({
    key,
    name: w ? w.name : g.properties.name,
    code: w ? w.code : null,
    polygons: polys,
  });
}
// The embedded countries first, in the order of WANTED; then the others by key.
const order = (c) => (c.code ? WANTED.findIndex((w) => w[0] === c.code) : WANTED.length);
countries.sort((a, b) => order(a) - order(b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
for (const [code] of WANTED) {
  if (!countries.some((c) => c.code === code)) die('world-atlas lacks ' + code);
}
const result = {
  source: {
    worldAtlas: atlasPkg.version,
    naturalEarth: neVersion,
    topojsonClient: require('topojson-client/package.json').version,
  },
  notes: [crimeaNote, alandNote, 'antimeridian vertices of eastern rings moved from -180 to +180'],
  scale: topo.transform.scale,
  translate: topo.transform.translate,
  countries,
};
fs.writeFileSync(out, JSON.stringify(result));
process.stderr.write('derive-borders: wrote ' + path.basename(out) + ': ' + countries.length +
  ' countries; ' + crimeaNote + '; ' + alandNote + '\n');
