#!/usr/bin/env node
// derive.js — derives src/geo/borders_data.c from the npm package world-atlas (Natural Earth
// 1:10m admin-0 countries, public domain, as quantized TopoJSON) with topojson-client.
//
// Usage: node derive.js OUT.c [--geojson OUT.json]
//
// What it does, in order:
//  1. picks the countries of WANTED by their ISO 3166-1 numeric id;
//  2. applies the internationally recognised borders: world-atlas (Natural Earth's de facto
//     admin-0 layer) puts Crimea, with Sevastopol, in Russia. The Russian polygon that contains
//     Simferopol is removed from Russia and merged into Ukraine with topojson.merge, which drops
//     the arcs they share (Perekop, Chonhar, the Arabat Spit), so Ukraine stays a valid
//     multipolygon. The script fails if that polygon is not found or does not also hold
//     Sevastopol, so a changed upstream cannot silently undo the fix;
//  3. repairs the antimeridian: a quantized ring that lies east of 0 but touches x = 0
//     (-180 degrees) gets those vertices moved to +180, and the reverse for western rings;
//  4. writes every ring as the TopoJSON's quantized integers (absolute, delta decoding done), with
//     the transform, so src/geo/borders.c decodes exactly the doubles topojson-client would.
//
// The output is a pure function of the package versions pinned in package-lock.json; the
// world-atlas version is written into the generated file's header.
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
if (!out) die('usage: node derive.js OUT.c [--geojson OUT.json]');
const gjIdx = process.argv.indexOf('--geojson');

const recs = [];
const xy = [];
const ringStart = [];
const polyRing = [];
const features = [];
for (const [code, id, name] of WANTED) {
  const polys = polygonsOf[id] || quantizedPolygons(geometryById(id));
  const firstPoly = polyRing.length;
  const gjPolys = [];
  for (const poly of polys) {
    polyRing.push(ringStart.length);
    const gjRings = [];
    for (const ring of poly) {
      fixAntimeridian(ring);
      ringStart.push(xy.length / 2);
      for (const [x, y] of ring) xy.push(x, y);
      gjRings.push(ring.map(decode));
    }
    gjPolys.push(gjRings);
  }
  recs.push({ code, name, firstPoly, npolys: polys.length });
  features.push({
    type: 'Feature',
    properties: { code, name },
    geometry: { type: 'MultiPolygon', coordinates: gjPolys },
  });
}
polyRing.push(ringStart.length);
ringStart.push(xy.length / 2);

function intLines(arr, perLine) {
  const lines = [];
  for (let i = 0; i < arr.length; i += perLine) {
    lines.push('    ' + arr.slice(i, i + perLine).join(',') + ',');
  }
  return lines.join('\n');
}

const hex = (v) => v.toPrecision(17);
const text = `/* borders_data.c — GENERATED by tools/derive-borders/derive.js; do not edit.
 *
 * Source: npm world-atlas ${atlasPkg.version} (countries-10m.json: Natural Earth ${neVersion} 1:10m
 * admin-0 countries, public domain), read with topojson-client ${require('topojson-client/package.json').version}.
 * Changes from the source:
 *  - ${crimeaNote};
 *  - antimeridian vertices of eastern rings moved from -180 to +180.
 *
 * Coordinates are the TopoJSON's quantized integers: lon = x * scale[0] + translate[0],
 * lat = y * scale[1] + translate[1]. Boundary i has polygons [first_poly, first_poly + npolys);
 * polygon p has rings [poly_ring[p], poly_ring[p + 1]), the first its shell; ring r has points
 * [ring_start[r], ring_start[r + 1]) of xy (closed: the last point repeats the first).
 * ${recs.length} boundaries, ${polyRing.length - 1} polygons, ${ringStart.length - 1} rings, ${xy.length / 2} points.
 */
#include "geo/borders_data.h"

const double cav__borders_scale[2] = {${hex(topo.transform.scale[0])}, ${hex(topo.transform.scale[1])}};
const double cav__borders_translate[2] = {${hex(topo.transform.translate[0])}, ${hex(topo.transform.translate[1])}};

const cav_border_rec cav__borders_recs[] = {
${recs.map((r) => `    {"${r.code}", "${r.name}", 1, ${r.firstPoly}, ${r.npolys}},`).join('\n')}
};
const int cav__borders_nrecs = ${recs.length};

const int32_t cav__borders_poly_ring[] = {
${intLines(polyRing, 16)}
};

const int32_t cav__borders_ring_start[] = {
${intLines(ringStart, 16)}
};

const int32_t cav__borders_xy[] = {
${intLines(xy, 16)}
};
`;
fs.writeFileSync(out, text);
if (gjIdx > 0) {
  fs.writeFileSync(process.argv[gjIdx + 1],
    JSON.stringify({ type: 'FeatureCollection', features }));
}
process.stderr.write('derive-borders: wrote ' + path.basename(out) + ': ' + recs.length +
  ' boundaries, ' + xy.length / 2 + ' points; ' + crimeaNote + '\n');
